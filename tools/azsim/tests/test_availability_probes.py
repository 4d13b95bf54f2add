"""Standard availability tests really probe: web tests made with azure-mgmt-applicationinsights on a deployed app run from
each of their locations once per Frequency of azsim's clock, through the front door, and their results are read back
with azure-monitor-query (AppAvailabilityResults in the component's workspace) and azure-mgmt-monitor (the component's
availabilityResults/* metrics)."""

import time
import uuid

import pytest
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

from .test_kudu import GUNICORN, deploy, wait_for

LOCATIONS = [{"Id": "emea-nl-ams-azr"}, {"Id": "emea-gb-db3-azr"}]


@pytest.fixture(scope="module")
def probed(azsim):
    rg = f"rg-avail-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    ws = azsim.client(LogAnalyticsManagementClient, "proxy").workspaces.begin_create_or_update(
        rg, f"law-{uuid.uuid4().hex[:6]}", {"location": "westeurope"}).result()
    ai = azsim.client(ApplicationInsightsManagementClient, "proxy")
    comp = ai.components.create_or_update(rg, f"ai-{uuid.uuid4().hex[:6]}", {"location": "westeurope", "kind": "web", "properties": {
        "Application_Type": "web", "WorkspaceResourceId": ws.id}})
    web = azsim.client(WebSiteManagementClient, "proxy")
    plan = web.app_service_plans.begin_create_or_update(rg, "plan", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "B1"}, "properties": {"reserved": True}}).result()
    site = f"avail-{uuid.uuid4().hex[:6]}"
    web.web_apps.begin_create_or_update(rg, site, {"location": "westeurope", "properties": {
        "serverFarmId": plan.id, "siteConfig": {"appCommandLine": GUNICORN}}}).result()
    deploy(azsim, site, "v1", requirements=None)

    def webtest(name, path, **rules):
        return ai.web_tests.create_or_update(rg, name, {
            "location": "westeurope", "kind": "standard", "tags": {f"hidden-link:{comp.id}": "Resource"},
            "properties": {"SyntheticMonitorId": name, "Name": name, "Enabled": True, "Frequency": 300, "Timeout": 30, "Kind": "standard",
                           "RetryEnabled": True, "Locations": LOCATIONS,
                           "Request": {"RequestUrl": f"https://{site}.azurewebsites.net{path}", "HttpVerb": "GET"},
                           "ValidationRules": {"ExpectedHttpStatusCode": 200, "SSLCheck": True, "SSLCertRemainingLifetimeCheck": 7, **rules}}})
    webtest("home", "/", ContentValidation={"ContentMatch": "hello from v1", "IgnoreCase": False, "PassIfTextFound": True})
    webtest("broken", "/missing")
    return {"ws": ws, "comp": comp, "site": site}


def results(azsim, ws, want, timeout=60):
    client = LogsQueryClient(azsim.credential("proxy"))

    def ask():
        got = client.query_workspace(ws.customer_id, "AppAvailabilityResults | project TimeGenerated, Name, Location, Success, Message, "
                                                     "DurationMs, Id, _ResourceId | order by Name asc, Location asc", timespan=None)
        assert got.status == LogsQueryStatus.SUCCESS, got
        table = got.tables[0]
        rows = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
        return rows if len(rows) >= want else None
    return wait_for(ask, timeout, 0.5) or []


def test_web_tests_run_on_their_frequency_from_each_location(azsim, probed):
    moved = []
    try:
        ws, comp = probed["ws"], probed["comp"]
        time.sleep(2.5)  # the engine looks at the tests once a second: it has seen them before the clock moves
        assert results(azsim, ws, 1, timeout=1) == []  # nothing runs before the first slot
        azsim.admin("POST", "clock", {"advance_seconds": 300})
        moved.append(300)
        got = results(azsim, ws, 4)
        assert [(g["Name"], g["Location"], g["Success"]) for g in got] == [
            ("broken", "North Europe", False), ("broken", "West Europe", False), ("home", "North Europe", True), ("home", "West Europe", True)]
        assert all(g["_ResourceId"] == comp.id.lower() and g["DurationMs"] > 0 and g["Id"] for g in got)
        assert "404" in got[0]["Message"] and got[2]["Message"]

        # The component's availability metrics, through the Metrics API: 2 of 4 runs passed.
        monitor = azsim.client(MonitorManagementClient, "proxy")

        def metric(name, aggregation):
            m = monitor.metrics.list(comp.id, metricnames=name, aggregation=aggregation, interval="PT1M").value[0]
            return [getattr(d, aggregation.lower()) for d in m.timeseries[0].data if getattr(d, aggregation.lower()) is not None]
        assert metric("availabilityResults/availabilityPercentage", "Average") == [50.0]
        assert sum(metric("availabilityResults/count", "Count")) == 4
        assert metric("availabilityResults/duration", "Average")[0] > 0
        defs = {d.name.value for d in monitor.metric_definitions.list(comp.id)}
        assert {"availabilityResults/availabilityPercentage", "availabilityResults/count", "availabilityResults/duration"} <= defs

        # A jump of an hour runs each location once more, not once per missed slot.
        azsim.admin("POST", "clock", {"advance_seconds": 3600})
        moved.append(3600)
        assert len(results(azsim, ws, 8)) == 8
        time.sleep(2.5)
        assert len(results(azsim, ws, 8)) == 8
    finally:
        # The session's azsim is shared: its clock goes back where it was (as the other clock tests do).
        azsim.admin("POST", "clock", {"advance_seconds": -sum(moved)})
