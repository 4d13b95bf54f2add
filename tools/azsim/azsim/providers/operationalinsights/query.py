"""The Log Analytics query API on ``https://api.loganalytics.io`` and ``https://api.loganalytics.azure.com`` (through the
front door), the way azure-monitor-query's ``LogsQueryClient`` calls it.

Sources: azure-rest-api-specs ``specification/operationalinsights/data-plane/Microsoft.OperationalInsights/stable/2022-10-27/
OperationalInsights.json`` (paths, bodies, answers); Microsoft Learn "Azure Monitor Logs API" pages request-format,
response-format, errors, prefer-options, timeouts, batch-queries; azure-monitor-query 2.0.0 (what the client sends and
how it reads answers, partial results, errors).  Details in /work/shared/reference/monitor-logs.md §1.

- ``POST|GET /v1/workspaces/{customerId}/query`` (body ``{query, timespan, workspaces}``, nulls allowed), the
  resource-centric ``/v1/{resourceId}/query`` and ``POST /v1/$batch``.
- Tokens for ``https://api.loganalytics.io`` (or the ``.azure.com`` host); the caller needs
  ``Microsoft.OperationalInsights/workspaces/query/read`` on the workspace (Reader has it through ``*/read``).
- ``timespan`` (ISO 8601 duration, ``start/end`` or ``start/duration``) filters ``TimeGenerated`` of every table in
  addition to the query; with one in the URL and one in the body the intersection applies.
- ``Prefer: wait=N`` bounds the query (504 beyond), ``include-statistics=true`` adds ``statistics``.
- ``set truncationmaxrecords=N;`` / ``set notruncation;`` before the query (Kusto request properties, Learn "Query
  limits"): beyond the record limit (500,000 by default) the rows are cut and the answer is a 200 with a ``PartialError``.
"""

import json
import math
import re
import time
from datetime import UTC, datetime

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from ..authorization import models as authz
from . import models

HOSTS = ("api.loganalytics.io", "api.loganalytics.azure.com")
AUDIENCES = {"https://api.loganalytics.io", "https://api.loganalytics.azure.com"}
ACTION = "Microsoft.OperationalInsights/workspaces/query/read"
MAX_RECORDS = 500_000           # Learn "Azure Monitor service limits", Log queries: 500,000 records
DEFAULT_WAIT, MAX_WAIT = 180, 600   # Learn "Timeouts": 3 minutes by default, up to 10 with Prefer: wait
_SET = re.compile(r"\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*([^;]*?))?\s*;", re.S)
_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$", re.I)


class QueryError(Exception):
    """An answer of the query API in its own error shape: ``{"error": {"code", "message", "innererror"?, ...}}``."""

    def __init__(self, status, code, message, innererror=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.innererror, self.headers = status, code, message, innererror, headers or {}

    def body(self, correlation_id):
        err = {"message": self.message, "code": self.code, "correlationId": correlation_id}
        if self.innererror:
            err["innererror"] = self.innererror
        return {"error": err}


def _bad_request(innererror):
    return QueryError(400, "BadArgumentError", "The request had some invalid properties", innererror)


# -- time ---------------------------------------------------------------------------------------------------------------
def _instant(text):
    text = text.strip()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _duration(text):
    m = _DURATION.match(text.strip())
    if not m or text.strip().upper() in ("P", "PT"):
        return None
    parts = {k: float(v) for k, v in m.groupdict().items() if v}
    return parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


def parse_timespan(text, now):
    """(start, end) epoch seconds of an ISO 8601 interval: a duration ending now, ``start/end``, ``start/duration`` or
    ``duration/end`` (what LogsQueryClient sends: ``PT3600.0S``, ``2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z``)."""
    if "/" in text:
        left, right = text.split("/", 1)
        start, end = _instant(left), _instant(right)
        if start is not None and end is None and _duration(right) is not None:
            end = start + _duration(right)
        elif start is None and end is not None and _duration(left) is not None:
            start = end - _duration(left)
    else:
        span = _duration(text)
        start, end = (now - span, now) if span is not None else (None, None)
    if start is None or end is None:
        raise _bad_request({"code": "InvalidTimespan", "message": f"The timespan '{text}' is not a valid ISO 8601 interval."})  # unverified
    return start, end


# -- values on the wire (Learn "Response format") -------------------------------------------------------------------------
def _iso(value):
    dt = datetime.fromtimestamp(value, UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{dt.microsecond:06d}".rstrip("0")
    return text + ("." + frac if frac else "") + "Z"


def _timespan(seconds):
    sign = "-" if seconds < 0 else ""
    ticks = round(abs(seconds) * 10_000_000)
    days, rest = divmod(ticks, 864_000_000_000)
    hours, rest = divmod(rest, 36_000_000_000)
    minutes, rest = divmod(rest, 600_000_000)
    secs, frac = divmod(rest, 10_000_000)
    text = f"{sign}{days}.{hours:02d}:{minutes:02d}:{secs:02d}" if days else f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
    return text + (f".{frac:07d}" if frac else "")


def _cell(value, kind):
    if value is None:
        return None
    if kind == "datetime":
        return _iso(value)
    if kind == "timespan":
        return _timespan(value)
    if kind == "dynamic":
        return json.dumps(value, separators=(",", ":"))  # dynamic values travel as JSON text
    if kind == "real" and isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")  # JSON has no NaN/Infinity literals
    return value


def wire_table(table, name="PrimaryResult"):
    """A KQL result table as the API's ``{name, columns: [{name, type}], rows}``."""
    kinds = [k for _n, k in table.columns]
    convert = [i for i, k in enumerate(kinds) if k in ("datetime", "timespan", "dynamic", "real")]
    rows = table.rows
    if convert:
        rows = []
        for row in table.rows:
            row = list(row)
            for i in convert:
                row[i] = _cell(row[i], kinds[i])
            rows.append(row)
    return {"name": name, "columns": [{"name": n, "type": k} for n, k in table.columns], "rows": rows}


# -- the service ------------------------------------------------------------------------------------------------------------
class QueryApi:
    def __init__(self, app):
        self.app = app

    @staticmethod
    def accepts(host):
        return host in HOSTS

    def handle(self, req):
        correlation = req.context.get("request_id", "")
        try:
            resp = self._route(req)
        except QueryError as exc:
            resp = Response(exc.status, exc.body(correlation), exc.headers)
        resp.headers.setdefault("x-ms-correlation-request-id", correlation)
        resp.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return resp

    def _route(self, req):
        segs = req.segments
        if req.method not in ("GET", "POST") or len(segs) < 2 or segs[0] != "v1":
            raise QueryError(404, "PathNotFoundError", "The requested path does not exist")
        principal = self._authenticate(req)
        if segs[1:] == ["$batch"] and req.method == "POST":
            return Response(200, self._batch(req, principal))
        if len(segs) == 4 and segs[1].lower() == "workspaces" and segs[3].lower() == "query":
            status, body = self._query_workspace(req, principal, segs[2], self._params(req), req.headers.get("prefer") or "")
            return Response(status, body)
        if len(segs) > 3 and segs[1].lower() == "subscriptions" and segs[-1].lower() == "query":
            status, body = self._query_resource(req, principal, "/" + "/".join(segs[1:-1]), self._params(req), req.headers.get("prefer") or "")
            return Response(status, body)
        raise QueryError(404, "PathNotFoundError", "The requested path does not exist")

    # -- authentication and authorization --------------------------------------------------------------------------------
    def _authenticate(self, req):
        header = (req.headers.get("authorization") or "").strip()
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise QueryError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        claims = self.app.identity.verify(token.strip())
        if claims is None or claims.get("exp", 0) <= self.app.clock.now():
            raise QueryError(403, "InvalidAuthenticationToken", "The access token is invalid or expired.")  # text unverified
        if str(claims.get("aud", "")).rstrip("/") not in AUDIENCES:
            raise QueryError(403, "InvalidAuthenticationTokenAudience",
                             f"The access token has been obtained for wrong audience or resource '{claims.get('aud')}'.")  # text unverified
        principal = self.app.identity.principal_by_object(claims.get("oid"))
        if principal is None:
            raise QueryError(403, "InvalidAuthenticationToken", "The access token's principal is unknown.")  # text unverified
        return principal

    def _allowed(self, principal, scope):
        try:
            with self.app.store.lock:
                authz.check(self.app.store, self.app.identity.subscription_id, principal, ACTION, scope)
        except AzureError:
            return False
        return True

    def _forbidden(self):
        return QueryError(403, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation")

    # -- requests ------------------------------------------------------------------------------------------------------------
    def _params(self, req):
        """{query, timespan, extra timespan from the URL} from the body (POST) or the query string (GET)."""
        if req.method == "GET":
            return {"query": req.query.get("query"), "timespan": req.query.get("timespan")}
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            raise _bad_request({"code": "InvalidJson", "message": "The request body is not valid JSON."}) from None  # unverified
        if not isinstance(body, dict):
            raise _bad_request({"code": "InvalidJson", "message": "The request body must be a JSON object."})  # unverified
        out = dict(body)
        out["url_timespan"] = req.query.get("timespan")
        return out

    def _workspace(self, customer_id):
        cid = str(customer_id).lower()
        with self.app.store.lock:
            for _k, doc in self.app.store.items(resource.TABLE, "/subscriptions/"):
                if doc.get("type", "").lower() == models.TYPE.lower() and str(doc["properties"].get("customerId", "")).lower() == cid:
                    return resource.public(doc)
        return None

    def _query_workspace(self, req, principal, customer_id, params, prefer):
        ws = self._workspace(customer_id)
        if ws is None:
            # An unknown workspace id is a 404 PathNotFoundError (Azure/azure-sdk-for-python#32798, #45580).
            raise QueryError(404, "PathNotFoundError", "The requested path does not exist")
        if not self._allowed(principal, ws["id"]):
            raise self._forbidden()
        cids = [ws["properties"]["customerId"]]
        for other in params.get("workspaces") or []:  # cross-workspace: each one must be readable too
            extra = self._workspace(other) or next((resource.public(d) for d in [resource.peek(self.app, other)] if d), None)
            if extra is None:
                raise _bad_request({"code": "WorkspaceNotFound", "message": f"Workspace '{other}' could not be found."})  # unverified
            if not self._allowed(principal, extra["id"]):
                raise self._forbidden()
            cids.append(extra["properties"]["customerId"])
        return self._run(cids, params, prefer)

    def _query_resource(self, req, principal, resource_id, params, prefer):
        with self.app.store.lock:
            doc = resource.peek(self.app, resource_id)
        if doc is None:
            raise QueryError(404, "PathNotFoundError", "The requested path does not exist")
        if not self._allowed(principal, resource_id):
            raise self._forbidden()
        return self._run(self.app.logs.workspaces(), params, prefer, resource_id=resource_id.lower())

    def _batch(self, req, principal):
        try:
            requests = json.loads(req.body or b"null")["requests"]
        except (ValueError, KeyError, TypeError):
            requests = None
        if not isinstance(requests, list):
            raise _bad_request({"code": "InvalidBatch", "message": "The batch request must have a 'requests' list."})  # unverified
        ids = [r.get("id") for r in requests if isinstance(r, dict)]
        if len(ids) != len(requests) or None in ids or len(set(ids)) != len(ids):
            raise _bad_request({"code": "InvalidBatch", "message": "Each request of a batch needs a unique id."})  # unverified
        out = []
        for item in requests:
            headers = {str(k).lower(): v for k, v in (item.get("headers") or {}).items()}
            params = dict(item.get("body") or {})
            try:
                status, answer = self._query_workspace(req, principal, item.get("workspace"), params, headers.get("prefer") or "")
            except QueryError as exc:
                status, answer = exc.status, exc.body(req.context.get("request_id", ""))
            out.append({"id": item["id"], "status": status, "body": answer})
        return {"responses": out}

    # -- running a query -----------------------------------------------------------------------------------------------------
    def _run(self, customer_ids, params, prefer, resource_id=None):
        text = params.get("query")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request({"code": "QueryValidationError", "message": "The 'query' property is required."})  # unverified
        now = self.app.clock.now()
        span = None
        for ts in (params.get("timespan"), params.get("url_timespan")):
            if ts:
                lo, hi = parse_timespan(str(ts), now)
                span = (lo, hi) if span is None else (max(span[0], lo), min(span[1], hi))
        from .kql import KqlError, Table, run_query  # the engine loads with the first query

        options = _prefer(prefer)
        limit, text = _request_properties(text)
        store = self.app.logs

        def tables(name):
            parts = [store.table(cid, name, *(span or (None, None))) for cid in customer_ids]
            if not parts or parts[0] is None:
                return None
            columns, rows = parts[0]
            for other in parts[1:]:
                columns, rows = (columns, rows + other[1]) if other[0] == columns else _merge((columns, rows), other)
            if resource_id is not None:
                rid = next(i for i, (n, _k) in enumerate(columns) if n == "_ResourceId")
                rows = [r for r in rows if str(r[rid]).lower() == resource_id]
            return Table(columns, rows)

        started = time.monotonic()
        try:
            result = run_query(text, tables, now)
        except KqlError as exc:
            raise _bad_request(_kql_error(exc)) from None
        elapsed = time.monotonic() - started
        if elapsed > options["wait"]:
            raise QueryError(504, "GatewayTimeout", "The query took longer than the server timeout (Prefer: wait) allowed.")  # unverified
        body = {}
        partial = None
        if limit is not None and len(result.rows) > limit:
            result = Table(result.columns, result.rows[:limit])
            # The engine's truncation error (Learn "Query limits"; innererror code and wording unverified).
            partial = {"code": "PartialError", "message": "There were some errors when processing your query.",
                       "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
                                    "innererror": {"code": "-2133196797", "severity": 2, "severityName": "Error",
                                                   "message": f"Query result set has exceeded the internal record count limit {limit} records "
                                                              "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"}}]}
        body["tables"] = [wire_table(result)]
        if options["statistics"]:
            body["statistics"] = {"query": {"executionTime": round(elapsed, 6), "resourceUsage": {"cache": {}, "cpu": {}},
                                            "inputDatasetStatistics": {}, "datasetStatistics": [{"tableRowCount": len(result.rows),
                                                                                                 "tableSize": len(json.dumps(body["tables"]))}]}}
        if partial:
            body["error"] = partial
        return 200, body


def _merge(a, b):
    """Rows of one table from two workspaces whose column lists differ (AzureDiagnostics): union by name."""
    names = list(a[0]) + [c for c in b[0] if c not in a[0]]
    out = []
    for cols, rows in (a, b):
        pos = {n: i for i, (n, _k) in enumerate(cols)}
        for r in rows:
            out.append([r[pos[c[0]]] if c[0] in pos and pos[c[0]] < len(r) else ("" if c[1] == "string" else None) for c in names])
    return names, out


def _prefer(header):
    opts = {"wait": DEFAULT_WAIT, "statistics": False}
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        key = key.strip().lower()
        if key == "wait":
            try:
                opts["wait"] = max(1, min(MAX_WAIT, int(float(value))))
            except ValueError:
                pass
        elif key == "include-statistics":
            opts["statistics"] = value.strip().lower() == "true"
    return opts


def _request_properties(text):
    """Leading ``set name[=value];`` statements: the record limit they set, and the query with them blanked out (spaces
    and the same line breaks, so a syntax error still names the right line and position)."""
    limit = MAX_RECORDS
    pos = 0
    while True:
        m = _SET.match(text, pos)
        if not m:
            return limit, text
        name, value = m.group(1).lower(), (m.group(2) or "").strip()
        if name == "truncationmaxrecords" and value.isdigit():
            limit = int(value)
        elif name == "notruncation":
            limit = None
        else:
            why = f"invalid value '{value}' for truncationmaxrecords" if name == "truncationmaxrecords" else \
                f"the request property '{m.group(1)}' is not supported by azsim"
            raise _bad_request({"code": "SemanticError", "message": "A semantic error occurred.",
                                "innererror": {"code": "SEM0002", "message": f"'set' statement: {why}"}})
        blank = re.sub(r"[^\n]", " ", text[m.start():m.end()])
        text, pos = text[:m.start()] + blank + text[m.end():], m.end()


def _kql_error(exc):
    """The BadArgumentError innererror of a KQL error (SyntaxError / SemanticError), as in grafana/grafana#35224 and
    Azure/azure-cli-extensions#3002."""
    if exc.kind == "syntax":
        inner = {"code": exc.code, "message": exc.message}
        inner.update({k: v for k, v in (("line", exc.line), ("pos", exc.pos), ("token", exc.token)) if v is not None})
        return {"code": "SyntaxError", "message": "A recognition error occurred in the query.", "innererror": inner}
    return {"code": "SemanticError", "message": "A semantic error occurred.", "innererror": {"code": exc.code, "message": exc.message}}
