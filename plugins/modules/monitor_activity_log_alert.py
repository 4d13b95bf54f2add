#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_activity_log_alert
short_description: Create, update or delete an Azure Monitor activity log alert rule
version_added: 0.1.0
description:
  - Creates an activity log alert rule (C(Microsoft.Insights/activityLogAlerts), location C(Global)), which notifies action
    groups when an activity log event under its O(scopes) matches every item of O(condition) - a Service Health incident in a
    region, an administrative operation such as C(Microsoft.Network/networkSecurityGroups/write); keeps it as asked, or deletes it.
  - The rule is a resource of O(resource_group), but it watches the events of its O(scopes), the subscription when not set.
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
        per-rule options (O(name), O(description), O(enabled), O(scopes), O(condition), O(action_groups), O(tags),
        O(purge_tags), O(state)), validated as those options are; an option an element leaves out takes the task's
        top-level value (the action groups and tags the rules share, say).
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
  enabled:
    description: Whether the rule is evaluated. A new rule is enabled when it is not set.
    type: bool
  scopes:
    description:
      - Resource IDs used as prefixes - the rule sees the events of resources under one of them (a subscription, a resource
        group, a resource).
      - The subscription of the module's credentials (C(/subscriptions/<id>)) when creating without it; unchanged on update.
    type: list
    elements: str
  condition:
    description:
      - The conditions an event must all meet (ARM's C(condition.allOf)). Required to create a rule. The list replaces the
        rule's conditions.
      - Each item is a leaf (O(condition[].field) with O(condition[].equals) or O(condition[].contains_any)) or an
        O(condition[].any_of) group of leaves, one of which must match.
    type: list
    elements: dict
    suboptions:
      field:
        description:
          - Event field - V(category), V(operationName), V(level), V(status), V(subStatus), V(resourceId), V(resourceGroup),
            V(resourceProvider), V(resourceType), V(caller), or a path beginning with V(properties.)
            (V(properties.incidentType), V(properties.impactedServices[*].ImpactedRegions[*].RegionName)).
        type: str
      equals:
        description: The value the field must equal (case-insensitive in Azure's evaluation).
        type: str
      contains_any:
        description: Values one of which the field must contain.
        type: list
        elements: str
      any_of:
        description: Leaves one of which must match, instead of O(condition[].field).
        type: list
        elements: dict
        suboptions:
          field:
            description: Event field, as O(condition[].field).
            type: str
            required: true
          equals:
            description: The value the field must equal.
            type: str
          contains_any:
            description: Values one of which the field must contain.
            type: list
            elements: str
  action_groups:
    description: Action groups notified when the rule fires. The list replaces the rule's action groups. Required to create a rule.
    type: list
    elements: dict
    suboptions:
      action_group_id:
        description: Resource ID of the action group (M(erpops.azure.monitor_action_group)), in the rule's subscription.
        type: str
        required: true
      webhook_properties:
        description: Properties added to the webhook payload of the action group's webhook receivers.
        type: dict
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
notes:
  - "Azure evaluates the rule against the activity log of its O(scopes); creating it needs
    C(Microsoft.Insights/activityLogAlerts/write) on O(resource_group) (Monitoring Contributor or Contributor)."
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
- name: Alert on writes and deletions of network security groups, the rules sharing the action group and the tags
  erpops.azure.monitor_activity_log_alert:
    resource_group: erp-supermarket-production-rg
    action_groups:
      - action_group_id: "{{ ops_action_group_id }}"
    tags: {app: erp}
    rules:
      - name: erp-nsg-write
        description: A network security group was created or changed
        condition:
          - {field: category, equals: Administrative}
          - {field: operationName, equals: Microsoft.Network/networkSecurityGroups/write}
      - name: erp-nsg-delete
        description: A network security group was deleted
        condition:
          - {field: category, equals: Administrative}
          - {field: operationName, equals: Microsoft.Network/networkSecurityGroups/delete}

- name: Tell the ops team about Azure incidents and maintenance in West Europe
  erpops.azure.monitor_activity_log_alert:
    name: erp-service-health
    resource_group: erp-supermarket-production-rg
    description: Service Health events in West Europe
    condition:
      - {field: category, equals: ServiceHealth}
      - any_of:
          - {field: properties.incidentType, equals: Incident}
          - {field: properties.incidentType, equals: Maintenance}
      - {field: "properties.impactedServices[*].ImpactedRegions[*].RegionName", contains_any: [West Europe]}
    action_groups:
      - action_group_id: "{{ ops.action_group.id }}"

- name: Alert when a network security group is created or changed anywhere in the subscription
  erpops.azure.monitor_activity_log_alert:
    name: erp-nsg-write
    resource_group: erp-supermarket-production-rg
    condition:
      - {field: category, equals: Administrative}
      - {field: operationName, equals: Microsoft.Network/networkSecurityGroups/write}
    action_groups:
      - action_group_id: "{{ ops.action_group.id }}"
        webhook_properties: {source: erp}

- name: Delete a rule
  erpops.azure.monitor_activity_log_alert:
    name: erp-nsg-write
    resource_group: erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
activity_log_alert:
  description: The rule as Azure returns it; empty when it was deleted.
  returned: with O(name)
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/microsoft.insights/activityLogAlerts/erp-nsg-write"
    name: erp-nsg-write
    type: Microsoft.Insights/ActivityLogAlerts
    location: Global
    tags: {}
    properties:
      enabled: true
      scopes: ["/subscriptions/00000000-0000-0000-0000-000000000000"]
      condition:
        allOf:
          - {field: category, equals: Administrative}
          - {field: operationName, equals: Microsoft.Network/networkSecurityGroups/write}
      actions:
        actionGroups:
          - actionGroupId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
              /providers/microsoft.insights/actionGroups/erp-ops-alerts"
            webhookProperties: {}
per_resource:
  description: With O(rules), one result per rule in their order, each with the rule's C(name), C(changed), C(activity_log_alert) and C(diff).
  returned: with O(rules)
  type: list
  elements: dict
  sample:
    - name: erp-nsg-write
      changed: false
      activity_log_alert: {id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
          /providers/microsoft.insights/activityLogAlerts/erp-nsg-write", name: erp-nsg-write}
      diff: {}
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource, parameter_sets, per_resource_result
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2020-10-01"
# activityLogAlerts_API.json (2020-10-01), AlertRuleLeafCondition.field: "'resourceId', 'category', 'caller', 'level',
# 'operationName', 'resourceGroup', 'resourceProvider', 'status', 'subStatus', 'resourceType', or anything beginning with
# 'properties'".
FIELDS = ("resourceId", "category", "caller", "level", "operationName", "resourceGroup", "resourceProvider", "status", "subStatus",
          "resourceType")
LEAF = dict(field=dict(type="str", required=True), equals=dict(type="str"), contains_any=dict(type="list", elements="str"))


def leaf(az, c, where):
    field = c.get("field")
    if not field:
        az.fail("%s: field is required (or any_of)" % where)
    if field.lower() not in [f.lower() for f in FIELDS] and not field.lower().startswith("properties."):
        az.fail("%s: field %r is not an activity log field; use one of %s, or a path beginning with properties." % (where, field, ", ".join(FIELDS)))
    if (c.get("equals") is None) == (c.get("contains_any") is None):
        az.fail("%s: set exactly one of equals and contains_any" % where)
    if c.get("contains_any") is not None and not c["contains_any"]:
        az.fail("%s: contains_any must hold at least one value" % where)
    out = {"field": field}
    if c.get("equals") is not None:
        out["equals"] = c["equals"]
    else:
        out["containsAny"] = list(c["contains_any"])
    return out


def wanted_condition(az, items):
    """ARM's condition.allOf from the option, validated before any request."""
    if items is None:
        return None
    if not items:
        az.fail("condition must hold at least one item")
    rows = []
    for i, c in enumerate(items):
        where = "condition[%d]" % i
        if c.get("any_of") is not None:
            if c.get("field") or c.get("equals") is not None or c.get("contains_any") is not None:
                az.fail("%s: any_of cannot be combined with field, equals or contains_any" % where)
            if not c["any_of"]:
                az.fail("%s: any_of must hold at least one condition" % where)
            rows.append({"anyOf": [leaf(az, alt, "%s.any_of[%d]" % (where, j)) for j, alt in enumerate(c["any_of"])]})
        else:
            rows.append(leaf(az, c, where))
    return {"allOf": rows}


def validate(az, p):
    for scope in p["scopes"] or []:
        if not scope.lower().startswith("/subscriptions/"):
            az.fail("scopes: %r is not a resource ID (/subscriptions/<id>[/resourceGroups/<name>...])" % scope)
    if p["scopes"] is not None and not p["scopes"]:
        az.fail("scopes must hold at least one resource ID")
    for a in p["action_groups"] or []:
        if "/providers/microsoft.insights/actiongroups/" not in a["action_group_id"].lower():
            az.fail("action_groups: %r is not an action group resource ID" % a["action_group_id"])
    return wanted_condition(az, p["condition"])


PER_RULE = dict(
    name=dict(type="str"),
    description=dict(type="str"),
    enabled=dict(type="bool"),
    scopes=dict(type="list", elements="str"),
    condition=dict(type="list", elements="dict", options=dict(
        field=dict(type="str"),
        equals=dict(type="str"),
        contains_any=dict(type="list", elements="str"),
        any_of=dict(type="list", elements="dict", options=LEAF),
    )),
    action_groups=dict(type="list", elements="dict", options=dict(
        action_group_id=dict(type="str", required=True),
        webhook_properties=dict(type="dict"),
    )),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = dict(PER_RULE, resource_group=dict(type="str", required=True), rules=dict(type="list", elements="dict"))
    spec["purge_tags"] = dict(type="bool", default=True)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, mutually_exclusive=[("name", "rules")], required_one_of=[("name", "rules")])
    p = az.params
    sets = parameter_sets(az, "rules", PER_RULE, required=("name",))
    conditions = [validate(az, q) for q in sets]

    def converge(q, condition):
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/activityLogAlerts/%s" % (
            az.subscription_id, q["resource_group"], q["name"])
        # The conditions are compared whole (a removed key or leaf is a change); the action groups as a set, each one's webhook
        # properties exactly.
        rule = Resource(az, path, API_VERSION, unordered=("properties.actions.actionGroups",),
                        exact=("tags", "properties.actions.actionGroups.webhookProperties"), exact_trees=("properties.condition",),
                        replaced=("tags", "properties.condition", "properties.actions"))
        current = rule.get()
        if q["state"] == "absent":
            changed, _doc, diff, _op = rule.ensure_absent()
            return dict(changed=changed, activity_log_alert={}, diff=diff)
        if current is None:
            if condition is None:
                az.fail("condition is required to create activity log alert %s" % q["name"])
            if q["action_groups"] is None:
                az.fail("action_groups is required to create activity log alert %s" % q["name"])
        scopes = q["scopes"]
        if scopes is None and current is None:
            scopes = ["/subscriptions/%s" % az.subscription_id]
        actions = None
        if q["action_groups"] is not None:
            actions = {"actionGroups": [{"actionGroupId": a["action_group_id"], "webhookProperties": a["webhook_properties"] or {}}
                                        for a in q["action_groups"]]}
        desired = {"tags": reconcile.tags_wanted((current or {}).get("tags"), q["tags"], q["purge_tags"]),
                   "properties": {"description": q["description"], "enabled": q["enabled"], "scopes": scopes, "condition": condition,
                                  "actions": actions}}
        cur = rule.writable({"properties": (current or {}).get("properties") or {}})["properties"]
        props = reconcile.merge(reconcile.merge({"enabled": True}, cur), desired["properties"])
        for key in ("condition", "actions", "scopes"):
            if desired["properties"][key] is not None:
                props[key] = desired["properties"][key]  # a new list replaces the old one whole
        body = {"location": "Global", "properties": props,
                "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = rule.ensure_present(desired, body=body)
        doc, diff = planned(az, rule.path, changed, doc, diff)
        return dict(changed=changed, activity_log_alert=doc, diff=diff)

    def run():
        if p["rules"] is None:
            return converge(p, conditions[0])
        return per_resource_result([(q["name"], converge(q, c)) for q, c in zip(sets, conditions)])

    az.run(run)


if __name__ == "__main__":
    main()
