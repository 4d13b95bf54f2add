#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: autoscale_info
short_description: Read the autoscale settings of Azure App Service plans
version_added: 0.1.0
description:
  - Returns one autoscale setting by name, the setting that scales a given App Service plan, the settings of a
    resource group, or every setting of the subscription - each with its rules in words, for maintenance and audit.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the settings. Without it, every setting of the subscription is searched.
    type: str
  name:
    description: Name of one setting; needs O(resource_group).
    type: str
  target:
    description: Only the setting that scales this App Service plan (its name in O(target_resource_group), or its full id).
    type: str
  target_resource_group:
    description: Resource group of the plan named by O(target); defaults to O(resource_group).
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read the autoscale setting of the ERP plan
  erpops.azure.autoscale_info:
    resource_group: erp-supermarket-production-rg
    target: erp-production-plan
  register: autoscale

- name: Show its rules
  ansible.builtin.debug:
    var: autoscale.autoscale_settings[0].summary
"""

RETURN = r"""
autoscale_settings:
  description: The settings found, as Azure returns them, each with a C(summary) list of lines in words.
  returned: always
  type: list
  elements: dict
  sample:
    - name: erp-production-plan-autoscale
      location: West Europe
      properties:
        enabled: true
        targetResourceUri: /subscriptions/0000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/serverfarms/erp-production-plan
        profiles: [{name: default, capacity: {minimum: "2", maximum: "4", default: "2"}, rules: []}]
      summary: ["enabled, instances: minimum 2, maximum 4, default 2"]
"""


from ansible_collections.erpops.azure.plugins.module_utils.autoscale import capacity_line, rule_line
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2022-10-01"


def summarize(setting):
    """One line per profile (limits), then one per rule, the same words as erpops.azure.autoscale."""
    props = setting.get("properties") or {}
    profiles = props.get("profiles") or []
    lines = []
    for profile in profiles:
        lines.append(capacity_line(props, profile, "" if len(profiles) == 1 else " (profile %s)" % profile.get("name")))
        lines.extend(rule_line(rule) for rule in profile.get("rules") or [])
    return lines


def main():
    az = AzureModule(dict(resource_group=dict(type="str"), name=dict(type="str"), target=dict(type="str"), target_resource_group=dict(type="str")),
                     required_by={"name": "resource_group"})
    p = az.params

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        if p["name"]:
            one = az.arm.get("%s/resourceGroups/%s/providers/Microsoft.Insights/autoscalesettings/%s" % (sub, p["resource_group"], p["name"]),
                             API_VERSION)
            settings = [one] if one else []
        elif p["resource_group"]:
            settings = az.arm.list("%s/resourceGroups/%s/providers/Microsoft.Insights/autoscalesettings" % (sub, p["resource_group"]), API_VERSION)
        else:
            settings = az.arm.list("%s/providers/Microsoft.Insights/autoscalesettings" % sub, API_VERSION)
        if p["target"] and not p["target"].lower().startswith("/subscriptions/") and not (p["target_resource_group"] or p["resource_group"]):
            az.fail("target %s is a plan name: set target_resource_group (or resource_group), or give the plan's full id" % p["target"])
        if p["target"]:
            target = p["target"] if p["target"].lower().startswith("/subscriptions/") else \
                "%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms/%s" % (sub, p["target_resource_group"] or p["resource_group"], p["target"])
            settings = [s for s in settings
                        if str((s.get("properties") or {}).get("targetResourceUri")).lower().rstrip("/") == target.lower().rstrip("/")]
        for setting in settings:
            setting["summary"] = summarize(setting)
        return dict(changed=False, autoscale_settings=settings)

    az.run(run)


if __name__ == "__main__":
    main()
