"""The Azure activity log (azure-mgmt-monitor ``activity_logs.list``, api 2015-04-01):
``GET /subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values?$filter=...``.

Events are ``EventData`` documents (azure-rest-api-specs ``GetActivityLogsFiltered.json``), kept in the
table ``insights.activitylog`` under a subscription-level key: the activity log outlives the resources it
talks about (Microsoft Learn "Azure Monitor activity log": events are kept 90 days), so a resource-group
delete does not cascade to it.  Providers call :func:`record_event`; :func:`record_write` is what a core
after-write hook would call for the Administrative event of every ARM write.
"""

import json
import re
import uuid

from ...core import ids
from ...core.clock import parse_iso
from .metrics import MonitorError

TABLE = "insights.activitylog"
RETENTION = 90 * 86400
API_VERSIONS = ["2015-04-01"]
_TICKS_AT_EPOCH = 621355968000000000  # .NET ticks of 1970-01-01 (the id's ``/ticks/{n}`` suffix)


def _loc(value):
    return {"value": value, "localizedValue": value}


def record_event(app, *, resource_id, operation, category="Administrative", status="Succeeded", sub_status="", caller=None,
                 level="Informational", description="", properties=None, correlation_id=None, event_name="EndRequest",
                 operation_label=None, http_request=None, authorization=None, claims=None, at=None, channels="Operation"):
    """Append one event; returns it.  ``operation`` is the operation name value
    (``Microsoft.Web/sites/write``); ``properties`` values are stringified as EventData's ``{str}`` map."""
    at = app.clock.now() if at is None else at
    p = ids.parse(resource_id) or {"subscription": app.identity.subscription_id, "resource_group": None, "namespace": None, "types": []}
    sub = p["subscription"]
    event_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    ns = (p["namespace"] or "Microsoft.Resources").lower()
    rtype = "/".join([ns, *(t.lower() for t, _n in p["types"])]) if p["types"] else "microsoft.resources/subscriptions"
    ticks = _TICKS_AT_EPOCH + int(at * 10_000_000)
    event = {
        "authorization": authorization, "caller": caller, "channels": channels, "claims": claims or {},
        "correlationId": correlation_id, "description": description, "eventDataId": event_id,
        "eventName": {"value": event_name, "localizedValue": {"EndRequest": "End request", "BeginRequest": "Begin request"}.get(event_name, event_name)},
        "category": _loc(category), "httpRequest": http_request, "id": f"{resource_id}/events/{event_id}/ticks/{ticks}", "level": level,
        "resourceGroupName": p["resource_group"], "resourceProviderName": _loc(ns), "resourceId": resource_id, "resourceType": _loc(rtype),
        "operationId": correlation_id, "operationName": {"value": operation, "localizedValue": operation_label or operation},
        "properties": {k: (v if isinstance(v, str) else str(v)) for k, v in (properties or {}).items()},
        "status": _loc(status), "subStatus": {"value": sub_status, "localizedValue": sub_status}, "eventTimestamp": app.clock.iso(at),
        "submissionTimestamp": app.clock.iso(at + 12), "subscriptionId": sub, "tenantId": app.identity.tenant_id,
    }
    event = {k: v for k, v in event.items() if v is not None}
    key = f"/subscriptions/{sub}/eventtypes/management/values/{ticks:020d}-{event_id}"
    app.store.put(TABLE, key, event)
    _prune(app, sub, at)
    _export(app, event, at)
    return event


def _export(app, event, at):
    """The event as an AzureActivity row, in the workspaces a subscription diagnostic setting sends its category to
    (Learn "Send the activity log to a Log Analytics workspace"; columns of the AzureActivity table reference, which says
    the *Value columns hold the event's values and the plain ones their localized text)."""
    from ..operationalinsights import emit

    def row():
        rid = event.get("resourceId") or ""
        p = ids.parse(rid) or {}
        props = event.get("properties") or {}
        return [{"TimeGenerated": at, "ActivityStatus": event["status"]["localizedValue"], "ActivityStatusValue": event["status"]["value"],
                 "ActivitySubstatus": event["subStatus"]["localizedValue"], "ActivitySubstatusValue": event["subStatus"]["value"],
                 "Authorization": json.dumps(event.get("authorization") or {}), "Authorization_d": event.get("authorization"),
                 "Caller": event.get("caller") or "", "CallerIpAddress": (event.get("httpRequest") or {}).get("clientIpAddress", ""),
                 "Category": event["category"]["localizedValue"], "CategoryValue": event["category"]["value"],
                 "Claims": json.dumps(event.get("claims") or {}), "Claims_d": event.get("claims") or None,
                 "CorrelationId": event.get("correlationId") or "", "EventDataId": event["eventDataId"],
                 "EventSubmissionTimestamp": at + 12, "Hierarchy": f"{event['tenantId']}/{event['subscriptionId']}",
                 "HTTPRequest": json.dumps(event["httpRequest"]) if event.get("httpRequest") else "", "Level": event.get("level") or "",
                 "OperationId": event.get("operationId") or "", "OperationName": event["operationName"]["localizedValue"],
                 "OperationNameValue": event["operationName"]["value"], "Properties": json.dumps(props), "Properties_d": props or None,
                 "Resource": (p.get("types") or [("", "")])[-1][1] if p.get("types") else "", "ResourceGroup": event.get("resourceGroupName") or "",
                 "ResourceId": rid, "ResourceProvider": event["resourceProviderName"]["localizedValue"],
                 "ResourceProviderValue": event["resourceProviderName"]["value"].upper(), "SubscriptionId": event["subscriptionId"],
                 "_ResourceId": rid.lower()}]
    emit(app, f"/subscriptions/{event['subscriptionId']}", event["category"]["value"], "AzureActivity", row)


def _prune(app, sub, now):
    """Drop events older than the retention (cheap: the oldest keys come first)."""
    for k, e in app.store.items(TABLE, f"/subscriptions/{sub}/eventtypes/management/values/"):
        if (parse_iso(e["eventTimestamp"]) or now) >= now - RETENTION:
            break
        app.store.delete(TABLE, k)


_SUB_STATUS = {200: ("OK", "OK (HTTP Status Code: 200)"), 201: ("Created", "Created (HTTP Status Code: 201)"),
               202: ("Accepted", "Accepted (HTTP Status Code: 202)"), 204: ("NoContent", "No Content (HTTP Status Code: 204)")}


def record_write(app, req, resp, action, scope):
    """The Administrative event ARM writes for a PUT/PATCH/DELETE/POST that reached a provider (shape of
    ``GetActivityLogsFiltered.json``).  Meant for a core hook run after each ARM write; reads and failed
    authentications are not logged, as in Azure."""
    if req.method in ("GET", "HEAD") or req.principal is None or not scope.lower().startswith("/subscriptions/"):
        return None
    status = resp.status
    if status >= 400:
        outcome = "Failed"
    elif status == 202:
        outcome = "Accepted"
    else:
        outcome = "Succeeded"
    code, label = _SUB_STATUS.get(status, (str(status), f"HTTP Status Code: {status}"))
    event = record_event(app, resource_id=scope, operation=action, status=outcome, sub_status=code, caller=req.principal.get("client_id"),
                         level="Error" if status >= 500 else "Informational", correlation_id=req.headers.get("x-ms-correlation-request-id"),
                         http_request={"clientRequestId": req.headers.get("x-ms-client-request-id") or "", "clientIpAddress":
                                       (req.client_addr[0] if req.client_addr else ""), "method": req.method},
                         authorization={"action": action, "scope": scope}, properties={"statusCode": code},
                         claims={"appid": req.principal.get("client_id") or "", "http://schemas.microsoft.com/identity/claims/objectidentifier":
                                 req.principal.get("object_id") or ""})
    event["subStatus"]["localizedValue"] = label
    return event


# -- the API ----------------------------------------------------------------------------------------------
_COND = re.compile(r"^\s*(\w+)\s+(eq|ge|le|gt|lt)\s+'([^']*)'\s*$", re.IGNORECASE)
FIELDS = {"eventtimestamp": "eventTimestamp", "resourcegroupname": "resourceGroupName", "resourceuri": "resourceUri", "resourceid": "resourceUri",
          "resourceprovider": "resourceProvider", "correlationid": "correlationId", "status": "status", "substatus": "subStatus",
          "caller": "caller", "levels": "levels", "eventchannels": "eventChannels"}


def register(app):
    app.namespace("Microsoft.Insights", {"eventtypes": API_VERSIONS, "eventtypes/values": API_VERSIONS})
    h = Handlers(app)
    app.router.add("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values", h.list,
                   action="Microsoft.Insights/eventtypes/values/read")
    # Every authorised ARM write becomes an Administrative event (Microsoft Learn "Azure Monitor activity log").
    app.after_write_hooks.append(lambda req, resp: record_write(app, req, resp, req.context["action"], req.context["scope"]))


def parse_filter(text, now):
    """``eventTimestamp ge '…' and eventTimestamp le '…' [and field eq '…']`` -> (start, end, {field: value}).

    The start time is required and the window is at most 90 days (Microsoft Learn "Activity Log - List":
    "the $filter ... must contain eventTimestamp ge"; message texts unverified)."""
    if not text or not text.strip():
        raise MonitorError(400, "BadRequest", "The $filter query parameter is required and must specify a time range: "
                           "'eventTimestamp ge <start> and eventTimestamp le <end>'.")  # unverified text
    start, end, conds = None, now, {}
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        m = _COND.match(part)
        if not m or m.group(1).lower() not in FIELDS:
            raise MonitorError(400, "BadRequest", f"The $filter '{text}' is not valid: unsupported condition '{part.strip()}'.")  # unverified text
        field, op, value = FIELDS[m.group(1).lower()], m.group(2).lower(), m.group(3)
        if field == "eventTimestamp":
            ts = parse_iso(value)
            if ts is None:
                raise MonitorError(400, "BadRequest", f"The $filter '{text}' is not valid: '{value}' is not a date time.")  # unverified text
            if op in ("ge", "gt"):
                start = ts
            elif op in ("le", "lt"):
                end = ts
            else:
                start, end = ts, ts
        elif op != "eq":
            raise MonitorError(400, "BadRequest", f"The $filter '{text}' is not valid: only 'eq' is supported for '{field}'.")  # unverified text
        else:
            conds[field] = value
    if start is None:
        raise MonitorError(400, "BadRequest", "The $filter must contain a start time: 'eventTimestamp ge <start>'.")  # unverified text
    if start < now - RETENTION:
        raise MonitorError(400, "BadRequest", "The start time cannot be more than 90 days in the past.")  # unverified text
    return start, end, conds


def _matches(event, conds):
    for field, value in conds.items():
        v = value.lower()
        if field == "resourceGroupName" and (event.get("resourceGroupName") or "").lower() != v:
            return False
        if field == "resourceUri" and (event.get("resourceId") or "").lower() != v.rstrip("/"):
            return False
        if field == "resourceProvider" and event["resourceProviderName"]["value"].lower() != v:
            return False
        if field == "correlationId" and (event.get("correlationId") or "").lower() != v:
            return False
        if field in ("status", "subStatus") and event[field]["value"].lower() != v:
            return False
        if field == "caller" and (event.get("caller") or "").lower() != v:
            return False
        if field == "levels" and event.get("level", "").lower() not in [x.strip() for x in v.split(",")]:
            return False
    return True


class Handlers:
    def __init__(self, app):
        self.app = app

    def list(self, req, subscriptionId):
        now = self.app.clock.now()
        start, end, conds = parse_filter(req.query.get("$filter"), now)
        rows = []
        for _k, e in self.app.store.items(TABLE, f"/subscriptions/{subscriptionId}/eventtypes/management/values/"):
            ts = parse_iso(e["eventTimestamp"])
            if start <= ts <= end and _matches(e, conds):
                rows.append(e)
        rows.reverse()  # newest first, as the service returns them (unverified)
        select = [s.strip() for s in (req.query.get("$select") or "").split(",") if s.strip()]
        if select:
            low = {s.lower() for s in select}
            rows = [{k: v for k, v in e.items() if k.lower() in low} for e in rows]
        return self.app.page(req, rows)
