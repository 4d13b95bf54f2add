#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: resource_group
short_description: Create, update or delete an Azure resource group
version_added: 0.1.0
description:
  - Creates a resource group, keeps its tags as asked, or deletes it with everything it holds.
  - Only the options you set are compared, so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the resource group (1-90 letters, digits, C(-), C(_), C(.), C(()), C())), not ending with a period.
    type: str
    required: true
  location:
    description:
      - Azure region, in any spelling Azure accepts (C(westeurope), C(West Europe)).
      - Required to create the group; a group cannot move to another region.
    type: str
  tags:
    description: Tags of the group.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the group should exist.
    type: str
    default: present
    choices: [present, absent]
  force_delete_nonempty:
    description:
      - Deleting a group deletes every resource in it. The module refuses to delete a group that still holds
        resources unless this is V(true).
    type: bool
    default: false
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Create the ERP resource group
  erpops.azure.resource_group:
    name: erp-supermarket-production-rg
    location: westeurope
    tags:
      application: erp

- name: Delete a test resource group and everything in it
  erpops.azure.resource_group:
    name: erp-test-rg
    state: absent
    force_delete_nonempty: true
"""

RETURN = r"""
resource_group:
  description: The group as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
    name: erp-supermarket-production-rg
    location: westeurope
    tags: {application: erp}
    properties: {provisioningState: Succeeded}
operation:
  description: The pending deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a deletion was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2024-11-01"


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        location=dict(type="str"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force_delete_nonempty=dict(type="bool", default=False),
    ), wait=True)
    p = az.params

    def run():
        rg = Resource(az, "/subscriptions/%s/resourcegroups/%s" % (az.subscription_id, p["name"]), API_VERSION)
        current = rg.get()
        if p["state"] == "absent":
            if current is not None and not p["force_delete_nonempty"]:
                inside = az.arm.list("/subscriptions/%s/resourcegroups/%s/resources" % (az.subscription_id, p["name"]), API_VERSION,
                                     params={"$top": "1"})
                if inside:
                    az.fail("resource group %s still holds resources (%s, ...); set force_delete_nonempty=true to delete them with it"
                            % (p["name"], inside[0].get("id")))
            changed, doc, diff, op = rg.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, resource_group={}, diff=diff, **({"operation": op} if op else {}))
        if current is None and not p["location"]:
            az.fail("location is required to create resource group %s" % p["name"])
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("resource group %s is in %s; a group cannot move to %s" % (p["name"], current["location"], p["location"]))
        desired = {"location": p["location"] or (current or {}).get("location"),
                   "tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])}
        # Resource groups are PUT whole (location and tags): the body is exactly what the group should be.
        body = {"location": desired["location"], "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = rg.ensure_present(desired, body=body)
        doc, diff = planned(az, "/subscriptions/%s/resourceGroups/%s" % (az.subscription_id, p["name"]), changed, doc, diff)
        return dict(changed=changed, resource_group=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
