"""App Service plans through the official SDK (azure-mgmt-web WebSiteManagementClient)."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.web import WebSiteManagementClient

API = "2025-05-01"


def patient(session):
    """A raw client that, like azure-core, retries ARM's 429 after Retry-After (the whole suite can
    exhaust the subscription's write bucket)."""
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
    retry = Retry(total=6, status_forcelist=[429], allowed_methods=None, respect_retry_after_header=True, raise_on_status=False, backoff_factor=0.5)
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


@pytest.fixture
def web(azsim, mode):
    return azsim.client(WebSiteManagementClient, mode)


def plan_body(sku="S1", capacity=None, linux=True, **extra):
    sku_obj = {"name": sku}
    if capacity is not None:
        sku_obj["capacity"] = capacity
    body = {"location": "westeurope", "kind": "linux" if linux else "app", "sku": sku_obj, "properties": {"reserved": linux}}
    body.update(extra)
    return body


def test_create_get_linux_plan(web, resource_group, unique, azsim):
    plan = web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", plan_body("S1", tags={"env": "t"})).result()
    assert plan.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/serverfarms/plan-{unique}"
    assert plan.type == "Microsoft.Web/serverfarms"
    assert plan.kind == "linux" and plan.reserved is True
    assert plan.location == "West Europe" and plan.geo_region == "West Europe"
    assert (plan.sku.name, plan.sku.tier, plan.sku.family, plan.sku.capacity) == ("S1", "Standard", "S", 1)
    assert plan.maximum_number_of_workers == 10 and plan.number_of_workers == 1
    assert plan.status == "Ready" and plan.provisioning_state == "Succeeded"
    assert plan.tags == {"env": "t"} and plan.number_of_sites == 0
    got = web.app_service_plans.get(resource_group, f"plan-{unique}")
    assert got.sku.tier == "Standard" and got.resource_group == resource_group


def test_sku_name_sets_tier_and_premium_v3_casing(web, resource_group, unique):
    plan = web.app_service_plans.begin_create_or_update(resource_group, f"p3-{unique}", plan_body("p1v3")).result()
    assert (plan.sku.name, plan.sku.tier, plan.sku.family) == ("P1v3", "PremiumV3", "Pv3")
    assert plan.maximum_number_of_workers == 30


def test_capacity_above_tier_max_refused(web, resource_group, unique):
    with pytest.raises(HttpResponseError) as exc:
        web.app_service_plans.begin_create_or_update(resource_group, f"big-{unique}", plan_body("S1", capacity=11)).result()
    assert exc.value.status_code == 400
    assert "between 1 and 10" in str(exc.value)
    with pytest.raises(HttpResponseError):
        web.app_service_plans.begin_create_or_update(resource_group, f"b4-{unique}", plan_body("B1", capacity=4)).result()
    ok = web.app_service_plans.begin_create_or_update(resource_group, f"b3-{unique}", plan_body("B1", capacity=3)).result()
    assert ok.number_of_workers == 3


def test_unknown_sku_and_tier_mismatch(web, resource_group, unique):
    with pytest.raises(HttpResponseError) as exc:
        web.app_service_plans.begin_create_or_update(resource_group, f"x-{unique}", plan_body("Z9")).result()
    assert exc.value.status_code == 400 and "The parameter SKU has an invalid value." in str(exc.value)
    body = plan_body("S1")
    body["sku"]["tier"] = "Basic"
    with pytest.raises(HttpResponseError):
        web.app_service_plans.begin_create_or_update(resource_group, f"y-{unique}", body).result()


def test_put_without_capacity_keeps_worker_count(web, resource_group, unique):
    name = f"keep-{unique}"
    web.app_service_plans.begin_create_or_update(resource_group, name, plan_body("S1", capacity=4)).result()
    again = web.app_service_plans.begin_create_or_update(resource_group, name, plan_body("S2")).result()
    assert again.sku.name == "S2" and again.sku.capacity == 4 and again.number_of_workers == 4
    patched = web.app_service_plans.update(resource_group, name, {"properties": {"perSiteScaling": True}})
    assert patched.number_of_workers == 4 and patched.per_site_scaling is True
    scaled = web.app_service_plans.update(resource_group, name, {"sku": {"name": "S2", "capacity": 6}})
    assert scaled.number_of_workers == 6
    assert web.app_service_plans.get(resource_group, name).sku.capacity == 6


def test_patch_tags_and_scale_up(web, resource_group, unique):
    name = f"pt-{unique}"
    web.app_service_plans.begin_create_or_update(resource_group, name, plan_body("B1")).result()
    up = web.app_service_plans.update(resource_group, name, {"sku": {"name": "P1V3"}, "tags": {"a": "b"}})
    assert up.sku.tier == "PremiumV3" and up.tags == {"a": "b"} and up.maximum_number_of_workers == 30


def test_lists_and_missing(web, resource_group, unique, azsim, mode):
    for i in range(3):
        web.app_service_plans.begin_create_or_update(resource_group, f"l{i}-{unique}", plan_body("B1")).result()
    names = {p.name for p in web.app_service_plans.list_by_resource_group(resource_group)}
    assert names == {f"l{i}-{unique}" for i in range(3)}
    assert {f"l{i}-{unique}" for i in range(3)} <= {p.name for p in web.app_service_plans.list()}
    with pytest.raises(ResourceNotFoundError) as exc:
        web.app_service_plans.get(resource_group, f"nope-{unique}")
    assert "ResourceNotFound" in str(exc.value)


def test_delete_plan_with_site_conflict_then_ok(web, resource_group, unique):
    name = f"del-{unique}"
    plan = web.app_service_plans.begin_create_or_update(resource_group, name, plan_body("B1")).result()
    web.web_apps.begin_create_or_update(resource_group, f"app-{unique}", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    assert web.app_service_plans.get(resource_group, name).number_of_sites == 1
    assert [s.name for s in web.app_service_plans.list_web_apps(resource_group, name)] == [f"app-{unique}"]
    with pytest.raises(HttpResponseError) as exc:
        web.app_service_plans.delete(resource_group, name)
    assert exc.value.status_code == 409
    assert f"Server farm '{name}' cannot be deleted because it has web app(s) app-{unique} assigned to it." in str(exc.value)
    assert '"ExtendedCode":"11003"' in str(exc.value).replace(" ", "")
    web.web_apps.delete(resource_group, f"app-{unique}", delete_empty_server_farm=False)
    web.app_service_plans.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError):
        web.app_service_plans.get(resource_group, name)
    web.app_service_plans.delete(resource_group, name)  # absent: 204, no error


def test_restart_sites_capabilities_skus(web, resource_group, unique, azsim, mode):
    name = f"misc-{unique}"
    web.app_service_plans.begin_create_or_update(resource_group, name, plan_body("S1")).result()
    web.app_service_plans.restart_web_apps(resource_group, name)
    caps = web.app_service_plans.list_capabilities(resource_group, name)
    assert {c.name for c in caps} >= {"maxWorkers"}
    s = patient(azsim.session(mode))
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/serverfarms/{name}"
    r = s.get(base + "/skus", params={"api-version": API})
    assert r.status_code == 200 and any(x["sku"]["name"] == "S1" for x in r.json()["skus"])
    assert s.get(base + "/usages", params={"api-version": API}).json() == {"value": []}


def test_create_is_lro_at_nonzero_scale(web, resource_group, unique, azsim, time_scale, mode):
    time_scale(0.1)  # 10 s of Azure time -> 1 s
    seq = azsim.last_seq()
    poller = web.app_service_plans.begin_create_or_update(resource_group, f"lro-{unique}", plan_body("S1"), polling_interval=0.2)
    plan = poller.result()
    assert plan.provisioning_state == "Succeeded" and plan.status == "Ready"
    rows = [r for r in azsim.requests_since(seq) if r["principal"]]
    # The SDK retries a 429 (the shared azsim's write bucket may be low after the other tests): the PUT azsim accepted.
    put = next(r for r in rows if r["method"] == "PUT" and r["path"].endswith(f"/serverfarms/lro-{unique}") and r["status"] != 429)
    assert put["status"] == 202
    polls = [r for r in rows if r["method"] == "GET" and "operation" in r["path"].lower()]
    assert polls and polls[-1]["status"] == 200
