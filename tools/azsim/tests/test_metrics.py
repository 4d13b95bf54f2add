"""Azure Monitor metrics through the official SDK (azure-mgmt-monitor 7.0.0 ``metrics`` / ``metric_definitions``)
and raw REST, fed by azsim's load model (``POST /_azsim/load``)."""

import datetime as _dt

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.web import WebSiteManagementClient

API = "2024-02-01"


@pytest.fixture
def monitor(azsim, mode):
    return azsim.client(MonitorManagementClient, mode)


@pytest.fixture
def web(azsim, mode):
    return azsim.client(WebSiteManagementClient, mode)


@pytest.fixture
def plan(web, resource_group, unique):
    return web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {"location": "westeurope", "sku": {"name": "S1"}}).result()


@pytest.fixture
def clock(azsim):
    """Move simulated time forward; every move is undone after the test."""
    moved = []

    def advance(seconds):
        azsim.admin("POST", "clock", {"advance_seconds": seconds})
        moved.append(seconds)
    yield advance
    if moved:
        azsim.admin("POST", "clock", {"advance_seconds": -sum(moved)})


def test_definitions_of_a_plan(monitor, plan):
    defs = {d.name.value: d for d in monitor.metric_definitions.list(plan.id)}
    assert {"CpuPercentage", "MemoryPercentage", "HttpQueueLength", "DiskQueueLength", "BytesReceived", "BytesSent"} <= set(defs)
    cpu = defs["CpuPercentage"]
    assert (cpu.unit, cpu.primary_aggregation_type, cpu.name.localized_value) == ("Percent", "Average", "CPU Percentage")
    assert cpu.namespace == "Microsoft.Web/serverfarms" and cpu.resource_id == plan.id
    assert [a.time_grain for a in cpu.metric_availabilities][0] == _dt.timedelta(minutes=1)
    assert defs["BytesSent"].unit == "Bytes" and defs["BytesSent"].primary_aggregation_type == "Total"


def test_idle_default_then_level(azsim, monitor, plan, clock):
    now = _dt.datetime.now(_dt.UTC)
    idle = monitor.metrics.list(plan.id, metricnames="CpuPercentage", timespan="PT10M", interval="PT1M", aggregation="Average")
    points = idle.value[0].timeseries[0].data
    assert points and all(p.average == pytest.approx(10.0) for p in points if p.average is not None)
    azsim.admin("POST", "load", {"resource": plan.id, "metric": "CpuPercentage", "value": 85})
    clock(6 * 60)
    got = monitor.metrics.list(plan.id, metricnames="CpuPercentage,MemoryPercentage", timespan="PT5M", interval="PT1M",
                               aggregation="Average,Maximum", metricnamespace="Microsoft.Web/serverFarms")
    assert got.interval == "PT1M" and got.namespace == "microsoft.web/serverfarms" and got.resourceregion == "westeurope"
    assert got.cost >= 5 and "/" in got.timespan
    cpu, mem = got.value
    assert cpu.name.value == "CpuPercentage" and cpu.unit == "Percent" and cpu.error_code == "Success"
    assert cpu.id == f"{plan.id}/providers/Microsoft.Insights/metrics/CpuPercentage" and cpu.type == "Microsoft.Insights/metrics"
    full = cpu.timeseries[0].data[1:-1]
    assert full and all(p.average == pytest.approx(85.0) and p.maximum == pytest.approx(85.0) for p in full)
    assert all(p.time_stamp > now for p in cpu.timeseries[0].data)
    assert mem.timeseries[0].data[1].average == pytest.approx(35.0) and mem.timeseries[0].data[1].minimum is None


def test_site_counter_totals_and_raw_shape(azsim, web, plan, resource_group, unique, mode, clock):
    site = web.web_apps.begin_create_or_update(resource_group, f"app-{unique}", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    azsim.admin("POST", "load", [{"resource": site.id, "metric": "Requests", "value": 120}, {"resource": site.id, "metric": "http5xx", "value": 3}])
    clock(30 * 60)
    s = azsim.session(mode)
    r = s.get(f"{azsim.arm(mode)}{site.id}/providers/microsoft.insights/metrics",
              params={"api-version": API, "metricnames": "Requests,Http5xx", "timespan": "PT15M", "interval": "PT5M", "aggregation": "Total,Count"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"cost", "timespan", "interval", "value", "namespace", "resourceregion"}
    assert body["interval"] == "PT5M" and body["namespace"] == "microsoft.web/sites"
    req, errs = body["value"]
    assert req["name"] == {"value": "Requests", "localizedValue": "Requests"} and req["unit"] == "Count"
    assert req["timeseries"][0]["metadatavalues"] == []
    whole = req["timeseries"][0]["data"][1]
    assert whole["total"] == pytest.approx(600.0) and whole["count"] == pytest.approx(5.0)
    assert whole["timeStamp"].endswith(":00Z") and len(whole["timeStamp"]) == 20
    assert errs["name"]["localizedValue"] == "Http Server Errors" and errs["timeseries"][0]["data"][1]["total"] == pytest.approx(15.0)


def test_unknown_metric_bad_interval_bad_timespan(azsim, plan, mode):
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}{plan.id}/providers/Microsoft.Insights/metrics"
    r = s.get(url, params={"api-version": API, "metricnames": "Nope"})
    assert r.status_code == 400
    err = r.json()
    assert err["code"] == "BadRequest"
    assert err["message"].startswith("Failed to find metric configuration for provider: microsoft.web, resource Type: serverfarms, metric: Nope, "
                                     "Valid metrics: CpuPercentage,MemoryPercentage,")
    r = s.get(url, params={"api-version": API, "metricnames": "CpuPercentage", "interval": "PT3M"})
    assert r.status_code == 400 and r.json()["message"] == ("Invalid time grain duration: PT3M, supported ones are: "
                                                            "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,06:00:00,12:00:00,1.00:00:00")
    r = s.get(url, params={"api-version": API, "metricnames": "CpuPercentage", "interval": "PT3M", "AutoAdjustTimegrain": "true"})
    assert r.status_code == 200 and r.json()["interval"] in ("PT1M", "PT5M")
    r = s.get(url, params={"api-version": API, "metricnames": "CpuPercentage", "timespan": "yesterday"})
    assert r.status_code == 400 and r.json()["message"].startswith("Detected invalid time interval input: yesterday, supported Iso 8601")


def test_sdk_errors_and_missing_resource(monitor, plan, resource_group):
    with pytest.raises(HttpResponseError) as info:
        monitor.metrics.list(plan.id, metricnames="CpuPercent")
    assert info.value.status_code == 400 and "Valid metrics: CpuPercentage" in info.value.message
    gone = plan.id.rsplit("/", 1)[0] + "/missing-plan"
    with pytest.raises(ResourceNotFoundError) as info:
        monitor.metrics.list(gone, metricnames="CpuPercentage")
    assert info.value.error.code == "ResourceNotFound"
    assert f"under resource group '{resource_group}' was not found" in info.value.message


def test_full_interval_and_admin_knob_errors(azsim, monitor, plan):
    got = monitor.metrics.list(plan.id, metricnames="HttpQueueLength", timespan="PT1H", interval="FULL", aggregation="Average")
    assert len(got.value[0].timeseries[0].data) == 1 and got.interval == "PT1H"
    r = requests.post(f"{azsim.url}/_azsim/load", json={"resource": plan.id, "metric": "Nope", "value": 1}, verify=azsim.ca, timeout=10)
    assert r.status_code == 400 and "Valid metrics: CpuPercentage" in r.json()["error"]
    levels = azsim.admin("GET", f"load?resource={plan.id}")["value"]
    assert levels == []
