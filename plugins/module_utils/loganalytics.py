# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Log Analytics query API (``POST {endpoint}/v1/workspaces/{customerId}/query``), the way azure-monitor-query's
LogsQueryClient calls it, without that package.

Sources: azure-rest-api-specs ``specification/operationalinsights/data-plane/Microsoft.OperationalInsights/stable/
2022-10-27/OperationalInsights.json``; Microsoft Learn "Azure Monitor Logs API": request-format, response-format, errors,
prefer-options, timeouts; azure-monitor-query 2.0.0 (partial results: a 200 whose body has ``error``; errors: the
message of the deepest ``innererror``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.erpops.azure.plugins.module_utils.dataplane import pipeline_client
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError

# Learn "Azure Monitor Logs API" (access-api) and azure-monitor-query's sovereign-cloud samples: the query endpoint and
# the token audience per cloud.  In the public cloud api.loganalytics.azure.com serves the same API and accepts tokens
# issued for https://api.loganalytics.io.
ENDPOINTS = {"AzureCloud": "https://api.loganalytics.io", "AzureChinaCloud": "https://api.loganalytics.azure.cn",
             "AzureUSGovernment": "https://api.loganalytics.us"}
MAX_WAIT = 600  # Learn "Timeouts": Prefer wait=N up to 10 minutes (3 by default)
DEFAULT_WAIT = 180
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$", re.I)
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def valid_timespan(text):
    """Whether ``text`` is an ISO 8601 interval the API takes: a duration (``P1D``, ``PT24H``), ``start/end``,
    ``start/duration`` or ``duration/end``."""
    text = (text or "").strip()
    if "/" not in text:
        return bool(_DURATION.match(text))
    left, right = text.split("/", 1)
    kinds = ["d" if _DURATION.match(x.strip()) else "i" if _INSTANT.match(x.strip()) else None for x in (left, right)]
    return kinds in (["i", "i"], ["i", "d"], ["d", "i"])


def innermost(error):
    """The deepest ``innererror`` of an error object (the KQL error under BadArgumentError), and the codes on the way."""
    codes = []
    node = error if isinstance(error, dict) else {}
    deepest = node
    while isinstance(node, dict):
        if node.get("code"):
            codes.append(str(node["code"]))
        deepest = node
        node = node.get("innererror")
    return deepest, codes


def partial_messages(error):
    """The messages that explain a partial result: those of each detail's deepest innererror."""
    out = []
    for detail in (error or {}).get("details") or []:
        deep, _codes = innermost(detail)
        msg = deep.get("message") or detail.get("message")
        if msg and msg not in out:
            out.append(msg)
    return out


def query_error(status, headers, raw, url, workspace_id, principal=None):
    """One clear AzureApiError from a non-200 answer of the query API."""
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {}
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
        err = {"code": "HTTP%s" % status, "message": text.strip()[:500]}
    code = err.get("code") or "HTTP%s" % status
    deep, codes = innermost(err)
    message = deep.get("message") or err.get("message") or ""
    where = [("line %s" % deep["line"]) if deep.get("line") is not None else None, ("position %s" % deep["pos"]) if deep.get("pos") is not None else None]
    where = [w for w in where if w]
    if status == 400:
        message = "the query was refused (%s): %s%s" % ("/".join(codes[1:]) or code, message, " (%s)" % ", ".join(where) if where else "")
    elif status == 403 and code == "InsufficientAccessError":
        who = "principal %s" % principal if principal else "the principal"
        message = ("%s; %s needs Log Analytics Reader or Reader (Microsoft.OperationalInsights/workspaces/query/read) on workspace %s"
                   % (message.rstrip("."), who, workspace_id))
    elif status == 404 and code == "PathNotFoundError":
        message = ("%s: workspace id %s is unknown to Log Analytics; use the workspace's customer id (its Workspace ID, a GUID, not its "
                   "resource ID) or give workspace and resource_group" % (message.rstrip("."), workspace_id))
    elif status == 504:
        message = ("%s: the query ran past the server timeout; narrow the timespan or the query, or raise server_timeout (up to %d s)"
                   % (message.rstrip(".") or "Gateway timeout", MAX_WAIT))
    headers = headers or {}
    request_id = headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id") or err.get("correlationId")
    return AzureApiError(status, code, message, request_id=request_id, method="POST", url=url, body=raw)


def _cell(value, kind):
    if kind == "dynamic" and isinstance(value, str):
        # The API sends dynamic values as JSON text (Learn "Response format"); give the playbook the object.
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def tables_of(body):
    """The answer's tables as [{name, columns: [{name, type}], rows: [{column: value}]}]: datetimes stay ISO 8601 strings,
    dynamic cells become objects."""
    out = []
    for table in (body or {}).get("tables") or []:
        columns = [{"name": c.get("name"), "type": c.get("type")} for c in table.get("columns") or []]
        names = [c["name"] for c in columns]
        kinds = [c["type"] for c in columns]
        rows = [dict((names[i], _cell(v, kinds[i])) for i, v in enumerate(row)) for row in table.get("rows") or []]
        out.append({"name": table.get("name"), "columns": columns, "rows": rows})
    return out


def _retry_policy():
    from azure.core.pipeline import policies

    class QueryRetryPolicy(policies.RetryPolicy):
        """azure-core's retries (408, 429, 5xx and dropped connections, honouring Retry-After), POST included: the query
        API takes the query in a POST body only because a query can outgrow a URL; it reads and changes nothing, so a
        repeat is as safe as a GET (azure-core retries POST only on 500/503/504 or with Retry-After).  A 504 is not
        repeated: it means the query itself ran past the server timeout (Learn "Timeouts"), and would again."""

        def __init__(self, **kwargs):
            super(QueryRetryPolicy, self).__init__(**kwargs)
            # azure-core takes retry_on_methods per request only (its constructor ignores it): set the default list.
            self._method_whitelist = frozenset(["GET", "HEAD", "POST"])

        def is_retry(self, settings, response):
            if response.http_response.status_code == 504:
                return False
            return super(QueryRetryPolicy, self).is_retry(settings, response)

    return QueryRetryPolicy(retry_total=4, retry_backoff_factor=0.8, retry_backoff_max=60)


class QueryClient:
    """Queries on one Log Analytics endpoint with the module's credential and the API's audience."""

    def __init__(self, credential, endpoint, audience, principal=None):
        self.credential = credential
        self.endpoint = endpoint.rstrip("/")
        self.scope = audience.rstrip("/") + "/.default"
        self.principal = principal
        self._client = None
        self.calls = []

    def _pipeline(self):
        if self._client is None:
            self._client = pipeline_client(self.endpoint, self.credential, self.scope, _retry_policy(), http_logging=True)
        return self._client

    def query(self, workspace_id, query, timespan=None, server_timeout=None):
        """(tables, error): the answer's tables and, for a partial result, its error object (None otherwise)."""
        from azure.core.rest import HttpRequest

        url = "%s/v1/workspaces/%s/query" % (self.endpoint, workspace_id)
        body = {"query": query}
        if timespan:
            body["timespan"] = timespan
        headers = {"Accept": "application/json"}
        if server_timeout:
            headers["Prefer"] = "wait=%d" % server_timeout
        req = HttpRequest("POST", url, headers=headers, json=body)
        # The connection waits for the server's own timeout, plus a margin for the answer to travel.
        resp = self._pipeline().send_request(req, connection_timeout=30, read_timeout=(server_timeout or DEFAULT_WAIT) + 30)
        raw = resp.read()
        self.calls.append(("POST", url, resp.status_code))
        if resp.status_code != 200:
            raise query_error(resp.status_code, resp.headers, raw, url, workspace_id, self.principal)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise AzureApiError(200, "InvalidResponse", "the query API answered 200 with a body that is not JSON", method="POST",
                                url=url) from None
        error = answer.get("error") if isinstance(answer, dict) else None
        return tables_of(answer), (error or None)
