"""``POST /providers/Microsoft.ResourceGraph/resources`` (azure-rest-api-specs resourcegraph 2021-03-01
``Resources``; SDK azure-mgmt-resourcegraph ``ResourceGraphClient.resources``): a KQL query over the tables of
:mod:`.tables`, run by the engine azsim's Log Analytics uses, answered as ``QueryResponse``
{totalRecords, count, resultTruncated, $skipToken, data, facets}.

Paging (Learn "Working with large data sets", "Paging results"): at most 1000 rows per answer (``$top``, 1..1000,
default 1000); ``$skip`` skips rows; a ``$skipToken`` is handed out while rows remain, unless paging is impossible
(the query has ``limit``/``take``/``sample``, or every output column is dynamic): then ``resultTruncated`` is
``"true"`` and no token.  ``data`` is an array of objects (``resultFormat`` objectArray, the default) or the legacy
``{columns: [{name, type}], rows}`` table.

Throttling (Learn "Guidance for throttled requests in Azure Resource Graph"): a per-user quota of queries per time
window (15 per 5 s by default), reported on every answer in ``x-ms-user-quota-remaining`` and
``x-ms-user-quota-resets-after`` (hh:mm:ss); past it, 429 ``RateLimiting`` (body as quoted in
Azure/azure-cli-extensions#3325).  The request has no subscription in its path, so it never spends ARM's
per-subscription read tokens.  Admin API: ``GET|PUT /_azsim/throttling/resourcegraph`` {enabled, quota, window_seconds}.
"""

import base64
import json
import math
import re
import threading
import time
from collections import OrderedDict

from ...core import ids
from ...core.admin import _body as admin_body
from ...core.errors import AzureError
from ...core.http import Response
from ..operationalinsights.kql import KqlError, run_query
from ..operationalinsights.query import _cell as wire_cell
from . import tables

# The versions ARM lists for Microsoft.ResourceGraph/resources (the InvalidResourceType message quoted in
# microsoft/ARI#306) and 2024-04-01 (azure-rest-api-specs stable).
API_VERSIONS = ["2024-04-01", "2022-10-01", "2021-06-01-preview", "2021-03-01", "2019-04-01", "2018-09-01-preview"]
ACTION = "Microsoft.ResourceGraph/resources/read"
MAX_TOP = 1000
INVALID_QUERY = {"code": "InvalidQuery",
                 "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."}
# Tabular operators Resource Graph accepts (Learn "Understanding the Azure Resource Graph query language", Supported
# tabular/top level operators); the others azsim's engine knows answer InvalidQueryLanguage, as ARG did for operators
# it lacked (Azure/azure-powershell#13762 quotes the detail).
ARG_OPERATORS = {"count", "distinct", "extend", "join", "limit", "mv-expand", "order", "sort", "parse", "project", "project-away",
                 "sample", "sample-distinct", "summarize", "take", "top", "union", "where", "project-rename", "project-keep"}
IMPLICIT_START = ("where", "project", "extend", "summarize", "order", "sort", "top", "take", "limit", "distinct", "count",
                  "mv-expand", "project-away", "join")
SCOPE_FILTERS = {v.lower(): v for v in ("AtScopeAndBelow", "AtScopeAndAbove", "AtScopeExact", "AtScopeAboveAndBelow")}
_PIPE_OP = re.compile(r"\|\s*([A-Za-z][\w-]*)")


def register(app):
    app.namespace("Microsoft.ResourceGraph", {"resources": API_VERSIONS, "operations": API_VERSIONS})
    h = Handlers(app)
    app.open_actions.add(ACTION)
    app.router.add("POST", "/providers/Microsoft.ResourceGraph/resources", h.query, action=ACTION)
    app.admin_routes[("GET", "throttling/resourcegraph")] = h.admin_quota
    app.admin_routes[("PUT", "throttling/resourcegraph")] = h.admin_quota
    app.reset_hooks.append(h.quota.clear)
    app.reset_hooks.append(h.snapshots.clear)


class Snapshots:
    """Query results kept for their ``$skipToken``: the SDK documents the token as "capturing the next page size and
    offset, as well as the context of the query", so the next pages come from the result the first page was cut from
    (consistent paging, and one evaluation per paged query).  A few, for a few minutes; an unknown or expired token's
    query is simply run again."""

    TTL = 300.0
    KEPT = 8

    def __init__(self):
        self._lock = threading.Lock()
        self._items = OrderedDict()

    def clear(self):
        with self._lock:
            self._items.clear()

    def put(self, key, result):
        sid = ids.new_guid()
        with self._lock:
            self._items[sid] = (key, result, time.monotonic())
            while len(self._items) > self.KEPT:
                self._items.popitem(last=False)
        return sid

    def get(self, sid, key):
        with self._lock:
            item = self._items.get(sid)
            if item is None or item[0] != key or time.monotonic() - item[2] > self.TTL:
                return None
            return item[1]


class Quota:
    """The per-user query quota: ``quota`` queries per fixed ``window`` seconds from the first query of a window."""

    def __init__(self, quota=15, window=5.0):
        self.quota, self.window, self.enabled = quota, window, True
        self._lock = threading.Lock()
        self._users = {}

    def clear(self):
        with self._lock:
            self._users.clear()

    def describe(self):
        return {"enabled": self.enabled, "quota": self.quota, "window_seconds": self.window}

    def configure(self, body):
        with self._lock:
            if "enabled" in body:
                self.enabled = bool(body["enabled"])
            if "quota" in body:
                q = int(body["quota"])
                if q < 1:
                    raise ValueError("quota must be >= 1")
                self.quota = q
            if "window_seconds" in body:
                w = float(body["window_seconds"])
                if w <= 0:
                    raise ValueError("window_seconds must be > 0")
                self.window = w
            self._users.clear()

    def take(self, user):
        now = time.monotonic()
        with self._lock:
            start, used = self._users.get(user, (now, 0))
            if now - start >= self.window:
                start, used = now, 0
            left = self.window - (now - start)
            resets = _hms(left)
            if self.enabled and used >= self.quota:
                self._users[user] = (start, used)
                raise AzureError(429, "RateLimiting", _support_message(),
                                 details=[{"code": "RateLimiting",
                                           "message": "Client application has been throttled and should not attempt to repeat the request until an "
                                                      "amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}],
                                 headers={"Retry-After": str(max(1, math.ceil(left))), "x-ms-user-quota-remaining": "0",
                                          "x-ms-user-quota-resets-after": resets})
            used += 1
            self._users[user] = (start, used)
            return {"x-ms-user-quota-remaining": str(max(0, self.quota - used)), "x-ms-user-quota-resets-after": resets}


def _hms(seconds):
    s = max(0, math.ceil(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _support_message():
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1e7) % 10_000_000:07d}Z"
    return f"Please provide below info when asking for support: timestamp = {ts}, correlationId = {ids.new_guid()}."


def bad_request(*details):
    return AzureError(400, "BadRequest", _support_message(), details=list(details))


def _kql_error(exc):
    """A KqlError as ARG's 400: InvalidQuery, then ParserFailure with its position for a syntax error (the shape in
    scautomation/AzureResourceGraph-Examples#2 and Azure/azure-powershell#13762); a semantic error's detail carries
    the engine's message (detail code unverified)."""
    if exc.kind == "syntax":
        return bad_request(INVALID_QUERY, {"code": "ParserFailure", "message": "ParserFailure", "line": exc.line or 1,
                                           "characterPositionInLine": exc.pos or 0, "token": exc.token or ""})
    if exc.code != "SEM0100":
        code = "InvalidQuery"
    else:
        code = "UnknownTable" if "table" in exc.message else "FailedToResolveColumn"
    return bad_request(INVALID_QUERY, {"code": code, "message": exc.message})


def _check_operators(text):
    for m in _PIPE_OP.finditer(_strip_strings(text)):
        word = m.group(1).lower()
        if word not in ARG_OPERATORS:
            raise bad_request(INVALID_QUERY, {"code": "InvalidQueryLanguage", "message": "InvalidQueryLanguage", "line": -1,
                                              "characterPositionInLine": -1, "token": m.group(1)})


def _strip_strings(text):
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", text)


_LEADING_TYPE_WHERE = re.compile(
    r"^\s*(?P<table>[A-Za-z]+)\s*\|\s*where\s+type\s*(?P<op>==|=~|in~|in)\s*"
    r"(?P<arg>'[^'\\]*'|\"[^\"\\]*\"|\(\s*(?:'[^'\\]*'|\"[^\"\\]*\")(?:\s*,\s*(?:'[^'\\]*'|\"[^\"\\]*\"))*\s*\))\s*(?:\||$)",
    re.IGNORECASE)
_LITERAL = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")


def _type_prefilter(text):
    """(table, predicate on a row's type) when the query opens with nothing but ``| where type ==|=~|in|in~ <literals>``
    on a table it names once: the rows that predicate drops are never rendered (an optimisation only: the where would
    drop them anyway, before anything reads them)."""
    m = _LEADING_TYPE_WHERE.match(text)
    if m is None:
        return None
    table = m.group("table").lower()
    if len(re.findall(rf"\b{re.escape(table)}\b", _strip_strings(text), re.IGNORECASE)) != 1:
        return None
    values = [lit.group(1) if lit.group(1) is not None else lit.group(2) for lit in _LITERAL.finditer(m.group("arg"))]
    if m.group("op").lower() in ("=~", "in~"):
        wanted = {v.lower() for v in values}
        return table, lambda t: t.lower() in wanted
    wanted = set(values)
    return table, lambda t: t in wanted


def _pages_impossible(text):
    return bool(re.search(r"\|\s*(limit|take|sample|sample-distinct)\b", _strip_strings(text), re.IGNORECASE))


def _encode_token(offset, snapshot):
    raw = json.dumps({"$skip": offset, "s": snapshot}, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode()


def _decode_token(token):
    """(offset, snapshot id) of a token azsim handed out."""
    try:
        doc = json.loads(base64.b64decode(token.encode(), validate=True))
        return int(doc["$skip"]), str(doc.get("s") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        # unverified: ARG's detail for a malformed token
        raise bad_request({"code": "InvalidSkipToken", "message": f"The provided skip token '{token}' is not valid."}) from None


def _int_option(options, name, low, high=None):
    v = options.get(name)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < low or (high is not None and v > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        # unverified: the detail ARG gives for an out-of-range option
        raise bad_request({"code": "InvalidQueryOptions", "message": f"The value of '{name}' must be an integer {bound}."})
    return v


def _column_type(kql):
    return {"int": "integer", "long": "integer", "real": "number", "bool": "boolean", "dynamic": "object"}.get(kql, "string")


class Handlers:
    def __init__(self, app):
        self.app = app
        self.quota = Quota()
        self.snapshots = Snapshots()

    def admin_quota(self, req):
        if req.method == "PUT":
            try:
                self.quota.configure(admin_body(req) or {})
            except (ValueError, TypeError) as exc:
                return Response(400, {"error": str(exc)})
        return Response(200, self.quota.describe())

    def query(self, req):
        if req.api_version not in API_VERSIONS:
            raise AzureError(400, "InvalidResourceType", f"The resource type 'resources' could not be found in the namespace "
                             f"'Microsoft.ResourceGraph' for api version '{req.api_version}'. The supported api-versions are "
                             f"'{','.join(sorted(API_VERSIONS))}'.")
        headers = self.quota.take(req.principal["object_id"])
        try:
            return self._query(req, headers)
        except AzureError as exc:
            exc.headers = {**headers, **exc.headers}
            raise

    def _query(self, req, headers):
        body = req.json_object()
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            raise bad_request({"code": "InvalidQuery", "message": "The query is required."})  # unverified detail
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'options must be an object'.")
        caller = tables.Caller(self.app, req.principal)
        subs = self._subscriptions(body, caller)
        top = _int_option(options, "$top", 1, MAX_TOP)
        skip = _int_option(options, "$skip", 0)
        token = options.get("$skipToken")
        offset, snapshot = _decode_token(token) if token else (0, "")
        if skip is not None:
            offset = skip  # $skip overrides the token's offset (QueryRequestOptions.skip)
        size = top or MAX_TOP
        fmt = str(options.get("resultFormat") or "objectArray")
        if fmt.lower() not in ("objectarray", "table"):
            raise bad_request({"code": "InvalidQueryOptions", "message": f"The result format '{fmt}' is not supported."})  # unverified detail

        scope_filter = str(options.get("authorizationScopeFilter") or "AtScopeAndBelow")
        if scope_filter.lower() not in SCOPE_FILTERS:
            # unverified: the detail ARG gives for an unknown filter
            raise bad_request({"code": "InvalidQueryOptions", "message": f"The authorization scope filter '{scope_filter}' is not supported. "
                                                                         f"Supported values are '{', '.join(SCOPE_FILTERS.values())}'."})
        text = text.strip()
        first = re.match(r"[A-Za-z][\w-]*", text)
        shift = 0
        if first and first.group(0).lower() in IMPLICIT_START and "\n" not in text[:first.end()]:
            shift = len("resources | ")
            text = "resources | " + text  # a query may start with an operator: it reads the resources table
        _check_operators(text)
        builder = tables.Builder(self.app, caller, subs, scope_filter)
        builder.prefilter = _type_prefilter(text)
        key = (req.principal["object_id"], text, tuple(sorted(s.lower() for s in subs)), scope_filter.lower())
        result = self.snapshots.get(snapshot, key) if snapshot else None
        if result is None:
            snapshot = ""
            result = self._run(text, builder, shift)
        total = len(result.rows)
        page = result.rows[offset:offset + size]
        more = offset + size < total
        pageable = not _pages_impossible(text) and any(t != "dynamic" for _n, t in result.columns)
        out = {"totalRecords": total, "count": len(page), "resultTruncated": "true" if more and not pageable else "false"}
        if more and pageable:
            out["$skipToken"] = _encode_token(offset + size, snapshot or self.snapshots.put(key, result))
        out["data"] = self._format(result.columns, page, fmt)
        out["facets"] = [self._facet(text, f, builder) for f in body.get("facets") or []]
        return Response(200, out, headers)

    def _subscriptions(self, body, caller):
        """The subscriptions queried: those named (dropping the ones the caller cannot see), else every one it can see."""
        mine = self.app.identity.subscription_id
        named = body.get("subscriptions")
        if body.get("managementGroups"):
            # azsim has no management groups: its one subscription stands in the tenant root group.
            named = [mine]
        if not named:
            return [mine] if caller.sees_subscription(mine) else []
        if not isinstance(named, list) or not all(isinstance(s, str) for s in named):
            raise AzureError(400, "InvalidRequestContent",
                             "The request content was invalid and could not be deserialized: 'subscriptions must be a list of strings'.")
        bad = [s for s in named if not ids.is_guid(s)]
        if bad:
            # msticpy#620: "Subscription ids have to be valid GUIDs" (detail code unverified)
            raise bad_request({"code": "InvalidSubscriptionId", "message": f"Subscription ids have to be valid GUIDs: '{bad[0]}'."})
        visible = [s for s in named if s.lower() == mine.lower() and caller.sees_subscription(mine)]
        if not visible:
            # Azure/aztfexport#331: a 400 when no named subscription can hold resources for the caller (detail unverified)
            raise bad_request({"code": "NoValidSubscriptionsInQueryRequest",
                               "message": "There must be at least one subscription eligible to contain resources in the query request."})
        return visible

    def _run(self, text, builder, shift=0):
        try:
            return run_query(text, builder.table, self.app.clock.now())
        except KqlError as exc:
            if shift and exc.line == 1 and exc.pos is not None:
                exc.pos -= shift  # the position in the text the caller sent, before the implicit "resources | "
            raise _kql_error(exc) from None

    @staticmethod
    def _format(columns, rows, fmt):
        """Rows as JSON values: dynamic values as themselves (ARG answers objects, not JSON text), datetimes in ISO 8601."""
        kinds = [t for _n, t in columns]
        convert = [i for i, k in enumerate(kinds) if k in ("datetime", "timespan", "real")]
        if convert:
            rows = [list(r) for r in rows]
            for r in rows:
                for i in convert:
                    r[i] = wire_cell(r[i], kinds[i])
        if fmt.lower() == "table":
            return {"columns": [{"name": n, "type": _column_type(t)} for n, t in columns], "rows": [list(r) for r in rows]}
        names = [n for n, _t in columns]
        return [dict(zip(names, r, strict=True)) for r in rows]

    def _facet(self, text, facet, builder):
        """A FacetResult (top values of ``expression`` with their counts) or a FacetError (spec Facet, discriminated by resultType)."""
        expr = str((facet or {}).get("expression") or "")
        opts = (facet or {}).get("options") or {}
        top = opts.get("$top") or 10
        order = "asc" if str(opts.get("sortOrder") or "desc").lower() == "asc" else "desc"
        sort_by = opts.get("sortBy") or "count"
        q = text + (f" | where {opts['filter']}" if opts.get("filter") else "")
        q += f" | summarize count = count() by {expr} | sort by {sort_by} {order}"
        try:
            full = run_query(q, builder.table, self.app.clock.now())
        except KqlError as exc:
            return {"expression": expr, "resultType": "FacetError", "errors": [{"code": "InvalidQuery", "message": exc.message}]}
        rows = full.rows[:top]
        return {"expression": expr, "resultType": "FacetResult", "totalRecords": len(full.rows), "count": len(rows),
                "data": self._format(full.columns, rows, "objectArray")}
