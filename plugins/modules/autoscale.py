#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autoscale
short_description: Custom autoscale of an Azure App Service plan
version_added: 0.1.0
description:
  - Creates, updates or deletes the custom autoscale setting (C(Microsoft.Insights/autoscalesettings)) of an App Service plan,
    the way the portal's "Custom autoscale" page does - instance limits, metric rules, notifications.
  - Everything is checked before any write - instance counts (O(capacity.minimum) <= O(capacity.default) <= O(capacity.maximum)),
    the plan's tier (no autoscale below Standard, at most 10 instances on Standard, 20 on Premium, 30 on Premium v2/v3),
    metric names, operators and durations.
  - The module never changes the plan's worker count itself; Azure's autoscale engine does.
  - The plan is read to create the setting and before any update (its tier bounds O(capacity.maximum)); a run that
    changes nothing reads the setting alone.
  - Only the options you set are compared (durations and enum values normalised), so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the autoscale setting.
    type: str
    required: true
  name:
    description: Name of the autoscale setting.
    type: str
    required: true
  target:
    description:
      - The App Service plan to scale - its name (in O(target_resource_group)) or its full resource id.
      - Required to create the setting; the target of a setting cannot change.
    type: str
  target_resource_group:
    description: Resource group of the plan named by O(target); defaults to O(resource_group).
    type: str
  location:
    description: Region of the setting; defaults to the plan's region. It cannot change.
    type: str
  profile_name:
    description:
      - Name of the default profile (the scale condition without a schedule) the module manages; other profiles are kept.
      - Defaults to the existing default profile's name, or V(default) for a new setting.
    type: str
  capacity:
    description: Instance limits of the profile. Required to create the setting.
    type: dict
    suboptions:
      minimum:
        description: Fewest instances autoscale keeps (at least 1).
        type: int
        required: true
      maximum:
        description: Most instances autoscale adds, at most the plan tier's limit (Standard 10, Premium 20, Premium v2/v3 30, Isolated v2 100).
        type: int
        required: true
      default:
        description: Instances used when metrics cannot be read; defaults to O(capacity.minimum).
        type: int
  rules:
    description:
      - The metric rules of the profile; the list replaces the existing rules (order does not matter). At most 10.
      - Azure scales out when any increase rule fires, and scales in only when all decrease rules fire.
    type: list
    elements: dict
    suboptions:
      metric:
        description:
          - Metric of the plan, for example V(CpuPercentage), V(MemoryPercentage), V(HttpQueueLength), V(DiskQueueLength),
            V(BytesReceived), V(BytesSent), V(TcpEstablished) (case does not matter).
        type: str
        required: true
      operator:
        description:
          - Comparison with O(rules[].threshold) - V(greater_than), V(greater_than_or_equal), V(less_than), V(less_than_or_equal),
            V(equals), V(not_equals); Azure's spelling (V(GreaterThan)) and V(>), V(>=), V(<), V(<=), V(==), V(!=) are accepted too.
        type: str
        required: true
      threshold:
        description: The value the aggregated metric is compared with (percent for C(CpuPercentage)).
        type: float
        required: true
      duration:
        description: The time window in minutes the metric is aggregated over (C(timeWindow)), 5 to 720.
        type: int
        default: 10
      statistic:
        description: How the instances' values are combined per time grain - V(Average), V(Min), V(Max), V(Sum), V(Count).
        type: str
        default: Average
      time_aggregation:
        description: How the grains are combined over the window - V(Average), V(Minimum), V(Maximum), V(Total), V(Count), V(Last).
        type: str
        default: Average
      time_grain:
        description: The metric's granularity in minutes (C(timeGrain)), 1 to 720.
        type: int
        default: 1
      direction:
        description: Whether the rule adds (V(increase)) or removes (V(decrease)) instances.
        type: str
        required: true
        choices: [increase, decrease]
      change:
        description:
          - Instances added or removed (or the percentage, or the exact count, after O(rules[].scale_type)).
          - With V(change_count), at most O(capacity.maximum) - O(capacity.minimum).
        type: int
        default: 1
      scale_type:
        description: What O(rules[].change) means.
        type: str
        default: change_count
        choices: [change_count, percent_change_count, exact_count]
      cooldown:
        description: Minutes to wait after a scale action before this rule may act again, 1 to 10080.
        type: int
        default: 5
  notifications:
    description: Who is told when autoscale scales. Options left unset keep their current value.
    type: dict
    suboptions:
      send_to_subscription_administrator:
        description: E-mail the subscription's administrators.
        type: bool
        aliases: [email_admins]
      send_to_subscription_co_administrators:
        description: E-mail the subscription's co-administrators.
        type: bool
        aliases: [email_co_admins]
      custom_emails:
        description: More e-mail addresses to notify (replaces the list).
        type: list
        elements: str
      webhooks:
        description: HTTPS URLs to call on each scale action (replaces the list).
        type: list
        elements: str
  enabled:
    description: Whether autoscale is on. A new setting is enabled unless this is V(false).
    type: bool
  tags:
    description: Tags of the setting (at most 15).
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the setting should exist. Deleting it leaves the plan at its current worker count.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Uses api-version 2022-10-01 of C(Microsoft.Insights/autoscalesettings). A plan can have only one autoscale setting.
seealso:
  - module: erpops.azure.autoscale_info
  - module: erpops.azure.app_service_plan
"""

EXAMPLES = r"""
- name: Scale the ERP plan between 2 and 4 instances on CPU
  erpops.azure.autoscale:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan-autoscale
    target: erp-production-plan
    capacity: {minimum: 2, maximum: 4, default: 2}
    rules:
      - metric: CpuPercentage
        operator: greater_than
        threshold: 70
        duration: 5
        direction: increase
        change: 1
        cooldown: 5
      - metric: CpuPercentage
        operator: less_than
        threshold: 30
        duration: 10
        direction: decrease
        change: 1
        cooldown: 5
    notifications:
      email_admins: true
      custom_emails: [ops@example.com]
  register: autoscale

- name: Show the rules in words
  ansible.builtin.debug:
    var: autoscale.summary

- name: Switch autoscale off for a maintenance window
  erpops.azure.autoscale:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan-autoscale
    enabled: false
"""

RETURN = r"""
autoscale_setting:
  description: The setting as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/0000/resourceGroups/erp-supermarket-production-rg/providers/microsoft.insights/autoscalesettings/erp-production-plan-autoscale
    name: erp-production-plan-autoscale
    location: West Europe
    properties:
      enabled: true
      targetResourceUri: /subscriptions/0000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/serverfarms/erp-production-plan
      profiles:
        - name: default
          capacity: {minimum: "2", maximum: "4", default: "2"}
          rules:
            - metricTrigger: {metricName: CpuPercentage, operator: GreaterThan, threshold: 70.0, timeWindow: PT5M, timeGrain: PT1M,
                              statistic: Average, timeAggregation: Average}
              scaleAction: {direction: Increase, type: ChangeCount, value: "1", cooldown: PT5M}
summary:
  description: The setting in words - instance limits, then one line per rule of the managed profile.
  returned: when the setting exists or would be created
  type: list
  elements: str
  sample:
    - "enabled, instances: minimum 2, maximum 4, default 2"
    - "increase by 1 when CpuPercentage (Average over 5 min) > 70, cooldown 5 min"
    - "decrease by 1 when CpuPercentage (Average over 10 min) < 30, cooldown 5 min"
changes:
  description: What differed from the wanted setting (C(capacity), C(rules), C(profile), C(enabled), C(notifications), C(tags)).
  returned: when O(state=present)
  type: list
  elements: str
  sample: [rules]
"""


from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.autoscale import capacity_line, rule_line, seconds
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2022-10-01"
WEB_API_VERSION = "2024-11-01"
MAX_RULES = 10
MAX_TAGS = 15
# Microsoft Learn "App Service limits": most instances per tier; Free, Shared and Basic have no autoscale.
TIER_MAX = {"Standard": 10, "Premium": 20, "PremiumV2": 30, "PremiumV3": 30, "PremiumMV3": 30, "PremiumV4": 30, "IsolatedV2": 100}
# Microsoft Learn "Supported metrics for Microsoft.Web/serverfarms".
PLAN_METRICS = ("CpuPercentage", "MemoryPercentage", "DiskQueueLength", "HttpQueueLength", "BytesReceived", "BytesSent",
                "TcpSynSent", "TcpSynReceived", "TcpEstablished", "TcpFinWait1", "TcpFinWait2", "TcpClosing", "TcpCloseWait",
                "TcpLastAck", "TcpTimeWait", "SocketInboundAll", "SocketOutboundAll", "SocketOutboundEstablished",
                "SocketOutboundTimeWait", "SocketLoopback")
OPERATORS = {"greaterthan": "GreaterThan", ">": "GreaterThan", "greaterthanorequal": "GreaterThanOrEqual", ">=": "GreaterThanOrEqual",
             "lessthan": "LessThan", "<": "LessThan", "lessthanorequal": "LessThanOrEqual", "<=": "LessThanOrEqual",
             "equals": "Equals", "==": "Equals", "notequals": "NotEquals", "!=": "NotEquals"}
STATISTICS = {"average": "Average", "avg": "Average", "min": "Min", "minimum": "Min", "max": "Max", "maximum": "Max", "sum": "Sum",
              "total": "Sum", "count": "Count"}
AGGREGATIONS = {"average": "Average", "avg": "Average", "minimum": "Minimum", "min": "Minimum", "maximum": "Maximum", "max": "Maximum",
                "total": "Total", "sum": "Total", "count": "Count", "last": "Last"}
SCALE_TYPES = {"change_count": "ChangeCount", "percent_change_count": "PercentChangeCount", "exact_count": "ExactCount"}


def iso(minutes):
    h, m = divmod(int(minutes), 60)
    d, h = divmod(h, 24)
    out = "P" + ("%dD" % d if d else "")
    if h or m:
        out += "T" + ("%dH" % h if h else "") + ("%dM" % m if m else "")
    return out


def _key(text):
    return str(text).strip().lower().replace("_", "").replace(" ", "").replace("-", "")


def rule_signature(rule):
    """A rule reduced to what defines it, with durations in seconds and enums in Azure's casing."""
    trig, act = rule.get("metricTrigger") or {}, rule.get("scaleAction") or {}
    return (str(trig.get("metricName", "")).lower(), str(trig.get("metricResourceUri", "")).lower().rstrip("/"),
            OPERATORS.get(_key(trig.get("operator", "")), trig.get("operator")), float(trig.get("threshold", 0)),
            seconds(trig.get("timeWindow")), seconds(trig.get("timeGrain")),
            STATISTICS.get(_key(trig.get("statistic", "")), trig.get("statistic")),
            AGGREGATIONS.get(_key(trig.get("timeAggregation", "")), trig.get("timeAggregation")),
            str(act.get("direction", "")).lower(), str(act.get("type", "")).lower(), int(act.get("value", 0)), seconds(act.get("cooldown")),
            bool(trig.get("dividePerInstance", False)))


def summarize(setting, profile_name=None):
    """Human lines for the managed profile (or the first one)."""
    props = (setting or {}).get("properties") or {}
    profiles = props.get("profiles") or []
    profile = next((pr for pr in profiles if pr.get("name") == profile_name), profiles[0] if profiles else {})
    return [capacity_line(props, profile)] + [rule_line(rule) for rule in profile.get("rules") or []]


def _choice(table, value, option, allowed):
    found = table.get(_key(value)) if value is not None else None
    if found is None:
        raise ValueError("%s %r is not valid; use one of %s" % (option, value, ", ".join(allowed)))
    return found


def validate_rules(rules, capacity):
    """The rules in Azure's form (without the target id), or ValueError naming the option at fault."""
    if len(rules) > MAX_RULES:
        raise ValueError("rules has %d entries; a profile holds at most %d rules" % (len(rules), MAX_RULES))
    metrics = dict((m.lower(), m) for m in PLAN_METRICS)
    out = []
    for i, r in enumerate(rules):
        where = "rules[%d]" % i
        metric = metrics.get(str(r["metric"]).lower())
        if metric is None:
            raise ValueError("%s.metric %r is not a metric of an App Service plan; use one of %s" % (where, r["metric"], ", ".join(PLAN_METRICS)))
        operator = _choice(OPERATORS, r["operator"], where + ".operator",
                           ["greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal", "equals", "not_equals"])
        statistic = _choice(STATISTICS, r["statistic"], where + ".statistic", ["Average", "Min", "Max", "Sum", "Count"])
        aggregation = _choice(AGGREGATIONS, r["time_aggregation"], where + ".time_aggregation",
                              ["Average", "Minimum", "Maximum", "Total", "Count", "Last"])
        # Limits of the autoscale API (azure-mgmt-monitor models): timeWindow 5 min-12 h, timeGrain 1 min-12 h, cooldown 1 min-1 week.
        for opt, low, high in (("duration", 5, 720), ("time_grain", 1, 720), ("cooldown", 1, 10080)):
            if not low <= r[opt] <= high:
                raise ValueError("%s.%s is %d minutes; it must be between %d and %d minutes" % (where, opt, r[opt], low, high))
        if r["time_grain"] > r["duration"]:
            raise ValueError("%s.time_grain (%d min) is longer than its duration (%d min)" % (where, r["time_grain"], r["duration"]))
        kind = SCALE_TYPES[r["scale_type"]]
        lo, hi = capacity["minimum"], capacity["maximum"]
        if kind == "ChangeCount" and (r["change"] < 1 or (hi > lo and r["change"] > hi - lo)):
            raise ValueError("%s.change is %d; it must be between 1 and maximum - minimum (%d)" % (where, r["change"], max(1, hi - lo)))
        if kind == "ExactCount" and not lo <= r["change"] <= hi:
            raise ValueError("%s.change is %d; an exact count must be between the minimum %d and the maximum %d" % (where, r["change"], lo, hi))
        if kind == "PercentChangeCount" and r["change"] < 1:
            raise ValueError("%s.change is %d; a percentage must be at least 1" % (where, r["change"]))
        out.append({"metricTrigger": {"metricName": metric, "metricResourceUri": None, "timeGrain": iso(r["time_grain"]), "statistic": statistic,
                                      "timeWindow": iso(r["duration"]), "timeAggregation": aggregation, "operator": operator,
                                      "threshold": float(r["threshold"]), "dividePerInstance": False},
                    "scaleAction": {"direction": r["direction"].capitalize(), "type": kind, "value": str(r["change"]),
                                    "cooldown": iso(r["cooldown"])}})
    return out


def validate_capacity(cap):
    lo, hi = cap["minimum"], cap["maximum"]
    df = cap["default"] if cap.get("default") is not None else lo
    if lo < 1:
        raise ValueError("capacity.minimum is %d; an App Service plan runs at least 1 instance" % lo)
    if not lo <= df <= hi:
        raise ValueError("capacity must satisfy minimum <= default <= maximum (got minimum %d, default %d, maximum %d)" % (lo, df, hi))
    return {"minimum": lo, "maximum": hi, "default": df}


def notification_signature(items):
    n = (items or [{}])[0] if items else {}
    email = n.get("email") or {}
    return {"send_to_subscription_administrator": bool(email.get("sendToSubscriptionAdministrator", False)),
            "send_to_subscription_co_administrators": bool(email.get("sendToSubscriptionCoAdministrators", False)),
            "custom_emails": sorted(e.lower() for e in email.get("customEmails") or []),
            "webhooks": sorted(w.get("serviceUri") for w in n.get("webhooks") or [])}


def main():
    rule_spec = dict(
        metric=dict(type="str", required=True),
        operator=dict(type="str", required=True),
        threshold=dict(type="float", required=True),
        duration=dict(type="int", default=10),
        statistic=dict(type="str", default="Average"),
        time_aggregation=dict(type="str", default="Average"),
        time_grain=dict(type="int", default=1),
        direction=dict(type="str", required=True, choices=["increase", "decrease"]),
        change=dict(type="int", default=1),
        scale_type=dict(type="str", default="change_count", choices=list(SCALE_TYPES)),
        cooldown=dict(type="int", default=5),
    )
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        target=dict(type="str"),
        target_resource_group=dict(type="str"),
        location=dict(type="str"),
        profile_name=dict(type="str"),
        capacity=dict(type="dict", options=dict(minimum=dict(type="int", required=True), maximum=dict(type="int", required=True),
                                                default=dict(type="int"))),
        rules=dict(type="list", elements="dict", options=rule_spec),
        notifications=dict(type="dict", options=dict(
            send_to_subscription_administrator=dict(type="bool", aliases=["email_admins"]),
            send_to_subscription_co_administrators=dict(type="bool", aliases=["email_co_admins"]),
            custom_emails=dict(type="list", elements="str"),
            webhooks=dict(type="list", elements="str"),
        )),
        enabled=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params

    # Everything that can be judged from the options alone, before any request.
    capacity = rules = None
    try:
        if p["capacity"]:
            capacity = validate_capacity(p["capacity"])
        if p["rules"] is not None:
            rules = validate_rules(p["rules"], capacity or {"minimum": 1, "maximum": 1000})
    except ValueError as exc:
        az.fail(str(exc))
    notes = p["notifications"] or {}
    for addr in notes.get("custom_emails") or []:
        if "@" not in addr:
            az.fail("notifications.custom_emails: %r is not an e-mail address" % addr)
    for hook in notes.get("webhooks") or []:
        if not hook.lower().startswith("https://"):
            az.fail("notifications.webhooks: %r is not an https:// URL" % hook)
    if p["tags"] and len(p["tags"]) > MAX_TAGS:
        az.fail("tags: an autoscale setting holds at most %d tags (got %d)" % (MAX_TAGS, len(p["tags"])))

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/autoscalesettings/%s" % (
            az.subscription_id, p["resource_group"], p["name"])
        current = az.arm.get(path, API_VERSION)
        if p["state"] == "absent":
            if current is None:
                return dict(changed=False, autoscale_setting={}, diff={"before": {}, "after": {}})
            if not az.check_mode:
                az.arm.request("DELETE", path, API_VERSION, expect=(200, 204))
            return dict(changed=True, autoscale_setting={}, diff={"before": current, "after": {}})
        return present(path, current)

    def plan_id():
        if p["target"].lower().startswith("/subscriptions/"):
            return p["target"]
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms/%s" % (
            az.subscription_id, p["target_resource_group"] or p["resource_group"], p["target"])

    def present(path, current):
        cur_props = (current or {}).get("properties") or {}
        if current is None and not p["target"]:
            az.fail("target is required to create autoscale setting %s (the App Service plan's name or id)" % p["name"])
        if current is None and capacity is None:
            az.fail("capacity is required to create autoscale setting %s (minimum, maximum, default)" % p["name"])
        target = plan_id() if p["target"] else cur_props.get("targetResourceUri")
        if current is not None and p["target"] and target.lower().rstrip("/") != str(cur_props.get("targetResourceUri")).lower().rstrip("/"):
            az.fail("autoscale setting %s targets %s; its target cannot change. Delete it or use another name"
                    % (p["name"], cur_props.get("targetResourceUri")))
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("autoscale setting %s is in %s; it cannot move to %s" % (p["name"], current["location"], p["location"]))

        def read_plan():
            """(plan, tier, most instances): the plan is read to create the setting or before a write, not when nothing changes."""
            plan = az.arm.get(target, WEB_API_VERSION)
            planned = plan is None
            if planned:
                az.parent_missing("target App Service plan %s was not found" % target)
                # Check mode: the plan is only planned; its tier is judged when the real run finds it.
                plan = {"id": target, "name": target.rsplit("/", 1)[-1], "location": p["location"] or az.resource_group_location(p["resource_group"])}
            sku = plan.get("sku") or {}
            tier = sku.get("tier") or ("Standard" if planned else "Free")
            if planned:
                return plan, tier, max(TIER_MAX.values())
            if tier not in TIER_MAX:
                az.fail("autoscale is not available for App Service plan %s: it is %s (%s); autoscale needs Standard (S1) or higher. "
                        "Scale the plan up first (erpops.azure.app_service_plan with sku: S1)" % (plan["name"], tier, sku.get("name")))
            return plan, tier, TIER_MAX[tier]

        # An existing setting names its plan (the target cannot change): the plan is read only for a write.
        plan = tier = tier_max = None
        if current is None:
            plan, tier, tier_max = read_plan()
            target = plan["id"]

        profiles = [dict(pr) for pr in cur_props.get("profiles") or []]
        index = next((i for i, pr in enumerate(profiles) if (p["profile_name"] and pr.get("name") == p["profile_name"])
                      or (not p["profile_name"] and not pr.get("fixedDate") and not pr.get("recurrence"))), None)
        old = profiles[index] if index is not None else {}
        cap = capacity or dict((k, int(v)) for k, v in (old.get("capacity") or {}).items())
        if not cap:
            az.fail("capacity is required: autoscale setting %s has no profile %s yet" % (p["name"], p["profile_name"] or "without a schedule"))

        def check_tier():
            if cap["maximum"] > tier_max:
                az.fail("capacity.maximum is %d but a %s (%s) plan runs at most %d instances; lower it or scale the plan up"
                        % (cap["maximum"], tier, (plan.get("sku") or {}).get("name"), tier_max))

        if plan is not None:
            check_tier()
        new_rules = None
        if rules is not None:
            try:
                validate_rules(p["rules"], cap)
            except ValueError as exc:
                az.fail(str(exc))
            new_rules = [dict(r, metricTrigger=dict(r["metricTrigger"], metricResourceUri=target)) for r in rules]
        elif capacity is not None:
            for i, r in enumerate(old.get("rules") or []):
                act = r.get("scaleAction") or {}
                if act.get("type") == "ChangeCount" and cap["maximum"] > cap["minimum"] and int(act.get("value", 1)) > cap["maximum"] - cap["minimum"]:
                    az.fail("existing rule %d changes %s instances, more than maximum - minimum (%d); set rules too"
                            % (i, act.get("value"), cap["maximum"] - cap["minimum"]))

        changes = []
        if capacity is not None and dict((k, int(v)) for k, v in (old.get("capacity") or {}).items()) != capacity:
            changes.append("capacity")
        if new_rules is not None and sorted(map(rule_signature, new_rules)) != sorted(map(rule_signature, old.get("rules") or [])):
            changes.append("rules")
        if index is None:
            changes.append("profile")
        enabled = p["enabled"] if p["enabled"] is not None else cur_props.get("enabled", True) if current is not None else True
        if current is not None and p["enabled"] is not None and bool(cur_props.get("enabled")) != p["enabled"]:
            changes.append("enabled")
        have_notes = notification_signature(cur_props.get("notifications"))
        want_notes = dict(have_notes)
        for key in have_notes:
            value = notes.get(key)
            if value is not None:
                want_notes[key] = sorted(v.lower() for v in value) if key == "custom_emails" else sorted(value) if key == "webhooks" else value
        if want_notes != have_notes:
            changes.append("notifications")
        tags = reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])
        if tags is not None and tags != ((current or {}).get("tags") or {}):
            changes.append("tags")
        if current is not None and not changes:
            return dict(changed=False, autoscale_setting=current, summary=summarize(current, p["profile_name"] or old.get("name") or "default"),
                        diff={"before": current, "after": current}, changes=[])
        if plan is None:
            # A write to an existing setting: its plan's tier is checked first.
            plan, tier, tier_max = read_plan()
            check_tier()
            target = plan["id"]
            if new_rules is not None:
                new_rules = [dict(r, metricTrigger=dict(r["metricTrigger"], metricResourceUri=target)) for r in rules]

        profile = dict(old, name=p["profile_name"] or old.get("name") or "default",
                       capacity=dict((k, str(v)) for k, v in cap.items()), rules=new_rules if new_rules is not None else old.get("rules") or [])
        if index is None:
            profiles.insert(0, profile)
        else:
            profiles[index] = profile
        notification = []
        if any(want_notes.values()):
            notification = [{"operation": "Scale",
                             "email": {"sendToSubscriptionAdministrator": want_notes["send_to_subscription_administrator"],
                                       "sendToSubscriptionCoAdministrators": want_notes["send_to_subscription_co_administrators"],
                                       "customEmails": notes.get("custom_emails") if notes.get("custom_emails") is not None
                                       else ((cur_props.get("notifications") or [{}])[0].get("email") or {}).get("customEmails") or []},
                             "webhooks": [{"serviceUri": w, "properties": {}} for w in want_notes["webhooks"]]}]
        body = {"location": (current or {}).get("location") or p["location"] or plan["location"],
                "tags": tags if tags is not None else (current or {}).get("tags") or {},
                "properties": {"enabled": enabled, "targetResourceUri": target, "profiles": profiles, "notifications": notification,
                               "predictiveAutoscalePolicy": cur_props.get("predictiveAutoscalePolicy") or {"scaleMode": "Disabled"}}}
        predicted = dict(body, id=(current or {}).get("id", path), name=p["name"], type="Microsoft.Insights/autoscaleSettings")
        diff = {"before": current or {}, "after": predicted}
        if az.check_mode:
            return dict(changed=True, autoscale_setting=predicted, summary=summarize(predicted, profile["name"]), diff=diff, changes=changes)
        status, _hdrs, doc = az.arm.request("PUT", path, API_VERSION, body=body, expect=(200, 201))
        del status
        return dict(changed=True, autoscale_setting=doc, summary=summarize(doc, profile["name"]), diff=diff, changes=changes)

    az.run(run)


if __name__ == "__main__":
    main()
