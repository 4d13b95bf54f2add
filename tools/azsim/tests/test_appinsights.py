"""Application Insights components (api 2020-02-02) and availability tests (api 2022-06-15) through
azure-mgmt-applicationinsights 4.1.0's ApplicationInsightsManagementClient, plus raw REST for error bodies."""

import re
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient

COMPONENTS_API = "api-version=2020-02-02"
WEBTESTS_API = "api-version=2022-06-15"
LOCATIONS = [{"Id": i} for i in ("emea-nl-ams-azr", "emea-gb-db3-azr", "emea-fr-pra-edge", "us-va-ash-azr", "apac-sg-sin-azr")]


@pytest.fixture
def ai(azsim, mode):
    return azsim.client(ApplicationInsightsManagementClient, mode)


@pytest.fixture
def workspace(azsim, mode, resource_group, unique):
    la = azsim.client(LogAnalyticsManagementClient, mode)
    return la.workspaces.begin_create_or_update(resource_group, f"law-{unique}", {"location": "westeurope"}).result()


def _component(ai, rg, name, workspace_id, **props):
    return ai.components.create_or_update(rg, name, {"location": "westeurope", "kind": "web",
                                                     "properties": {"Application_Type": "web", "WorkspaceResourceId": workspace_id, **props}})


def _webtest_body(component_id, url="https://app.azurewebsites.net/health", **props):
    return {"location": "westeurope", "kind": "standard", "tags": {f"hidden-link:{component_id}": "Resource"},
            "properties": {"SyntheticMonitorId": "home", "Name": "home", "Enabled": True, "Frequency": 300, "Timeout": 120, "Kind": "standard",
                           "RetryEnabled": True, "Locations": LOCATIONS,
                           "Request": {"RequestUrl": url, "HttpVerb": "GET", "ParseDependentRequests": False},
                           "ValidationRules": {"ExpectedHttpStatusCode": 200, "SSLCheck": True, "SSLCertRemainingLifetimeCheck": 7}, **props}}


def test_workspace_based_component(azsim, mode, ai, resource_group, workspace, unique):
    site_id = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/app-{unique}"
    c = ai.components.create_or_update(resource_group, f"ai-{unique}", {
        "location": "westeurope", "kind": "web", "tags": {f"hidden-link:{site_id}": "Resource"},
        "properties": {"Application_Type": "web", "WorkspaceResourceId": workspace.id, "RetentionInDays": 90}})
    assert c.kind == "web" and c.application_type == "web" and c.application_id == f"ai-{unique}"
    uuid.UUID(c.instrumentation_key)
    uuid.UUID(c.app_id)
    assert c.connection_string == (f"InstrumentationKey={c.instrumentation_key};IngestionEndpoint=https://westeurope-0.in.applicationinsights.azure.com/;"
                                   f"LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId={c.app_id}")
    assert c.ingestion_mode == "LogAnalytics" and c.retention_in_days == 90 and c.provisioning_state == "Succeeded"
    assert c.workspace_resource_id == workspace.id and c.tenant_id == azsim.sub
    assert c.tags == {f"hidden-link:{site_id}": "Resource"}
    # PUT again keeps the read-only identity (keys, AppId).
    again = _component(ai, resource_group, f"ai-{unique}", workspace.id, RetentionInDays=30)
    assert again.instrumentation_key == c.instrumentation_key and again.app_id == c.app_id and again.retention_in_days == 30
    tagged = ai.components.update_tags(resource_group, f"ai-{unique}", {"tags": {"env": "prod"}})
    assert tagged.tags == {"env": "prod"} and tagged.instrumentation_key == c.instrumentation_key
    assert f"ai-{unique}" in [x.name for x in ai.components.list_by_resource_group(resource_group)]
    assert f"ai-{unique}" in [x.name for x in ai.components.list()]
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{c.id}?{COMPONENTS_API}").json()
    assert raw["properties"]["Application_Type"] == "web" and raw["type"] == "Microsoft.Insights/components"
    ai.components.delete(resource_group, f"ai-{unique}")
    with pytest.raises(ResourceNotFoundError):
        ai.components.get(resource_group, f"ai-{unique}")


def test_classic_component_refused(azsim, resource_group, workspace, unique):
    s = azsim.session("direct")
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Insights/components/ai-{unique}?{COMPONENTS_API}"
    r = s.put(url, json={"location": "westeurope", "kind": "web", "properties": {"Application_Type": "web"}})
    assert r.status_code == 400 and r.json()["error"] == {
        "code": "BadRequest", "message": "Region doesn't support Classic resource mode for Application Insights resources. Please use Workspace-based mode."}
    missing = workspace.id.rsplit("/", 1)[0] + "/nope"
    r = s.put(url, json={"location": "westeurope", "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": missing}})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Provided WorkspaceResourceId is invalid"
    r = s.put(url, json={"location": "westeurope", "kind": "web", "properties": {"Application_Type": "desktop", "WorkspaceResourceId": workspace.id}})
    assert r.status_code == 400 and "Application_Type" in r.json()["error"]["message"]
    r = s.put(url, json={"location": "westeurope", "properties": {"Application_Type": "web", "WorkspaceResourceId": workspace.id}})
    assert r.status_code == 400 and r.json()["error"]["target"] == "kind"


def test_classic_refused_through_sdk(ai, resource_group, unique):
    with pytest.raises(HttpResponseError) as e:
        body = {"location": "westeurope", "kind": "web", "properties": {"Application_Type": "other"}}
        ai.components.create_or_update(resource_group, f"ai-{unique}", body)
    assert e.value.status_code == 400 and "Workspace-based mode" in e.value.error.message


def test_standard_webtest(azsim, mode, ai, resource_group, workspace, unique):
    comp = _component(ai, resource_group, f"ai-{unique}", workspace.id)
    wt = ai.web_tests.create_or_update(resource_group, f"wt-{unique}", _webtest_body(comp.id))
    assert wt.web_test_kind == "standard" and wt.synthetic_monitor_id == "home" and wt.web_test_name == "home"
    assert wt.frequency == 300 and wt.timeout == 120 and wt.enabled and wt.provisioning_state == "Succeeded"
    assert [g.location for g in wt.locations] == [x["Id"] for x in LOCATIONS]
    assert wt.request.request_url == "https://app.azurewebsites.net/health" and wt.request.http_verb == "GET"
    assert wt.validation_rules.ssl_check and wt.validation_rules.ssl_cert_remaining_lifetime_check == 7
    assert wt.validation_rules.expected_http_status_code == 200
    assert wt.tags == {f"hidden-link:{comp.id}": "Resource"}
    got = ai.web_tests.get(resource_group, f"wt-{unique}")
    assert got.id == wt.id and got.type == "Microsoft.Insights/webtests"
    assert [x.name for x in ai.web_tests.list_by_component(f"ai-{unique}", resource_group)] == [f"wt-{unique}"]
    assert f"wt-{unique}" in [x.name for x in ai.web_tests.list_by_resource_group(resource_group)]
    ai.web_tests.delete(resource_group, f"wt-{unique}")
    with pytest.raises(ResourceNotFoundError):
        ai.web_tests.get(resource_group, f"wt-{unique}")


@pytest.mark.parametrize(("change", "needle"), [
    ({"tags": {}}, "A single 'hidden-link' tag pointing to an existing AI component is required. Found none."),
    ({"tags": {"hidden-link:/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/microsoft.insights/components/gone":
               "Resource"}}, "Found none."),
    ({"properties.Kind": "ping", "kind": "ping"}, "retired"),
    ({"properties.Kind": "multistep", "kind": "multistep"}, "retired"),
    ({"properties.Frequency": 120}, "Frequency"),
    ({"properties.Timeout": 600}, "Timeout"),
    ({"properties.Locations": [{"Id": "mars-olympus-azr"}]}, "test location"),
    ({"properties.Locations": []}, "At least one test location"),
    ({"properties.SyntheticMonitorId": None}, "SyntheticMonitorId"),
    ({"properties.Request": {"HttpVerb": "GET"}}, "RequestUrl"),
    ({"properties.ValidationRules": {"SSLCheck": True, "SSLCertRemainingLifetimeCheck": 400}}, "SSLCertRemainingLifetimeCheck"),
])
def test_webtest_validation(azsim, ai, resource_group, workspace, unique, change, needle):
    comp = _component(ai, resource_group, f"ai-{unique}", workspace.id)
    body = _webtest_body(comp.id)
    for key, value in change.items():
        if key.startswith("properties."):
            body["properties"][key.split(".", 1)[1]] = value
        else:
            body[key] = value
    r = azsim.session("direct").put(f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Insights/"
                                    f"webtests/wt-{unique}?{WEBTESTS_API}", json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest" and needle in r.json()["error"]["message"], r.text


def test_webtest_tags_patch_keeps_link(ai, resource_group, workspace, unique):
    comp = _component(ai, resource_group, f"ai-{unique}", workspace.id)
    ai.web_tests.create_or_update(resource_group, f"wt-{unique}", _webtest_body(comp.id))
    link = {f"hidden-link:{comp.id}": "Resource"}
    wt = ai.web_tests.update_tags(resource_group, f"wt-{unique}", {"tags": {**link, "env": "x"}})
    assert wt.tags == {**link, "env": "x"}
    with pytest.raises(HttpResponseError) as e:
        ai.web_tests.update_tags(resource_group, f"wt-{unique}", {"tags": {"env": "y"}})
    assert e.value.status_code == 400 and re.search("hidden-link", e.value.error.message)
