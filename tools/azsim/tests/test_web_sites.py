"""Web apps through the official SDK (azure-mgmt-web WebSiteManagementClient), plus raw REST where
the SDK cannot express a request."""

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
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


def make_plan(web, rg, name, sku="S1", linux=True):
    return web.app_service_plans.begin_create_or_update(
        rg, name, {"location": "westeurope", "kind": "linux" if linux else "app", "sku": {"name": sku}, "properties": {"reserved": linux}}).result()


def make_site(web, rg, name, plan_id, **props):
    body = {"location": "West Europe", "kind": "app,linux", "properties": {"serverFarmId": plan_id, **props}}
    return web.web_apps.begin_create_or_update(rg, name, body).result()


@pytest.fixture
def plan(web, resource_group, unique):
    return make_plan(web, resource_group, f"plan-{unique}")


def test_create_site_shape(web, resource_group, unique, plan, azsim):
    name = f"app-{unique}"
    site = make_site(web, resource_group, name, plan.id, httpsOnly=True, siteConfig={"linuxFxVersion": "PYTHON|3.12", "alwaysOn": True})
    assert site.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/{name}"
    assert site.type == "Microsoft.Web/sites" and site.kind == "app,linux" and site.location == "West Europe"
    assert site.state == "Running" and site.enabled is True and site.reserved is True and site.https_only is True
    assert site.default_host_name == f"{name}.azurewebsites.net"
    assert site.host_names == [f"{name}.azurewebsites.net"]
    assert site.enabled_host_names == [f"{name}.azurewebsites.net", f"{name}.scm.azurewebsites.net"]
    assert [(s.name, s.host_type, s.ssl_state) for s in site.host_name_ssl_states] == [
        (f"{name}.azurewebsites.net", "Standard", "Disabled"), (f"{name}.scm.azurewebsites.net", "Repository", "Disabled")]
    assert re.fullmatch(r"[0-9A-F]{64}", site.custom_domain_verification_id)
    assert site.outbound_ip_addresses and site.client_affinity_enabled is True and site.server_farm_id == plan.id
    other = make_site(web, resource_group, f"app2-{unique}", plan.id)
    assert other.custom_domain_verification_id == site.custom_domain_verification_id  # one per subscription


def test_get_has_sparse_site_config_and_put_merges(web, resource_group, unique, plan):
    name = f"mrg-{unique}"
    make_site(web, resource_group, name, plan.id, siteConfig={"linuxFxVersion": "NODE|20-lts", "appSettings": [{"name": "A", "value": "1"}]})
    got = web.web_apps.get(resource_group, name)
    assert got.site_config.linux_fx_version == "NODE|20-lts" and got.site_config.number_of_workers == 1
    assert got.site_config.app_settings is None and got.site_config.ftps_state is None
    # az CLI style PUT with only location and tags keeps the plan and the configuration (arm-web.md §1.5)
    web.web_apps.begin_create_or_update(resource_group, name, {"location": "westeurope", "tags": {"k": "v"}}).result()
    again = web.web_apps.get(resource_group, name)
    assert again.tags == {"k": "v"} and again.server_farm_id == plan.id and again.site_config.linux_fx_version == "NODE|20-lts"
    assert web.web_apps.list_application_settings(resource_group, name).properties == {"A": "1"}


def test_global_name_conflict_across_groups(web, resource_group, unique, plan, azsim, mode):
    name = f"dup-{unique}"
    make_site(web, resource_group, name, plan.id)
    rc = azsim.client(ResourceManagementClient, mode)
    rc.resource_groups.create_or_update(f"rg2-{unique}", {"location": "westeurope"})
    plan2 = make_plan(web, f"rg2-{unique}", f"plan2-{unique}")
    with pytest.raises(ResourceExistsError) as exc:
        make_site(web, f"rg2-{unique}", name.upper(), plan2.id)
    text = str(exc.value)
    assert exc.value.status_code == 409
    assert f"Website with given name {name.upper()} already exists." in text and "54001" in text and '"Code":"Conflict"' in text.replace(" ", "")


def test_seeded_taken_name_and_invalid_names(web, resource_group, plan):
    with pytest.raises(ResourceExistsError) as exc:
        make_site(web, resource_group, "contoso", plan.id)
    assert "Website with given name contoso already exists." in str(exc.value)
    for bad in ("-lead", "trail-", "x", "under_score", "a" * 61):
        with pytest.raises(HttpResponseError) as exc:
            make_site(web, resource_group, bad, plan.id)
        assert exc.value.status_code == 400


def test_missing_plan_and_linux_runtime_rules(web, resource_group, unique, plan, azsim):
    missing = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/serverfarms/nope-{unique}"
    with pytest.raises(ResourceNotFoundError) as exc:
        make_site(web, resource_group, f"np-{unique}", missing)
    assert f"Cannot find ServerFarm with name nope-{unique}." in str(exc.value)
    with pytest.raises(HttpResponseError) as exc:
        make_site(web, resource_group, f"fx-{unique}", plan.id, siteConfig={"linuxFxVersion": "python3.12"})
    assert exc.value.status_code == 400 and "The parameter LinuxFxVersion has an invalid value." in str(exc.value)
    win = make_plan(web, resource_group, f"win-{unique}", linux=False)
    with pytest.raises(HttpResponseError):
        make_site(web, resource_group, f"wfx-{unique}", win.id, siteConfig={"linuxFxVersion": "PYTHON|3.12"})


def test_unknown_code_runtime_refused_on_site_config_and_slot(web, resource_group, unique, plan):
    # PYTHON|3.1 is what an unquoted YAML 3.10 becomes: App Service has no such runtime (az webapp list-runtimes).
    with pytest.raises(HttpResponseError) as exc:
        make_site(web, resource_group, f"py31-{unique}", plan.id, siteConfig={"linuxFxVersion": "PYTHON|3.1"})
    assert exc.value.status_code == 400 and "The parameter LinuxFxVersion has an invalid value." in str(exc.value)
    site = make_site(web, resource_group, f"py-{unique}", plan.id, siteConfig={"linuxFxVersion": "PYTHON|3.10"})
    with pytest.raises(HttpResponseError) as exc:
        web.web_apps.update_configuration(resource_group, site.name, {"properties": {"linuxFxVersion": "NODE|4-lts"}})
    assert exc.value.status_code == 400
    web.web_apps.begin_create_or_update_slot(resource_group, site.name, "staging", {"location": "westeurope", "properties": {}}).result()
    with pytest.raises(HttpResponseError) as exc:
        web.web_apps.update_configuration_slot(resource_group, site.name, "staging", {"properties": {"linuxFxVersion": "PYTHON|3.1"}})
    assert exc.value.status_code == 400
    # A custom container is the image's business; retired code runtimes are still listed and accepted.
    web.web_apps.update_configuration_slot(resource_group, site.name, "staging", {"properties": {"linuxFxVersion": "DOCKER|nginx:1.27"}})
    web.web_apps.update_configuration(resource_group, site.name, {"properties": {"linuxFxVersion": "PYTHON|3.8"}})
    assert web.web_apps.get_configuration(resource_group, site.name).linux_fx_version == "PYTHON|3.8"


def test_always_on_refused_on_free(web, resource_group, unique):
    free = make_plan(web, resource_group, f"free-{unique}", sku="F1")
    with pytest.raises(ResourceExistsError) as exc:
        make_site(web, resource_group, f"ao-{unique}", free.id, siteConfig={"alwaysOn": True})
    assert "AlwaysOn cannot be set for this site as the plan does not allow it." in str(exc.value)
    site = make_site(web, resource_group, f"ao2-{unique}", free.id)
    with pytest.raises(HttpResponseError) as exc:
        web.web_apps.update_configuration(resource_group, site.name, {"properties": {"alwaysOn": True}})
    assert exc.value.status_code == 409


def test_identity_and_patch(web, resource_group, unique, plan, azsim):
    name = f"id-{unique}"
    body = {"location": "westeurope", "identity": {"type": "SystemAssigned"}, "properties": {"serverFarmId": plan.id}}
    site = web.web_apps.begin_create_or_update(resource_group, name, body).result()
    assert site.identity.type == "SystemAssigned" and site.identity.tenant_id == azsim.tenant
    principal = site.identity.principal_id
    assert re.fullmatch(r"[0-9a-f-]{36}", principal)
    uai = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi"
    both = web.web_apps.update(resource_group, name, {"identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {uai: {}}},
                                                      "properties": {"httpsOnly": True, "clientAffinityEnabled": False}})
    assert both.identity.principal_id == principal and uai in both.identity.user_assigned_identities
    assert both.https_only is True and both.client_affinity_enabled is False
    none = web.web_apps.update(resource_group, name, {"identity": {"type": "None"}})
    assert none.identity is None


def test_start_stop_restart(web, resource_group, unique, plan):
    name = f"ss-{unique}"
    make_site(web, resource_group, name, plan.id)
    web.web_apps.stop(resource_group, name)
    assert web.web_apps.get(resource_group, name).state == "Stopped"
    web.web_apps.start(resource_group, name)
    web.web_apps.restart(resource_group, name)
    assert web.web_apps.get(resource_group, name).state == "Running"
    with pytest.raises(ResourceNotFoundError) as exc:
        web.web_apps.stop(resource_group, f"ghost-{unique}")
    assert f"The Resource 'Microsoft.Web/sites/ghost-{unique}' under resource group '{resource_group}' was not found." in str(exc.value)


def test_check_name_availability(web, resource_group, unique, plan, azsim, mode):
    name = f"cn-{unique}"
    free = web.check_name_availability({"name": name, "type": "Microsoft.Web/sites"})
    assert free.name_available is True
    make_site(web, resource_group, name, plan.id)
    taken = web.check_name_availability({"name": name, "type": "Site"})
    assert taken.name_available is False and taken.reason == "AlreadyExists"
    assert web.check_name_availability({"name": "contoso", "type": "Site"}).reason == "AlreadyExists"
    bad = web.check_name_availability({"name": "bad_name", "type": "Site"})
    assert bad.name_available is False and bad.reason == "Invalid"
    s = patient(azsim.session(mode))
    r = s.post(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/providers/Microsoft.Web/locations/westeurope/checknameavailability",
               params={"api-version": API}, json={"name": name, "type": "Microsoft.Web/sites"})
    assert r.status_code == 200 and r.json()["reason"] == "AlreadyExists"


def test_list_paging_and_subscription_list(web, resource_group, unique, plan, azsim, mode):
    names = {f"pg{i}-{unique}" for i in range(7)}
    for n in sorted(names):
        make_site(web, resource_group, n, plan.id)
    assert {s.name for s in web.web_apps.list_by_resource_group(resource_group)} == names
    assert names <= {s.name for s in web.web_apps.list()}
    s = patient(azsim.session(mode))
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites",
              params={"api-version": API})
    page = r.json()
    assert len(page["value"]) == 5 and page["nextLink"].startswith(azsim.arm(mode))
    assert len(s.get(page["nextLink"]).json()["value"]) == 2


def test_delete_removes_empty_plan_by_default(web, resource_group, unique):
    p1 = make_plan(web, resource_group, f"d1-{unique}")
    p2 = make_plan(web, resource_group, f"d2-{unique}")
    make_site(web, resource_group, f"a1-{unique}", p1.id)
    make_site(web, resource_group, f"a2-{unique}", p2.id)
    web.web_apps.delete(resource_group, f"a1-{unique}")
    with pytest.raises(ResourceNotFoundError):
        web.app_service_plans.get(resource_group, f"d1-{unique}")
    web.web_apps.delete(resource_group, f"a2-{unique}", delete_empty_server_farm=False)
    assert web.app_service_plans.get(resource_group, f"d2-{unique}").number_of_sites == 0
    web.web_apps.delete(resource_group, f"a2-{unique}")  # already gone: no error
    # the global name is free again
    assert web.check_name_availability({"name": f"a1-{unique}", "type": "Site"}).name_available is True


def test_publishing_credentials_and_profile(web, resource_group, unique, plan):
    name = f"pub-{unique}"
    make_site(web, resource_group, name, plan.id)
    user = web.web_apps.begin_list_publishing_credentials(resource_group, name).result()
    assert user.publishing_user_name == f"${name}" and len(user.publishing_password) == 60
    assert user.scm_uri == f"https://${name}:{user.publishing_password}@{name}.scm.azurewebsites.net"
    xml = b"".join(web.web_apps.list_publishing_profile_xml_with_secrets(resource_group, name, {"format": "WebDeploy"})).decode()
    assert xml.startswith("<publishData>") and f'publishUrl="{name}.scm.azurewebsites.net:443"' in xml and user.publishing_password in xml


def test_source_control(web, resource_group, unique, plan):
    name = f"sc-{unique}"
    make_site(web, resource_group, name, plan.id)
    sc = web.web_apps.begin_create_or_update_source_control(
        resource_group, name, {"properties": {"repoUrl": "https://github.com/example/app", "branch": "main", "isManualIntegration": True}}).result()
    assert sc.repo_url == "https://github.com/example/app" and sc.branch == "main"
    assert web.web_apps.get_source_control(resource_group, name).is_manual_integration is True
    assert web.web_apps.get_configuration(resource_group, name).scm_type == "ExternalGit"
    web.web_apps.delete_source_control(resource_group, name)
    assert web.web_apps.get_source_control(resource_group, name).repo_url is None


def test_basic_publishing_credentials_policies(web, resource_group, unique, plan, azsim, mode):
    name = f"bp-{unique}"
    make_site(web, resource_group, name, plan.id)
    assert web.web_apps.get_scm_allowed(resource_group, name).allow is True
    assert web.web_apps.get_ftp_allowed(resource_group, name).allow is True
    off = web.web_apps.update_scm_allowed(resource_group, name, {"properties": {"allow": False}})
    assert off.allow is False and off.name == "scm" and off.type == "Microsoft.Web/sites/basicPublishingCredentialsPolicies"
    listed = {p.name: p.allow for p in web.web_apps.list_basic_publishing_credentials_policies(resource_group, name)}
    assert listed == {"scm": False, "ftp": True}
    s = patient(azsim.session(mode))
    url = (f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/{name}"
           "/basicPublishingCredentialsPolicies/ftp")
    assert s.put(url, params={"api-version": API}, json={"properties": {}}).status_code == 400


def test_create_is_lro_at_nonzero_scale(web, resource_group, unique, plan, azsim, time_scale):
    time_scale(0.05)  # 20 s of Azure time -> 1 s
    seq = azsim.last_seq()
    site = web.web_apps.begin_create_or_update(resource_group, f"lro-{unique}", {"location": "westeurope", "properties": {"serverFarmId": plan.id}},
                                               polling_interval=0.2).result()
    assert site.state == "Running"
    rows = azsim.requests_since(seq)
    # The PUT azsim accepted: a busy module's ARM write bucket may first answer 429, which the SDK retries after Retry-After.
    put = next(r for r in rows if r["method"] == "PUT" and r["path"].endswith(f"/sites/lro-{unique}") and r["status"] != 429)
    assert put["status"] == 202
    polls = [r for r in rows if r["method"] == "GET" and f"/sites/lro-{unique}/operation" in r["path"]]
    assert len(polls) >= 2 and all(r["status"] == 200 for r in polls)
