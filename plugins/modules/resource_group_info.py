#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: resource_group_info
short_description: Read Azure resource groups
version_added: 0.1.0
description:
  - Returns one resource group by name, or every group of the subscription, optionally filtered by a tag.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of one group. Without it, every group is listed.
    type: str
  tags:
    description: Only groups carrying all these tags (C(key) or C(key:value) strings).
    type: list
    elements: str
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
- name: Read the ERP resource group
  erpops.azure.resource_group_info:
    name: erp-supermarket-production-rg
  register: rg

- name: List the groups tagged application=erp
  erpops.azure.resource_group_info:
    tags: ["application:erp"]
"""

RETURN = r"""
resource_groups:
  description: The groups found, as Azure returns them (empty when O(name) does not exist).
  returned: always
  type: list
  elements: dict
  sample:
    - id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
      name: erp-supermarket-production-rg
      location: westeurope
      tags: {application: erp}
      properties: {provisioningState: Succeeded}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"


def _has_tags(group, wanted):
    tags = group.get("tags") or {}
    for item in wanted or []:
        key, sep, value = item.partition(":")
        if key not in tags or (sep and tags[key] != value):
            return False
    return True


def main():
    az = AzureModule(dict(name=dict(type="str"), tags=dict(type="list", elements="str")))
    p = az.params

    def run():
        base = "/subscriptions/%s/resourcegroups" % az.subscription_id
        if p["name"]:
            one = az.arm.get("%s/%s" % (base, p["name"]), API_VERSION)
            groups = [one] if one else []
        else:
            groups = az.arm.list(base, API_VERSION)
        return dict(changed=False, resource_groups=[g for g in groups if _has_tags(g, p["tags"])])

    az.run(run)


if __name__ == "__main__":
    main()
