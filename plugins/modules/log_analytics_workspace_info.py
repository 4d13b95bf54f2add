#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: log_analytics_workspace_info
short_description: Read Azure Log Analytics workspaces
version_added: 0.1.0
description:
  - Returns one workspace by name, the workspaces of a resource group, or every workspace of the subscription.
  - With O(show_deleted=true), also lists the soft-deleted workspaces that can still be recovered by re-creating them.
  - The shared keys are never read or returned.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of one workspace; needs O(resource_group).
    type: str
  resource_group:
    description: Resource group to list; without it, the whole subscription is listed.
    type: str
  show_deleted:
    description: Also return the soft-deleted workspaces of the same scope in RV(deleted_workspaces).
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
- name: Read the ERP log workspace
  erpops.azure.log_analytics_workspace_info:
    name: erp-supermarket-prod-logs
    resource_group: erp-supermarket-production-rg
  register: logs

- name: List the workspaces of the group, including the recoverable ones
  erpops.azure.log_analytics_workspace_info:
    resource_group: erp-supermarket-production-rg
    show_deleted: true
"""

RETURN = r"""
workspaces:
  description: The workspaces found, as Azure returns them (empty when O(name) does not exist).
  returned: always
  type: list
  elements: dict
  sample:
    - name: erp-supermarket-prod-logs
      location: westeurope
      properties: {customerId: 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d, retentionInDays: 30, sku: {name: PerGB2018}}
deleted_workspaces:
  description: Soft-deleted workspaces of the same scope (filtered by O(name) when set).
  returned: when O(show_deleted=true)
  type: list
  elements: dict
  sample:
    - name: erp-old-logs
      location: westeurope
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-07-01"


def main():
    az = AzureModule(dict(name=dict(type="str"), resource_group=dict(type="str"), show_deleted=dict(type="bool", default=False)),
                     required_by={"name": "resource_group"})
    p = az.params

    def run():
        base = "/subscriptions/%s" % az.subscription_id
        if p["resource_group"]:
            base += "/resourceGroups/%s" % p["resource_group"]
        if p["name"]:
            one = az.arm.get("%s/providers/Microsoft.OperationalInsights/workspaces/%s" % (base, p["name"]), API_VERSION)
            found = [one] if one else []
        else:
            found = az.arm.list(base + "/providers/Microsoft.OperationalInsights/workspaces", API_VERSION)
        out = dict(changed=False, workspaces=found)
        if p["show_deleted"]:
            gone = az.arm.list(base + "/providers/Microsoft.OperationalInsights/deletedWorkspaces", API_VERSION)
            out["deleted_workspaces"] = [w for w in gone if not p["name"] or w.get("name", "").lower() == p["name"].lower()]
        return out

    az.run(run)


if __name__ == "__main__":
    main()
