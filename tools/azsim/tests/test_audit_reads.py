"""What the quarterly audit reads at subscription scope, as the Reader (azsim's ``auditor``) and through the official SDKs where
one exists: Defender's ASC Default policy assignment (azure-mgmt-resource-policy's PolicyClient), classic administrators
(azure-mgmt-authorization), the subscription's diagnostic setting for the activity log and its event categories (raw REST as
az CLI sends it; azure-mgmt-monitor ``event_categories``), a Service Health activity log alert, and an "ERP Auditor" custom
role - Reader plus the POST list actions - honoured by azsim's RBAC without granting any write."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.models import ActionList, ActivityLogAlertResource, AlertRuleAllOfCondition, AlertRuleAnyOfOrLeafCondition
from azure.mgmt.resource.policy import PolicyClient

from ._web_helpers import make_plan, make_site, web_client

DIAG = "2021-05-01-preview"
ACTIVITY_CATEGORIES = ["Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth"]
READER_ACTIONS = ["*/read"]
AUDITOR_LIST_ACTIONS = ["Microsoft.Web/sites/config/list/Action", "Microsoft.Web/sites/slots/config/list/Action",
                        "Microsoft.Web/sites/publishxml/Action"]


def test_defender_default_policy_assignment_is_read_by_the_reader(azsim, mode, resource_group):
    policy = azsim.client(PolicyClient, mode, "auditor")
    sub = f"/subscriptions/{azsim.sub}"
    mine = [a for a in policy.policy_assignments.list() if a.name == "SecurityCenterBuiltIn"]
    assert len(mine) == 1
    asc = mine[0]
    assert asc.id == f"{sub}/providers/Microsoft.Authorization/policyAssignments/SecurityCenterBuiltIn"
    assert asc.type == "Microsoft.Authorization/policyAssignments"
    assert asc.properties.display_name == f"ASC Default (subscription: {azsim.sub})"
    assert asc.properties.enforcement_mode == "Default" and asc.properties.scope == sub
    assert asc.properties.policy_definition_id.endswith("/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8")
    # Inherited by a resource group (the unfiltered and atScope() lists), not assigned at it (atExactScope()).
    assert "SecurityCenterBuiltIn" in [a.name for a in policy.policy_assignments.list_for_resource_group(resource_group)]
    assert "SecurityCenterBuiltIn" in [a.name for a in policy.policy_assignments.list_for_resource_group(resource_group, filter="atScope()")]
    assert [a.name for a in policy.policy_assignments.list_for_resource_group(resource_group, filter="atExactScope()")] == []
    assert policy.policy_assignments.get(sub, "SecurityCenterBuiltIn").properties.enforcement_mode == "Default"
    with pytest.raises(ResourceNotFoundError):
        policy.policy_assignments.get(sub, "nosuchassignment")


def test_no_classic_administrators_since_their_retirement(azsim, mode):
    auth = azsim.client(AuthorizationManagementClient, mode, "auditor")
    assert list(auth.classic_administrators.list()) == []


def test_subscription_diagnostic_setting_exports_the_activity_log(azsim, mode, resource_group, unique):
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient
    la = azsim.client(LogAnalyticsManagementClient, mode)
    ws = la.workspaces.begin_create_or_update(resource_group, f"ws-{unique}", {"location": "westeurope"}).result()
    s = azsim.session(mode)
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/providers/Microsoft.Insights"
    url = f"{base}/diagnosticSettings/activity-{unique}"
    logs = [{"category": c, "enabled": True} for c in ACTIVITY_CATEGORIES]
    r = s.put(url, params={"api-version": DIAG}, json={"properties": {"workspaceId": ws.id, "logs": logs}})
    assert r.status_code == 200, r.text
    assert [x["category"] for x in r.json()["properties"]["logs"]] == ACTIVITY_CATEGORIES
    try:
        # The Reader sees it (what the audit's MON rows read).
        reader = azsim.session(mode, "auditor")
        got = reader.get(f"{base}/diagnosticSettings", params={"api-version": DIAG})
        assert got.status_code == 200 and f"activity-{unique}" in [d["name"] for d in got.json()["value"]]
        # No metrics at this scope, and no resource log categories.
        bad = s.put(url, params={"api-version": DIAG}, json={"properties": {"workspaceId": ws.id, "logs": logs,
                                                                            "metrics": [{"category": "AllMetrics", "enabled": True}]}})
        assert bad.status_code == 400 and bad.json()["error"]["message"] == "Metric category 'AllMetrics' is not supported."
        bad = s.put(url, params={"api-version": DIAG}, json={"properties": {"workspaceId": ws.id, "logs": [
            {"category": "AppServiceHTTPLogs", "enabled": True}]}})
        assert bad.status_code == 400 and bad.json()["error"]["message"] == "Category 'AppServiceHTTPLogs' is not supported."
        # A subscription's categories are the activity log's event categories, not diagnosticSettingsCategories.
        cats = s.get(f"{base}/diagnosticSettingsCategories", params={"api-version": DIAG})
        assert cats.status_code == 400 and cats.json()["error"]["code"] == "ResourceTypeNotSupported"
        monitor = azsim.client(MonitorManagementClient, mode, "auditor")
        assert [c.value for c in monitor.event_categories.list()] == ACTIVITY_CATEGORIES
    finally:
        assert s.delete(url, params={"api-version": DIAG}).status_code == 200


def test_service_health_alert_on_the_subscription(azsim, mode, resource_group, unique):
    monitor = azsim.client(MonitorManagementClient, mode)
    group = monitor.action_groups.create_or_update(resource_group, f"ag-{unique}", {"location": "Global", "properties": {
        "groupShortName": "ops", "enabled": True, "emailReceivers": [{"name": "mail", "emailAddress": "ops@example.com"}]}})
    rule = ActivityLogAlertResource(
        location="Global", scopes=[f"/subscriptions/{azsim.sub}"], description="Azure incidents and maintenance in West Europe",
        condition=AlertRuleAllOfCondition(all_of=[
            AlertRuleAnyOfOrLeafCondition(field="category", equals="ServiceHealth"),
            AlertRuleAnyOfOrLeafCondition(field="properties.incidentType", contains_any=["Incident", "Maintenance", "Security"]),
            AlertRuleAnyOfOrLeafCondition(field="properties.impactedServices[*].ImpactedRegions[*].RegionName", contains_any=["West Europe"])]),
        actions=ActionList(action_groups=[{"action_group_id": group.id}]))
    made = monitor.activity_log_alerts.create_or_update(resource_group, f"sh-{unique}", rule)
    assert made.scopes == [f"/subscriptions/{azsim.sub}"] and made.condition.all_of[0].equals == "ServiceHealth" and made.enabled is True
    reader = azsim.client(MonitorManagementClient, mode, "auditor")
    listed = {r.name: r for r in reader.activity_log_alerts.list_by_subscription_id()}
    assert listed[f"sh-{unique}"].condition.all_of[1].contains_any == ["Incident", "Maintenance", "Security"]
    assert f"sh-{unique}" in [r.name for r in reader.activity_log_alerts.list_by_resource_group(resource_group)]


def test_erp_auditor_custom_role_reads_settings_without_any_write(azsim, mode, resource_client, unique):
    """Reader plus the POST list actions the audit needs: app settings of the site and of its slot become readable, every write
    stays refused, and azsim's request log shows no successful write by the auditor."""
    rg = f"rg-auditor-{unique}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    web = web_client(azsim, mode)
    plan = make_plan(web, rg, f"plan-{unique}")
    site = make_site(web, rg, f"app-{unique}", plan.id)
    web.web_apps.update_application_settings(rg, site.name, {"properties": {"ERP_MODE": "production"}})
    web.web_apps.begin_create_or_update_slot(rg, site.name, "staging", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    auditor_web = web_client_as(azsim, mode, "auditor")
    with pytest.raises(HttpResponseError) as exc:
        auditor_web.web_apps.list_application_settings(rg, site.name)
    assert exc.value.status_code == 403 and "'Microsoft.Web/sites/config/list/action'" in exc.value.error.message

    auth = azsim.client(AuthorizationManagementClient, mode, "owner")
    sub = f"/subscriptions/{azsim.sub}"
    scope = f"{sub}/resourceGroups/{rg}"
    role = auth.role_definitions.create_or_update(sub, str(uuid.uuid4()), {
        "role_name": f"ERP Auditor {unique} {mode}", "description": "Reads everything the quarterly audit needs; writes nothing.",
        "role_type": "CustomRole", "permissions": [{"actions": READER_ACTIONS + AUDITOR_LIST_ACTIONS, "not_actions": []}],
        "assignable_scopes": [sub]})
    assignment = str(uuid.uuid4())
    auth.role_assignments.create(scope, assignment, {"role_definition_id": role.id, "principal_id": azsim.principal("auditor")["object_id"]})
    seq = azsim.last_seq()
    try:
        assert auditor_web.web_apps.list_application_settings(rg, site.name).properties == {"ERP_MODE": "production"}
        assert auditor_web.web_apps.list_application_settings_slot(rg, site.name, "staging").properties is not None
        assert auditor_web.web_apps.get(rg, site.name).name == site.name
        with pytest.raises(HttpResponseError) as exc:
            auditor_web.web_apps.update_application_settings(rg, site.name, {"properties": {"ERP_MODE": "changed"}})
        assert exc.value.status_code == 403 and "'Microsoft.Web/sites/config/write'" in exc.value.error.message
        with pytest.raises(HttpResponseError) as exc:
            auditor_web.web_apps.restart(rg, site.name)
        assert exc.value.status_code == 403 and "'Microsoft.Web/sites/restart/action'" in exc.value.error.message
        # The auditor's ARM calls (its token requests, which name it too, carry an audience).
        mine = [e for e in azsim.requests_since(seq) if e["principal"] == "auditor" and e["audience"] is None]
        writes = [e for e in mine if e["method"] in ("PUT", "PATCH", "DELETE") and e["status"] < 400]
        posts = [e for e in mine if e["method"] == "POST" and e["status"] < 400]
        assert writes == [] and posts and all(e["path"].lower().endswith("/list") for e in posts)
    finally:
        auth.role_assignments.delete(scope, assignment)
        auth.role_definitions.delete(sub, role.name)


def web_client_as(azsim, mode, principal):
    from azure.mgmt.web import WebSiteManagementClient
    return azsim.client(WebSiteManagementClient, mode, principal)
