"""Site configuration through the official SDK: config/web, app settings, connection strings,
slot-sticky names."""

import pytest
from azure.core.exceptions import HttpResponseError
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


@pytest.fixture
def site(web, resource_group, unique):
    plan = web.app_service_plans.begin_create_or_update(
        resource_group, f"plan-{unique}", {"location": "westeurope", "kind": "linux", "sku": {"name": "B1"}, "properties": {"reserved": True}}).result()
    return web.web_apps.begin_create_or_update(resource_group, f"cfg-{unique}", {
        "location": "westeurope", "kind": "app,linux",
        "properties": {"serverFarmId": plan.id, "siteConfig": {"linuxFxVersion": "PYTHON|3.12", "appCommandLine": "gunicorn app:app"}}}).result()


def site_url(azsim, mode, rg, name):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}"


def test_full_linux_defaults(web, resource_group, site):
    cfg = web.web_apps.get_configuration(resource_group, site.name)
    assert cfg.id == site.id + "/config/web" and cfg.name == site.name and cfg.type == "Microsoft.Web/sites/config"
    assert cfg["location"] == "West Europe"  # on the wire, though the TypeSpec model has no attribute for it
    assert cfg.linux_fx_version == "PYTHON|3.12" and cfg.app_command_line == "gunicorn app:app"
    assert cfg.always_on is False and cfg.ftps_state == "AllAllowed" and cfg.min_tls_version == "1.2" and cfg.scm_min_tls_version == "1.2"
    assert cfg.http20_enabled is False and cfg.health_check_path is None and cfg.number_of_workers == 1
    assert cfg.load_balancing == "LeastRequests" and cfg.managed_pipeline_mode == "Integrated" and cfg.scm_type == "None"
    assert cfg.app_settings is None and cfg.connection_strings is None
    assert [c.name for c in web.web_apps.list_configurations(resource_group, site.name)] == [site.name]


def test_patch_merges_and_put_sets(web, resource_group, site):
    web.web_apps.update_configuration(resource_group, site.name, {"properties": {"alwaysOn": True, "healthCheckPath": "/health"}})
    cfg = web.web_apps.get_configuration(resource_group, site.name)
    assert cfg.always_on is True and cfg.health_check_path == "/health" and cfg.app_command_line == "gunicorn app:app"
    put = web.web_apps.create_or_update_configuration(resource_group, site.name,
                                                      {"properties": {"ftpsState": "FtpsOnly", "minTlsVersion": "1.3", "http20Enabled": True}})
    assert put.ftps_state == "FtpsOnly" and put.min_tls_version == "1.3" and put.http20_enabled is True
    assert web.web_apps.get(resource_group, site.name).site_config.http20_enabled is True


@pytest.mark.parametrize("field,value,param", [("ftpsState", "Sometimes", "FtpsState"), ("minTlsVersion", "1.5", "MinTlsVersion"),
                                               ("scmMinTlsVersion", "tls1", "ScmMinTlsVersion"), ("linuxFxVersion", "node", "LinuxFxVersion")])
def test_invalid_values(web, resource_group, site, field, value, param):
    with pytest.raises(HttpResponseError) as exc:
        web.web_apps.update_configuration(resource_group, site.name, {"properties": {field: value}})
    assert exc.value.status_code == 400 and f"The parameter {param} has an invalid value." in str(exc.value)


def test_number_of_workers_follows_plan(web, resource_group, site, unique):
    web.app_service_plans.update(resource_group, f"plan-{unique}", {"sku": {"name": "B1", "capacity": 3}})
    assert web.web_apps.get_configuration(resource_group, site.name).number_of_workers == 3
    assert web.web_apps.get(resource_group, site.name).site_config.number_of_workers == 3


def test_app_settings_replace_and_list(web, resource_group, site, azsim, mode):
    before = web.web_apps.get_configuration(resource_group, site.name).as_dict()
    web.web_apps.update_connection_strings(resource_group, site.name, {"properties": {"Db": {"value": "Server=x", "type": "PostgreSQL"}}})
    r = web.web_apps.update_application_settings(resource_group, site.name, {"properties": {"A": "1", "B": "2"}})
    assert r.properties == {"A": "1", "B": "2"} and r.name == "appsettings" and r.id == site.id + "/config/appsettings"
    web.web_apps.update_application_settings(resource_group, site.name, {"properties": {"B": "3"}})
    assert web.web_apps.list_application_settings(resource_group, site.name).properties == {"B": "3"}
    # nothing else moved
    assert web.web_apps.get_configuration(resource_group, site.name).as_dict() == before
    assert web.web_apps.list_connection_strings(resource_group, site.name).properties["Db"].value == "Server=x"
    # there is no GET on config/appsettings: ARM answers 405
    resp = patient(azsim.session(mode)).get(site_url(azsim, mode, resource_group, site.name) + "/config/appsettings", params={"api-version": API})
    assert resp.status_code == 405


def test_site_put_app_settings_replace_collection(web, resource_group, site):
    web.web_apps.update_application_settings(resource_group, site.name, {"properties": {"OLD": "x"}})
    web.web_apps.begin_create_or_update(resource_group, site.name, {"location": "westeurope", "properties": {
        "siteConfig": {"appSettings": [{"name": "NEW", "value": "y"}]}}}).result()
    assert web.web_apps.list_application_settings(resource_group, site.name).properties == {"NEW": "y"}


def test_connection_strings_validation(web, resource_group, site):
    cs = web.web_apps.update_connection_strings(resource_group, site.name, {"properties": {
        "Db": {"value": "Host=db", "type": "PostgreSQL"}, "Cache": {"value": "redis", "type": "RedisCache"}}})
    assert cs.properties["Db"].type == "PostgreSQL" and cs.name == "connectionstrings"
    listed = web.web_apps.list_connection_strings(resource_group, site.name)
    assert set(listed.properties) == {"Db", "Cache"}
    for bad in ({"Db": {"value": "x"}}, {"Db": {"value": "x", "type": "Oracle"}}, {"Db": {"type": "MySql"}}):
        with pytest.raises(HttpResponseError) as exc:
            web.web_apps.update_connection_strings(resource_group, site.name, {"properties": bad})
        assert exc.value.status_code == 400
    assert set(web.web_apps.list_connection_strings(resource_group, site.name).properties) == {"Db", "Cache"}


def test_slot_config_names(web, resource_group, site, azsim, mode):
    names = web.web_apps.list_slot_configuration_names(resource_group, site.name)
    assert names.app_setting_names is None and names.connection_string_names is None
    put = web.web_apps.update_slot_configuration_names(resource_group, site.name, {"properties": {"appSettingNames": ["ENV"],
                                                                                                  "connectionStringNames": ["Db"]}})
    assert put.app_setting_names == ["ENV"] and put.connection_string_names == ["Db"]
    assert web.web_apps.list_slot_configuration_names(resource_group, site.name).app_setting_names == ["ENV"]
    # production only: no slot variant
    resp = patient(azsim.session(mode)).get(site_url(azsim, mode, resource_group, site.name) + "/slots/x/config/slotConfigNames", params={"api-version": API})
    assert resp.status_code == 404
