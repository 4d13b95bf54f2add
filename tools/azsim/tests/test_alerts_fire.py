"""Metric alerts that fire: rules made with azure-mgmt-monitor 7.0.0 (``metric_alerts`` 2018-03-01, ``action_groups``
2023-01-01) evaluated over the load model on simulated time; the fired alerts read and changed with
azure-mgmt-alertsmanagement 1.0.1 (``alerts``, 2019-05-05-preview) and raw REST at resource scope (2019-03-01); the
activity log's Alert events through ``activity_logs.list``; the recorded notifications through ``GET /_azsim/notifications``."""

import datetime as _dt
import urllib.parse

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.alertsmanagement import AlertsManagementClient
from azure.mgmt.alertsmanagement.models import Comments
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient

from ._web_helpers import make_plan, web_client

SINGLE = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"


@pytest.fixture
def monitor(azsim, mode):
    return azsim.client(MonitorManagementClient, mode)


@pytest.fixture
def alerts(azsim, mode):
    return azsim.client(AlertsManagementClient, mode)


@pytest.fixture
def clock(azsim):
    moved = []

    def advance(seconds):
        azsim.admin("POST", "clock", {"advance_seconds": seconds})
        moved.append(seconds)
    yield advance
    if moved:
        azsim.admin("POST", "clock", {"advance_seconds": -sum(moved)})


@pytest.fixture
def plan(azsim, mode, resource_group, unique):
    return make_plan(web_client(azsim, mode), resource_group, f"plan-{unique}")  # Linux S1


def _now(azsim):
    return _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"].replace("0Z", "+00:00"))


def _group(monitor, rg, name, **receivers):
    return monitor.action_groups.create_or_update(rg, name, {"location": "Global", "properties": {"groupShortName": "ops", "enabled": True, **receivers}})


def _cpu_rule(monitor, rg, name, plan_id, group_ids=(), threshold=80, **props):
    body = {"location": "global", "properties": {
        "description": "CPU above 80 %", "severity": 2, "enabled": True, "scopes": [plan_id], "evaluationFrequency": "PT1M", "windowSize": "PT1M",
        "criteria": {"odata.type": SINGLE, "allOf": [{
            "criterionType": "StaticThresholdCriterion", "name": "cpu", "metricName": "CpuPercentage", "metricNamespace": "Microsoft.Web/serverFarms",
            "operator": "GreaterThan", "threshold": threshold, "timeAggregation": "Average"}]},
        "actions": [{"actionGroupId": g, "webHookProperties": {"team": "web"}} for g in group_ids], **props}}
    return monitor.metric_alerts.create_or_update(rg, name, body)


def _load(azsim, resource_id, value, metric="CpuPercentage"):
    azsim.admin("POST", "load", {"resource": resource_id, "metric": metric, "value": value})


def _notes(azsim, rule_id):
    return azsim.admin("GET", "notifications?" + urllib.parse.urlencode({"kind": "alert", "rule": rule_id}))["value"]


def test_cpu_alert_fires_notifies_resolves_and_is_acknowledged(azsim, mode, monitor, alerts, plan, resource_group, unique, clock):
    ag = _group(monitor, resource_group, f"ag-{unique}",
                emailReceivers=[{"name": "mail", "emailAddress": "ops@example.com", "useCommonAlertSchema": False}],
                webhookReceivers=[{"name": "hook", "serviceUri": "https://hooks.example.com/alert", "useCommonAlertSchema": True}])
    rule = _cpu_rule(monitor, resource_group, f"cpu-{unique}", plan.id, [ag.id])
    t0 = _now(azsim)
    _load(azsim, plan.id, 95)
    clock(120)

    # Exactly one fired alert, with the essentials the SDK deserializes.
    found = list(alerts.alerts.get_all(target_resource=plan.id))
    assert len(found) == 1
    alert = found[0]
    e = alert.properties.essentials
    assert (e.monitor_condition, e.alert_state, e.severity, e.signal_type, e.monitor_service) == ("Fired", "New", "Sev2", "Metric", "Platform")
    assert e.target_resource == plan.id.lower() and e.target_resource_name == plan.name.lower()
    assert e.target_resource_group == resource_group.lower() and e.target_resource_type == "microsoft.web/serverfarms"
    assert e.alert_rule == rule.id and e.description == "CPU above 80 %" and e.last_modified_user_name == "System"
    assert e.start_date_time >= t0 and e.monitor_condition_resolved_date_time is None and e.action_status.is_suppressed is False
    assert e.source_created_id.startswith(f"{azsim.sub}_{resource_group}_Microsoft.Insights_metricAlerts_{rule.name}_")
    assert alert.name == rule.name and alert.type.lower() == "microsoft.alertsmanagement/alerts"
    guid = alert.id.rsplit("/", 1)[-1]
    assert alert.id == f"{plan.id.lower()}/providers/Microsoft.AlertsManagement/alerts/{guid}"
    assert alert.properties.context is None  # without includeContext, essentials only
    got = alerts.alerts.get_by_id(guid)
    assert got.properties.context["conditionType"] == "SingleResourceMultipleMetricCriteria"
    assert got.properties.context["condition"]["allOf"][0]["metricValue"] > 80

    # One recorded notification per receiver, in the schema each receiver asked for.
    notes = _notes(azsim, rule.id)
    assert sorted((n["receiverType"], n["monitorCondition"]) for n in notes) == [("email", "Fired"), ("webhook", "Fired")]
    hook = next(n for n in notes if n["receiverType"] == "webhook")
    assert hook["address"] == "https://hooks.example.com/alert" and hook["actionGroup"] == ag.id and hook["delivered"] is False
    assert hook["schemaId"] == hook["payload"]["schemaId"] == "azureMonitorCommonAlertSchema"
    ess = hook["payload"]["data"]["essentials"]
    assert ess["alertId"] == f"/subscriptions/{azsim.sub}/providers/Microsoft.AlertsManagement/alerts/{guid}"
    assert (ess["alertRule"], ess["severity"], ess["monitorCondition"], ess["monitoringService"]) == (rule.name, "Sev2", "Fired", "Platform")
    assert ess["alertTargetIDs"] == [plan.id.lower()] and ess["originAlertId"] == e.source_created_id and "resolvedDateTime" not in ess
    crit = hook["payload"]["data"]["alertContext"]["condition"]["allOf"][0]
    assert (crit["metricName"], crit["operator"], crit["threshold"], crit["timeAggregation"]) == ("CpuPercentage", "GreaterThan", "80", "Average")
    assert crit["metricValue"] > 80 and hook["payload"]["data"]["customProperties"] == {"team": "web"}
    mail = next(n for n in notes if n["receiverType"] == "email")
    assert mail["address"] == "ops@example.com" and mail["payload"]["schemaId"] == "AzureMonitorMetricAlert"
    assert mail["payload"]["data"]["status"] == "Activated" and mail["payload"]["data"]["context"]["id"] == rule.id
    assert mail["payload"]["data"]["properties"] == {"team": "web"}

    # One activity-log Alert event for the impacted resource.
    flt = f"eventTimestamp ge '{t0.isoformat()}' and resourceUri eq '{plan.id}'"
    events = [ev for ev in monitor.activity_logs.list(filter=flt) if ev.category.value == "Alert"]
    assert len(events) == 1
    ev = events[0]
    assert ev.status.value == "Activated" and ev.operation_name.value == "Microsoft.Insights/AlertRules/Activated/Action"
    assert ev.caller == "Microsoft.Insights/alertRules" and ev.level == "Warning"
    assert ev.properties["RuleUri"] == rule.id and ev.properties["Threshold"] == "80" and ev.properties["MetricName"] == "CpuPercentage"

    # More evaluations above the threshold fire nothing new (stateful).
    clock(120)
    assert len(list(alerts.alerts.get_all(target_resource=plan.id))) == 1 and len(_notes(azsim, rule.id)) == 2

    # Back to 10 %: resolved after three consecutive healthy checks.
    _load(azsim, plan.id, 10)
    clock(120)
    assert alerts.alerts.get_by_id(guid).properties.essentials.monitor_condition == "Fired"
    clock(60)
    e = alerts.alerts.get_by_id(guid).properties.essentials
    assert e.monitor_condition == "Resolved" and e.monitor_condition_resolved_date_time is not None and e.alert_state == "New"
    resolved = [n for n in _notes(azsim, rule.id) if n["monitorCondition"] == "Resolved"]
    assert sorted(n["receiverType"] for n in resolved) == ["email", "webhook"]
    hook = next(n for n in resolved if n["receiverType"] == "webhook")
    assert hook["payload"]["data"]["essentials"]["resolvedDateTime"] and hook["payload"]["data"]["alertContext"]["condition"]["allOf"][0]["metricValue"] < 80
    assert next(n for n in resolved if n["receiverType"] == "email")["payload"]["data"]["status"] == "Deactivated"
    events = [ev for ev in monitor.activity_logs.list(filter=flt) if ev.category.value == "Alert"]
    assert sorted(ev.status.value for ev in events) == ["Activated", "Resolved"]
    assert len(list(alerts.alerts.get_all(target_resource=plan.id, monitor_condition="Resolved"))) == 1
    assert not list(alerts.alerts.get_all(target_resource=plan.id, monitor_condition="Fired"))

    # The user acknowledges it; the history tells the whole story, newest first.
    acked = alerts.alerts.change_state(guid, "Acknowledged", comment=Comments(comments="looking"))
    assert acked.properties.essentials.alert_state == "Acknowledged" and acked.properties.essentials.monitor_condition == "Resolved"
    assert acked.properties.essentials.last_modified_user_name == azsim.principal()["client_id"]
    hist = alerts.alerts.get_history(guid)
    assert hist.properties.alert_id == guid
    assert [(m.modification_event, m.old_value, m.new_value) for m in hist.properties.modifications] == [
        ("StateChange", "New", "Acknowledged"), ("MonitorConditionChange", "Fired", "Resolved"), ("AlertCreated", "", "")]
    assert hist.properties.modifications[0].comments == "looking" and hist.properties.modifications[2].modified_by == "System"

    # Fired again after resolution: a new alert instance.
    _load(azsim, plan.id, 97)
    clock(60)
    fired = list(alerts.alerts.get_all(target_resource=plan.id, monitor_condition="Fired"))
    assert len(fired) == 1 and fired[0].id.rsplit("/", 1)[-1] != guid
    assert fired[0].properties.essentials.alert_state == "New"


def test_alerts_api_filters_paging_summary_and_errors(azsim, mode, monitor, alerts, plan, resource_group, unique, clock):
    web = web_client(azsim, mode)
    other = make_plan(web, resource_group, f"other-{unique}")
    high = _cpu_rule(monitor, resource_group, f"high-{unique}", plan.id, severity=1)
    low = _cpu_rule(monitor, resource_group, f"low-{unique}", other.id, threshold=50, severity=3)
    _load(azsim, plan.id, 90)
    _load(azsim, other.id, 60)
    clock(60)
    mine = list(alerts.alerts.get_all(target_resource_group=resource_group))
    assert sorted(a.name for a in mine) == sorted([high.name, low.name])
    assert [a.name for a in alerts.alerts.get_all(target_resource_group=resource_group, severity="Sev1")] == [high.name]
    assert [a.name for a in alerts.alerts.get_all(alert_rule=low.id)] == [low.name]
    assert {a.name for a in alerts.alerts.get_all(target_resource_type="Microsoft.Web/serverfarms", target_resource_group=resource_group,
                                                  monitor_service="Platform", alert_state="New", time_range="1h")} == {high.name, low.name}
    by_sev = [a.properties.essentials.severity for a in alerts.alerts.get_all(target_resource_group=resource_group, sort_by="severity")]
    assert by_sev == ["Sev1", "Sev3"]
    by_sev = [a.properties.essentials.severity for a in alerts.alerts.get_all(target_resource_group=resource_group, sort_by="severity", sort_order="desc")]
    assert by_sev == ["Sev3", "Sev1"]
    # pageCount pages through nextLink; select projects the essentials.
    paged = list(alerts.alerts.get_all(target_resource_group=resource_group, page_count=1, select="severity,alertRule"))
    assert len(paged) == 2 and paged[0].properties.essentials.target_resource is None and paged[0].properties.essentials.alert_rule
    # The summary counts every severity and state, zero included.
    summary = alerts.alerts.get_summary(groupby="severity,alertState", target_resource_group=resource_group)
    assert summary.properties.groupedby == "severity" and summary.properties.total == 2
    sevs = {v.name: v for v in summary.properties.values}
    assert list(sevs) == ["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"] and sevs["Sev1"].count == 1 and sevs["Sev0"].count == 0
    assert sevs["Sev3"].groupedby == "alertState" and {v.name: v.count for v in sevs["Sev3"].values} == {"New": 1, "Acknowledged": 0, "Closed": 0}
    # The scope-level paths of 2019-03-01 (raw REST): the plan's alerts only.
    s = azsim.session(mode)
    r = s.get(f"{azsim.arm(mode)}{plan.id}/providers/Microsoft.AlertsManagement/alerts", params={"api-version": "2019-03-01", "includeContext": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [a["name"] for a in body["value"]] == [high.name] and body["value"][0]["properties"]["context"]["conditionType"]
    guid = body["value"][0]["id"].rsplit("/", 1)[-1]
    r = s.post(f"{azsim.arm(mode)}{plan.id}/providers/Microsoft.AlertsManagement/alerts/{guid}/changestate",
               params={"api-version": "2019-03-01", "newState": "Closed"}, json={"comments": "noise"})
    assert r.status_code == 200 and r.json()["properties"]["essentials"]["alertState"] == "Closed"
    r = s.get(f"{azsim.arm(mode)}{other.id}/providers/Microsoft.AlertsManagement/alerts/{guid}", params={"api-version": "2019-03-01"})
    assert r.status_code == 404
    # Errors the SDK surfaces.
    with pytest.raises(ResourceNotFoundError):
        alerts.alerts.get_by_id("00000000-0000-0000-0000-000000000000")
    with pytest.raises(HttpResponseError) as info:
        alerts.alerts.change_state(guid, "Snoozed")
    assert info.value.status_code == 400
    with pytest.raises(HttpResponseError) as info:
        list(alerts.alerts.get_all(time_range="2h"))
    assert info.value.status_code == 400
    with pytest.raises(HttpResponseError) as info:
        list(alerts.alerts.get_all(page_count=300))
    assert info.value.status_code == 400
    with pytest.raises(HttpResponseError) as info:
        alerts.alerts.get_summary(groupby="color")
    assert info.value.status_code == 400


def test_stateless_rule_refires_and_never_resolves(azsim, mode, monitor, alerts, plan, resource_group, unique, clock):
    ag = _group(monitor, resource_group, f"ag-{unique}", smsReceivers=[{"name": "oncall", "countryCode": "33", "phoneNumber": "612345678"}])
    rule = _cpu_rule(monitor, resource_group, f"cpu-{unique}", plan.id, [ag.id], autoMitigate=False)
    _load(azsim, plan.id, 95)
    clock(60)
    assert len(list(alerts.alerts.get_all(alert_rule=rule.id))) == 1
    clock(240)
    assert len(list(alerts.alerts.get_all(alert_rule=rule.id))) == 1  # repeated after 5 minutes (documented: 1 to 6 minutes)
    clock(60)
    fired = list(alerts.alerts.get_all(alert_rule=rule.id))
    assert len(fired) == 2 and {a.properties.essentials.monitor_condition for a in fired} == {"Fired"}
    notes = _notes(azsim, rule.id)
    assert [(n["receiverType"], n["address"], n["monitorCondition"]) for n in notes] == [("sms", "+33612345678", "Fired")] * 2
    _load(azsim, plan.id, 10)
    clock(300)
    assert {a.properties.essentials.monitor_condition for a in alerts.alerts.get_all(alert_rule=rule.id)} == {"Fired"}


def test_disabled_rule_group_and_receiver_notify_nobody(azsim, mode, monitor, alerts, plan, resource_group, unique, clock):
    off_group = _group(monitor, resource_group, f"off-{unique}", emailReceivers=[{"name": "mail", "emailAddress": "a@example.com"}])
    monitor.action_groups.update(resource_group, off_group.name, {"properties": {"enabled": False}})
    rule = _cpu_rule(monitor, resource_group, f"cpu-{unique}", plan.id, [off_group.id])
    disabled = _cpu_rule(monitor, resource_group, f"off-{unique}", plan.id, enabled=False)
    _load(azsim, plan.id, 95)
    clock(120)
    assert [a.name for a in alerts.alerts.get_all(target_resource=plan.id)] == [rule.name]  # the disabled rule is not evaluated
    assert _notes(azsim, rule.id) == [] and _notes(azsim, disabled.id) == []
    state = {r["id"]: r for r in azsim.admin("GET", "alerts")["value"]}
    assert state[rule.id]["targets"][0]["firing"] is True and state[disabled.id]["targets"] == []
    # Autoscale notifications keep their own entries next to the alerts'.
    assert all(n["kind"] in ("alert", "autoscale") for n in azsim.admin("GET", "notifications")["value"])


def test_availability_alerts_fire_from_recorded_results(azsim, mode, monitor, alerts, resource_group, unique, clock):
    la = azsim.client(LogAnalyticsManagementClient, mode)
    ws = la.workspaces.begin_create_or_update(resource_group, f"law-{unique}", {"location": "westeurope"}).result()
    ai = azsim.client(ApplicationInsightsManagementClient, mode)
    comp = ai.components.create_or_update(resource_group, f"ai-{unique}", {"location": "westeurope", "kind": "web", "properties": {
        "Application_Type": "web", "WorkspaceResourceId": ws.id}})
    locs = ["emea-nl-ams-azr", "emea-gb-db3-azr", "us-va-ash-azr"]
    test = ai.web_tests.create_or_update(resource_group, f"home-{unique}", {
        "location": "westeurope", "kind": "standard", "tags": {f"hidden-link:{comp.id}": "Resource"},
        "properties": {"SyntheticMonitorId": f"home-{unique}", "Name": "home", "Enabled": True, "Frequency": 300, "Timeout": 30, "Kind": "standard",
                       "Locations": [{"Id": x} for x in locs], "Request": {"RequestUrl": "https://example.com/", "HttpVerb": "GET"}}})
    hook = {"name": "hook", "serviceUri": "https://hooks.example.com/a", "useCommonAlertSchema": True}
    ag = _group(monitor, resource_group, f"ag-{unique}", webhookReceivers=[hook])
    where = monitor.metric_alerts.create_or_update(resource_group, f"where-{unique}", {"location": "global", "properties": {
        "severity": 1, "enabled": True, "scopes": [test.id, comp.id], "evaluationFrequency": "PT1M", "windowSize": "PT5M",
        "criteria": {"odata.type": "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria", "webTestId": test.id, "componentId": comp.id,
                     "failedLocationCount": 2}, "actions": [{"actionGroupId": ag.id}]}})
    pct = monitor.metric_alerts.create_or_update(resource_group, f"pct-{unique}", {"location": "global", "properties": {
        "severity": 2, "enabled": True, "scopes": [comp.id], "evaluationFrequency": "PT1M", "windowSize": "PT5M",
        "criteria": {"odata.type": SINGLE, "allOf": [{"criterionType": "StaticThresholdCriterion", "name": "avail", "metricName":
                                                      "availabilityResults/availabilityPercentage", "operator": "LessThan", "threshold": 99,
                                                      "timeAggregation": "Average"}]}}})
    clock(120)
    assert not list(alerts.alerts.get_all(target_resource=comp.id))  # no results yet: no data, no alert

    def run(ok):
        azsim.admin("POST", "availability", [{"component": comp.id, "webtest": test.id, "location": loc, "success": ok[i], "duration_ms": 120}
                                             for i, loc in enumerate(locs)])
    run([True, True, False])  # one location failing: 66.7 %, below 99 %, but fewer than 2 failed locations
    clock(60)
    assert [a.name for a in alerts.alerts.get_all(target_resource=comp.id)] == [pct.name]
    run([False, True, False])
    clock(60)
    fired = {a.name: a for a in alerts.alerts.get_all(target_resource=comp.id)}
    assert set(fired) == {pct.name, where.name}
    assert fired[where.name].properties.essentials.target_resource_type == "microsoft.insights/components"
    note = _notes(azsim, where.id)[0]
    crit = note["payload"]["data"]["alertContext"]
    assert crit["conditionType"] == "WebtestLocationAvailabilityCriteria"
    assert crit["condition"]["allOf"][0]["metricValue"] == 2 and crit["condition"]["allOf"][0]["webTestName"] == test.name
    assert crit["condition"]["allOf"][0]["metricNamespace"] is None


def test_multi_resource_rule_fires_per_resource(azsim, mode, monitor, alerts, resource_group, unique, clock):
    from azure.mgmt.storage import StorageManagementClient
    storage = azsim.client(StorageManagementClient, mode)
    accounts = [storage.storage_accounts.begin_create(resource_group, f"st{i}{unique}", {
        "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result() for i in range(2)]
    rule = monitor.metric_alerts.create_or_update(resource_group, f"tx-{unique}", {"location": "global", "properties": {
        "severity": 3, "enabled": True, "scopes": [f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}"], "evaluationFrequency": "PT1M",
        "windowSize": "PT5M", "targetResourceType": "Microsoft.Storage/storageAccounts", "targetResourceRegion": "westeurope",
        "criteria": {"odata.type": "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria", "allOf": [{
            "criterionType": "StaticThresholdCriterion", "name": "tx", "metricName": "Transactions", "operator": "GreaterThan", "threshold": 120,
            "timeAggregation": "Total"}]}}})
    _load(azsim, accounts[1].id, 50, metric="Transactions")  # 50 a minute: the window's total passes 120 in its third minute
    clock(120)
    assert not list(alerts.alerts.get_all(alert_rule=rule.id))
    clock(60)
    fired = list(alerts.alerts.get_all(alert_rule=rule.id))
    assert [a.properties.essentials.target_resource for a in fired] == [accounts[1].id.lower()]
    assert fired[0].properties.essentials.target_resource_type == "microsoft.storage/storageaccounts"
    _load(azsim, accounts[0].id, 50, metric="Transactions")
    clock(180)
    fired = {a.properties.essentials.target_resource for a in alerts.alerts.get_all(alert_rule=rule.id)}
    assert fired == {a.id.lower() for a in accounts}
    ctx = alerts.alerts.get_by_id(next(iter(alerts.alerts.get_all(alert_rule=rule.id))).id.rsplit("/", 1)[-1]).properties.context
    assert ctx["conditionType"] == "MultipleResourceMultipleMetricCriteria"
