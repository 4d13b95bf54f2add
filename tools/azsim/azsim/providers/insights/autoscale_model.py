"""Autoscale settings (Microsoft.Insights/autoscalesettings, api 2022-10-01): validation and the stored document.

Sources: azure-rest-api-specs ``autoscale_API.json`` 2022-10-01 and its ``getAutoscaleSetting.json`` example
(wire shape, id casing ``microsoft.insights/autoscalesettings``, type ``Microsoft.Insights/autoscaleSettings``);
azure-mgmt-monitor 7.0.0 models (required fields, enums, "between 12 hours and 1 minute" for timeGrain,
"between 12 hours and 5 minutes" for timeWindow, "between 1 week and 1 minute" for cooldown, scaleLookAheadTime
1..60 minutes, at most 20 profiles, capacity as strings); Microsoft Learn REST reference (enabled defaults to
false, at most 15 tags); Microsoft Learn "Autoscale settings" (10 rules per profile).  Error bodies are
Azure Monitor's top-level ``{"code", "message"}`` (:class:`metrics.MonitorError`).
"""

import zoneinfo

from ...core import ids, resource
from ...core.clock import parse_iso
from ..web import common as web_common
from . import metrics
from .metrics import MonitorError

TYPE = "Microsoft.Insights/autoscaleSettings"
MAX_PROFILES = 20
MAX_RULES = 10
MAX_TAGS = 15
STATISTICS = ("Average", "Min", "Max", "Sum", "Count")
TIME_AGGREGATIONS = ("Average", "Minimum", "Maximum", "Total", "Count", "Last")
OPERATORS = ("Equals", "NotEquals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual")
DIRECTIONS = ("None", "Increase", "Decrease")
SCALE_TYPES = ("ChangeCount", "PercentChangeCount", "ExactCount", "ServiceAllowedNextValue")
SCALE_MODES = ("Disabled", "ForecastOnly", "Enabled")
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# Windows time-zone ids autoscale schedules use (Microsoft Learn "Autoscale settings": timeZone takes the
# Windows names), mapped to IANA zones; IANA names are accepted too (unverified).
WINDOWS_ZONES = {
    "UTC": "UTC", "Dateline Standard Time": "Etc/GMT+12", "Hawaiian Standard Time": "Pacific/Honolulu", "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles", "Mountain Standard Time": "America/Denver", "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York", "Atlantic Standard Time": "America/Halifax", "E. South America Standard Time": "America/Sao_Paulo",
    "GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik", "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest", "Romance Standard Time": "Europe/Paris", "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau", "FLE Standard Time": "Europe/Kiev", "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow", "Arabian Standard Time": "Asia/Dubai", "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai", "Singapore Standard Time": "Asia/Singapore", "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul", "AUS Eastern Standard Time": "Australia/Sydney", "New Zealand Standard Time": "Pacific/Auckland",
}


def bad(message, code="BadRequest", status=400):
    return MonitorError(status, code, message)


def setting_id(sub, rg, name):
    # The service answers with a lower-case provider segment (getAutoscaleSetting.json).
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/microsoft.insights/autoscalesettings/{name}"


def zone(name):
    """The tz of a schedule's ``timeZone``, or None when unknown."""
    if not isinstance(name, str):
        return None
    iana = WINDOWS_ZONES.get(name) or next((v for k, v in WINDOWS_ZONES.items() if k.lower() == name.lower()), None) or name
    try:
        return zoneinfo.ZoneInfo(iana)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _enum(value, allowed, field):
    """Enums bind case-insensitively and are echoed in their canonical casing (.NET enum binding; unverified)."""
    for a in allowed:
        if isinstance(value, str) and value.lower() == a.lower():
            return a
    raise bad(f"The value '{value}' of '{field}' is not valid. Allowed values are: {', '.join(allowed)}.", "InvalidRequestContent")  # unverified


def _count(value, field):
    """Capacity and action values are strings of integers on the wire (ScaleCapacity ``type: str``); a JSON
    number binds to them too (Json.NET converts it)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise bad(f"The {field} value '{value}' is not a valid integer.", "InvalidRequestContent")  # unverified text
    return int(text)


def _duration(value, field, low, high, low_text, high_text):
    secs = metrics.parse_duration(value)
    if secs is None:
        raise bad(f"The {field} '{value}' is not a valid ISO 8601 duration.", "InvalidRequestContent")  # unverified text
    if secs < low or secs > high:
        raise bad(f"The {field} value '{value}' is not valid. It must be between {low_text} and {high_text}.")  # unverified text
    return metrics.format_duration(secs)


def _required(obj, key, where):
    if not isinstance(obj, dict) or obj.get(key) is None:
        raise bad(f"The required property '{key}' is missing in '{where}'.", "InvalidRequestContent")  # unverified text
    return obj[key]


def validate_target(app, uri):
    """The target must exist and be able to autoscale: an App Service plan of Standard tier or above (Microsoft
    Learn "App Service limits"/pricing: autoscale is not available in Free, Shared and Basic)."""
    if not isinstance(uri, str) or not uri.strip():
        # Missing target: the service's answer quoted in Azure/azure-sdk-for-net#43948.
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    doc = resource.peek(app, uri) if ids.parse(uri) else None
    if doc is None:
        raise bad(f"The target resource id '{uri}' was not found.", "TargetResourceNotFound")  # code: Azure/azure-powershell#11710; text unverified
    rtype = (metrics.type_of(doc["id"]) or "").lower()
    if rtype != "microsoft.web/serverfarms":
        raise bad(f"The resource type '{metrics.type_of(doc['id'])}' of target resource '{uri}' does not support autoscale.",
                  "UnsupportedTargetResource")  # unverified code and text
    tier = (doc.get("sku") or {}).get("tier") or "Free"
    if not web_common.tier_limits(tier).get("autoscale"):
        raise bad(f"The App Service plan '{doc['name']}' is in the '{tier}' pricing tier, which does not support autoscale. "
                  "Scale up the plan to Standard or higher to enable autoscale.", "AutoscaleNotSupported")  # unverified code and text
    return doc


def _capacity(raw, max_workers, tier):
    cap = _required({"capacity": raw}, "capacity", "profile")
    lo, hi, df = (_count(_required(cap, k, "capacity"), k) for k in ("minimum", "maximum", "default"))
    if min(lo, hi, df) < 0:
        raise bad("The capacity values of an autoscale profile cannot be negative.")  # unverified text
    if lo > hi:
        raise bad(f"The minimum capacity value '{lo}' that you specified in the autoscale setting is greater than the maximum capacity "
                  f"of '{hi}'.  Enter a minimum capacity less than '{hi}'.")  # shaped on the min>default text; unverified
    if lo > df:
        # Quoted in microsoft/onefuzz#2249.
        raise bad(f"The minimum capacity value '{lo}' that you specified in the autoscale setting is greater than the default capacity "
                  f"of '{df}'.  Enter a minimum capacity less than '{df}'.")
    if df > hi:
        raise bad(f"The default capacity value '{df}' that you specified in the autoscale setting is greater than the maximum capacity "
                  f"of '{hi}'.  Enter a default capacity less than '{hi}'.")  # unverified text
    if hi > max_workers:
        raise bad(f"The maximum capacity value '{hi}' that you specified in the autoscale setting exceeds the maximum number of instances "
                  f"'{max_workers}' allowed for the '{tier}' pricing tier of the target App Service plan.")  # unverified text
    if lo < 1:
        raise bad(f"The minimum capacity value '{lo}' is not valid for an App Service plan; it must be at least '1'.")  # unverified text
    return {"minimum": str(lo), "maximum": str(hi), "default": str(df)}


def _rule(app, raw, capacity, target_id):
    trig = _required(raw, "metricTrigger", "rule")
    act = _required(raw, "scaleAction", "rule")
    name = _required(trig, "metricName", "metricTrigger")
    uri = _required(trig, "metricResourceUri", "metricTrigger")
    ns = trig.get("metricNamespace")
    # The metric must be one the resource emits: UnsupportedMetric, text as quoted in Azure/azure-cli#25986.
    entry = metrics.find(uri, name) if resource.peek(app, uri) is not None else None
    if entry is None or (ns and ns.lower() != (metrics.type_of(uri) or "").lower()):
        shown = ns if ns else "metricNamespace is null"
        raise bad(f"resource: {uri}, metricnamespace: {shown}, metricname: {name}", "UnsupportedMetric")
    threshold = _required(trig, "threshold", "metricTrigger")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    out_trig = {
        "metricName": name, "metricResourceUri": uri,
        "timeGrain": _duration(_required(trig, "timeGrain", "metricTrigger"), "timeGrain", 60, 43200, "1 minute", "12 hours"),
        "statistic": _enum(_required(trig, "statistic", "metricTrigger"), STATISTICS, "statistic"),
        "timeWindow": _duration(_required(trig, "timeWindow", "metricTrigger"), "timeWindow", 300, 43200, "5 minutes", "12 hours"),
        "timeAggregation": _enum(_required(trig, "timeAggregation", "metricTrigger"), TIME_AGGREGATIONS, "timeAggregation"),
        "operator": _enum(_required(trig, "operator", "metricTrigger"), OPERATORS, "operator"),
        "threshold": float(threshold), "dividePerInstance": bool(trig.get("dividePerInstance", False)),
    }
    if ns is not None:
        out_trig["metricNamespace"] = ns
    if trig.get("metricResourceLocation"):
        out_trig["metricResourceLocation"] = trig["metricResourceLocation"]
    dims = trig.get("dimensions")
    if dims:
        out_trig["dimensions"] = [{"DimensionName": _required(d, "DimensionName", "dimensions"), "Operator": _enum(d.get("Operator"), ("Equals", "NotEquals"),
                                   "Operator"), "Values": list(_required(d, "Values", "dimensions"))} for d in dims]
    direction = _enum(_required(act, "direction", "scaleAction"), DIRECTIONS, "direction")
    kind = _enum(_required(act, "type", "scaleAction"), SCALE_TYPES, "type")
    cooldown = _duration(_required(act, "cooldown", "scaleAction"), "cooldown", 60, 604800, "1 minute", "1 week")
    value = act.get("value", "1")
    n = _count(value, "scale action")
    lo, hi = int(capacity["minimum"]), int(capacity["maximum"])
    if kind == "ChangeCount" and (n < 1 or n > hi - lo) and hi > lo:
        # Quoted in Azure/bicep-types-az#1859.
        raise bad(f"The autoscale setting you provided has an invalid scale action value ('{value}'). Specify a scale value less than or "
                  f"equal to the difference between the capacity maximum {hi} and the capacity minimum {lo}.", "InvalidActionValue")
    if kind == "ExactCount" and not lo <= n <= hi:
        raise bad(f"The autoscale setting you provided has an invalid scale action value ('{value}'). Specify a value between the capacity "
                  f"minimum {lo} and the capacity maximum {hi}.", "InvalidActionValue")  # unverified text
    if kind == "PercentChangeCount" and n < 1:
        raise bad(f"The autoscale setting you provided has an invalid scale action value ('{value}').", "InvalidActionValue")  # unverified text
    return {"metricTrigger": out_trig, "scaleAction": {"direction": direction, "type": kind, "value": str(n), "cooldown": cooldown}}


def _schedule(profile, out):
    fixed, rec = profile.get("fixedDate"), profile.get("recurrence")
    if fixed and rec:
        raise bad(f"The profile '{out['name']}' cannot have both a fixed date and a recurrence.")  # unverified text
    if fixed:
        tz = fixed.get("timeZone") or "UTC"
        start, end = parse_iso(_required(fixed, "start", "fixedDate")), parse_iso(_required(fixed, "end", "fixedDate"))
        if zone(tz) is None:
            raise bad(f"The time zone '{tz}' is not supported.", "InvalidTimeZone")  # unverified
        if start is None or end is None or end <= start:
            raise bad(f"The fixed date of profile '{out['name']}' must have a start before its end.")  # unverified text
        out["fixedDate"] = {"timeZone": tz, "start": fixed["start"], "end": fixed["end"]}
    if rec:
        freq = _enum(_required(rec, "frequency", "recurrence"), ("None", "Second", "Minute", "Hour", "Day", "Week", "Month", "Year"), "frequency")
        if freq != "Week":
            raise bad("The recurrence frequency must be 'Week'.")  # SDK docs: "This value must be Week"; text unverified
        sch = _required(rec, "schedule", "recurrence")
        tz = _required(sch, "timeZone", "schedule")
        if zone(tz) is None:
            raise bad(f"The time zone '{tz}' is not supported.", "InvalidTimeZone")  # unverified
        days = [_day(d) for d in _required(sch, "days", "schedule")]
        hours, minutes = list(_required(sch, "hours", "schedule")), list(_required(sch, "minutes", "schedule"))
        if not days or not hours or not minutes or any(not isinstance(h, int) or not 0 <= h <= 23 for h in hours) \
                or any(not isinstance(m, int) or not 0 <= m <= 59 for m in minutes):
            raise bad(f"The recurrence schedule of profile '{out['name']}' is not valid.")  # unverified text
        out["recurrence"] = {"frequency": freq, "schedule": {"timeZone": tz, "days": list(sch["days"]), "hours": hours, "minutes": minutes}}
        out["_days"] = days


def _day(value):
    if isinstance(value, str):
        if value.isdigit() and 0 <= int(value) <= 6:
            return int(value)
        for i, d in enumerate(DAYS):
            if d.lower() == value.lower():
                return i
    raise bad(f"The day '{value}' in the recurrence schedule is not valid.")  # unverified text


def _notifications(raw):
    out = []
    for n in raw or []:
        if not isinstance(n, dict) or str(n.get("operation", "")).lower() != "scale":
            raise bad("The notification operation must be 'Scale'.", "InvalidRequestContent")  # constant in the SDK model; text unverified
        item = {"operation": "Scale"}
        email = n.get("email")
        if email is not None:
            emails = email.get("customEmails") or []
            if any(not isinstance(e, str) or "@" not in e for e in emails):
                raise bad(f"The custom email list '{', '.join(map(str, emails))}' contains an invalid email address.")  # unverified text
            item["email"] = {"sendToSubscriptionAdministrator": bool(email.get("sendToSubscriptionAdministrator", False)),
                             "sendToSubscriptionCoAdministrators": bool(email.get("sendToSubscriptionCoAdministrators", False)),
                             "customEmails": list(emails)}
        hooks = []
        for w in n.get("webhooks") or []:
            uri = (w or {}).get("serviceUri")
            if not isinstance(uri, str) or not uri.lower().startswith(("https://", "http://")):
                raise bad(f"The webhook service uri '{uri}' is not a valid absolute http or https uri.")  # unverified text
            hooks.append({"serviceUri": uri, "properties": {str(k): str(v) for k, v in ((w or {}).get("properties") or {}).items()}})
        item["webhooks"] = hooks
        out.append(item)
    return out


def validate_name(name):
    """1-260 characters, none of ``<>*%&:\\?+/``, not ending in a space or period (Microsoft Learn "Naming rules and
    restrictions", microsoft.insights/autoscalesettings; error text unverified)."""
    if not 1 <= len(name) <= 260 or set(name) & set("<>*%&:\\?+/") or name[-1] in " .":
        raise bad(f"The autoscale setting name '{name}' is invalid.", "InvalidResourceName")


def build(app, sub, rg, name, body, existing=None):
    """The stored document for a PUT (or a PATCH merged into the existing document)."""
    if not isinstance(body, dict):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    props = body.get("properties")
    if not isinstance(props, dict):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    location = body.get("location") or (existing or {}).get("location")
    if not location:
        raise bad("The location property is required for this definition.", "LocationRequired")  # ARM's code; unverified for this RP
    tags = resource.validate_tags(body.get("tags") if "tags" in body else (existing or {}).get("tags"))
    if len(tags) > MAX_TAGS:
        raise bad(f"The number of tags '{len(tags)}' exceeds the maximum of '{MAX_TAGS}' allowed for an autoscale setting.")  # unverified text
    target_uri = props.get("targetResourceUri")
    if existing is not None and target_uri is not None and not ids.same(target_uri, existing["properties"]["targetResourceUri"]):
        # Quoted in Azure/Moodle#311.
        raise bad(f"The autoscale setting '{name}' under resource group '{rg.upper()}' is referencing target resource "
                  f"'{existing['properties']['targetResourceUri']}'. The target resource reference is immutable. If you want to change it, "
                  "please create a new autoscale setting with a different name.", "TargetResourceIdIsImmutable")
    target = validate_target(app, target_uri if target_uri is not None else (existing or {}).get("properties", {}).get("targetResourceUri"))
    tier = target["sku"]["tier"]
    max_workers = web_common.tier_limits(tier)["max_workers"]
    sid = setting_id(sub, rg, name)
    for other in app.store.values(resource.TABLE):
        if other.get("type") == TYPE and not ids.same(other["id"], sid) and ids.same(other["properties"]["targetResourceUri"], target["id"]):
            # One setting per target: 409 (hashicorp/terraform-provider-azurerm#2929, pulumi/pulumi-azure#787); text unverified.
            raise bad(f"The target resource '{target['id']}' already has an autoscale setting '{other['name']}'. Only one autoscale setting "
                      "can be configured per target resource.", "Conflict", 409)
    profiles = props.get("profiles")
    if not isinstance(profiles, list) or not profiles:
        raise bad("The autoscale setting must contain at least one profile.")  # unverified text
    if len(profiles) > MAX_PROFILES:
        raise bad(f"The autoscale setting contains {len(profiles)} profiles. A maximum of {MAX_PROFILES} profiles can be specified.")  # unverified
    out_profiles = []
    for p in profiles:
        pname = _required(p, "name", "profile")
        cap = _capacity(p.get("capacity"), max_workers, tier)
        rules = p.get("rules")
        if not isinstance(rules, list):
            raise bad(f"The required property 'rules' is missing in profile '{pname}'.", "InvalidRequestContent")  # unverified text
        if len(rules) > MAX_RULES:
            raise bad(f"The profile '{pname}' contains {len(rules)} rules. A maximum of {MAX_RULES} rules can be specified per profile.")  # unverified
        out = {"name": pname, "capacity": cap, "rules": [_rule(app, r, cap, target["id"]) for r in rules]}
        _schedule(p, out)
        out_profiles.append(out)
    policy = props.get("predictiveAutoscalePolicy") or {"scaleMode": "Disabled"}
    mode = _enum(policy.get("scaleMode", "Disabled"), SCALE_MODES, "scaleMode")
    out_policy = {"scaleMode": mode}
    if policy.get("scaleLookAheadTime"):
        out_policy["scaleLookAheadTime"] = _duration(policy["scaleLookAheadTime"], "scaleLookAheadTime", 60, 3600, "1 minute", "60 minutes")
    if mode != "Disabled":
        # Predictive autoscale is for virtual machine scale sets only (Microsoft Learn "Use predictive autoscale"); text unverified.
        raise bad("Predictive autoscale is only supported for virtual machine scale sets.", "PredictiveAutoscaleNotSupported")
    enabled = props.get("enabled", (existing or {}).get("properties", {}).get("enabled", False))
    if not isinstance(enabled, bool):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    doc = {
        "id": sid, "name": name, "type": TYPE, "location": location, "tags": tags,
        "properties": {"profiles": out_profiles, "enabled": enabled, "predictiveAutoscalePolicy": out_policy, "name": name,
                       "targetResourceUri": target_uri if target_uri is not None else existing["properties"]["targetResourceUri"],
                       "notifications": _notifications(props.get("notifications"))},
    }
    loc = props.get("targetResourceLocation") or (existing or {}).get("properties", {}).get("targetResourceLocation")
    if loc:
        doc["properties"]["targetResourceLocation"] = loc
    return doc


def merge_patch(existing, patch):
    """AutoscaleSettingResourcePatch: tags and the given properties replace the stored ones."""
    if not isinstance(patch, dict):
        raise bad("Request content is not well formed or supported.", "UnsupportedRequestContent")
    props = dict(public(existing)["properties"])
    props.update({k: v for k, v in (patch.get("properties") or {}).items() if v is not None})
    body = {"location": existing["location"], "tags": patch["tags"] if patch.get("tags") is not None else existing.get("tags"), "properties": props}
    return body


def public(doc):
    """The wire form: private keys (``_engine``, ``_days``) stripped."""
    out = resource.public(doc)
    out["properties"]["profiles"] = [{k: v for k, v in p.items() if not k.startswith("_")} for p in out["properties"]["profiles"]]
    return out
