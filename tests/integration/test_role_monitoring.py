"""The monitoring role against azsim (see conftest.py and targets/role_monitoring): check mode before anything exists,
the real run, a second run without writes or changes, bad variables refused before any write."""

import pytest

# The role ends with eleven subscription-wide activity log alerts, each run three times (check mode, real, second run).
pytestmark = pytest.mark.timeout(900)

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.monitoring : Check the monitoring role's variables", "monitoring_cpu_threshold_percent must be above 0 and at most 100"),
    ("erpops.azure.monitoring : Check the monitoring role's variables",
     "monitoring_alert_window_size (5) must be at least monitoring_alert_evaluation_frequency (15)"),
    ("erpops.azure.monitoring : Validating arguments against arg spec 'alerts'", "monitoring_alert_severity must be one of: 0, 1, 2, 3, 4"),
    ("erpops.azure.monitoring : Check the monitoring role's variables", "monitoring_security_contact_emails is empty"),
]
CHECK, FIRST, SECOND = "Run the role in check mode, before anything exists", "Run the role", "Run the foundation entry point again"


def test_role_monitoring(run_target, azsim, monkeypatch):
    from azure.mgmt.resource.resources import ResourceManagementClient

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", azsim.ca)  # the SDK clients below trust azsim's CA (the playbook's env has it already)
    rg = "it-role-monitoring-proxy-rg"
    try:
        report = run_target("role_monitoring", expect_failure=True, extra_vars={"role_monitoring_keep_group": True})
        failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
        assert len(failed) == len(EXPECTED_FAILURES), failed
        for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
            assert name.startswith(want_name) and want_msg in msg, (name, msg)
        assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "skipped", report[-3:]
        check_dashboard(azsim, rg)
    finally:
        groups = azsim.client(ResourceManagementClient, "direct").resource_groups
        if groups.check_existence(rg):
            groups.begin_delete(rg).result()
    names = [t["name"] for t in report]
    check, first, second = names.index(CHECK), names.index(FIRST), names.index(SECOND)
    role = [t for t in report[check:first] if t["name"].startswith("erpops.azure.monitoring : ")]
    # Check mode predicts every resource, Application Insights on the planned workspace and the availability test on the planned
    # component included; it skips only the guard of the watched resources (the storage accounts' settings, none being named
    # before the target creates its account, are simply absent from the one diagnostic settings task), and the wait for a
    # workspace creation the start entry point sent (main creates the workspace itself).
    assert sorted(t["name"].split(" : ", 1)[1] for t in role if t["status"] == "skipped") == [
        "Check that the web app, the plan and the PostgreSQL server exist", "Find out whether this run is in check mode",
        "Wait for the Log Analytics workspace's creation started earlier"]
    assert [t["name"] for t in report[second:] if t["changed"] and t["name"].startswith("erpops.azure.monitoring : ")] == []


def check_dashboard(azsim, rg):
    """The guide's dashboard read back with the official SDK (azure-mgmt-portal, api 2020-09-01-preview): its models keep
    positions and the Markdown part, so the charts are read from the same response's JSON."""
    from azure.mgmt.portal import Portal

    app, prefix = "it-role-monitoring-proxy-erp", f"/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers"
    portal = azsim.client(Portal, "direct")
    dashboard, raw = portal.dashboards.get(rg, f"{app}-dashboard", cls=lambda response, model, _headers: (model, response.http_response.json()))
    assert dashboard.tags["hidden-title"] == f"{app} - monitoring" and dashboard.location == "westeurope"
    parts = dashboard.properties.lenses[0].parts
    assert [(p.position.x, p.position.y, p.position.col_span, p.position.row_span) for p in parts] == [
        (0, 0, 6, 4), (6, 0, 6, 4), (0, 4, 6, 4), (6, 4, 6, 4), (0, 8, 6, 4), (6, 8, 6, 4), (0, 12, 6, 4)]
    assert parts[0].metadata.type == "Extension/HubsExtension/PartType/MarkdownPart"
    raw_parts = raw["properties"]["lenses"][0]["parts"]
    assert "| Availability | ≥ 99.9 % | < 99 % over 360 min |" in raw_parts[0]["metadata"]["settings"]["content"]["content"]
    # The SDK knows no MonitorChartPart (it falls back to the base model, without the type).
    assert [p["metadata"]["type"] for p in raw_parts[1:]] == ["Extension/HubsExtension/PartType/MonitorChartPart"] * 6
    charts = [p["metadata"]["inputs"][0]["value"]["chart"] for p in raw_parts[1:]]
    ids = {"insights": f"{prefix}/Microsoft.Insights/components/it-role-monitoring-proxy-insights",
           "site": f"{prefix}/Microsoft.Web/sites/{app}", "plan": f"{prefix}/Microsoft.Web/serverfarms/it-role-monitoring-proxy-plan",
           "pg": f"{prefix}/Microsoft.DBforPostgreSQL/flexibleServers/it-role-monitoring-proxy-pg"}
    assert [[(m["name"], m["resourceMetadata"]["id"].lower(), m["aggregationType"]) for m in c["metrics"]] for c in charts] == [
        [("availabilityResults/availabilityPercentage", ids["insights"].lower(), 4)],
        [("HttpResponseTime", ids["site"].lower(), 4)],
        [("Requests", ids["site"].lower(), 1)],
        [("Http5xx", ids["site"].lower(), 1), ("exceptions/count", ids["insights"].lower(), 7)],
        [("CpuPercentage", ids["plan"].lower(), 4), ("MemoryPercentage", ids["plan"].lower(), 4)],
        [("cpu_percent", ids["pg"].lower(), 4), ("memory_percent", ids["pg"].lower(), 4)]]
