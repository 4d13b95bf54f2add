"""The Log Analytics query API on api.loganalytics.io through the front door, read with azure-monitor-query's
LogsQueryClient, over rows that really happened: the front door's HTTP log, the sites' console and platform logs, the
activity log and a flexible server's PostgreSQL log - each only once a diagnostic setting routes its category to the
workspace, as in Azure.  Then the API's contract: errors, rights, timespan, partial results, statistics, retention."""

import datetime as dt
import time
import uuid

import psycopg
import pytest
from azsim.testing import Azsim
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult, LogsQueryStatus

from .test_kudu import GUNICORN, browser, deploy, wait_for

DIAG = "2021-05-01-preview"


@pytest.fixture(scope="module")
def stack(azsim):
    """A workspace and a running site whose HTTP, console and platform logs go to it (plus one not routed)."""
    rg = f"rg-logs-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    ws = azsim.client(LogAnalyticsManagementClient, "proxy").workspaces.begin_create_or_update(
        rg, f"logs-{uuid.uuid4().hex[:6]}", {"location": "westeurope"}).result()
    web = azsim.client(WebSiteManagementClient, "proxy")
    plan_body = {"location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}
    plan = web.app_service_plans.begin_create_or_update(rg, "plan", plan_body).result()
    sites = {}
    for label in ("routed", "quiet"):
        name = f"logs-{label}-{uuid.uuid4().hex[:6]}"
        site = web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
            "serverFarmId": plan.id, "siteConfig": {"appCommandLine": GUNICORN}}}).result()
        sites[label] = site
    s = azsim.session("proxy")
    r = s.put(f"https://management.azure.com{sites['routed'].id}/providers/Microsoft.Insights/diagnosticSettings/to-logs",
              params={"api-version": DIAG}, json={"properties": {"workspaceId": ws.id, "logs": [
                  {"category": c, "enabled": True} for c in ("AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServicePlatformLogs")]}})
    assert r.status_code == 200, r.text
    for site in sites.values():
        deploy(azsim, site.name, "v1", requirements=None)
    return {"rg": rg, "ws": ws, "sites": sites, "plan": plan}


def logs(azsim, principal="deployer"):
    return LogsQueryClient(azsim.credential("proxy", principal))


def rows(azsim, ws, query, timespan=None, want=1, timeout=20, principal="deployer"):
    """The rows of a query once there are at least ``want`` of them (logs are routed once a second)."""
    client = logs(azsim, principal)

    def ask():
        try:
            got = client.query_workspace(ws.customer_id, query, timespan=timespan)
        except HttpResponseError as exc:
            if "Failed to resolve column" in str(exc):
                return None  # AzureDiagnostics gets a service's columns with its first rows
            raise
        assert got.status == LogsQueryStatus.SUCCESS, got
        table = got.tables[0]
        out = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
        return out if len(out) >= want else None
    return wait_for(ask, timeout, 0.5) or []


def test_http_console_and_platform_logs_of_a_routed_site(azsim, stack):
    routed, quiet = stack["sites"]["routed"], stack["sites"]["quiet"]
    b = browser(azsim)
    for site in (routed, quiet):
        assert b.get(f"https://{site.name}.azurewebsites.net/", headers={"User-Agent": "erp-probe/1.0"}, timeout=60).status_code == 200
        assert b.get(f"https://{site.name}.azurewebsites.net/missing?x=1", timeout=60).status_code == 404
    got = rows(azsim, stack["ws"], "AppServiceHTTPLogs | where CsUriStem in ('/', '/missing') "
                                   "| project CsHost, CsMethod, CsUriStem, CsUriQuery, ScStatus, TimeTaken, UserAgent, Result, _ResourceId "
                                   "| order by ScStatus asc", want=2)
    seen = [(g["CsUriStem"], g["ScStatus"], g["CsUriQuery"], g["Result"]) for g in got]
    assert seen == [("/", 200, "", "Success"), ("/missing", 404, "x=1", "Failure")]
    assert {g["CsHost"] for g in got} == {f"{routed.name}.azurewebsites.net"}  # the other site has no setting
    assert got[0]["UserAgent"] == "erp-probe/1.0" and got[0]["CsMethod"] == "GET" and got[0]["TimeTaken"] >= 0
    assert got[0]["_ResourceId"] == routed.id.lower()
    console = rows(azsim, stack["ws"], "AppServiceConsoleLogs | where ResultDescription has 'Listening' "
                                       "| project Level, ResultDescription, Host")
    assert console and console[0]["Level"] == "Error"  # gunicorn logs to stderr: Error, as App Service files STDERR lines
    platform = rows(azsim, stack["ws"], "AppServicePlatformLogs | where Message has 'initialized' | project Level, Message, OperationName")
    assert platform and routed.name in platform[0]["Message"]
    # Summaries over them, as a maintenance routine asks.
    summary = rows(azsim, stack["ws"], "AppServiceHTTPLogs | summarize requests = count(), errors = countif(ScStatus >= 400) by CsHost")
    assert summary == [{"CsHost": f"{routed.name}.azurewebsites.net", "requests": summary[0]["requests"], "errors": 1}]
    assert summary[0]["requests"] >= 2


def test_activity_log_reaches_the_workspace_through_a_subscription_setting(azsim, stack):
    s = azsim.session("proxy")
    base = f"https://management.azure.com/subscriptions/{azsim.sub}/providers/Microsoft.Insights/diagnosticSettings/activity-{uuid.uuid4().hex[:4]}"
    r = s.put(base, params={"api-version": DIAG}, json={"properties": {"workspaceId": stack["ws"].id, "logs": [
        {"category": "Administrative", "enabled": True}]}})
    assert r.status_code == 200, r.text
    tag = uuid.uuid4().hex[:8]
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(f"rg-activity-{tag}", {"location": "westeurope"})
    got = rows(azsim, stack["ws"], f"AzureActivity | where ResourceGroup == 'rg-activity-{tag}' "
                                   "| project OperationNameValue, ActivityStatusValue, CategoryValue, Caller, _ResourceId")
    assert got[0]["OperationNameValue"].lower() == "microsoft.resources/subscriptions/resourcegroups/write"
    assert got[0]["ActivityStatusValue"] == "Succeeded" and got[0]["CategoryValue"] == "Administrative"
    assert got[0]["Caller"] == azsim.principal("deployer")["client_id"]
    assert s.delete(base, params={"api-version": DIAG}).status_code in (200, 204)


@pytest.mark.parametrize("dedicated", [False, True])
def test_postgresql_server_log_in_both_collection_modes(azsim, stack, dedicated):
    rg, ws = stack["rg"], stack["ws"]
    pg = azsim.client(PostgreSQLManagementClient, "proxy")
    name = f"pglogs-{uuid.uuid4().hex[:6]}"
    server = pg.servers.begin_create_or_update(rg, name, {
        "location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "properties": {"version": "15", "administratorLogin": "pgadmin", "administratorLoginPassword": "Sup3r-Secret!pw",
                       "storage": {"storageSizeGB": 32}}}, polling_interval=0).result()
    pg.firewall_rules.begin_create_or_update(rg, name, "local", {"properties": {"startIpAddress": "127.0.0.1", "endIpAddress": "127.0.0.1"}},
                                             polling_interval=0).result()
    body = {"properties": {"workspaceId": ws.id, "logs": [{"category": "PostgreSQLLogs", "enabled": True}]}}
    if dedicated:
        body["properties"]["logAnalyticsDestinationType"] = "Dedicated"
    r = azsim.session("proxy").put(f"https://management.azure.com{server.id}/providers/Microsoft.Insights/diagnosticSettings/pg",
                                   params={"api-version": DIAG}, json=body)
    assert r.status_code == 200, r.text
    time.sleep(1.5)  # the exporter reads from the end of the log it first sees
    host, port = azsim.admin("GET", "endpoints")[f"{name}.postgres.database.azure.com"].split(":")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=host, port=int(port), user="pgadmin", password="wrong", dbname="postgres", sslmode="require", connect_timeout=10)
    if dedicated:
        got = rows(azsim, ws, f"PGSQLServerLogs | where LogicalServerName == '{name}' and Message has 'authentication failed' "
                              "| project ErrorLevel, Message, SqlErrorCode, ProcessId, Category")
        assert got[0]["ErrorLevel"] == "FATAL" and got[0]["SqlErrorCode"] == "28P01" and got[0]["ProcessId"] > 0
        assert "-FATAL:  password authentication failed for user \"pgadmin\"" in got[0]["Message"]
    else:
        got = rows(azsim, ws, f"AzureDiagnostics | where Category == 'PostgreSQLLogs' and LogicalServerName_s == '{name}' "
                              "and Message contains 'authentication failed' | project errorLevel_s, ResourceProvider, OperationName, Resource")
        assert got[0] == {"errorLevel_s": "FATAL", "ResourceProvider": "MICROSOFT.DBFORPOSTGRESQL", "OperationName": "LogEvent",
                          "Resource": name.upper()}
    pg.servers.begin_delete(rg, name, polling_interval=0).result()


def test_metrics_exported_as_azure_metrics_rows(azsim, stack):
    """A plan whose setting enables AllMetrics: one AzureMetrics row per metric and minute, the values the Metrics API has."""
    plan = stack["plan"]
    r = azsim.session("proxy").put(f"https://management.azure.com{plan.id}/providers/Microsoft.Insights/diagnosticSettings/metrics",
                                   params={"api-version": DIAG}, json={"properties": {"workspaceId": stack["ws"].id, "metrics": [
                                       {"category": "AllMetrics", "enabled": True}]}})
    assert r.status_code == 200, r.text
    time.sleep(1.5)  # the exporter notices the setting, then exports the minutes that end after it
    azsim.admin("POST", "load", {"resource": plan.id, "metric": "CpuPercentage", "value": 77})
    azsim.admin("POST", "clock", {"advance_seconds": 180})
    try:
        got = rows(azsim, stack["ws"], "AzureMetrics | where MetricName == 'CpuPercentage' and Average > 70 "
                                       "| project Average, Maximum, UnitName, TimeGrain, ResourceProvider, Resource, _ResourceId", want=2)
        assert got[0]["Average"] == pytest.approx(77) and got[0]["UnitName"] == "Percent" and got[0]["TimeGrain"] == "PT1M"
        assert got[0]["ResourceProvider"] == "MICROSOFT.WEB" and got[0]["Resource"] == plan.name.upper()
        assert got[0]["_ResourceId"] == plan.id.lower()
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -180})
        azsim.admin("POST", "load", {"resource": plan.id, "metric": "CpuPercentage", "value": 10})


def test_query_api_errors_rights_and_options(azsim, stack):
    ws = stack["ws"]
    client = logs(azsim)
    # A syntax error: 400 BadArgumentError; the client reports the innermost message (SYN0002 with the position).
    with pytest.raises(HttpResponseError) as exc:
        client.query_workspace(ws.customer_id, "AppServiceHTTPLogs | where", timespan=None)
    assert exc.value.status_code == 400 and exc.value.error.code == "BadArgumentError"
    assert exc.value.model.code == "BadArgumentError"  # LogsQueryError: the top code, the innermost message
    assert exc.value.model.message == "Query could not be parsed at '<EOF>' on line [1,26]"
    with pytest.raises(HttpResponseError) as exc:
        client.query_workspace(ws.customer_id, "AppServiceHTTPLogs | where NoSuchColumn == 1", timespan=None)
    assert exc.value.status_code == 400
    assert exc.value.model.message == "'where' operator: Failed to resolve column or scalar expression named 'NoSuchColumn'"
    with pytest.raises(HttpResponseError) as exc:
        client.query_workspace(ws.customer_id, "NoSuchTable | take 1", timespan=None)
    assert exc.value.status_code == 400 and "Failed to resolve table or column expression named 'NoSuchTable'" in exc.value.model.message
    # An unknown workspace id: 404.
    with pytest.raises(HttpResponseError) as exc:
        client.query_workspace(str(uuid.uuid4()), "AppServiceHTTPLogs | take 1", timespan=None)
    assert exc.value.status_code == 404
    # timespan filters TimeGenerated: nothing happened in the hour ending a day ago.
    a_day_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    empty = client.query_workspace(ws.customer_id, "AppServiceHTTPLogs | count", timespan=(a_day_ago, dt.timedelta(hours=1)))
    assert empty.tables[0].rows[0][0] == 0
    recent = client.query_workspace(ws.customer_id, "AppServiceHTTPLogs | count", timespan=dt.timedelta(hours=1),
                                    server_timeout=30, include_statistics=True)
    assert recent.tables[0].rows[0][0] >= 1 and recent.statistics and "query" in recent.statistics
    # More rows than the request allows: a partial result with the rows that fit.
    partial = client.query_workspace(ws.customer_id, "set truncationmaxrecords=1; AppServiceHTTPLogs | project CsUriStem", timespan=None)
    assert isinstance(partial, LogsQueryPartialResult) and partial.status == LogsQueryStatus.PARTIAL
    assert len(partial.partial_data[0].rows) == 1 and partial.partial_error.code == "PartialError"
    # The Reader may query; the same principal without any role on the workspace may not (403).
    assert logs(azsim, "auditor").query_workspace(ws.customer_id, "AppServiceHTTPLogs | count", timespan=None).tables[0].rows[0][0] >= 1
    authz = azsim.client(AuthorizationManagementClient, "proxy", "owner")
    sub_scope = f"/subscriptions/{azsim.sub}"
    auditor = azsim.principal("auditor")["object_id"]
    reader = [a for a in authz.role_assignments.list_for_scope(sub_scope, filter=f"principalId eq '{auditor}'") if a.scope == sub_scope]
    assert reader
    for a in reader:
        authz.role_assignments.delete(sub_scope, a.name)
    try:
        with pytest.raises(HttpResponseError) as exc:
            logs(azsim, "auditor").query_workspace(ws.customer_id, "AppServiceHTTPLogs | count", timespan=None)
        assert exc.value.status_code == 403
    finally:
        for a in reader:
            authz.role_assignments.create(sub_scope, a.name, {"role_definition_id": a.role_definition_id, "principal_id": auditor,
                                                              "principal_type": "ServicePrincipal"})


def test_rows_older_than_the_retention_are_dropped(tmp_path, monkeypatch):
    """Its own azsim: the clock jumps a month."""
    sim = Azsim(str(tmp_path)).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)
    monkeypatch.setenv("HTTPS_PROXY", sim.info["proxy"])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg", {"location": "westeurope"})
        ws = sim.client(LogAnalyticsManagementClient, "direct").workspaces.begin_create_or_update(
            "rg", "retention-ws", {"location": "westeurope", "properties": {"retentionInDays": 30}}).result()
        r = sim.session("direct").put(f"{sim.url}/subscriptions/{sim.sub}/providers/Microsoft.Insights/diagnosticSettings/activity",
                                      params={"api-version": DIAG}, json={"properties": {"workspaceId": ws.id, "logs": [
                                          {"category": "Administrative", "enabled": True}]}})
        assert r.status_code == 200, r.text
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg-later", {"location": "westeurope"})

        def count():
            # A new client each time: a token issued before the clock jumped has expired on azsim's clock.
            return LogsQueryClient(sim.credential("proxy")).query_workspace(ws.customer_id, "AzureActivity | count", timespan=None).tables[0].rows[0][0]
        assert count() >= 2
        sim.admin("POST", "clock", {"advance_seconds": 29 * 86400})
        assert count() >= 2  # still within the 30 days
        sim.admin("POST", "clock", {"advance_seconds": 2 * 86400})
        assert wait_for(lambda: count() == 0, 15, 0.5)
    finally:
        sim.stop()
