"""Deployment slots and swaps through the official SDK."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
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


def make_site(web, rg, name, sku="S1"):
    plan = web.app_service_plans.begin_create_or_update(
        rg, f"plan-{name}", {"location": "westeurope", "kind": "linux", "sku": {"name": sku}, "properties": {"reserved": True}}).result()
    return web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "kind": "app,linux", "properties": {
        "serverFarmId": plan.id, "siteConfig": {"linuxFxVersion": "PYTHON|3.11"}}}).result()


def make_slot(web, rg, name, slot, **props):
    return web.web_apps.begin_create_or_update_slot(rg, name, slot, {"location": "westeurope", "properties": props}).result()


def test_slot_shape_and_crud(web, resource_group, unique, azsim):
    site = make_site(web, resource_group, f"s-{unique}")
    slot = make_slot(web, resource_group, site.name, "staging")
    assert slot.name == f"{site.name}/staging" and slot.type == "Microsoft.Web/sites/slots"
    assert slot.id == site.id + "/slots/staging" and slot.server_farm_id == site.server_farm_id
    assert slot.default_host_name == f"{site.name}-staging.azurewebsites.net"
    assert slot.enabled_host_names == [f"{site.name}-staging.azurewebsites.net", f"{site.name}-staging.scm.azurewebsites.net"]
    assert web.web_apps.get_slot(resource_group, site.name, "staging").state == "Running"
    assert [s.name for s in web.web_apps.list_slots(resource_group, site.name)] == [f"{site.name}/staging"]
    with_slots = {s.name for s in web.web_apps.list_by_resource_group(resource_group, include_slots=True)}
    assert with_slots == {site.name, f"{site.name}/staging"}
    assert {s.name for s in web.web_apps.list_by_resource_group(resource_group)} == {site.name}
    upd = web.web_apps.update_slot(resource_group, site.name, "staging", {"properties": {"httpsOnly": True}})
    assert upd.https_only is True
    web.web_apps.stop_slot(resource_group, site.name, "staging")
    assert web.web_apps.get_slot(resource_group, site.name, "staging").state == "Stopped"
    assert web.web_apps.get(resource_group, site.name).state == "Running"
    web.web_apps.delete_slot(resource_group, site.name, "staging")
    with pytest.raises(ResourceNotFoundError) as exc:
        web.web_apps.get_slot(resource_group, site.name, "staging")
    assert f"'Microsoft.Web/sites/{site.name}/slots/staging'" in str(exc.value)


def test_slot_refused_on_basic(web, resource_group, unique):
    site = make_site(web, resource_group, f"b-{unique}", sku="B1")
    with pytest.raises(ResourceExistsError) as exc:
        make_slot(web, resource_group, site.name, "staging")
    assert exc.value.status_code == 409
    assert "Cannot complete the operation because the site will exceed the number of slots allowed for the 'Basic' SKU." in str(exc.value)


def test_sixth_slot_on_standard_refused(web, resource_group, unique):
    site = make_site(web, resource_group, f"q-{unique}")
    for i in range(5):
        make_slot(web, resource_group, site.name, f"s{i}")
    with pytest.raises(ResourceExistsError) as exc:
        make_slot(web, resource_group, site.name, "s5")
    assert "exceed the number of slots allowed for the 'Standard' SKU." in str(exc.value)
    # a scale-down to Basic is refused while slots exist
    with pytest.raises(HttpResponseError) as exc:
        web.app_service_plans.update(resource_group, f"plan-{site.name}", {"sku": {"name": "B1"}})
    assert exc.value.status_code == 409


def test_slot_name_rules(web, resource_group, unique):
    site = make_site(web, resource_group, f"n-{unique}")
    for bad in ("-x", "a_b", "production"):
        with pytest.raises(HttpResponseError) as exc:
            make_slot(web, resource_group, site.name, bad)
        assert exc.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        make_slot(web, resource_group, f"missing-{unique}", "staging")


def test_cloning_info_copies_config(web, resource_group, unique):
    site = make_site(web, resource_group, f"c-{unique}")
    web.web_apps.update_application_settings(resource_group, site.name, {"properties": {"FROM": "prod"}})
    web.web_apps.update_configuration(resource_group, site.name, {"properties": {"appCommandLine": "run.sh"}})
    make_slot(web, resource_group, site.name, "clone", cloningInfo={"sourceWebAppId": site.id})
    assert web.web_apps.list_application_settings_slot(resource_group, site.name, "clone").properties == {"FROM": "prod"}
    cfg = web.web_apps.get_configuration_slot(resource_group, site.name, "clone")
    assert cfg.app_command_line == "run.sh" and cfg.linux_fx_version == "PYTHON|3.11"
    plain = make_slot(web, resource_group, site.name, "plain")
    assert web.web_apps.list_application_settings_slot(resource_group, site.name, "plain").properties == {}
    assert plain.server_farm_id == site.server_farm_id


def _prepare_swap(web, rg, site):
    web.web_apps.update_slot_configuration_names(rg, site.name, {"properties": {"appSettingNames": ["ENV"], "connectionStringNames": ["Db"]}})
    web.web_apps.update_application_settings(rg, site.name, {"properties": {"ENV": "prod", "VERSION": "1"}})
    web.web_apps.update_connection_strings(rg, site.name, {"properties": {"Db": {"value": "prod-db", "type": "PostgreSQL"}}})
    make_slot(web, rg, site.name, "staging")
    web.web_apps.update_application_settings_slot(rg, site.name, "staging", {"properties": {"ENV": "staging", "VERSION": "2"}})
    web.web_apps.update_connection_strings_slot(rg, site.name, "staging", {"properties": {"Db": {"value": "stage-db", "type": "PostgreSQL"}}})
    web.web_apps.update_configuration_slot(rg, site.name, "staging", {"properties": {"linuxFxVersion": "PYTHON|3.12"}})


def test_swap_with_production_keeps_sticky_settings(web, resource_group, unique, azsim):
    site = make_site(web, resource_group, f"w-{unique}")
    _prepare_swap(web, resource_group, site)
    seq = azsim.last_seq()
    web.web_apps.begin_swap_slot_with_production(resource_group, site.name, {"targetSlot": "staging", "preserveVnet": True},
                                                 polling_interval=0.1).result()
    # The suite shares one principal's write budget: a throttled attempt (429, retried by the SDK) may come first.
    swap_row = next(r for r in azsim.requests_since(seq) if r["path"].endswith("/slotsswap") and r["status"] != 429)
    assert swap_row["status"] == 202
    prod = web.web_apps.list_application_settings(resource_group, site.name).properties
    stage = web.web_apps.list_application_settings_slot(resource_group, site.name, "staging").properties
    assert prod == {"ENV": "prod", "VERSION": "2"} and stage == {"ENV": "staging", "VERSION": "1"}
    assert web.web_apps.list_connection_strings(resource_group, site.name).properties["Db"].value == "prod-db"
    assert web.web_apps.get_configuration(resource_group, site.name).linux_fx_version == "PYTHON|3.12"
    assert web.web_apps.get_configuration_slot(resource_group, site.name, "staging").linux_fx_version == "PYTHON|3.11"
    got = web.web_apps.get(resource_group, site.name)
    assert got.default_host_name == f"{site.name}.azurewebsites.net"  # hostnames stay
    assert got.slot_swap_status.source_slot_name == "production" and got.slot_swap_status.destination_slot_name == "staging"


def test_swap_slot_form_and_validation(web, resource_group, unique, azsim, mode):
    site = make_site(web, resource_group, f"v-{unique}")
    _prepare_swap(web, resource_group, site)
    web.web_apps.begin_swap_slot(resource_group, site.name, "staging", {"targetSlot": "production", "preserveVnet": True},
                                 polling_interval=0.1).result()
    assert web.web_apps.list_application_settings(resource_group, site.name).properties["VERSION"] == "2"
    s = patient(azsim.session(mode))
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/{site.name}/slotsswap"
    assert s.post(url, params={"api-version": API}, json={"targetSlot": "staging"}).status_code == 400  # preserveVnet is required
    r = s.post(url, params={"api-version": API}, json={"targetSlot": "nope", "preserveVnet": True})
    assert r.status_code == 404


def test_swap_is_lro_at_nonzero_scale(web, resource_group, unique, azsim, time_scale):
    site = make_site(web, resource_group, f"l-{unique}")
    _prepare_swap(web, resource_group, site)
    time_scale(0.03)  # 60 s of Azure time -> 1.8 s
    seq = azsim.last_seq()
    web.web_apps.begin_swap_slot_with_production(resource_group, site.name, {"targetSlot": "staging", "preserveVnet": True},
                                                 polling_interval=0.2).result()
    rows = azsim.requests_since(seq)
    assert next(r for r in rows if r["path"].endswith("/slotsswap") and r["status"] != 429)["status"] == 202
    polls = [r for r in rows if "/operationresults/" in r["path"].lower()]
    assert 202 in [p["status"] for p in polls] and polls[-1]["status"] == 200
    assert web.web_apps.list_application_settings(resource_group, site.name).properties["VERSION"] == "2"


def test_preview_apply_and_reset(web, resource_group, unique):
    site = make_site(web, resource_group, f"p-{unique}")
    _prepare_swap(web, resource_group, site)
    # phase one: staging warms up with production's sticky settings
    web.web_apps.apply_slot_configuration_slot(resource_group, site.name, "staging", {"targetSlot": "production", "preserveVnet": True})
    stage = web.web_apps.list_application_settings_slot(resource_group, site.name, "staging").properties
    assert stage == {"ENV": "prod", "VERSION": "2"}
    assert web.web_apps.get_slot(resource_group, site.name, "staging").target_swap_slot == "production"
    diffs = list(web.web_apps.list_slot_differences_slot(resource_group, site.name, "staging", {"targetSlot": "production", "preserveVnet": True}))
    assert any(d.setting_name == "VERSION" for d in diffs)
    web.web_apps.reset_slot_configuration_slot(resource_group, site.name, "staging")
    assert web.web_apps.list_application_settings_slot(resource_group, site.name, "staging").properties == {"ENV": "staging", "VERSION": "2"}
    assert web.web_apps.get_slot(resource_group, site.name, "staging").target_swap_slot is None
    # preview then complete: sticky values end where they belong
    web.web_apps.apply_slot_configuration_slot(resource_group, site.name, "staging", {"targetSlot": "production", "preserveVnet": True})
    web.web_apps.begin_swap_slot(resource_group, site.name, "staging", {"targetSlot": "production", "preserveVnet": True},
                                 polling_interval=0.1).result()
    assert web.web_apps.list_application_settings(resource_group, site.name).properties == {"ENV": "prod", "VERSION": "2"}
    assert web.web_apps.list_application_settings_slot(resource_group, site.name, "staging").properties == {"ENV": "staging", "VERSION": "1"}


def test_slot_config_and_policies(web, resource_group, unique):
    site = make_site(web, resource_group, f"k-{unique}")
    make_slot(web, resource_group, site.name, "qa")
    web.web_apps.update_configuration_slot(resource_group, site.name, "qa", {"properties": {"ftpsState": "Disabled"}})
    assert web.web_apps.get_configuration_slot(resource_group, site.name, "qa").ftps_state == "Disabled"
    assert web.web_apps.get_configuration(resource_group, site.name).ftps_state == "AllAllowed"
    assert web.web_apps.get_scm_allowed_slot(resource_group, site.name, "qa").allow is True
    creds = web.web_apps.begin_list_publishing_credentials_slot(resource_group, site.name, "qa").result()
    assert creds.publishing_user_name == f"${site.name}__qa"
