"""What a metric alert that fires or resolves tells the world: the notification of each action-group receiver (recorded in
:mod:`notifications`, never sent) and the activity log's ``Alert`` event.

Payloads:
* common alert schema (receivers with ``useCommonAlertSchema``): Microsoft Learn "Common alert schema" and "Sample alert
  payloads" (essentials ``alertId`` under the subscription, ``alertRule`` the rule's name, ``monitoringService``
  ``Platform``, lower-cased ``alertTargetIDs``, ``firedDateTime``/``resolvedDateTime``, ``essentialsVersion`` and
  ``alertContextVersion`` "1.0"; ``alertContext`` with ``conditionType``, the ``condition`` and ``threshold`` as a string;
  ``customProperties`` and ``alertContext.properties`` from the rule's ``webHookProperties``, null without);
* the older metric alert schema otherwise: Learn "Noncommon alert schema definitions" (``schemaId``
  ``AzureMonitorMetricAlert``, ``version`` "2.0", ``status`` ``Activated``), ``Deactivated`` when resolved and a null
  metric value then (quoted in MicrosoftDocs/azure-docs#9518 and #15020), ``properties`` null without custom properties
  (alerta/alerta-contrib#234).
Who is notified: an action group that is not enabled notifies nobody (ActionGroup.enabled, 2023-01-01 swagger); a receiver
whose status is Disabled (unsubscribed) neither.  Resolved notifications go out "by using webhooks or email" (Learn "Overview
of Azure Monitor alerts", stateful alerts): SMS, voice, push and ITSM receivers get the Fired one only.
"""

import datetime as _dt
import uuid

from ...core import ids
from . import actiongroups, activitylog, metrics, notifications

COMMON = "azureMonitorCommonAlertSchema"
LEGACY = "AzureMonitorMetricAlert"
NOT_ON_RESOLVE = ("smsReceivers", "voiceReceivers", "azureAppPushReceivers", "itsmReceivers")
# Learn "Overview of Azure Monitor alerts" (alert severity): Sev0 Critical ... Sev4 Verbose, the activity log's levels.
LEVELS = {0: "Critical", 1: "Error", 2: "Warning", 3: "Informational", 4: "Verbose"}
CONDITION_TYPES = {"microsoft.azure.monitor.singleresourcemultiplemetriccriteria": "SingleResourceMultipleMetricCriteria",
                   "microsoft.azure.monitor.multipleresourcemultiplemetriccriteria": "MultipleResourceMultipleMetricCriteria",
                   "microsoft.azure.monitor.webtestlocationavailabilitycriteria": "WebtestLocationAvailabilityCriteria"}


def threshold_text(value):
    """The threshold as the payloads write it: a string, "25" rather than "25.0"."""
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def _ms(ts):
    """``2019-03-22T13:40:03.064Z``: the window times of the samples (milliseconds)."""
    d = _dt.datetime.fromtimestamp(ts, tz=_dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def condition_type(rule):
    return CONDITION_TYPES.get(rule["properties"]["criteria"]["odata.type"].lower(), "SingleResourceMultipleMetricCriteria")


def alert_context(rule, details, start, end, custom=None):
    """The ``alertContext`` of the common schema (the Alerts API keeps it as the alert's ``context``)."""
    return {"properties": custom or None, "conditionType": condition_type(rule),
            "condition": {"windowSize": rule["properties"]["windowSize"], "allOf": details, "windowStartTime": _ms(start), "windowEndTime": _ms(end)}}


def _target_bits(target):
    p = ids.parse(target) or {"subscription": "", "resource_group": "", "namespace": "", "types": []}
    name = p["types"][-1][1] if p["types"] else target.rsplit("/", 1)[-1]
    rtype = "/".join([p["namespace"], *(t for t, _n in p["types"])]) if p["namespace"] else ""
    return p, name, rtype


def common_payload(app, rule, fire, condition, at, details, start, end, custom):
    props = rule["properties"]
    target = fire["target"]
    _p, name, _rtype = _target_bits(target)
    essentials = {"alertId": f"/subscriptions/{app.identity.subscription_id}/providers/Microsoft.AlertsManagement/alerts/{fire['alert']}",
                  "alertRule": rule["name"], "severity": f"Sev{props['severity']}", "signalType": "Metric", "monitorCondition": condition,
                  "monitoringService": "Platform", "alertTargetIDs": [target.lower()], "configurationItems": [name.lower()],
                  "originAlertId": fire["origin"], "firedDateTime": app.clock.iso(fire["firedAt"])}
    if condition == "Resolved":
        essentials["resolvedDateTime"] = app.clock.iso(at)  # "Currently only applicable for metric alerts" (Learn)
    essentials.update({"description": props.get("description") or "", "essentialsVersion": "1.0", "alertContextVersion": "1.0"})
    data = {"essentials": essentials, "alertContext": alert_context(rule, details, start, end, custom)}
    if custom:
        data["customProperties"] = dict(custom)
    return {"schemaId": COMMON, "data": data}


def legacy_payload(app, rule, fire, condition, at, details, custom):
    props = rule["properties"]
    target = fire["target"]
    p, name, rtype = _target_bits(target)
    resolved = condition == "Resolved"
    rows = [{**d, "metricValue": None} if resolved else dict(d) for d in details]
    context = {"timestamp": app.clock.iso(at), "id": rule["id"], "name": rule["name"], "description": props.get("description") or "",
               "conditionType": condition_type(rule), "severity": str(props["severity"]),
               "condition": {"windowSize": props["windowSize"], "allOf": rows}, "subscriptionId": p["subscription"],
               "resourceGroupName": p["resource_group"], "resourceName": name, "resourceType": rtype, "resourceId": target,
               "portalLink": f"https://portal.azure.com/#resource{target}"}
    return {"schemaId": LEGACY, "data": {"version": "2.0", "properties": dict(custom) if custom else None,
                                         "status": "Deactivated" if resolved else "Activated", "context": context}}


def _address(kind, rec):
    """Where a receiver's notification would go."""
    if kind in ("smsReceivers", "voiceReceivers"):
        return f"+{rec.get('countryCode')}{rec.get('phoneNumber')}"
    for field in ("emailAddress", "serviceUri", "callbackUrl", "httpTriggerUrl", "webhookResourceId", "roleId", "connectionId"):
        if rec.get(field):
            return rec[field]
    if kind == "eventHubReceivers":
        return f"{rec.get('eventHubNameSpace')}/{rec.get('eventHubName')}"
    return None


def notify(app, rule, fire, condition, at, details, start, end):
    """One recorded notification per receiver of each action group of the rule; returns how many."""
    count = 0
    for action in rule["properties"].get("actions") or []:
        group = actiongroups.find(app, action.get("actionGroupId"))
        if group is None or not group["properties"].get("enabled", True):
            continue
        custom = action.get("webHookProperties") or {}
        for kind in actiongroups.RECEIVER_KINDS:
            if condition == "Resolved" and kind in NOT_ON_RESOLVE:
                continue
            for rec in group["properties"].get(kind) or []:
                if rec.get("status") == "Disabled":
                    continue
                common = bool(rec.get("useCommonAlertSchema"))
                payload = (common_payload(app, rule, fire, condition, at, details, start, end, custom) if common
                           else legacy_payload(app, rule, fire, condition, at, details, custom))
                entry = {"id": str(uuid.uuid4()), "timestamp": app.clock.iso(at), "kind": "alert", "autoscaleSetting": None, "rule": rule["id"],
                         "ruleName": rule["name"], "alertId": f"/subscriptions/{app.identity.subscription_id}/providers/Microsoft.AlertsManagement/alerts/"
                         f"{fire['alert']}", "target": fire["target"], "actionGroup": group["id"], "receiverType": kind[:-len("Receivers")],
                         "receiverName": rec.get("name"), "address": _address(kind, rec), "monitorCondition": condition,
                         "schemaId": payload["schemaId"], "payload": payload, "delivered": False}
                notifications.record(app, rule["id"], at, entry)
                count += 1
    return count


def log_event(app, rule, fire, condition, at, details):
    """The activity log's ``Alert`` event of an activation or a resolution (Learn "Azure Activity Log event schema", Alert
    category: caller ``Microsoft.Insights/alertRules``, channels ``Admin, Operation``, the impacted resource as the
    event's resource for metric alerts, ``properties`` RuleUri/RuleName/RuleDescription/Threshold/WindowSizeInMinutes/
    Aggregation/Operator/MetricName/MetricUnit, status Activated/Resolved, operations
    ``Microsoft.Insights/AlertRules/Activated/Action`` and ``.../Resolved/Action``).  The description follows the sample's
    wording (inferred for activations)."""
    props = rule["properties"]
    target = fire["target"]
    p, name, rtype = _target_bits(target)
    first = details[0] if details else {}
    entry = metrics.find(target, first.get("metricName"))
    unit = entry["unit"] if entry else "Count"
    minutes = int(round((metrics.parse_duration(props["windowSize"]) or 0) / 60))
    verb = "resolved" if condition == "Resolved" else "activated"
    desc = (f"'{first.get('metricName')} {first.get('operator')} {first.get('threshold')} ([{unit}]) in the last {minutes} minutes' "
            f"has been {verb} for {rtype}: {name} ({p['resource_group']})")
    properties = {"RuleUri": rule["id"], "RuleName": rule["name"], "RuleDescription": props.get("description") or "",
                  "Threshold": first.get("threshold", ""), "WindowSizeInMinutes": str(minutes), "Aggregation": first.get("timeAggregation", ""),
                  "Operator": first.get("operator", ""), "MetricName": first.get("metricName", ""), "MetricUnit": unit}
    status = "Resolved" if condition == "Resolved" else "Activated"
    return activitylog.record_event(
        app, resource_id=target, operation=f"Microsoft.Insights/AlertRules/{status}/Action", category="Alert", status=status,
        caller="Microsoft.Insights/alertRules", level="Informational" if condition == "Resolved" else LEVELS.get(int(props["severity"]), "Informational"),
        description=desc, properties=properties, correlation_id=f"{rule['id']}/incidents/{fire['alert']}", event_name="Alert",
        operation_label=f"Microsoft.Insights/AlertRules/{status}/Action", channels="Admin, Operation", at=at,
        claims={"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn": "Microsoft.Insights/alertRules"})
