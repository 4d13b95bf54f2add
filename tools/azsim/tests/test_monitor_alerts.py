"""Azure Monitor alerting through azure-mgmt-monitor 7.0.0's MonitorManagementClient (action groups 2023-01-01, metric
alerts 2018-03-01) and diagnostic settings (2021-05-01-preview, raw REST: the 7.0.0 SDK has no operation group for
them), on targets made with azure-mgmt-web, azure-mgmt-loganalytics and azure-mgmt-applicationinsights.

The guide's chain: workspace -> workspace-based component -> standard availability test -> action group (email +
SMS) -> metric alerts (availability < 99 %, response time > 2 s, Http5xx, plan CPU > 85 %, memory > 90 %)."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient

from ._web_helpers import make_plan, make_site, web_client

DIAG_API = "api-version=2021-05-01-preview"
LOCATIONS = [{"Id": i} for i in ("emea-nl-ams-azr", "emea-gb-db3-azr", "emea-fr-pra-edge", "emea-se-sto-edge", "us-va-ash-azr")]


@pytest.fixture
def monitor(azsim, mode):
    return azsim.client(MonitorManagementClient, mode)


class Stack:
    """Plan, site, workspace, component, web test and action group of the guide."""

    def __init__(self, azsim, mode, rg, unique):
        web = web_client(azsim, mode)
        self.plan = make_plan(web, rg, f"plan-{unique}")
        self.site = make_site(web, rg, f"app-{unique}", self.plan.id)
        la = azsim.client(LogAnalyticsManagementClient, mode)
        self.workspace = la.workspaces.begin_create_or_update(rg, f"law-{unique}", {"location": "westeurope"}).result()
        ai = azsim.client(ApplicationInsightsManagementClient, mode)
        self.component = ai.components.create_or_update(rg, f"ai-{unique}", {
            "location": "westeurope", "kind": "web", "tags": {f"hidden-link:{self.site.id}": "Resource"},
            "properties": {"Application_Type": "web", "WorkspaceResourceId": self.workspace.id}})
        self.webtest = ai.web_tests.create_or_update(rg, f"avail-{unique}", {
            "location": "westeurope", "kind": "standard", "tags": {f"hidden-link:{self.component.id}": "Resource"},
            "properties": {"SyntheticMonitorId": f"avail-{unique}", "Name": "home", "Enabled": True, "Frequency": 300, "Timeout": 30,
                           "Kind": "standard", "RetryEnabled": True, "Locations": LOCATIONS,
                           "Request": {"RequestUrl": f"https://app-{unique}.azurewebsites.net/", "HttpVerb": "GET"},
                           "ValidationRules": {"ExpectedHttpStatusCode": 200, "SSLCheck": True, "SSLCertRemainingLifetimeCheck": 7}}})


@pytest.fixture
def stack(azsim, mode, resource_group, unique):
    return Stack(azsim, mode, resource_group, unique)


def _group(monitor, rg, name, short="ops", **props):
    return monitor.action_groups.create_or_update(rg, name, {"location": "Global", "properties": {
        "groupShortName": short, "enabled": True,
        "emailReceivers": [{"name": "ops-email", "emailAddress": "ops@example.com", "useCommonAlertSchema": True}], **props}})


def _rule(scopes, criteria, actions=(), **props):
    return {"location": "global", "properties": {"severity": 2, "enabled": True, "scopes": scopes, "evaluationFrequency": "PT1M",
                                                 "windowSize": "PT5M", "criteria": criteria, "autoMitigate": True,
                                                 "actions": [{"actionGroupId": a, "webHookProperties": {}} for a in actions], **props}}


def _static(metric, op, threshold, agg="Average", namespace=None):
    c = {"criterionType": "StaticThresholdCriterion", "name": "c1", "metricName": metric, "operator": op, "threshold": threshold,
         "timeAggregation": agg}
    if namespace:
        c["metricNamespace"] = namespace
    return {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": [c]}


# -- action groups -------------------------------------------------------------------------------------------
def test_action_group_crud(azsim, mode, monitor, resource_group, unique):
    ag = _group(monitor, resource_group, f"ag-{unique}", smsReceivers=[{"name": "oncall", "countryCode": "1", "phoneNumber": "5555551234"}],
                webhookReceivers=[{"name": "hook", "serviceUri": "https://hooks.example.com/alert"}])
    assert ag.location == "Global" and ag.group_short_name == "ops" and ag.enabled
    assert ag.email_receivers[0].status == "Enabled" and ag.email_receivers[0].use_common_alert_schema
    assert ag.sms_receivers[0].status == "Enabled" and ag.sms_receivers[0].phone_number == "5555551234"
    assert ag.webhook_receivers[0].service_uri == "https://hooks.example.com/alert"
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{ag.id}?api-version=2023-01-01").json()
    assert raw["properties"]["voiceReceivers"] == [] and raw["properties"]["armRoleReceivers"] == []
    ag = monitor.action_groups.update(resource_group, f"ag-{unique}", {"tags": {"team": "ops"}, "properties": {"enabled": False}})
    assert ag.tags == {"team": "ops"} and ag.enabled is False
    assert f"ag-{unique}" in [g.name for g in monitor.action_groups.list_by_resource_group(resource_group)]
    assert f"ag-{unique}" in [g.name for g in monitor.action_groups.list_by_subscription_id()]
    # The receiver is enabled already: 409 (swagger response description).
    with pytest.raises(HttpResponseError) as e:
        monitor.action_groups.enable_receiver(resource_group, f"ag-{unique}", {"receiverName": "ops-email"})
    assert e.value.status_code == 409
    result = monitor.action_groups.begin_create_notifications_at_action_group_resource_level(
        resource_group, f"ag-{unique}", {"alertType": "metricstaticthreshold"}).result()
    assert result.state == "Complete" and {d.name for d in result.action_details} == {"ops-email", "oncall", "hook"}
    monitor.action_groups.delete(resource_group, f"ag-{unique}")
    with pytest.raises(ResourceNotFoundError):
        monitor.action_groups.get(resource_group, f"ag-{unique}")


@pytest.mark.parametrize(("body", "needle"), [
    ({"location": "Global", "properties": {"groupShortName": "a" * 13, "enabled": True}}, "short name"),
    ({"location": "Global", "properties": {"enabled": True}}, "groupShortName"),
    ({"location": "westeurope", "properties": {"groupShortName": "ops", "enabled": True}}, "not available for resource type"),
    ({"location": "Global", "properties": {"groupShortName": "ops", "enabled": True,
                                           "emailReceivers": [{"name": "x", "emailAddress": "a@example.com"}],
                                           "smsReceivers": [{"name": "X", "countryCode": "1", "phoneNumber": "5555551234"}]}}, "unique"),
    ({"location": "Global", "properties": {"groupShortName": "ops", "enabled": True,
                                           "emailReceivers": [{"name": "x", "emailAddress": "not-an-address"}]}}, "email address"),
])
def test_action_group_validation(azsim, resource_group, unique, body, needle):
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Insights/actionGroups/ag-{unique}"
    r = azsim.session("direct").put(f"{url}?api-version=2023-01-01", json=body)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_short_name_of_13_characters_refused_by_sdk(monitor, resource_group, unique):
    with pytest.raises(HttpResponseError) as e:
        _group(monitor, resource_group, f"ag-{unique}", short="abcdefghijklm")
    assert e.value.status_code == 400 and e.value.error.code == "BadRequest"
    assert _group(monitor, resource_group, f"ag-{unique}", short="abcdefghijkl").group_short_name == "abcdefghijkl"


# -- metric alerts -------------------------------------------------------------------------------------------
def test_guide_alerts(azsim, mode, monitor, stack, resource_group, unique):
    ag = _group(monitor, resource_group, f"ag-{unique}", smsReceivers=[{"name": "oncall", "countryCode": "33", "phoneNumber": "612345678"}])
    site, plan = stack.site.id, stack.plan.id
    availability = monitor.metric_alerts.create_or_update(resource_group, f"availability-{unique}", _rule(
        [stack.webtest.id, stack.component.id],
        {"odata.type": "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", "webTestId": stack.webtest.id,
         "componentId": stack.component.id, "failedLocationCount": 2}, [ag.id], severity=1, windowSize="PT5M", evaluationFrequency="PT1M",
        description="availability < 99 %"))
    assert availability.location == "global" and availability.severity == 1
    assert availability.criteria.odata_type == "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"
    assert availability.criteria.failed_location_count == 2 and availability.actions[0].action_group_id == ag.id
    pct = monitor.metric_alerts.create_or_update(resource_group, f"availability-pct-{unique}", _rule(
        [stack.component.id], _static("availabilityResults/availabilityPercentage", "LessThan", 99), [ag.id]))
    assert pct.criteria.all_of[0].threshold == 99
    response = monitor.metric_alerts.create_or_update(resource_group, f"response-{unique}", _rule(
        [site], _static("HttpResponseTime", "GreaterThan", 2, namespace="Microsoft.Web/sites"), [ag.id]))
    assert response.criteria.all_of[0].metric_name == "HttpResponseTime" and response.window_size.total_seconds() == 300
    errors = monitor.metric_alerts.create_or_update(resource_group, f"errors-{unique}", _rule(
        [site], _static("Http5xx", "GreaterThan", 1, agg="Total"), [ag.id]))
    assert errors.criteria.all_of[0].metric_namespace == "Microsoft.Web/sites"
    cpu = monitor.metric_alerts.create_or_update(resource_group, f"cpu-{unique}", _rule(
        [plan], _static("CpuPercentage", "GreaterThan", 85), [ag.id], evaluationFrequency="PT5M", windowSize="PT15M"))
    mem = monitor.metric_alerts.create_or_update(resource_group, f"mem-{unique}", _rule(
        [plan], _static("MemoryPercentage", "GreaterThan", 90), [ag.id], evaluationFrequency="PT5M", windowSize="PT15M"))
    assert cpu.evaluation_frequency.total_seconds() == 300 and mem.criteria.all_of[0].threshold == 90
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{mem.id}?api-version=2018-03-01").json()
    assert raw["properties"]["windowSize"] == "PT15M" and raw["properties"]["isMigrated"] is False and raw["properties"]["lastUpdatedTime"]
    names = {r.name for r in monitor.metric_alerts.list_by_resource_group(resource_group)}
    assert {f"availability-{unique}", f"response-{unique}", f"errors-{unique}", f"cpu-{unique}", f"mem-{unique}"} <= names
    patched = monitor.metric_alerts.update(resource_group, f"cpu-{unique}", {"properties": {"enabled": False}, "tags": {"x": "y"}})
    assert patched.enabled is False and patched.tags == {"x": "y"} and patched.criteria.all_of[0].threshold == 85
    monitor.metric_alerts.delete(resource_group, f"cpu-{unique}")
    with pytest.raises(ResourceNotFoundError):
        monitor.metric_alerts.get(resource_group, f"cpu-{unique}")


def _expect_400(monitor, rg, name, body, needle):
    with pytest.raises(HttpResponseError) as e:
        monitor.metric_alerts.create_or_update(rg, name, body)
    assert e.value.status_code == 400 and needle in e.value.error.message, e.value.error.message
    return e.value


def test_alert_validation(azsim, mode, monitor, stack, resource_group, unique):
    site, plan = stack.site.id, stack.plan.id
    ag = _group(monitor, resource_group, f"ag-{unique}")
    name = f"rule-{unique}"
    crit = _static("Http5xx", "GreaterThan", 5, agg="Total")
    _expect_400(monitor, resource_group, name, _rule([site], crit, [ag.id], severity=5), "severity")
    missing_ag = ag.id.rsplit("/", 1)[0] + "/ag-missing"
    err = _expect_400(monitor, resource_group, name, _rule([site], crit, [missing_ag]), "is invalid or in a different subscription")
    assert err.error.message == f"Arm resource {missing_ag} is invalid or in a different subscription as alert rule."
    _expect_400(monitor, resource_group, name, _rule([site], crit, evaluationFrequency="PT2M"), "evaluationFrequency")
    _expect_400(monitor, resource_group, name, _rule([site], crit, windowSize="PT2H"), "windowSize")
    _expect_400(monitor, resource_group, name, _rule([site], crit, evaluationFrequency="PT15M", windowSize="PT5M"), "greater than or equal")
    _expect_400(monitor, resource_group, name, _rule([site + "-gone"], crit), "Scope")
    _expect_400(monitor, resource_group, name, _rule([site], _static("Http5xx", "Above", 5)), "operator")
    _expect_400(monitor, resource_group, name, _rule([site], _static("Http5xx", "GreaterThan", 5, agg="Median")), "time aggregation")
    # Metric names are checked against the metrics catalogue of the scope's type unless skipMetricValidation is set.
    _expect_400(monitor, resource_group, name, _rule([site], _static("Http6xx", "GreaterThan", 5, agg="Total")),
                "Couldn't find a metric named Http6xx. Make sure the name is correct.")
    custom = _static("Http6xx", "GreaterThan", 5, agg="Total")
    custom["allOf"][0]["skipMetricValidation"] = True
    assert monitor.metric_alerts.create_or_update(resource_group, name, _rule([site], custom)).criteria.all_of[0].skip_metric_validation
    # Two scopes need the multi-resource criteria, targetResourceType/Region, and a type that supports it.
    _expect_400(monitor, resource_group, name, _rule([site, plan], crit), "MultipleResourceMultipleMetricCriteria")
    multi = {"odata.type": "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria", "allOf": crit["allOf"]}
    _expect_400(monitor, resource_group, name, _rule([f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}"], multi),
                "targetResourceType")
    _expect_400(monitor, resource_group, name, _rule([site, plan], multi, targetResourceType="Microsoft.Web/sites", targetResourceRegion="westeurope"),
                "not supported for resource type")
    dynamic = {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": [
        {"criterionType": "DynamicThresholdCriterion", "name": "d", "metricName": "Http5xx", "operator": "GreaterThan", "timeAggregation": "Total",
         "alertSensitivity": "Medium", "failingPeriods": {"numberOfEvaluationPeriods": 4, "minFailingPeriodsToAlert": 4}}]}
    # Raw REST: the SDK would re-type a criterion under the single-resource schema as a static MetricCriteria.
    r = azsim.session(mode).put(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Insights/"
                                f"metricAlerts/{name}?api-version=2018-03-01", json=_rule([site], dynamic))
    assert r.status_code == 400 and "Dynamic threshold" in r.json()["error"]["message"], r.text
    _expect_400(monitor, resource_group, name, _rule([site], dynamic), "threshold")
    dynamic["odata.type"] = "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
    ok = monitor.metric_alerts.create_or_update(resource_group, name, _rule([site], dynamic))
    assert ok.criteria.all_of[0].criterion_type == "DynamicThresholdCriterion"
    # Location must be global.
    body = _rule([site], crit)
    body["location"] = "westeurope"
    with pytest.raises(HttpResponseError) as e:
        monitor.metric_alerts.create_or_update(resource_group, name, body)
    assert e.value.error.code == "LocationNotAvailableForResourceType"


def test_availability_alert_validation(monitor, stack, resource_group, unique):
    crit = {"odata.type": "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", "webTestId": stack.webtest.id,
            "componentId": stack.component.id, "failedLocationCount": 6}
    _expect_400(monitor, resource_group, f"av-{unique}", _rule([stack.webtest.id, stack.component.id], crit), "failedLocationCount")
    crit["failedLocationCount"] = 2
    _expect_400(monitor, resource_group, f"av-{unique}", _rule([stack.webtest.id], crit), "scopes")


# -- diagnostic settings -------------------------------------------------------------------------------------
def _diag_url(azsim, mode, target, name=""):
    base = f"{azsim.arm(mode)}{target}/providers/Microsoft.Insights/diagnosticSettings"
    return f"{base}/{name}?{DIAG_API}" if name else f"{base}?{DIAG_API}"


def test_diagnostic_settings_for_site(azsim, mode, stack):
    s = azsim.session(mode)
    site, ws = stack.site.id, stack.workspace.id
    cats = s.get(f"{azsim.arm(mode)}{site}/providers/Microsoft.Insights/diagnosticSettingsCategories?{DIAG_API}")
    assert cats.status_code == 200
    by_name = {c["name"]: c["properties"] for c in cats.json()["value"]}
    assert by_name["AllMetrics"]["categoryType"] == "Metrics"
    for n in ("AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServiceAppLogs", "AppServiceAuditLogs", "AppServicePlatformLogs"):
        assert by_name[n]["categoryType"] == "Logs" and "allLogs" in by_name[n]["categoryGroups"]
    body = {"properties": {"workspaceId": ws, "logAnalyticsDestinationType": "Dedicated",
                           "logs": [{"category": "AppServiceHTTPLogs", "enabled": True}, {"category": "AppServiceConsoleLogs", "enabled": True}],
                           "metrics": [{"category": "AllMetrics", "enabled": True}]}}
    r = s.put(_diag_url(azsim, mode, site, "to-law"), json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == "to-law" and got["type"] == "Microsoft.Insights/diagnosticSettings"
    assert got["id"].lower().endswith("/providers/microsoft.insights/diagnosticsettings/to-law")
    assert got["properties"]["workspaceId"] == ws and [x["category"] for x in got["properties"]["logs"]] == ["AppServiceHTTPLogs", "AppServiceConsoleLogs"]
    assert s.get(_diag_url(azsim, mode, site, "to-law")).json()["properties"]["metrics"][0]["category"] == "AllMetrics"
    assert [x["name"] for x in s.get(_diag_url(azsim, mode, site)).json()["value"]] == ["to-law"]
    # Plans export metrics only; PostgreSQL-style or unknown log categories are refused on a site.
    r = s.put(_diag_url(azsim, mode, stack.plan.id, "plan"), json={"properties": {"workspaceId": ws, "metrics": [{"category": "AllMetrics", "enabled": True}]}})
    assert r.status_code == 200, r.text
    assert s.delete(_diag_url(azsim, mode, site, "to-law")).status_code == 200
    assert s.delete(_diag_url(azsim, mode, site, "to-law")).status_code == 204
    assert s.get(_diag_url(azsim, mode, site, "to-law")).status_code == 404


@pytest.mark.parametrize(("props", "needle"), [
    ({"logs": [{"category": "PostgreSQLLogs", "enabled": True}]}, "Category 'PostgreSQLLogs' is not supported."),
    ({"metrics": [{"category": "Requests", "enabled": True}]}, "Metric category 'Requests' is not supported, supported categories are: 'AllMetrics'."),
    ({"logs": [{"categoryGroup": "everything", "enabled": True}]}, "Category group 'everything' is not supported."),
    ({"logs": [{"category": "AppServiceHTTPLogs", "categoryGroup": "allLogs", "enabled": True}]}, "exactly one of category or categoryGroup"),
    ({"logs": [{"category": "AppServiceHTTPLogs", "enabled": True}, {"categoryGroup": "audit", "enabled": True}]},
     "Diagnostic setting does not support mix of log category and log category group."),
    ({"logs": [{"category": "AppServiceHTTPLogs", "enabled": True, "retentionPolicy": {"enabled": True, "days": 30}}]},
     "Diagnostic settings does not support retention for new diagnostic settings."),
    ({"workspaceId": None, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}, "At least one destination"),
])
def test_diagnostic_settings_validation(azsim, stack, props, needle):
    body = {"properties": {"workspaceId": stack.workspace.id, **props}}
    r = azsim.session("direct").put(_diag_url(azsim, "direct", stack.site.id, "bad"), json=body)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_diagnostic_settings_limits(azsim, stack, unique):
    s = azsim.session("direct")
    site, ws = stack.site.id, stack.workspace.id
    r = s.put(_diag_url(azsim, "direct", site, "all"), json={"properties": {"workspaceId": ws, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}})
    assert r.status_code == 200, r.text
    # The same sink may not receive the same category twice for one resource.
    r = s.put(_diag_url(azsim, "direct", site, "dup"), json={"properties": {"workspaceId": ws, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}})
    assert r.status_code == 400 and "is already used in diagnostic setting 'all'" in r.json()["error"]["message"], r.text
    for i in range(4):
        r = s.put(_diag_url(azsim, "direct", site, f"m{i}"), json={"properties": {"workspaceId": ws, "metrics": [{"category": "AllMetrics",
                                                                                                                  "enabled": i == 0}]}})
        assert r.status_code == 200, r.text
    r = s.put(_diag_url(azsim, "direct", site, "sixth"), json={"properties": {"workspaceId": ws, "metrics": [{"category": "AllMetrics", "enabled": False}]}})
    assert r.status_code == 400 and "more than 5" in r.json()["error"]["message"]
    missing = site + f"-missing-{unique}"
    assert s.get(_diag_url(azsim, "direct", missing)).status_code == 404


def test_diagnostic_settings_on_a_blob_service_that_was_never_configured(azsim, mode, stack, resource_group, unique):
    """The blob service of a new account exists with it (Learn "Monitoring Azure Blob Storage" routes StorageRead/Write/Delete
    from .../blobServices/default); no PUT of its properties is needed first.  A missing account is still a 404."""
    from azure.mgmt.storage import StorageManagementClient

    storage = azsim.client(StorageManagementClient, mode)
    acct = storage.storage_accounts.begin_create(resource_group, f"diag{unique}"[:24], {
        "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    s = azsim.session(mode)
    blob = f"{acct.id}/blobServices/default"
    r = s.get(_diag_url(azsim, mode, blob))
    assert r.status_code == 200 and r.json()["value"] == [], r.text
    logs = [{"category": "StorageRead", "enabled": True}, {"category": "StorageWrite", "enabled": True}]
    body = {"properties": {"workspaceId": stack.workspace.id, "logs": logs}}
    r = s.put(_diag_url(azsim, mode, blob, "blob-to-law"), json=body)
    assert r.status_code == 200, r.text
    assert [x["name"] for x in s.get(_diag_url(azsim, mode, blob)).json()["value"]] == ["blob-to-law"]
    missing = acct.id.rsplit("/", 1)[0] + f"/nosuch{unique}"[:24] + "/blobServices/default"
    assert s.get(_diag_url(azsim, mode, missing)).status_code == 404
