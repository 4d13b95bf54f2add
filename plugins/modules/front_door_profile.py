#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: front_door_profile
short_description: Create, update or delete an Azure Front Door Standard or Premium profile
version_added: 0.1.0
description:
  - Creates an Azure Front Door profile (C(Microsoft.Cdn/profiles) with a C(*_AzureFrontDoor) SKU, API 2024-09-01), the global
    container of Front Door endpoints, origin groups, origins and routes; keeps its origin timeout and tags as asked, or deletes it
    with everything it holds.
  - Azure CDN Standard from Microsoft (classic), Akamai and Edgio (Verizon) are retired or no longer accept new profiles; Azure Front Door
    Standard replaces them, so only the two Front Door SKUs are offered.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - A profile is a global resource; it has no region.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the profile (1-260 letters, digits and hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  resource_group:
    description: Resource group of the profile.
    type: str
    required: true
  sku:
    description:
      - V(Standard_AzureFrontDoor) (content delivery, managed TLS, basic rules) or V(Premium_AzureFrontDoor) (adds managed WAF rules and
        Private Link origins). V(Standard_AzureFrontDoor) when the profile is created without it.
      - The SKU of an existing profile is not changed by this module (Standard to Premium is a separate upgrade, Premium to Standard is
        impossible); a different value fails before any write.
    type: str
    choices: [Standard_AzureFrontDoor, Premium_AzureFrontDoor]
  origin_response_timeout_seconds:
    description: Seconds Front Door waits for an origin's answer before failing the request, 16 to 240. Azure uses 60 when unset.
    type: int
  tags:
    description: Tags of the profile.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the profile should exist. Deleting it deletes its endpoints, origin groups, origins and routes.
    type: str
    default: present
    choices: [present, absent]
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
- name: Create the ERP's Front Door profile
  erpops.azure.front_door_profile:
    name: erp-supermarket-fd
    resource_group: erp-supermarket-production-rg
    sku: Standard_AzureFrontDoor
    origin_response_timeout_seconds: 120
    tags:
      application: erp-supermarket

- name: Delete a test profile and everything in it
  erpops.azure.front_door_profile:
    name: erp-test-fd
    resource_group: erp-test-rg
    state: absent
"""

RETURN = r"""
front_door_profile:
  description: The profile as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd"
    name: erp-supermarket-fd
    type: Microsoft.Cdn/profiles
    location: Global
    kind: frontdoor
    sku: {name: Standard_AzureFrontDoor}
    tags: {application: erp-supermarket}
    properties:
      provisioningState: Succeeded
      resourceState: Active
      frontDoorId: 2b8f6f4e-4c1d-4f4e-9a57-1f0c8e5b9d21
      originResponseTimeoutSeconds: 120
front_door_id:
  description: The profile's Front Door ID, sent to origins in the C(X-Azure-FDID) header (to accept traffic from this profile only).
  returned: when the profile exists (not predicted in check mode)
  type: str
  sample: 2b8f6f4e-4c1d-4f4e-9a57-1f0c8e5b9d21
operation:
  description: The pending creation or deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
  sample:
    method: PUT
    resource_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd?api-version=2024-09-01"
    status_code: 201
    async_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/operationresults/6a1f7f52-0c4e-4a8e-9d58-1b2f3c4d5e6f?api-version=2024-09-01"
    location_url: null
    retry_after: 5
    done: false
"""

from ansible_collections.erpops.azure.plugins.module_utils import frontdoor, reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        sku=dict(type="str", choices=["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]),
        origin_response_timeout_seconds=dict(type="int"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    frontdoor.check_name(az, "profile", 260)
    timeout = p["origin_response_timeout_seconds"]
    if timeout is not None and not 16 <= timeout <= 240:
        az.fail("origin_response_timeout_seconds must be between 16 and 240, not %d" % timeout)

    def build(current):
        cur_sku = ((current or {}).get("sku") or {}).get("name")
        if current is not None and cur_sku and cur_sku.lower() not in ("standard_azurefrontdoor", "premium_azurefrontdoor"):
            az.fail("profile %s is a %s CDN profile, not Azure Front Door Standard/Premium; this module manages Front Door profiles only"
                    % (p["name"], cur_sku))
        if current is not None and p["sku"] and cur_sku and p["sku"].lower() != cur_sku.lower():
            az.fail("profile %s is %s; this module does not change a profile's SKU (Standard to Premium is a separate upgrade, "
                    "Premium to Standard is impossible)" % (p["name"], cur_sku))
        tags = reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])
        props = {"originResponseTimeoutSeconds": timeout} if timeout is not None else {}
        desired = {"sku": {"name": p["sku"]} if p["sku"] else None, "tags": tags, "properties": props}
        if current is None:
            return desired, {"location": "Global", "sku": {"name": p["sku"] or "Standard_AzureFrontDoor"}, "tags": tags or {}, "properties": props}
        # PATCH (ProfileUpdateParameters): tags and the properties set.
        return desired, dict((k, v) for k, v in (("tags", tags), ("properties", props or None)) if v is not None)

    def run():
        profile = frontdoor.resource(az, frontdoor.profile_path(az, p["name"]), update_method="PATCH", ci_paths=("sku.name",))
        result = frontdoor.converge(az, profile, "front_door_profile", build)
        front_door_id = ((result["front_door_profile"] or {}).get("properties") or {}).get("frontDoorId")
        if front_door_id:
            result["front_door_id"] = front_door_id
        return result

    az.run(run)


if __name__ == "__main__":
    main()
