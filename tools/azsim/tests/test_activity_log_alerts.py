"""Activity log alert rules through azure-mgmt-monitor 7.0.0's ``activity_log_alerts`` (api 2020-10-01) and raw REST:
create and replace (201 then 200), get, patch of tags and ``enabled``, lists by resource group and subscription, delete
(200 then 204), and the refusals of a malformed rule."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.models import (
    ActionGroup,
    ActionList,
    ActivityLogAlertResource,
    AlertRuleAllOfCondition,
    AlertRuleAnyOfOrLeafCondition,
    AlertRuleLeafCondition,
    AlertRulePatchObject,
)

API = "2020-10-01"


@pytest.fixture
def monitor(azsim, mode):
    return azsim.client(MonitorManagementClient, mode)


@pytest.fixture
def group(monitor, resource_group, unique):
    return monitor.action_groups.create_or_update(resource_group, f"ag-{unique}", {"location": "Global", "properties": {
        "groupShortName": "ops", "enabled": True, "emailReceivers": [{"name": "mail", "emailAddress": "ops@example.com"}]}})


def _rule(azsim, rg, group_id, location="Global"):
    return ActivityLogAlertResource(
        location=location, tags={"env": "test"}, scopes=[f"/subscriptions/{azsim.sub}/resourceGroups/{rg}"], description="writes that failed",
        condition=AlertRuleAllOfCondition(all_of=[
            AlertRuleAnyOfOrLeafCondition(field="category", equals="Administrative"),
            AlertRuleAnyOfOrLeafCondition(any_of=[AlertRuleLeafCondition(field="level", equals="Error"),
                                                  AlertRuleLeafCondition(field="level", equals="Critical")]),
            AlertRuleAnyOfOrLeafCondition(field="operationName", contains_any=["Microsoft.Web/sites/write", "Microsoft.Web/sites/delete"])]),
        actions=ActionList(action_groups=[ActionGroup(action_group_id=group_id, webhook_properties={"team": "web"})]))


def test_crud_and_lists(azsim, mode, monitor, group, resource_group, unique):
    name = f"al-{unique}"
    got = monitor.activity_log_alerts.create_or_update(resource_group, name, _rule(azsim, resource_group, group.id))
    assert got.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/microsoft.insights/activityLogAlerts/{name}"
    assert got.type == "Microsoft.Insights/ActivityLogAlerts" and got.name == name and got.location == "Global"
    assert got.enabled is True and got.tags == {"env": "test"} and got.description == "writes that failed"
    assert got.scopes == [f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}"]
    leaves = got.condition.all_of
    assert (leaves[0].field, leaves[0].equals) == ("category", "Administrative")
    assert [(x.field, x.equals) for x in leaves[1].any_of] == [("level", "Error"), ("level", "Critical")]
    assert leaves[2].contains_any == ["Microsoft.Web/sites/write", "Microsoft.Web/sites/delete"]
    assert got.actions.action_groups[0].action_group_id == group.id and got.actions.action_groups[0].webhook_properties == {"team": "web"}

    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}{got.id}"
    assert s.put(url, params={"api-version": API}, json=got.serialize()).status_code == 200  # a replace answers 200 (201 on create)
    assert monitor.activity_log_alerts.get(resource_group, name).condition.all_of[2].field == "operationName"
    assert name in [r.name for r in monitor.activity_log_alerts.list_by_resource_group(resource_group)]
    assert name in [r.name for r in monitor.activity_log_alerts.list_by_subscription_id()]

    patched = monitor.activity_log_alerts.update(resource_group, name, AlertRulePatchObject(tags={"k": "v"}, enabled=False))
    assert patched.enabled is False and patched.tags == {"k": "v"} and patched.description == "writes that failed"

    monitor.activity_log_alerts.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError):
        monitor.activity_log_alerts.get(resource_group, name)
    assert s.delete(url, params={"api-version": API}).status_code == 204


@pytest.mark.parametrize(("change", "needle"), [
    ({"location": "eastus"}, "not available for resource type"),
    ({"scopes": []}, "scopes"),
    ({"condition": {"allOf": []}}, "allOf"),
    ({"condition": {"allOf": [{"field": "color", "equals": "red"}]}}, "color"),
    ({"condition": {"allOf": [{"field": "category", "equals": "Administrative", "containsAny": ["Policy"]}]}}, "exactly one"),
    ({"actions": None}, "actions"),
    ({"actions": {"actionGroups": [{"actionGroupId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/"
                                                     "microsoft.insights/actionGroups/nope"}]}}, "is invalid or in a different subscription"),
])
def test_validation(azsim, group, resource_group, unique, change, needle):
    body = {"location": "Global", "properties": {"scopes": [f"/subscriptions/{azsim.sub}"], "enabled": True,
                                                 "condition": {"allOf": [{"field": "category", "equals": "Administrative"},
                                                                         {"field": "level", "equals": "Error"}]},
                                                 "actions": {"actionGroups": [{"actionGroupId": group.id}]}}}
    for k, v in change.items():
        if k == "location":
            body[k] = v
        else:
            body["properties"][k] = v
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Insights/activityLogAlerts/bad-{unique}"
    r = azsim.session("direct").put(url, params={"api-version": API}, json=body)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text
    assert azsim.session("direct").get(url, params={"api-version": API}).status_code == 404


def test_sdk_surfaces_refusal(azsim, monitor, group, resource_group, unique):
    with pytest.raises(HttpResponseError) as info:
        monitor.activity_log_alerts.create_or_update(resource_group, f"al-{unique}", _rule(azsim, resource_group, group.id, location="westus2"))
    assert info.value.status_code == 400 and info.value.error.code == "LocationNotAvailableForResourceType"
