"""Autoscale settings through the official SDK (azure-mgmt-monitor 7.0.0 ``autoscale_settings``, api 2022-10-01) and
raw REST, the autoscale engine over simulated time, and the activity log (``activity_logs.list``)."""

import datetime as _dt
import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.models import (
    AutoscaleNotification,
    AutoscaleProfile,
    AutoscaleSettingResource,
    AutoscaleSettingResourcePatch,
    EmailNotification,
    MetricTrigger,
    ScaleAction,
    ScaleCapacity,
    ScaleRule,
    WebhookNotification,
)
from azure.mgmt.web import WebSiteManagementClient

API = "2022-10-01"


@pytest.fixture
def monitor(azsim, mode):
    return azsim.client(MonitorManagementClient, mode)


@pytest.fixture
def web(azsim, mode):
    return azsim.client(WebSiteManagementClient, mode)


def make_plan(web, rg, name, sku="S1"):
    return web.app_service_plans.begin_create_or_update(rg, name, {"location": "westeurope", "sku": {"name": sku}}).result()


@pytest.fixture
def plan(web, resource_group, unique):
    return make_plan(web, resource_group, f"plan-{unique}")


@pytest.fixture
def clock(azsim):
    moved = []

    def advance(seconds):
        azsim.admin("POST", "clock", {"advance_seconds": seconds})
        moved.append(seconds)
    yield advance
    if moved:
        azsim.admin("POST", "clock", {"advance_seconds": -sum(moved)})


def guide_setting(plan_id, enabled=True, maximum="4"):
    """The guide's setting: 2..4 instances, +1 when CPU > 70 % over 5 min (cooldown 5 min), -1 when CPU < 30 % over 10 min."""
    def rule(op, threshold, window, direction):
        return ScaleRule(metric_trigger=MetricTrigger(metric_name="CpuPercentage", metric_namespace="microsoft.web/serverfarms", metric_resource_uri=plan_id,
                                                      time_grain=_dt.timedelta(minutes=1), statistic="Average", time_window=window, time_aggregation="Average",
                                                      operator=op, threshold=threshold),
                         scale_action=ScaleAction(direction=direction, type="ChangeCount", value="1", cooldown=_dt.timedelta(minutes=5)))
    profile = AutoscaleProfile(name="default", capacity=ScaleCapacity(minimum="2", maximum=maximum, default="2"),
                               rules=[rule("GreaterThan", 70, _dt.timedelta(minutes=5), "Increase"),
                                      rule("LessThan", 30, _dt.timedelta(minutes=10), "Decrease")])
    note = AutoscaleNotification(email=EmailNotification(custom_emails=["ops@example.com"]),
                                 webhooks=[WebhookNotification(service_uri="https://hooks.example.com/scale", properties={"team": "web"})])
    return AutoscaleSettingResource(location="westeurope", profiles=[profile], enabled=enabled, target_resource_uri=plan_id, notifications=[note],
                                    tags={"env": "test"})


def raw_setting(plan_id, **capacity):
    cap = {"minimum": "2", "maximum": "4", "default": "2", **capacity}
    trigger = {"metricName": "CpuPercentage", "metricResourceUri": plan_id, "timeGrain": "PT1M", "statistic": "Average", "timeWindow": "PT5M",
               "timeAggregation": "Average", "operator": "GreaterThan", "threshold": 70}
    return {"location": "westeurope", "properties": {"enabled": True, "targetResourceUri": plan_id, "profiles": [
        {"name": "default", "capacity": cap, "rules": [{"metricTrigger": trigger, "scaleAction": {"direction": "Increase", "type": "ChangeCount",
                                                                                                  "value": "1", "cooldown": "PT5M"}}]}]}}


def capacity(web, rg, name):
    p = web.app_service_plans.get(rg, name)
    assert p.number_of_workers == p.sku.capacity
    return p.sku.capacity


def test_create_get_list_and_clamp(azsim, monitor, web, plan, resource_group, unique, mode):
    name = f"as-{unique}"
    got = monitor.autoscale_settings.create_or_update(resource_group, name, guide_setting(plan.id))
    assert got.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/microsoft.insights/autoscalesettings/{name}"
    assert got.type == "Microsoft.Insights/autoscaleSettings" and got.name == name and got.name_properties_name == name
    assert got.enabled is True and got.target_resource_uri == plan.id and got.tags == {"env": "test"}
    assert got.predictive_autoscale_policy.scale_mode == "Disabled"
    rule = got.profiles[0].rules[0]
    assert rule.metric_trigger.time_window == _dt.timedelta(minutes=5) and rule.scale_action.cooldown == _dt.timedelta(minutes=5)
    assert got.notifications[0].webhooks[0].properties == {"team": "web"}
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{got.id}", params={"api-version": API}).json()
    assert raw["properties"]["profiles"][0]["capacity"] == {"minimum": "2", "maximum": "4", "default": "2"}
    assert raw["properties"]["profiles"][0]["rules"][0]["metricTrigger"]["timeGrain"] == "PT1M"
    assert "_engine" not in raw and "systemData" in raw
    assert capacity(web, resource_group, plan.name) == 2  # brought into [2, 4] at once
    assert [s.name for s in monitor.autoscale_settings.list_by_resource_group(resource_group)] == [name]
    assert name in [s.name for s in monitor.autoscale_settings.list_by_subscription()]
    again = monitor.autoscale_settings.create_or_update(resource_group, name, guide_setting(plan.id))
    assert again.id == got.id


def test_raw_put_status_codes_and_integer_capacity(azsim, plan, resource_group, unique, mode):
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups/{resource_group}/providers/Microsoft.Insights/autoscalesettings/raw-{unique}"
    body = raw_setting(plan.id)
    body["properties"]["profiles"][0]["capacity"] = {"minimum": 2, "maximum": 3, "default": 2}  # JSON numbers bind to the string fields
    r = s.put(url, params={"api-version": API}, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["profiles"][0]["capacity"] == {"minimum": "2", "maximum": "3", "default": "2"}
    assert s.put(url, params={"api-version": API}, json=body).status_code == 200
    assert s.delete(url, params={"api-version": API}).status_code == 200
    assert s.delete(url, params={"api-version": API}).status_code == 204
    r = s.get(url, params={"api-version": API})
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"


def _put_error(s, url, body):
    r = s.put(url, params={"api-version": API}, json=body)
    assert r.status_code >= 400, r.text
    return r.status_code, r.json()


def test_validation_errors(azsim, plan, resource_group, unique, mode):
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/microsoft.insights/autoscalesettings/bad-{unique}"
    status, err = _put_error(s, url, raw_setting(plan.id, minimum="6", default="1", maximum="8"))
    assert (status, err["code"]) == (400, "BadRequest")
    assert err["message"] == ("The minimum capacity value '6' that you specified in the autoscale setting is greater than the default capacity of '1'.  "
                              "Enter a minimum capacity less than '1'.")
    status, err = _put_error(s, url, raw_setting(plan.id, minimum="5", maximum="3", default="4"))
    assert status == 400 and "is greater than the maximum capacity of '3'" in err["message"]
    status, err = _put_error(s, url, raw_setting(plan.id, maximum="11"))
    assert status == 400 and "'11'" in err["message"] and "'10'" in err["message"]
    body = raw_setting(plan.id)
    body["properties"]["profiles"][0]["rules"][0]["metricTrigger"]["metricName"] = "Percentage CPU"
    status, err = _put_error(s, url, body)
    assert (status, err["code"]) == (400, "UnsupportedMetric")
    assert err["message"] == f"resource: {plan.id}, metricnamespace: metricNamespace is null, metricname: Percentage CPU"
    for field, value in (("timeWindow", "PT1M"), ("timeGrain", "PT13H"), ("operator", "Above"), ("statistic", "Median")):
        body = raw_setting(plan.id)
        body["properties"]["profiles"][0]["rules"][0]["metricTrigger"][field] = value
        status, err = _put_error(s, url, body)
        assert status == 400 and value in err["message"], (field, err)
    body = raw_setting(plan.id)
    body["properties"]["profiles"][0]["rules"][0]["scaleAction"]["cooldown"] = "P8D"
    assert _put_error(s, url, body)[0] == 400
    body = raw_setting(plan.id)
    body["properties"]["profiles"][0]["rules"][0]["scaleAction"]["value"] = "5"
    status, err = _put_error(s, url, body)
    assert (status, err["code"]) == (400, "InvalidActionValue") and "capacity maximum 4 and the capacity minimum 2" in err["message"]
    body = raw_setting(plan.id)
    body["properties"]["profiles"][0]["rules"] *= 11
    assert _put_error(s, url, body)[0] == 400
    body = raw_setting(plan.id)
    body["properties"]["profiles"] = [dict(body["properties"]["profiles"][0], name=f"p{i}") for i in range(21)]
    assert _put_error(s, url, body)[0] == 400
    body = raw_setting(plan.id)
    del body["properties"]["targetResourceUri"]
    assert _put_error(s, url, body) == (400, {"code": "UnsupportedRequestContent", "message": "Request content is not well formed or supported."})
    status, err = _put_error(s, url, raw_setting(plan.id.rsplit("/", 1)[0] + "/nope"))
    assert (status, err["code"]) == (400, "TargetResourceNotFound")
    assert s.get(url, params={"api-version": API}).status_code == 404  # nothing was stored


def test_basic_plan_refused_standard_accepted(monitor, web, resource_group, unique):
    basic = make_plan(web, resource_group, f"basic-{unique}", "B1")
    with pytest.raises(HttpResponseError) as info:
        monitor.autoscale_settings.create_or_update(resource_group, f"as-b-{unique}", guide_setting(basic.id, maximum="3"))
    assert info.value.status_code == 400 and "Basic" in info.value.message


def test_one_setting_per_target_and_immutable_target(azsim, monitor, web, plan, resource_group, unique):
    monitor.autoscale_settings.create_or_update(resource_group, f"first-{unique}", guide_setting(plan.id, enabled=False))
    with pytest.raises(ResourceExistsError) as info:
        shouting = plan.id.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")  # targetResourceUri compares case-insensitively
        monitor.autoscale_settings.create_or_update(resource_group, f"second-{unique}", guide_setting(shouting, enabled=False))
    assert info.value.status_code == 409
    other = make_plan(web, resource_group, f"other-{unique}")
    with pytest.raises(HttpResponseError) as info:
        monitor.autoscale_settings.create_or_update(resource_group, f"first-{unique}", guide_setting(other.id, enabled=False))
    assert info.value.error.code == "TargetResourceIdIsImmutable"
    assert "The target resource reference is immutable." in info.value.message


def test_disabled_then_patch_enabled(monitor, web, plan, resource_group, unique):
    name = f"as-{unique}"
    monitor.autoscale_settings.create_or_update(resource_group, name, guide_setting(plan.id, enabled=False))
    assert capacity(web, resource_group, plan.name) == 1  # a disabled setting does nothing
    patched = monitor.autoscale_settings.update(resource_group, name, AutoscaleSettingResourcePatch(enabled=True, tags={"k": "v"}))
    assert patched.enabled is True and patched.tags == {"k": "v"} and patched.profiles[0].capacity.minimum == "2"
    assert capacity(web, resource_group, plan.name) == 2
    monitor.autoscale_settings.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError):
        monitor.autoscale_settings.get(resource_group, name)


def _evaluate(azsim):
    return azsim.admin("POST", "autoscale")


def test_engine_scales_out_and_in_with_cooldown_and_limits(azsim, monitor, web, plan, resource_group, unique, clock):
    t0 = _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"].replace("0Z", "+00:00"))
    setting = monitor.autoscale_settings.create_or_update(resource_group, f"as-{unique}", guide_setting(plan.id))
    assert capacity(web, resource_group, plan.name) == 2
    azsim.admin("POST", "load", {"resource": plan.id, "metric": "CpuPercentage", "value": 85})
    clock(6 * 60)
    deadline = time.time() + 5
    while capacity(web, resource_group, plan.name) != 3:  # the engine runs on its own, in the background
        assert time.time() < deadline, "the engine did not scale out"
        time.sleep(0.05)
    clock(2 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 3  # still cooling down
    clock(3 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 4
    clock(6 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 4  # maximum
    azsim.admin("POST", "load", {"resource": plan.id, "metric": "CpuPercentage", "value": 20})
    clock(11 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 3  # one removed; the next waits for the cooldown
    clock(5 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 2
    clock(6 * 60)
    _evaluate(azsim)
    assert capacity(web, resource_group, plan.name) == 2  # never below the minimum
    end = _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"].replace("0Z", "+00:00"))
    flt = f"eventTimestamp ge '{t0.isoformat()}' and eventTimestamp le '{end.isoformat()}' and resourceUri eq '{setting.id}'"
    events = list(monitor.activity_logs.list(filter=flt))
    done = [e for e in events if e.status.value == "Succeeded" and e.category.value == "Autoscale"]
    # Creating the setting itself is an Administrative event of the deployer's write.
    assert any(e.category.value == "Administrative" and e.operation_name.value.lower() == "microsoft.insights/autoscalesettings/write"
               for e in events)
    ops = [e.operation_name.value for e in reversed(done)]
    assert ops == ["Microsoft.Insights/AutoscaleSettings/Scaleup/Action"] * 3 + ["Microsoft.Insights/AutoscaleSettings/Scaledown/Action"] * 2
    first = done[-1]
    assert first.category.value == "Autoscale" and first.caller == "Microsoft.Insights/autoscaleSettings" and first.level == "Informational"
    assert (first.properties["OldInstancesCount"], first.properties["NewInstancesCount"]) == ("1", "2")
    assert first.resource_id == setting.id and first.resource_group_name == resource_group
    assert len([e for e in events if e.status.value == "Started"]) == 5
    notes = [n for n in azsim.admin("GET", "notifications")["value"] if n["autoscaleSetting"] == setting.id]
    assert [n["operation"] for n in notes] == ["Scale Out"] * 3 + ["Scale In"] * 2
    hook = notes[1]["webhooks"][0]
    assert hook["serviceUri"] == "https://hooks.example.com/scale" and hook["payload"]["properties"] == {"team": "web"}
    assert (hook["payload"]["context"]["oldCapacity"], hook["payload"]["context"]["newCapacity"]) == ("2", "3")
    assert notes[0]["email"]["customEmails"] == ["ops@example.com"]


def test_activity_log_by_resource_group_and_filter_errors(azsim, monitor, plan, resource_group, unique, mode):
    start = _dt.datetime.now(_dt.UTC) - _dt.timedelta(minutes=1)
    monitor.autoscale_settings.create_or_update(resource_group, f"as-{unique}", guide_setting(plan.id))
    end = _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"].replace("0Z", "+00:00")) + _dt.timedelta(minutes=1)
    flt = f"eventTimestamp ge '{start.isoformat()}' and eventTimestamp le '{end.isoformat()}' and resourceGroupName eq '{resource_group}'"
    events = list(monitor.activity_logs.list(filter=flt, select="eventTimestamp,operationName,status,properties"))
    ops = [e.operation_name.value for e in events]
    assert "Microsoft.Insights/AutoscaleSettings/Scaleup/Action" in ops  # the clamp from 1 to the minimum of 2
    assert "microsoft.insights/autoscalesettings/write" in [o.lower() for o in ops]  # the deployer's write
    assert all(e.caller is None and e.event_timestamp is not None for e in events)  # $select trims the rest
    r = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/providers/microsoft.insights/eventtypes/management/values",
                                params={"api-version": "2015-04-01"})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"
