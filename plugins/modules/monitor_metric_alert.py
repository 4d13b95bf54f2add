#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_metric_alert
short_description: Create, update or delete an Azure Monitor metric alert rule
version_added: 0.1.0
description:
  - Creates a metric alert rule (C(Microsoft.Insights/metricAlerts)) on one resource, with static-threshold
    O(criteria) (CPU of a plan above 85 %, response time above 2 s...) or an O(availability) criterion on a standard
    availability test (fire when N test locations fail), and the action groups it notifies; keeps it as asked, or
    deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the rule. Exactly one of O(name) and O(rules) is required.
    type: str
  rules:
    description:
      - Several rules of O(resource_group) in one task, converged one after another, each a dict of this module's
        per-rule options (every option but O(resource_group) and O(rules)), validated as those options are; an option an
        element leaves out takes the task's top-level value (the action groups, frequency and tags the rules share, say).
      - The result then lists each rule in RV(per_resource), and the diff holds the changed rules by name.
    type: list
    elements: dict
  resource_group:
    description: Resource group of the rule(s).
    type: str
    required: true
  description:
    description: Description of the rule, shown in the notification.
    type: str
  severity:
    description: Severity, V(0) (critical) to V(4) (verbose). Azure requires it; V(3) is used when creating without it.
    type: int
    choices: [0, 1, 2, 3, 4]
  enabled:
    description: Whether the rule is evaluated. A new rule is enabled when it is not set.
    type: bool
  scopes:
    description:
      - Resource ID the rule watches (one resource; several resources need the multi-resource criteria this module does not manage).
      - With O(availability), the web test and its component; they are taken from O(availability) when not set.
    type: list
    elements: str
  evaluation_frequency:
    description:
      - How often the rule is evaluated, in minutes (V(5)) or as an ISO 8601 duration (V(PT5M)).
      - One of 1, 5, 15, 30 or 60 minutes. V(PT1M) when creating without it.
    type: str
  window_size:
    description:
      - The period the metric is aggregated over, in minutes or ISO 8601; at least O(evaluation_frequency).
      - One of 1, 5, 15, 30, 60, 360, 720 or 1440 minutes. V(PT5M) when creating without it.
    type: str
  criteria:
    description:
      - Static-threshold conditions, all of which must be met (at most 5). Required to create a rule without O(availability).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the condition, unique in the rule; C(criterion<n>) when not set.
        type: str
      metric_name:
        description: Name of the metric (V(CpuPercentage), V(MemoryPercentage), V(HttpResponseTime), V(requests/duration)).
        type: str
        required: true
      metric_namespace:
        description: Namespace of the metric; the scope's resource type when not set.
        type: str
      operator:
        description: How the aggregated value is compared with O(criteria[].threshold).
        type: str
        required: true
        choices: [Equals, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual]
      threshold:
        description: The threshold, in the metric's unit.
        type: float
        required: true
      time_aggregation:
        description: How the metric is aggregated over O(window_size).
        type: str
        required: true
        choices: [Average, Count, Minimum, Maximum, Total]
      skip_metric_validation:
        description: Accept a metric Azure has not seen emitted yet (custom metrics).
        type: bool
        default: false
  availability:
    description: An availability criterion on a standard availability test, instead of O(criteria).
    type: dict
    suboptions:
      web_test_id:
        description: Resource ID of the availability test (M(erpops.azure.monitor_web_test)).
        type: str
        required: true
      component_id:
        description: Resource ID of the Application Insights component the test is linked to.
        type: str
        required: true
      failed_location_count:
        description: Number of test locations that must fail for the rule to fire.
        type: int
        default: 2
  action_groups:
    description: Resource IDs of the action groups notified. The list replaces the rule's action groups.
    type: list
    elements: str
  auto_mitigate:
    description: Resolve the alert by itself when the condition is no longer met. Azure's default is V(true).
    type: bool
  tags:
    description: Tags of the rule.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the rule should exist.
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
"""

EXAMPLES = r"""
- name: Read the ERP plan
  erpops.azure.app_service_plan_info:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
  register: plan_info

- name: Alert when the plan's CPU stays above 85 %
  erpops.azure.monitor_metric_alert:
    name: erp-production-plan-cpu
    resource_group: erp-supermarket-production-rg
    scopes: ["{{ plan_info.app_service_plans[0].id }}"]
    severity: 2
    evaluation_frequency: 5
    window_size: 15
    criteria:
      - metric_name: CpuPercentage
        operator: GreaterThan
        threshold: 85
        time_aggregation: Average
    action_groups: ["{{ ops.action_group.id }}"]

- name: Alert when the site is unavailable from two locations (availability below 99 %)
  erpops.azure.monitor_metric_alert:
    name: erp-supermarket-prod-availability
    resource_group: erp-supermarket-production-rg
    severity: 1
    availability:
      web_test_id: "{{ web_test.web_test.id }}"
      component_id: "{{ insights.component.id }}"
      failed_location_count: 2
    action_groups: ["{{ ops.action_group.id }}"]
"""

RETURN = r"""
metric_alert:
  description: The rule as Azure returns it; empty when it was deleted.
  returned: with O(name)
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Insights/metricAlerts/erp-production-plan-cpu"
    name: erp-production-plan-cpu
    location: global
    properties:
      severity: 2
      enabled: true
      evaluationFrequency: PT5M
      windowSize: PT15M
      autoMitigate: true
      criteria:
        odata.type: Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria
        allOf:
          - {criterionType: StaticThresholdCriterion, name: criterion1, metricName: CpuPercentage, operator: GreaterThan, threshold: 85,
             timeAggregation: Average}
per_resource:
  description: With O(rules), one result per rule in their order, each with the rule's C(name), C(changed), C(metric_alert) and C(diff).
  returned: with O(rules)
  type: list
  elements: dict
  sample:
    - name: erp-supermarket-prod-cpu
      changed: false
      metric_alert: {id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
          /providers/Microsoft.Insights/metricAlerts/erp-supermarket-prod-cpu", name: erp-supermarket-prod-cpu}
      diff: {}
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource, parameter_sets, per_resource_result
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2018-03-01"
SINGLE = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
WEBTEST = "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"
# Learn "Create a metric alert with a Resource Manager template": the frequencies and windows Azure accepts.
FREQUENCIES = {1: "PT1M", 5: "PT5M", 15: "PT15M", 30: "PT30M", 60: "PT1H"}
WINDOWS = {1: "PT1M", 5: "PT5M", 15: "PT15M", 30: "PT30M", 60: "PT1H", 360: "PT6H", 720: "PT12H", 1440: "P1D"}
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)


def minutes(text):
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    m = DURATION.match(text)
    if not m or not any(m.groups()):
        return None
    d, h, mi = (int(g or 0) for g in m.groups())
    return (d * 24 + h) * 60 + mi


def duration(az, option, value, allowed):
    if value is None:
        return None
    mins = minutes(value)
    if mins not in allowed:
        az.fail("%s %r is not supported; use one of %s minutes (or %s)" % (option, value, ", ".join(str(k) for k in allowed), ", ".join(allowed.values())))
    return allowed[mins]


def validate(az, p):
    freq = duration(az, "evaluation_frequency", p["evaluation_frequency"], FREQUENCIES)
    window = duration(az, "window_size", p["window_size"], WINDOWS)
    if freq and window and minutes(window) < minutes(freq):
        az.fail("window_size %s must be at least evaluation_frequency %s" % (window, freq))
    if p["criteria"] is not None:
        if not 1 <= len(p["criteria"]) <= 5:
            az.fail("criteria must hold 1 to 5 conditions, got %d" % len(p["criteria"]))
        names = [c["name"] or "criterion%d" % (i + 1) for i, c in enumerate(p["criteria"])]
        if len({n.lower() for n in names}) != len(names):
            az.fail("criteria names must be unique in the rule: %s" % ", ".join(names))
    if p["scopes"] is not None and p["availability"] is None and len(p["scopes"]) != 1:
        az.fail("scopes must hold exactly one resource ID (rules on several resources are not managed by this module), got %d" % len(p["scopes"]))
    for scope in p["scopes"] or []:
        if not scope.lower().startswith("/subscriptions/"):
            az.fail("scopes: %r is not a resource ID" % scope)
    if p["availability"] is not None:
        av = p["availability"]
        if av["failed_location_count"] < 1:
            az.fail("availability.failed_location_count must be at least 1")
        if p["scopes"] is not None and {s.lower() for s in p["scopes"]} != {av["web_test_id"].lower(), av["component_id"].lower()}:
            az.fail("scopes of an availability rule must be exactly availability.web_test_id and availability.component_id")
    return freq, window


def wanted_criteria(p):
    if p["availability"] is not None:
        av = p["availability"]
        return {"odata.type": WEBTEST, "webTestId": av["web_test_id"], "componentId": av["component_id"],
                "failedLocationCount": av["failed_location_count"]}
    if p["criteria"] is None:
        return None
    rows = []
    for i, c in enumerate(p["criteria"]):
        row = {"criterionType": "StaticThresholdCriterion", "name": c["name"] or "criterion%d" % (i + 1), "metricName": c["metric_name"],
               "operator": c["operator"], "threshold": c["threshold"], "timeAggregation": c["time_aggregation"],
               "skipMetricValidation": c["skip_metric_validation"]}
        if c["metric_namespace"]:
            row["metricNamespace"] = c["metric_namespace"]
        rows.append(row)
    return {"odata.type": SINGLE, "allOf": rows}


PER_RULE = dict(
    name=dict(type="str"),
    description=dict(type="str"),
    severity=dict(type="int", choices=[0, 1, 2, 3, 4]),
    enabled=dict(type="bool"),
    scopes=dict(type="list", elements="str"),
    evaluation_frequency=dict(type="str"),
    window_size=dict(type="str"),
    criteria=dict(type="list", elements="dict", options=dict(
        name=dict(type="str"),
        metric_name=dict(type="str", required=True),
        metric_namespace=dict(type="str"),
        operator=dict(type="str", required=True, choices=["Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"]),
        threshold=dict(type="float", required=True),
        time_aggregation=dict(type="str", required=True, choices=["Average", "Count", "Minimum", "Maximum", "Total"]),
        skip_metric_validation=dict(type="bool", default=False),
    )),
    availability=dict(type="dict", options=dict(
        web_test_id=dict(type="str", required=True),
        component_id=dict(type="str", required=True),
        failed_location_count=dict(type="int", default=2),
    )),
    action_groups=dict(type="list", elements="str"),
    auto_mitigate=dict(type="bool"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = dict(PER_RULE, resource_group=dict(type="str", required=True), rules=dict(type="list", elements="dict"))
    spec["purge_tags"] = dict(type="bool", default=True)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, mutually_exclusive=[("criteria", "availability"), ("name", "rules")], required_one_of=[("name", "rules")])
    p = az.params
    sets = parameter_sets(az, "rules", PER_RULE, required=("name",), mutually_exclusive=[("criteria", "availability")])
    durations = [validate(az, q) for q in sets]

    def converge(q, freq, window):
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/metricAlerts/%s" % (az.subscription_id, q["resource_group"], q["name"])
        rule = Resource(az, path, API_VERSION, unordered=("properties.actions",),
                        read_only_properties=("provisioningState", "lastUpdatedTime", "isMigrated"))
        current = rule.get()
        if q["state"] == "absent":
            changed, _doc, diff, _op = rule.ensure_absent()
            return dict(changed=changed, metric_alert={}, diff=diff)
        criteria = wanted_criteria(q)
        scopes = q["scopes"]
        if scopes is None and q["availability"] is not None:
            scopes = [q["availability"]["web_test_id"], q["availability"]["component_id"]]
        if current is None:
            if criteria is None:
                az.fail("criteria or availability is required to create metric alert %s" % q["name"])
            if not scopes:
                az.fail("scopes is required to create metric alert %s" % q["name"])
        cur = (current or {}).get("properties") or {}
        cur_odata = ((cur.get("criteria") or {}).get("odata.type") or "").lower()
        if current is not None and criteria is not None and cur_odata and cur_odata != criteria["odata.type"].lower():
            az.fail("metric alert %s has %s criteria; delete it to change its kind" % (q["name"], cur_odata.rsplit(".", 1)[-1]))
        actions = None if q["action_groups"] is None else [{"actionGroupId": a} for a in q["action_groups"]]
        desired = {"tags": reconcile.tags_wanted((current or {}).get("tags"), q["tags"], q["purge_tags"]),
                   "properties": {"description": q["description"], "severity": q["severity"], "enabled": q["enabled"], "scopes": scopes,
                                  "evaluationFrequency": freq, "windowSize": window, "criteria": criteria, "actions": actions,
                                  "autoMitigate": q["auto_mitigate"]}}
        defaults = {"severity": 3, "enabled": True, "evaluationFrequency": "PT1M", "windowSize": "PT5M", "autoMitigate": True, "description": "",
                    "actions": []}
        props = reconcile.merge(reconcile.merge(defaults, rule.writable({"properties": cur})["properties"]), desired["properties"])
        if criteria is not None:
            props["criteria"] = criteria  # a new criteria set replaces the old one whole
        props["actions"] = [{"actionGroupId": a["actionGroupId"], "webHookProperties": a.get("webHookProperties") or {}} for a in props["actions"]]
        body = {"location": "global", "properties": props,
                "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = rule.ensure_present(desired, body=body)
        doc, diff = planned(az, rule.path, changed, doc, diff)
        return dict(changed=changed, metric_alert=doc, diff=diff)

    def run():
        if p["rules"] is None:
            return converge(p, *durations[0])
        return per_resource_result([(q["name"], converge(q, *d)) for q, d in zip(sets, durations)])

    az.run(run)


if __name__ == "__main__":
    main()
