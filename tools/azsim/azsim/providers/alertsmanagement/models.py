"""Fired alerts (Microsoft.AlertsManagement/alerts): the alert instances that alert rules create, their monitor condition
(set by the system), their user state and their history.

Sources, named again next to each rule:
* azure-mgmt-alertsmanagement 1.0.1 models ``Alert``, ``Essentials``, ``AlertModification``, ``AlertsSummary`` and enums
  (Severity Sev0-Sev4, SignalType, AlertState New/Acknowledged/Closed, MonitorCondition Fired/Resolved, MonitorService,
  AlertModificationEvent, AlertsSortByFields, TimeRange 1h/1d/7d/30d);
* azure-rest-api-specs ``specification/alertsmanagement/.../AlertsManagement/stable/2019-03-01/AlertsManagement.json``
  (query parameters and their documented defaults) and its examples ``Alerts_GetById.json``, ``Alerts_History.json``,
  ``2018-05-05/Alerts_Summary.json``, ``Alerts_ChangeState.json``;
* a real 2019-03-01 list answer for a fired metric alert quoted publicly (``az rest`` output, 2025): the alert id under
  the lower-cased target resource, ``type`` ``microsoft.alertsmanagement/alerts``, ``name`` the rule's name,
  ``alertRule`` the rule's id, lower-cased ``targetResource*`` with the full ``targetResourceType``,
  ``lastModifiedUserName`` ``System``, ``sourceCreatedId`` ``{sub}_{rg}_Microsoft.Insights_metricAlerts_{rule}_{n}``,
  no ``monitorConditionResolvedDateTime`` while Fired, only ``essentials`` without ``includeContext``;
* Microsoft Learn "Overview of Azure Monitor alerts": alerts are stored 30 days; the system sets Fired/Resolved, the user
  New/Acknowledged/Closed.
"""

import zlib

from ...core import ids
from ...core.clock import parse_iso
from ...core.errors import AzureError

TABLE = "alertsmanagement.alerts"
TYPE = "microsoft.alertsmanagement/alerts"  # as the real 2019-03-01 answer spells it
RETENTION = 30 * 86400  # Learn "Overview of Azure Monitor alerts": alerts are deleted after 30 days
STATES = ("New", "Acknowledged", "Closed")
CONDITIONS = ("Fired", "Resolved")
SEVERITIES = ("Sev0", "Sev1", "Sev2", "Sev3", "Sev4")
SIGNALS = ("Metric", "Log", "Unknown")
TIME_RANGES = {"1h": 3600, "1d": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
SORT_FIELDS = ("name", "severity", "alertState", "monitorCondition", "targetResource", "targetResourceName", "targetResourceGroup",
               "targetResourceType", "startDateTime", "lastModifiedDateTime")
GROUP_FIELDS = ("severity", "alertState", "monitorCondition", "monitorService", "signalType", "alertRule")
# Summary groups of these fields list every value, zero counts included (Alerts_Summary.json example).
ENUMERATED = {"severity": SEVERITIES, "alertState": STATES, "monitorCondition": CONDITIONS}


def _key(sub, guid):
    return f"/subscriptions/{sub}/providers/microsoft.alertsmanagement/alerts/{guid}"


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def _target_parts(target):
    """Name, group and type of the target resource, lower-cased as the real answer shows them."""
    p = ids.parse(target) or {"resource_group": None, "namespace": None, "types": []}
    name = p["types"][-1][1] if p["types"] else target.rstrip("/").rsplit("/", 1)[-1]
    rtype = "/".join([p["namespace"], *(t for t, _n in p["types"])]) if p["namespace"] else ""
    return name.lower(), (p["resource_group"] or "").lower(), rtype.lower()


def source_created_id(sub, rule_id, start):
    """``{sub}_{rg}_Microsoft.Insights_metricAlerts_{rule}_{n}`` as the real answer (and the common schema's
    ``originAlertId``) shows it; ``n`` is a signed 32-bit number whose derivation is not public (azsim: a CRC)."""
    p = ids.parse(rule_id) or {"resource_group": "", "types": [("metricAlerts", rule_id.rsplit("/", 1)[-1])]}
    n = zlib.crc32(f"{rule_id.lower()}|{start}".encode())
    n = n - (1 << 32) if n >= (1 << 31) else n
    return f"{sub}_{p['resource_group']}_Microsoft.Insights_metricAlerts_{p['types'][-1][1]}_{n}"


def fire(app, *, guid, rule_id, rule_name, severity, description, target, at, context, signal="Metric", service="Platform"):
    """Store a new alert instance in the Fired condition and New state; returns the stored document."""
    sub = app.identity.subscription_id
    name, group, rtype = _target_parts(target)
    stamp = app.clock.iso(at)
    essentials = {"actionStatus": {"isSuppressed": False}, "alertRule": rule_id, "alertState": "New", "description": description or "",
                  "lastModifiedDateTime": stamp, "lastModifiedUserName": "System", "monitorCondition": "Fired", "monitorService": service,
                  "severity": f"Sev{int(severity)}", "signalType": signal, "sourceCreatedId": source_created_id(sub, rule_id, int(at)),
                  "startDateTime": stamp, "targetResource": target.lower(), "targetResourceGroup": group, "targetResourceName": name,
                  "targetResourceType": rtype}
    # Alerts_History.json: creation is the first modification, by "System".
    history = [_item("AlertCreated", "", "", stamp, "System", "", "New Alert Object is created")]
    doc = {"guid": guid, "name": rule_name, "essentials": essentials, "context": context or {}, "history": history}
    app.store.put(TABLE, _key(sub, guid), doc)
    prune(app, at)
    return doc


def resolve(app, guid, at, context=None):
    """Set the monitor condition of an alert to Resolved (the system's change); None when the alert is gone."""
    sub = app.identity.subscription_id
    doc = app.store.get(TABLE, _key(sub, guid))
    if doc is None or doc["essentials"]["monitorCondition"] == "Resolved":
        return doc
    stamp = app.clock.iso(at)
    ess = doc["essentials"]
    ess.update({"monitorCondition": "Resolved", "monitorConditionResolvedDateTime": stamp, "lastModifiedDateTime": stamp, "lastModifiedUserName": "System"})
    if context is not None:
        doc["context"] = context
    # AlertModificationEvent "MonitorConditionChange" (SDK enum); description worded like the example's StateChange (inferred).
    doc["history"].append(_item("MonitorConditionChange", "Fired", "Resolved", stamp, "System", "", "Monitor condition changed from 'Fired' to 'Resolved'"))
    app.store.put(TABLE, _key(sub, guid), doc)
    return doc


def _item(event, old, new, at, by, comments, description):
    # AlertModificationItem (SDK model; Alerts_History.json).
    return {"modificationEvent": event, "oldValue": old, "newValue": new, "modifiedAt": at, "modifiedBy": by, "comments": comments,
            "description": description}


def find(app, guid, scope=None):
    """The alert with this id (a GUID) visible at ``scope`` (the subscription or an ARM id above its target), or None."""
    doc = app.store.get(TABLE, _key(app.identity.subscription_id, str(guid)))
    if doc is None or not _under(doc, scope):
        return None
    return doc


def _under(doc, scope):
    if not scope:
        return True
    s = scope.rstrip("/").lower()
    target = doc["essentials"]["targetResource"]
    return target == s or target.startswith(s + "/")


def not_found(guid):
    # 404 (the SDK maps it to ResourceNotFoundError); code and text unverified.
    return AzureError(404, "ResourceNotFound", f"The alert '{guid}' could not be found.")


def change_state(app, guid, scope, new_state, user, comments):
    state = next((s for s in STATES if s.lower() == str(new_state or "").lower()), None)
    if state is None:
        # newState is required, one of New/Acknowledged/Closed (AlertState); text unverified.
        raise _bad(f"The value '{new_state}' of the newState parameter is invalid. Valid values are: {', '.join(STATES)}.", "newState")
    doc = find(app, guid, scope)
    if doc is None:
        raise not_found(guid)
    ess = doc["essentials"]
    old = ess["alertState"]
    if old != state:
        stamp = app.clock.iso()
        ess.update({"alertState": state, "lastModifiedDateTime": stamp, "lastModifiedUserName": user})
        # Alerts_History.json: "State changed from 'New' to 'Acknowledged'", modified by the caller, with the comments.
        doc["history"].append(_item("StateChange", old, state, stamp, user, comments or "", f"State changed from '{old}' to '{state}'"))
        app.store.put(TABLE, _key(app.identity.subscription_id, guid), doc)
    return doc


def prune(app, now):
    """Forget alerts last modified more than 30 days ago (Learn: alerts are stored for 30 days)."""
    for k, d in app.store.items(TABLE, f"/subscriptions/{app.identity.subscription_id}/providers/microsoft.alertsmanagement/alerts/"):
        if (parse_iso(d["essentials"]["lastModifiedDateTime"]) or now) < now - RETENTION:
            app.store.delete(TABLE, k)


# -- wire shapes ----------------------------------------------------------------------------------------------
def alert_id(doc):
    """The alert's ARM id: under its (lower-cased) target resource, as the real answer shows it; Alerts_GetById.json
    answers the same form."""
    return f"{doc['essentials']['targetResource']}/providers/Microsoft.AlertsManagement/alerts/{doc['guid']}"


def public(doc, context=True, egress=True, select=None):
    ess = dict(doc["essentials"])
    if select:
        # ``select``: "fields (comma separated) which would be part of the essential section" (spec).
        wanted = {f.strip().lower() for f in select.split(",") if f.strip()}
        ess = {k: v for k, v in ess.items() if k.lower() in wanted}
    props = {"essentials": ess}
    if context:
        props["context"] = doc.get("context") or {}
    if egress:
        props["egressConfig"] = {}
    return {"properties": props, "id": alert_id(doc), "type": TYPE, "name": doc["name"]}


def history(doc):
    # Alerts_History.json: newest first, id "{alert}/history/default".
    return {"properties": {"alertId": doc["guid"], "modifications": list(reversed(doc["history"]))}, "id": f"{alert_id(doc)}/history/default",
            "type": "Microsoft.AlertsManagement/alerts", "name": doc["name"]}


# -- queries ----------------------------------------------------------------------------------------------------
def flag(q, name):
    v = q.get(name)
    return v is not None and v.lower() == "true"


def _values(text):
    return {v.strip().lower() for v in str(text).split(",") if v.strip()}


def _time_window(q, now):
    tr, custom = q.get("timerange"), q.get("customtimerange")
    if tr and custom:
        # Spec: "Either timeRange or customTimeRange could be used but not both." (text unverified)
        raise _bad("Either timeRange or customTimeRange could be used but not both.", "customTimeRange")
    if custom:
        start, _sep, end = custom.partition("/")
        a, b = parse_iso(start), parse_iso(end)
        if a is None or b is None or b < a or a < now - RETENTION - 86400:
            # Spec: "<start-time>/<end-time> ... Permissible values is within 30 days from query time." (text unverified)
            raise _bad(f"The customTimeRange '{custom}' is invalid: use <start-time>/<end-time> in ISO 8601 within the last 30 days.", "customTimeRange")
        return a, b
    if tr is None:
        tr = "1d"  # spec: "Default value is 1 day."
    secs = TIME_RANGES.get(tr.lower())
    if secs is None:
        raise _bad(f"The timeRange '{tr}' is invalid. Valid values are: {', '.join(TIME_RANGES)}.", "timeRange")  # text unverified
    return now - secs, now + 1


def matching(app, scope, q):
    """Alerts at ``scope`` passing the filters of Alerts_GetAll / Alerts_GetSummary (``q``: the query, lower-cased keys)."""
    now = app.clock.now()
    start, end = _time_window(q, now)
    names = ("targetResource", "targetResourceType", "targetResourceGroup", "monitorService", "monitorCondition", "severity", "alertState",
             "alertRule", "smartGroupId")
    filters = {name: _values(q[name.lower()]) for name in names if q.get(name.lower())}  # the request's query keys are lower-cased
    out = []
    prefix = f"/subscriptions/{app.identity.subscription_id}/providers/microsoft.alertsmanagement/alerts/"
    for _k, doc in app.store.items(TABLE, prefix):
        ess = doc["essentials"]
        started = parse_iso(ess["startDateTime"]) or 0.0
        # Learn "Manage alert instances": the time range selects alerts fired within it.
        if not _under(doc, scope) or not start <= started <= end:
            continue
        ok = True
        for name, wanted in filters.items():
            if name == "targetResourceType":
                # Accepts the full type (as stored) or its last segment (the spec examples show "components").
                have = {ess["targetResourceType"], ess["targetResourceType"].rsplit("/", 1)[-1]}
            elif name == "alertRule":
                have = {ess["alertRule"].lower(), doc["name"].lower()}
            elif name == "smartGroupId":
                have = {str(ess.get("smartGroupId") or "").lower()}
            else:
                have = {str(ess.get(name) or "").lower()}
            if not have & wanted:
                ok = False
                break
        if ok:
            out.append(doc)
    return out


def sort(docs, q):
    by = q.get("sortby") or "lastModifiedDateTime"  # spec default
    field = next((f for f in SORT_FIELDS if f.lower() == by.lower()), None)
    if field is None:
        raise _bad(f"The sortBy value '{by}' is invalid. Valid values are: {', '.join(SORT_FIELDS)}.", "sortBy")  # text unverified
    order = (q.get("sortorder") or "").lower()
    if order not in ("", "asc", "desc"):
        raise _bad(f"The sortOrder value '{q.get('sortorder')}' is invalid. Valid values are: asc, desc.", "sortOrder")  # text unverified
    if not order:
        # Spec: "Default value is 'desc' for time fields and 'asc' for others."
        order = "desc" if field.endswith("DateTime") else "asc"

    def key(d):
        if field == "name":
            return d["name"].lower()
        value = d["essentials"].get(field) or ""
        return (parse_iso(value) or 0.0) if field.endswith("DateTime") else str(value).lower()
    return sorted(docs, key=key, reverse=order == "desc")


def page_count(q):
    text = q.get("pagecount")
    if text is None:
        return 25  # spec: "Default value is 25."
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 250:
        # Spec: "Permissible value is between 1 to 250." (text unverified)
        raise _bad(f"The pageCount '{text}' is invalid. Permissible values are between 1 and 250.", "pageCount")
    if n > 25 and flag(q, "includecontext"):
        # Spec: "When the "includeContent" filter is selected, maximum value allowed is 25." (text unverified)
        raise _bad(f"The pageCount '{text}' is invalid with includeContext: the maximum is 25.", "pageCount")
    return n


def summary(docs, groupby, scope, smart_groups):
    fields = [f.strip() for f in str(groupby or "").split(",") if f.strip()]
    canon = []
    for f in fields:
        hit = next((g for g in GROUP_FIELDS if g.lower() == f.lower()), None)
        if hit is None:
            # groupby is required, from AlertsSummaryGroupByFields (spec); text unverified.
            raise _bad(f"The groupby value '{f}' is invalid. Valid values are: {', '.join(GROUP_FIELDS)}.", "groupby")
        canon.append(hit)
    if not canon or len(canon) > 2:
        raise _bad("The groupby parameter must name one or two fields, for example groupby=severity,alertState.", "groupby")  # text unverified

    def value(d, field):
        return d["essentials"]["alertRule"] if field == "alertRule" else d["essentials"].get(field)

    def group(items, level):
        field = canon[level]
        names = list(ENUMERATED.get(field, ()))
        for d in items:
            v = value(d, field)
            if v not in names:
                names.append(v)
        rows = []
        for n in names:
            sub = [d for d in items if value(d, field) == n]
            row = {"name": n, "count": len(sub)}
            if level + 1 < len(canon):
                row["groupedby"] = canon[level + 1]
                row["values"] = group(sub, level + 1)
            rows.append(row)
        return rows

    props = {"groupedby": canon[0], "total": len(docs), "values": group(docs, 0)}
    if smart_groups:
        props["smartGroupsCount"] = 0  # azsim forms no smart groups
    # Alerts_Summary.json: id ".../alertsSummary/current", name "current".
    return {"properties": props, "id": f"{scope.rstrip('/')}/providers/Microsoft.AlertsManagement/alertsSummary/current",
            "type": "Microsoft.AlertsManagement/alertsSummary", "name": "current"}
