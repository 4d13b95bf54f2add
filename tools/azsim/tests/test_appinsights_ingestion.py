"""Application Insights ingestion (``track``) of workspace-based components, fed by the unmodified official exporter
(azure-monitor-opentelemetry-exporter's AzureMonitorTraceExporter / AzureMonitorLogExporter, and the
azure-monitor-opentelemetry distro inside a site azsim runs) and by raw REST the way the classic .NET SDK sends
(gzip, newline-delimited JSON); the rows read back with azure-monitor-query's LogsQueryClient from the component's
workspace.  Then the endpoint's contract: invalid instrumentation key 400, partial 206, DisableLocalAuth 401 / 403 /
Entra token with Monitoring Metrics Publisher."""

import gzip
import json
import logging
import time
import uuid

import pytest
import requests
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient
from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter, AzureMonitorTraceExporter
from azure.monitor.query import LogsQueryClient, LogsQueryStatus
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from .test_kudu import browser, deploy, wait_for

PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"  # Monitoring Metrics Publisher (Learn "Azure built-in roles")


@pytest.fixture(scope="module", autouse=True)
def no_statsbeat():
    """The exporters in this process send neither statsbeat nor SDK stats (their documented switches): their meter
    providers would flush at interpreter exit, after the session has restored the environment without azsim's proxy.
    (The site's distro below sends both through azsim, which accepts them.)"""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "true")
        mp.setenv("APPLICATIONINSIGHTS_SDKSTATS_DISABLED", "true")
        yield


@pytest.fixture(scope="module")
def monitored(azsim):
    rg = f"rg-ai-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    ws = azsim.client(LogAnalyticsManagementClient, "proxy").workspaces.begin_create_or_update(
        rg, f"law-{uuid.uuid4().hex[:6]}", {"location": "westeurope"}).result()
    ai = azsim.client(ApplicationInsightsManagementClient, "proxy")

    def component(name, **props):
        return ai.components.create_or_update(rg, name, {"location": "westeurope", "kind": "web", "properties": {
            "Application_Type": "web", "WorkspaceResourceId": ws.id, **props}})
    return {"rg": rg, "ws": ws, "open": component(f"ai-open-{uuid.uuid4().hex[:6]}"),
            "strict": component(f"ai-strict-{uuid.uuid4().hex[:6]}", DisableLocalAuth=True)}


def query(azsim, ws, text, want=1, timeout=30):
    client = LogsQueryClient(azsim.credential("proxy"))

    def ask():
        got = client.query_workspace(ws.customer_id, text, timespan=None)
        assert got.status == LogsQueryStatus.SUCCESS, got
        table = got.tables[0]
        out = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
        return out if len(out) >= want else None
    return wait_for(ask, timeout, 0.5) or []


def endpoint(component):
    parts = dict(p.split("=", 1) for p in component.connection_string.split(";"))
    return parts["IngestionEndpoint"]


def spans(role):
    """A server span with an exception and a database call under it, recorded in memory (ReadableSpans)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": role}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("erp.tests")
    with tracer.start_as_current_span("GET /api/products/", kind=SpanKind.SERVER, attributes={
            "http.request.method": "GET", "url.scheme": "https", "url.path": "/api/products/", "http.route": "/api/products/",
            "server.address": "erp.example.com", "http.response.status_code": 500}) as server:
        with tracer.start_as_current_span("SELECT erp", kind=SpanKind.CLIENT, attributes={
                "db.system": "postgresql", "db.name": "erp", "db.statement": "SELECT id FROM inventory_product", "server.address": "erp-db"}):
            pass
        try:
            raise ValueError("the stock went negative")
        except ValueError as exc:
            server.record_exception(exc)
            server.set_status(Status(StatusCode.ERROR, str(exc)))
    return memory.get_finished_spans()


def test_exporter_spans_and_logs_become_app_tables(azsim, monitored):
    comp, ws = monitored["open"], monitored["ws"]
    got = spans("erp-web")
    exporter = AzureMonitorTraceExporter(connection_string=comp.connection_string, disable_offline_storage=True)
    assert exporter.export(got) == SpanExportResult.SUCCESS
    trace_id = format(got[-1].context.trace_id, "032x")
    server_id = format(got[-1].context.span_id, "016x")

    req = query(azsim, ws, f"AppRequests | where OperationId == '{trace_id}'")[0]
    assert (req["Name"], req["ResultCode"], req["Success"], req["Id"]) == ("GET /api/products/", "500", False, server_id)
    assert req["AppRoleName"] == "erp-web" and req["Url"] == "https://erp.example.com/api/products/"
    assert req["_ResourceId"] == comp.id.lower() and req["IKey"] == comp.instrumentation_key and req["ItemCount"] == 1
    assert req["DurationMs"] >= 0 and req["SDKVersion"] and req["ClientIP"] == "0.0.0.0" and req["Type"] == "AppRequests"  # noqa: S104 - a value

    dep = query(azsim, ws, f"AppDependencies | where OperationId == '{trace_id}'")[0]
    assert dep["ParentId"] == server_id and dep["DependencyType"] == "postgresql" and dep["Data"] == "SELECT id FROM inventory_product"
    assert dep["Success"] is True and dep["Target"].startswith("erp-db")

    exc = query(azsim, ws, f"AppExceptions | where OperationId == '{trace_id}'")[0]
    assert (exc["ExceptionType"], exc["OuterType"], exc["InnermostType"]) == ("ValueError", "ValueError", "ValueError")
    assert exc["Message"] == exc["OuterMessage"] == "the stock went negative" and exc["ParentId"] == server_id
    details = json.loads(exc["Details"]) if isinstance(exc["Details"], str) else exc["Details"]
    assert details[0]["type"] == "ValueError" and "Traceback (most recent call last)" in details[0]["rawStack"]
    assert 'raise ValueError("the stock went negative")' in details[0]["rawStack"]

    # The component's log-based standard metrics follow its telemetry (the first telemetry of this component).
    monitor = azsim.client(MonitorManagementClient, "proxy")
    names = "requests/count,requests/failed,dependencies/count,exceptions/server,exceptions/count"
    got = {m.name.value: sum(d.count or 0 for d in m.timeseries[0].data)
           for m in monitor.metrics.list(comp.id, metricnames=names, aggregation="Count", interval="PT1M").value}
    assert got == {"requests/count": 1, "requests/failed": 1, "dependencies/count": 1, "exceptions/server": 1, "exceptions/count": 1}, got
    duration = monitor.metrics.list(comp.id, metricnames="requests/duration", aggregation="Average", interval="PT1M").value[0]
    assert [d.average for d in duration.timeseries[0].data if d.average is not None] == [pytest.approx(req["DurationMs"])]

    # A log record through the log exporter: AppTraces with its severity.
    logger_provider = LoggerProvider(resource=Resource.create({"service.name": "erp-web"}))
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(AzureMonitorLogExporter(connection_string=comp.connection_string,
                                                                                              disable_offline_storage=True)))
    log = logging.getLogger(f"erp.tests.{uuid.uuid4().hex[:6]}")
    log.propagate = False
    log.addHandler(LoggingHandler(logger_provider=logger_provider))
    marker = uuid.uuid4().hex
    log.warning("stock below reorder level %s", marker)
    logger_provider.shutdown()
    trace = query(azsim, ws, f"AppTraces | where Message has '{marker}'")[0]
    assert trace["SeverityLevel"] == 2 and trace["Message"] == f"stock below reorder level {marker}" and trace["AppRoleName"] == "erp-web"


def _post(url, body, headers=None):
    """A raw POST as the classic SDKs send it: through HTTPS_PROXY with REQUESTS_CA_BUNDLE (conftest's environment)."""
    return requests.post(url, data=body, headers=headers or {}, timeout=30)


def _envelope(ikey, name, base_type, base, tags=None):
    return {"ver": 1, "name": f"Microsoft.ApplicationInsights.{name}", "time": time.strftime("%Y-%m-%dT%H:%M:%S.1234567Z", time.gmtime()),
            "sampleRate": 100.0, "iKey": ikey, "tags": tags or {}, "data": {"baseType": base_type, "baseData": {"ver": 2, **base}}}


def test_gzip_ndjson_partial_and_invalid_key(azsim, monitored):
    comp, ws = monitored["open"], monitored["ws"]
    op = uuid.uuid4().hex
    tags = {"ai.operation.id": op, "ai.cloud.role": "classic-dotnet", "ai.internal.sdkVersion": "dotnet:2.22.0-997"}
    items = [_envelope(comp.instrumentation_key, "Request", "RequestData", {"id": "abc", "name": "GET Home/Index", "duration": "00:00:00.1500000",
                                                                            "success": True, "responseCode": "200", "url": "https://erp/"}, tags),
             _envelope(comp.instrumentation_key, "Event", "EventData", {"name": "SaleRecorded", "properties": {"till": "3"}}, tags)]
    items[0]["sampleRate"] = 25.0
    body = gzip.compress("\n".join(json.dumps(i) for i in items).encode())
    r = _post(f"{endpoint(comp)}v2/track", body, {"Content-Type": "application/x-json-stream", "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["itemsReceived"] == 2 and r.json()["itemsAccepted"] == 2 and r.json()["errors"] == [], r.text
    req = query(azsim, ws, f"AppRequests | where OperationId == '{op}'")[0]
    assert (req["DurationMs"], req["ItemCount"], req["PerformanceBucket"], req["AppRoleName"]) == (150.0, 4, "<250ms", "classic-dotnet")
    event = query(azsim, ws, f"AppEvents | where OperationId == '{op}'")[0]
    props = json.loads(event["Properties"]) if isinstance(event["Properties"], str) else event["Properties"]
    assert event["Name"] == "SaleRecorded" and props == {"till": "3"}

    # A RequestData without responseCode: 206, the other item kept (MicrosoftDocs/azure-docs#42239).
    bad = _envelope(comp.instrumentation_key, "Request", "RequestData", {"id": "x", "name": "GET /", "duration": "0.00:00:00.010", "success": True})
    good = _envelope(comp.instrumentation_key, "Message", "MessageData", {"message": f"kept {op}", "severityLevel": "Error"}, tags)
    r = _post(f"{endpoint(comp)}/v2.1/track", json.dumps([good, bad]), {"Content-Type": "application/json"})
    assert r.status_code == 206, r.text
    assert {k: r.json()[k] for k in ("itemsReceived", "itemsAccepted", "errors")} == {"itemsReceived": 2, "itemsAccepted": 1, "errors": [
        {"index": 1, "statusCode": 400, "message": "109: Field 'responseCode' on type 'RequestData' is required but missing or empty. "
                                                   "Expected: string, Actual: undefined"}]}
    assert query(azsim, ws, f"AppTraces | where Message == 'kept {op}'")[0]["SeverityLevel"] == 3

    # An instrumentation key no component has: 400 (microsoft/ApplicationInsights-PHP#70).
    stranger = _envelope(str(uuid.uuid4()), "Event", "EventData", {"name": "x"})
    r = _post(f"{endpoint(comp)}v2.1/track", json.dumps([stranger]), {"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"itemsReceived": 1, "itemsAccepted": 0, "errors": [
        {"index": 0, "statusCode": 400, "message": "Invalid instrumentation key"}]}, r.text


def test_disable_local_auth_needs_an_entra_token_with_the_publisher_role(azsim, monitored):
    comp, ws = monitored["strict"], monitored["ws"]
    item = _envelope(comp.instrumentation_key, "Event", "EventData", {"name": "needs-auth"})
    r = _post(f"{endpoint(comp)}v2.1/track", json.dumps([item]), {"Content-Type": "application/json"})
    assert r.status_code == 401, r.text
    # The exporter with the key alone: refused (401 is retryable; without offline storage the batch is dropped).
    assert AzureMonitorTraceExporter(connection_string=comp.connection_string, disable_offline_storage=True).export(
        spans("strict")) == SpanExportResult.FAILURE

    cred = azsim.credential("proxy")
    exporter = AzureMonitorTraceExporter(connection_string=comp.connection_string, credential=cred, disable_offline_storage=True)
    token = cred.get_token("https://monitor.azure.com//.default").token
    r = _post(f"{endpoint(comp)}v2.1/track", json.dumps([item]), {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert r.status_code == 403, r.text  # a valid token without Monitoring Metrics Publisher on the component
    assert exporter.export(spans("strict")) == SpanExportResult.FAILURE

    authz = azsim.client(AuthorizationManagementClient, "proxy", principal="owner")
    authz.role_assignments.create(comp.id, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{PUBLISHER}",
        "principal_id": azsim.principal("deployer")["object_id"], "principal_type": "ServicePrincipal"})
    got = spans("strict")
    assert exporter.export(got) == SpanExportResult.SUCCESS
    trace_id = format(got[-1].context.trace_id, "032x")
    assert query(azsim, ws, f"AppRequests | where OperationId == '{trace_id}' | project _ResourceId")[0]["_ResourceId"] == comp.id.lower()


SITE_APP = '''
import os
import traceback

from azure.monitor.opentelemetry import configure_azure_monitor
from opentelemetry import trace
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

configure_azure_monitor()  # APPLICATIONINSIGHTS_CONNECTION_STRING from the app settings


def _app(environ, start_response):
    if environ.get("PATH_INFO") == "/boom":
        try:
            raise RuntimeError("till 3 is on fire")
        except RuntimeError as exc:
            trace.get_current_span().record_exception(exc)
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [traceback.format_exc().encode()]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


app = OpenTelemetryMiddleware(_app)
'''


def test_the_distro_in_a_site_reaches_the_ingestion_endpoint(azsim, monitored):
    """An app azsim runs sends its telemetry to https://<region>-N.in.applicationinsights.azure.com as in Azure: the site's
    environment routes it through the front door and trusts azsim's CA."""
    comp, ws = monitored["open"], monitored["ws"]
    web = azsim.client(WebSiteManagementClient, "proxy")
    plan = web.app_service_plans.begin_create_or_update(monitored["rg"], "plan", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "B1"}, "properties": {"reserved": True}}).result()
    name = f"ai-site-{uuid.uuid4().hex[:6]}"
    web.web_apps.begin_create_or_update(monitored["rg"], name, {"location": "westeurope", "properties": {
        "serverFarmId": plan.id, "siteConfig": {"appCommandLine": "gunicorn --bind=0.0.0.0:8000 --workers 1 site_app:app"}}}).result()
    web.web_apps.update_application_settings(monitored["rg"], name, {"properties": {
        "SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "APPLICATIONINSIGHTS_CONNECTION_STRING": comp.connection_string,
        # Spans leave every 200 ms instead of 5 s; every request is kept (the distro's default rate-limited sampler,
        # 5 traces/s adapting over 0.1 s, may drop one of two quick requests).
        "OTEL_SERVICE_NAME": "erp-site", "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_TRACES_SAMPLER": "always_on"}})
    deploy(azsim, name, "v1", requirements="gunicorn\nazure-monitor-opentelemetry\n", extra={"site_app.py": SITE_APP})
    b = browser(azsim)
    assert b.get(f"https://{name}.azurewebsites.net/hello", timeout=60).status_code == 200
    assert b.get(f"https://{name}.azurewebsites.net/boom", timeout=60).status_code == 500
    got = query(azsim, ws, "AppRequests | where AppRoleName == 'erp-site' | project OperationName, ResultCode, Success, OperationId "
                           "| order by OperationName asc", want=2, timeout=60)
    assert [(g["OperationName"], g["ResultCode"], g["Success"]) for g in got] == [("GET /boom", "500", False), ("GET /hello", "200", True)]
    boom = next(g for g in got if g["OperationName"] == "GET /boom")
    exc = query(azsim, ws, f"AppExceptions | where OperationId == '{boom['OperationId']}'")[0]
    details = json.loads(exc["Details"]) if isinstance(exc["Details"], str) else exc["Details"]
    assert exc["ExceptionType"] == "RuntimeError" and exc["Message"] == "till 3 is on fire" and "site_app.py" in details[0]["rawStack"]


def test_the_sdk_dynamic_configuration_answers(azsim):
    """The exporter's OneSettings client (its own code, through the proxy) gets a configuration, then 304 for the same
    version: without an answer its failed calls would be logged by the app as exceptions."""
    from azure.monitor.opentelemetry.exporter._configuration._utils import make_onesettings_request
    from azure.monitor.opentelemetry.exporter._constants import _ONE_SETTINGS_CHANGE_URL, _ONE_SETTINGS_CONFIG_URL

    first = make_onesettings_request(_ONE_SETTINGS_CONFIG_URL, {"namespaces": "python"})
    assert first.status_code == 200 and first.settings == {} and first.etag and first.refresh_interval_s == 3600
    again = make_onesettings_request(_ONE_SETTINGS_CHANGE_URL, {"namespaces": "python"}, {"If-None-Match": first.etag})
    assert again.status_code == 304
