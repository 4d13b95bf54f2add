#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_service_plan_info
short_description: Read Azure App Service plans
version_added: 0.1.0
description:
  - Returns one App Service plan by name, the plans of a resource group, or every plan of the subscription,
    with the apps each one hosts when asked.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the plans. Without it, every plan of the subscription is listed.
    type: str
  name:
    description: Name of one plan; needs O(resource_group).
    type: str
  include_sites:
    description: Also return the names of the apps on each plan (one more request per plan).
    type: bool
    default: false
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
- name: Read the ERP's App Service plan
  erpops.azure.app_service_plan_info:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    include_sites: true
  register: plan

- name: Show how many workers it runs
  ansible.builtin.debug:
    msg: "{{ plan.app_service_plans[0].sku.capacity }} workers of {{ plan.app_service_plans[0].sku.name }}"
"""

RETURN = r"""
app_service_plans:
  description: The plans found, as Azure returns them (empty when O(name) does not exist).
  returned: always
  type: list
  elements: dict
  sample:
    - id: /subscriptions/0000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/serverfarms/erp-production-plan
      name: erp-production-plan
      kind: linux
      location: West Europe
      sku: {name: S1, tier: Standard, size: S1, family: S, capacity: 2}
      properties: {reserved: true, numberOfWorkers: 2, maximumNumberOfWorkers: 10, numberOfSites: 1}
      sites: [erp-supermarket-prod]
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"


def main():
    az = AzureModule(dict(resource_group=dict(type="str"), name=dict(type="str"), include_sites=dict(type="bool", default=False)),
                     required_by={"name": "resource_group"})
    p = az.params

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        if p["name"]:
            one = az.arm.get("%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms/%s" % (sub, p["resource_group"], p["name"]), API_VERSION)
            plans = [one] if one else []
        elif p["resource_group"]:
            plans = az.arm.list("%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms" % (sub, p["resource_group"]), API_VERSION)
        else:
            plans = az.arm.list("%s/providers/Microsoft.Web/serverfarms" % sub, API_VERSION)
        if p["include_sites"]:
            for plan in plans:
                plan["sites"] = [s.get("name") for s in az.arm.list(plan["id"] + "/sites", API_VERSION)]
        return dict(changed=False, app_service_plans=plans)

    az.run(run)


if __name__ == "__main__":
    main()
