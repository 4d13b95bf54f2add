"""Application Insights ingestion: the ``track`` endpoint of a component's connection string, through the front door.

Hosts (Learn "Connection strings in Application Insights"; exporter 1.0.0b58 ``_connection_string_parser.py``): the regional
``<region>[-<n>].in.applicationinsights.azure.com`` of ``IngestionEndpoint``, the global ``dc.services.visualstudio.com``
(the default without a connection string) and ``[<location>.]dc.applicationinsights.azure.com`` (``EndpointSuffix``).
Live Metrics hosts (``<region>.livediagnostics.monitor.azure.com``, ``rt.services.visualstudio.com``) answer their ping.

``POST /v2/track``, ``/v2.1/track`` and the double-slash forms (``//v2.1/track``: the Python exporter keeps the endpoint's
trailing slash, Azure/azure-sdk-for-python#44358). Body: a JSON array (the Python exporter, ``application/json``) or
newline-delimited JSON, gzip-compressed or not (classic .NET SDK: ``Content-Encoding: gzip``,
``application/x-json-stream``); spec ``specification/applicationinsights/data-plane/Monitor.Exporters/preview/v2.1/
swagger.json`` (``consumes`` both). Answer ``{"itemsReceived", "itemsAccepted", "errors": [{"index", "statusCode",
"message"}]}``: 200 when every item is accepted, 206 when some are (the exporter re-sends only retryable ones), 400 when
none is (MicrosoftDocs/azure-docs#42239, microsoft/ApplicationInsights-PHP#70; /work/shared/reference/monitor-logs.md §4).

Each accepted item becomes a row of its workspace-based component's workspace (Learn "Workspace-based Application Insights
resources": the telemetry is stored in the Log Analytics workspace, no diagnostic setting involved), in the table Learn
"Application Insights telemetry data model / apm-tables" names for its type, with the field mapping of monitor-logs.md §4.4.
"""

import datetime as _dt
import gzip
import json
import re
import threading
import zlib

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from ..authorization import models as authz
from . import metrics
from .components import TYPE as COMPONENT_TYPE

# -- hosts ------------------------------------------------------------------------------------------------------------
_INGESTION_HOST = re.compile(r"^(?:[a-z0-9]+(?:-\d+)?\.in\.applicationinsights\.azure\.com|dc\.services\.visualstudio\.com"
                             r"|(?:[a-z0-9]+\.)?dc\.applicationinsights\.azure\.com)$")
_LIVE_HOST = re.compile(r"^(?:[a-z0-9]+(?:-\d+)?\.livediagnostics\.monitor\.azure\.com|rt\.services\.visualstudio\.com"
                        r"|(?:[a-z0-9]+\.)?rt\.applicationinsights\.azure\.com)$")

# The SDK's dynamic configuration service ("OneSettings"): exporter 1.0.0b58 ``_constants.py`` _ONE_SETTINGS_CNAME and
# paths, read by ``_configuration/_utils.py`` (``ETag``, ``x-ms-onesetinterval`` in minutes, a JSON body ``{"settings": {}}``).
_SETTINGS_HOST = "settings.sdk.monitor.azure.com"
_SETTINGS_PATHS = ("/azmonsdkdynamicconfiguration", "/azmonsdkdynamicconfigurationchanges")
_SETTINGS_ETAG = '"azsim-sdk-settings-1"'

# The exporter's own telemetry about itself (statsbeat) goes to Microsoft's components with these keys (exporter 1.0.0b58
# ``_constants.py`` _DEFAULT_NON_EU_STATS_CONNECTION_STRING / _DEFAULT_EU_STATS_CONNECTION_STRING): in Azure they exist and
# accept it, so azsim answers as they would and keeps nothing (they are no component of the simulated subscription).
STATSBEAT_IKEYS = {"c4a29126-a7cb-47e5-b348-11414998b11e", "7dc56bab-3c0c-4e9f-9ebb-d1acadee8d0f"}

# Entra tokens for ingestion: scope ``https://monitor.azure.com//.default`` (exporter ``_DEFAULT_AAD_SCOPE``), i.e. audience
# https://monitor.azure.com; the caller needs the data action of Monitoring Metrics Publisher on the component (Learn
# "Microsoft Entra authentication for Application Insights": the role publishes all telemetry despite its name).
AUDIENCES = {"https://monitor.azure.com", "https://monitor.azure.com/"}
DATA_ACTION = "Microsoft.Insights/Telemetry/Write"
# Status texts the .NET SDK quotes (microsoft/ApplicationInsights-dotnet BASE/src/ServerTelemetryChannel/Implementation/
# AuthenticationTransmissionPolicy.cs): they are the HTTP reason phrases; azsim puts them in the item errors (unverified).
UNAUTHORIZED = "Unauthorized - please provide the valid authorization token"
FORBIDDEN = "Forbidden - provided credentials do not grant the access to ingest the telemetry into the component"
V2_WITH_AUTH = "Incorrect API was used - v2 API does not support authentication"
INVALID_IKEY = "Invalid instrumentation key"  # microsoft/ApplicationInsights-PHP#70

# Envelope name suffix -> (baseType, table) (Learn "apm-tables": requests -> AppRequests, ...).
TABLES = {"Request": ("RequestData", "AppRequests"), "RemoteDependency": ("RemoteDependencyData", "AppDependencies"),
          "Exception": ("ExceptionData", "AppExceptions"), "Message": ("MessageData", "AppTraces"), "Metric": ("MetricData", "AppMetrics"),
          "Event": ("EventData", "AppEvents"), "Availability": ("AvailabilityData", "AppAvailabilityResults"),
          "PageView": ("PageViewData", None), "PerformanceCounter": ("PerformanceCounterData", None)}
BY_BASE_TYPE = {base: (name, table) for name, (base, table) in TABLES.items()}
# Required fields of each base type (swagger v2.1 ``required``), with the type named in the 109 error.
REQUIRED = {"RequestData": [("id", "string"), ("duration", "string"), ("success", "bool"), ("responseCode", "string")],
            "RemoteDependencyData": [("name", "string"), ("duration", "string")],
            "ExceptionData": [("exceptions", "array")], "MessageData": [("message", "string")], "MetricData": [("metrics", "array")],
            "EventData": [("name", "string")],
            "AvailabilityData": [("id", "string"), ("name", "string"), ("duration", "string"), ("success", "bool")],
            "PageViewData": [("name", "string")]}
# SeverityLevel enum (swagger) -> the int the App* tables hold (Verbose 0 ... Critical 4; unverified, monitor-logs.md §4.4).
SEVERITY = {"verbose": 0, "information": 1, "warning": 2, "error": 3, "critical": 4}
# Application Insights' performance buckets of a duration (the classic ``performanceBucket`` values; list unverified).
BUCKETS = ((250, "<250ms"), (500, "250ms-500ms"), (1000, "500ms-1sec"), (3000, "1sec-3sec"), (7000, "3sec-7sec"), (15000, "7sec-15sec"),
           (30000, "15sec-30sec"), (60000, "30sec-1min"), (120000, "1min-2min"), (300000, "2min-5min"))
_DURATION = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")
MAX_BODY = 64 * 1024 * 1024  # azsim's bound on a decompressed batch (Azure's own limit unverified)


def register(app):
    ing = Ingestion(app)
    app.host_handlers.append((ing.accepts, ing.handle))
    app.identity.extra_audiences.update(AUDIENCES)
    app.reset_hooks.append(ing.forget)


class ItemError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _missing(field, typ, base):
    # The ingestion service's wording (MicrosoftDocs/azure-docs#42239: responseCode of RequestData); other fields by analogy.
    return ItemError(400, f"109: Field '{field}' on type '{base}' is required but missing or empty. Expected: {typ}, Actual: undefined")


def duration_ms(text):
    """Milliseconds of an envelope duration: ``d.hh:mm:ss.ffffff`` (Python: ``0.00:00:01.234``) or .NET's ``hh:mm:ss.fffffff``."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    days, hours, minutes, seconds, frac = m.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds) + (int(frac) / 10 ** len(frac) if frac else 0.0)
    return total * 1000.0


def bucket(ms):
    for limit, name in BUCKETS:
        if ms < limit:
            return name
    return ">=5min"


def _time(text):
    if not isinstance(text, str) or not text.strip():
        return None
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        d = _dt.datetime.fromisoformat(t)  # any number of fraction digits (3.11)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.UTC)
    return d.timestamp()


def _severity(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return SEVERITY.get(str(value).lower()) if value is not None else None


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


class Ingestion:
    def __init__(self, app):
        self.app = app
        self._ikeys = {}  # instrumentation key -> component id (rebuilt on a miss)
        self._lock = threading.Lock()

    @staticmethod
    def accepts(host):
        return bool(_INGESTION_HOST.match(host) or _LIVE_HOST.match(host) or host == _SETTINGS_HOST)

    def forget(self):
        with self._lock:
            self._ikeys = {}

    # -- components -------------------------------------------------------------------------------------------------
    def component(self, ikey):
        """The component (document) whose InstrumentationKey is ``ikey``, or None. Call with the store lock held."""
        key = str(ikey or "").strip().lower()
        if not key:
            return None
        with self._lock:
            cid = self._ikeys.get(key)
        doc = resource.peek(self.app, cid) if cid else None
        if doc is not None and str(doc["properties"].get("InstrumentationKey", "")).lower() == key:
            return doc
        index = {}
        for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/"):
            if d.get("type", "").lower() == COMPONENT_TYPE.lower() and d.get("properties", {}).get("InstrumentationKey"):
                index[str(d["properties"]["InstrumentationKey"]).lower()] = d["id"]
        with self._lock:
            self._ikeys = index
        return resource.peek(self.app, index[key]) if key in index else None

    # -- HTTP -------------------------------------------------------------------------------------------------------
    def handle(self, req):
        if _LIVE_HOST.match(req.host):
            return self._live(req)
        if req.host == _SETTINGS_HOST:
            return self._settings(req)
        segs = [s.lower() for s in req.raw_path.split("/") if s]  # "//v2.1/track" and "/v2.1/track" alike
        if len(segs) == 2 and segs[1] == "track" and segs[0] in ("v2", "v2.1"):
            if req.method != "POST":
                return Response(405, {"error": "Method not allowed"}, {"Allow": "POST"})  # unverified body
            return self._track(req, segs[0])
        return Response(404, {"error": "Not found"})  # unverified body

    def _live(self, req):
        """Live Metrics (QuickPulse): ``POST /QuickPulseService.svc/ping`` answers 200 with ``x-ms-qps-subscribed: false``
        (nobody watches the Live Metrics pane), so the exporter keeps pinging and never posts (exporter ``_quickpulse/
        _exporter.py`` reads only the headers; swagger livemetrics ``IsSubscribed``). ``/post`` gets the same answer."""
        segs = [s.lower() for s in req.raw_path.split("/") if s]
        if req.method == "POST" and segs[:1] == ["quickpulseservice.svc"] and segs[1:] in (["ping"], ["post"]):
            return Response(200, None, {"x-ms-qps-subscribed": "false", "x-ms-qps-service-polling-interval-hint": "5000"})
        return Response(404, {"error": "Not found"})  # unverified body

    @staticmethod
    def _settings(req):
        """The SDK's dynamic configuration: no override for any SDK (an empty ``settings`` map; which keys Azure sends is
        unverified), refreshed hourly; a request that already holds this version (``If-None-Match``) gets 304. Without
        it the exporter's calls fail at the proxy and its retries log the failure as exceptions of the app."""
        if req.method != "GET" or req.raw_path.rstrip("/").lower() not in _SETTINGS_PATHS:
            return Response(404, {"error": "Not found"})  # unverified body
        headers = {"ETag": _SETTINGS_ETAG, "x-ms-onesetinterval": "60"}
        if (req.headers.get("if-none-match") or "").strip() == _SETTINGS_ETAG:
            return Response(304, None, headers)
        return Response(200, {"settings": {}}, headers)

    def _track(self, req, api):
        body = req.body or b""
        if "gzip" in (req.headers.get("content-encoding") or "").lower():
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error):
                return _answer(400, 0, None, [{"index": 0, "statusCode": 400, "message": "Invalid gzip content"}])  # unverified text
        if len(body) > MAX_BODY:
            return _answer(413, 0, None, [{"index": 0, "statusCode": 413, "message": "Request entity too large"}])  # unverified
        items = _parse(body)
        if items is None:
            return _answer(400, 0, None, [{"index": 0, "statusCode": 400, "message": "Invalid JSON"}])  # unverified text
        with self.app.store.lock:
            found = {}  # one look-up per key of the batch (statsbeat's keys are Microsoft's, never looked up)
            for it in items:
                key = str(_ikey(it)).lower() if isinstance(it, dict) else ""
                if key and key not in found and key not in STATSBEAT_IKEYS:
                    found[key] = self.component(key)
            comps = [found.get(str(_ikey(it)).lower()) if isinstance(it, dict) else None for it in items]
            auth = self._authorize(req, api, {c["id"]: c for c in comps if c is not None}, len(items))
            if auth is not None:
                return auth
            targets = {}
            for c in comps:
                if c is not None and c["id"] not in targets:
                    targets[c["id"]] = (c, _workspace_cid(self.app, c))
        errors, rows, accepted, feed = [], {}, 0, []
        for i, (item, comp) in enumerate(zip(items, comps, strict=True)):
            try:
                if not isinstance(item, dict):
                    raise ItemError(400, "Invalid JSON")  # a line of the stream that is no object (unverified text)
                if comp is None:
                    if str(_ikey(item)).lower() in STATSBEAT_IKEYS:
                        _validate(item)
                        accepted += 1
                        continue
                    raise ItemError(400, INVALID_IKEY)
                table, row = to_row(item, comp, req, self.app.identity.subscription_id)
                accepted += 1
                cid = targets[comp["id"]][1]
                if table is not None:
                    feed.append((comp["id"], table, row))
                if table is not None and cid is not None:  # a deleted workspace: accepted, then lost (unverified)
                    rows.setdefault((cid, table), []).append(row)
            except ItemError as exc:
                errors.append({"index": i, "statusCode": exc.status, "message": exc.message})
        for (cid, table), batch in rows.items():
            self.app.logs.append(cid, table, batch)
        if feed:
            with self.app.store.transaction():
                standard_metrics(self.app, feed)
        status = 200 if not errors else (206 if accepted else 400)
        app_id = next((c["properties"].get("AppId") for c in comps if c is not None), None)
        return _answer(status, len(items), app_id, errors, accepted)

    def _authorize(self, req, api, comps, n):
        """Local (instrumentation key) or Entra authentication against the components addressed; None when allowed, else
        the answer. ``DisableLocalAuth``: a request without a bearer token gets 401, ``/v2/track`` (no authentication in
        that API) 400; a token must be azsim's, for https://monitor.azure.com, current, and its principal must hold
        Microsoft.Insights/Telemetry/Write on the component (403). A token sent to a component that allows local
        authentication is checked the same way (unverified)."""
        header = (req.headers.get("authorization") or "").strip()
        scheme, _sep, token = header.partition(" ")
        has_token = scheme.lower() == "bearer" and token.strip()
        strict = [c for c in comps.values() if c["properties"].get("DisableLocalAuth")]
        if api == "v2":
            if strict:
                return _answer(400, n, None, [{"index": 0, "statusCode": 400, "message": V2_WITH_AUTH}])
            return None
        if not has_token:
            return _answer(401, n, None, [{"index": 0, "statusCode": 401, "message": UNAUTHORIZED}]) if strict else None
        claims = self.app.identity.verify(token.strip())
        if (claims is None or claims.get("exp", 0) <= self.app.clock.now() or str(claims.get("aud", "")) not in AUDIENCES
                or str(claims.get("tid", "")).lower() != self.app.identity.tenant_id.lower()):
            return _answer(401, n, None, [{"index": 0, "statusCode": 401, "message": UNAUTHORIZED}])
        principal = self.app.identity.principal_by_object(claims.get("oid"))
        for c in comps.values():
            try:
                if principal is None:
                    raise AzureError(403, "AuthorizationFailed", "unknown principal")
                authz.check(self.app.store, self.app.identity.subscription_id, principal, DATA_ACTION, c["id"], data=True)
            except AzureError:
                return _answer(403, n, None, [{"index": 0, "statusCode": 403, "message": FORBIDDEN}])
        return None


def standard_metrics(app, feed):
    """The component's log-based standard metrics from its telemetry (Learn "Application Insights standard metrics": e.g.
    requests/count = sum(itemCount) of requests, requests/failed those with success false, requests/duration their
    average duration; dependencies/* alike; exceptions/count and /server (no client browser); traces/count;
    availabilityResults/* from TrackAvailability items), one merged sample per component, metric and minute.
    ``feed``: [(component id, table, row)].  Call inside a store transaction."""
    groups = {}
    for comp_id, table, row in feed:
        n = float(row.get("ItemCount") or 1)
        counters, gauges = groups.setdefault((comp_id, int(row["TimeGenerated"] // 60) * 60), ({}, {}))

        def add(metric, value, counters=counters):
            counters[metric] = counters.get(metric, 0.0) + value

        def mean(metric, value, weight, gauges=gauges):
            total, count = gauges.get(metric, (0.0, 0.0))
            gauges[metric] = (total + value * weight, count + weight)
        prefix = {"AppRequests": "requests", "AppDependencies": "dependencies"}.get(table)
        if prefix:
            add(f"{prefix}/count", n)
            add(f"{prefix}/failed", 0.0 if row.get("Success") else n)
            mean(f"{prefix}/duration", row["DurationMs"], n)
        elif table == "AppExceptions":
            add("exceptions/count", n)
            add("exceptions/browser" if row.get("ClientBrowser") else "exceptions/server", n)
        elif table == "AppTraces":
            add("traces/count", n)
        elif table == "AppAvailabilityResults":
            add("availabilityResults/count", n)
            mean("availabilityResults/availabilityPercentage", 100.0 if row.get("Success") else 0.0, n)
            mean("availabilityResults/duration", row["DurationMs"], n)
    for (comp_id, minute), (counters, gauges) in groups.items():
        metrics.record_traffic(app, comp_id, counters, {m: (total / count, count) for m, (total, count) in gauges.items() if count}, at=minute)


def _answer(status, received, app_id, errors, accepted=0):
    body = {"itemsReceived": received, "itemsAccepted": accepted, "errors": errors}
    if app_id:
        body["appId"] = app_id  # seen in real answers (IvanJosipovic/BlazorApplicationInsights#57)
    return Response(status, body)


def _parse(body):
    """The items of a JSON array or of newline-delimited JSON (a line that is no JSON is kept as None); None when a body
    that starts as an array is no JSON."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            return None
        return items if isinstance(items, list) else None
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append(None)
    return out


def _ikey(item):
    return item.get("iKey") or item.get("ikey") or item.get("instrumentationKey") or ""


def _workspace_cid(app, comp):
    from ..operationalinsights import workspace_customer_id

    wid = comp["properties"].get("WorkspaceResourceId")
    return workspace_customer_id(app, wid) if wid else None


def _validate(item):
    """(name suffix, table, baseType, baseData, time) of an envelope, or the item error the service answers."""
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise _missing("name", "string", "Envelope")
    t = _time(item.get("time"))
    if t is None:
        if not item.get("time"):
            raise _missing("time", "string", "Envelope")
        raise ItemError(400, f"Field 'time' on type 'Envelope' is not a valid date: {item.get('time')}")  # unverified text
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    base_type = data.get("baseType")
    base = data.get("baseData")
    if not isinstance(base_type, str) or not isinstance(base, dict):
        raise _missing("baseData", "object", "Data")  # unverified text
    kind, table = BY_BASE_TYPE.get(base_type, (None, None))
    if kind is None:
        # An unknown baseType: accepted and not stored (unverified).
        return None, None, base_type, base, t
    for field, typ in REQUIRED.get(base_type, ()):
        value = base.get(field)
        if value is None or value == "" or (typ == "array" and (not isinstance(value, list) or not value)):
            raise _missing(field, typ, base_type)
    return kind, table, base_type, base, t


def to_row(item, comp, req, sub):
    """(table, row) of a valid envelope (table None: accepted, not stored), else ItemError. Field mapping: monitor-logs.md
    §4.4 (Learn apm-tables and the spec's AppRequests example; the per-field correspondence is inferred)."""
    kind, table, base_type, base, t = _validate(item)
    if table is None:
        return None, None
    tags = item.get("tags") if isinstance(item.get("tags"), dict) else {}
    props = base.get("properties") if isinstance(base.get("properties"), dict) else {}
    meas = base.get("measurements") if isinstance(base.get("measurements"), dict) else {}
    rate = item.get("sampleRate")
    try:
        count = max(1, round(100.0 / float(rate))) if rate not in (None, "") and float(rate) > 0 else 1
    except (TypeError, ValueError):
        count = 1
    p = comp["properties"]
    if p.get("DisableIpMasking"):
        # Learn "Geolocation and IP address handling": the client IP is kept only with DisableIpMasking; the sender's
        # address otherwise becomes 0.0.0.0 (what a query shows).
        ip = tags.get("ai.location.ip") or (req.client_addr or ("",))[0]
    else:
        ip = "0.0.0.0"  # noqa: S104 - the masked address Application Insights stores, not a bind
    row = {
        "TimeGenerated": t, "_ResourceId": comp["id"].lower(), "_SubscriptionId": sub, "IKey": p.get("InstrumentationKey", ""),
        "ResourceGUID": p.get("AppId", ""), "ItemCount": count, "ClientIP": ip,
        "OperationId": tags.get("ai.operation.id", ""), "ParentId": tags.get("ai.operation.parentId", ""),
        "OperationName": tags.get("ai.operation.name", ""), "SyntheticSource": tags.get("ai.operation.syntheticSource", ""),
        "AppRoleName": tags.get("ai.cloud.role", ""), "AppRoleInstance": tags.get("ai.cloud.roleInstance", ""),
        "AppVersion": tags.get("ai.application.ver", ""), "SDKVersion": tags.get("ai.internal.sdkVersion", ""),
        "SessionId": tags.get("ai.session.id", ""), "UserId": tags.get("ai.user.id", ""), "UserAuthenticatedId": tags.get("ai.user.authUserId", ""),
        "UserAccountId": tags.get("ai.user.accountId", ""), "ClientOS": tags.get("ai.device.osVersion", ""),
        "ClientModel": tags.get("ai.device.model", ""), "ClientType": tags.get("ai.device.type") or "PC",
        "ClientCity": tags.get("ai.location.city", ""), "ClientStateOrProvince": tags.get("ai.location.province", ""),
        "ClientCountryOrRegion": tags.get("ai.location.country", ""),
        "Properties": {str(k): str(v) for k, v in props.items()} or None, "Measurements": meas or None,
    }
    fill = {"Request": _request, "RemoteDependency": _dependency, "Exception": _exception, "Message": _message, "Metric": _metric,
            "Event": _event, "Availability": _availability}[kind]
    return fill(base, row, base_type)


def _duration(base, base_type):
    ms = duration_ms(base.get("duration"))
    if ms is None:
        raise ItemError(400, f"Field 'duration' on type '{base_type}' is of incorrect type. Expected: timespan, "
                             f"Actual: {base.get('duration')}")  # unverified text
    return ms


def _request(base, row, base_type):
    ms = _duration(base, base_type)
    success = _bool(base.get("success"))
    if success is None:
        raise _missing("success", "bool", base_type)
    row.update({"Id": str(base["id"]), "Name": str(base.get("name") or ""), "Url": str(base.get("url") or ""), "Source": str(base.get("source") or ""),
                "Success": success, "ResultCode": str(base["responseCode"]), "DurationMs": ms, "PerformanceBucket": bucket(ms)})
    return "AppRequests", row


def _dependency(base, row, base_type):
    ms = _duration(base, base_type)
    success = _bool(base.get("success"))
    row.update({"Id": str(base.get("id") or ""), "Name": str(base["name"]), "Data": str(base.get("data") or ""),
                "DependencyType": str(base.get("type") or ""), "Target": str(base.get("target") or ""),
                "ResultCode": str(base.get("resultCode") or ""), "Success": True if success is None else success,  # spec default true
                "DurationMs": ms, "PerformanceBucket": bucket(ms)})
    return "AppDependencies", row


def _exception(base, row, base_type):
    """ExceptionType/Outer* from the first exception, Innermost* from the last, Method/Assembly from the top frame of a
    parsed stack, Details the exceptions as the classic ``details`` column holds them (a raw ``stack`` string becomes
    ``rawStack``, as queries on ``details[0].rawStack`` read it). Details of the derivation unverified (monitor-logs.md §4.4)."""
    excs = [e for e in base["exceptions"] if isinstance(e, dict)]
    if not excs:
        raise _missing("exceptions", "array", base_type)
    for e in excs:
        if not e.get("message") and not e.get("typeName"):
            raise _missing("message", "string", "ExceptionDetails")
    details = []
    for n, e in enumerate(excs):
        d = {"id": str(e.get("id") if e.get("id") is not None else n + 1), "outerId": str(e.get("outerId") if e.get("outerId") is not None else 0),
             "type": str(e.get("typeName") or ""), "message": str(e.get("message") or "")}
        if isinstance(e.get("parsedStack"), list) and e["parsedStack"]:
            d["parsedStack"] = e["parsedStack"]
        elif e.get("stack"):
            d["rawStack"] = str(e["stack"])
        if e.get("hasFullStack") is not None:
            d["hasFullStack"] = bool(e["hasFullStack"])
        details.append(d)
    outer, inner = excs[0], excs[-1]

    def frame(e):
        stack = e.get("parsedStack") if isinstance(e.get("parsedStack"), list) else []
        top = stack[0] if stack and isinstance(stack[0], dict) else {}
        return str(top.get("method") or ""), str(top.get("assembly") or "")

    (om, oa), (im, ia) = frame(outer), frame(inner)
    otype = str(outer.get("typeName") or "")
    row.update({"ExceptionType": otype, "Message": str(outer.get("message") or ""), "OuterType": otype, "OuterMessage": str(outer.get("message") or ""),
                "OuterMethod": om, "OuterAssembly": oa, "Method": om, "Assembly": oa,
                "InnermostType": str(inner.get("typeName") or ""), "InnermostMessage": str(inner.get("message") or ""), "InnermostMethod": im,
                "InnermostAssembly": ia, "ProblemId": str(base.get("problemId") or (f"{otype} at {om}" if om else otype)),
                "SeverityLevel": _severity(base.get("severityLevel")), "Details": details})
    return "AppExceptions", row


def _message(base, row, base_type):
    row.update({"Message": str(base["message"]), "SeverityLevel": _severity(base.get("severityLevel"))})
    return "AppTraces", row


def _metric(base, row, base_type):
    """The first data point (the spec allows one). Performance counters (Breeze names starting with a backslash, exporter
    ``_PERFORMANCE_COUNTER_METRIC_NAME_MAPPINGS``) belong in AppPerformanceCounters and the exporter's pre-aggregated
    standard metrics (``_MS.IsAutocollected``) in the component's metrics, neither of which azsim keeps: accepted, not
    stored (unverified that Azure keeps them out of AppMetrics)."""
    point = base["metrics"][0] if isinstance(base["metrics"][0], dict) else {}
    if not point.get("name"):
        raise _missing("name", "string", "DataPoint")
    if not isinstance(point.get("value"), (int, float)) or isinstance(point.get("value"), bool):
        raise _missing("value", "double", "DataPoint")
    if str(point["name"]).startswith("\\") or (row["Properties"] or {}).get("_MS.IsAutocollected") == "True":
        return None, None
    value = float(point["value"])
    row.update({"Name": str(point["name"]), "Namespace": str(point.get("ns") or ""), "Sum": value,
                "Min": float(point["min"]) if isinstance(point.get("min"), (int, float)) else value,
                "Max": float(point["max"]) if isinstance(point.get("max"), (int, float)) else value,
                "ItemCount": int(point.get("count") or 1)})
    return "AppMetrics", row


def _event(base, row, base_type):
    row["Name"] = str(base["name"])
    return "AppEvents", row


def _availability(base, row, base_type):
    ms = _duration(base, base_type)
    success = _bool(base.get("success"))
    if success is None:
        raise _missing("success", "bool", base_type)
    row.update({"Id": str(base["id"]), "Name": str(base["name"]), "Location": str(base.get("runLocation") or ""),
                "Message": str(base.get("message") or ""), "Success": success, "DurationMs": ms, "PerformanceBucket": bucket(ms)})
    return "AppAvailabilityResults", row
