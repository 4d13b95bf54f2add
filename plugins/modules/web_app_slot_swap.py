#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_slot_swap
short_description: Swap a deployment slot of an Azure web app with production or another slot, with an optional preview
version_added: 0.1.0
description:
  - V(swap) swaps O(slot) with O(target_slot) (C(slotsswap)); the content and the settings that are not slot settings change places.
  - V(preview) applies the target's slot settings to O(slot) and lets it warm up (C(applySlotConfig)), the first phase of a swap
    with preview; complete it with V(swap) or cancel it with V(reset) (C(resetSlotConfig)).
  - V(swap_back) swaps the two again, the rollback after a bad release; it is the same request as V(swap).
  - A swap is an action, not a state, so V(swap) and V(swap_back) always report a change. V(preview) and V(reset) report one
    only when the slot is not already in the asked phase (C(targetSwapSlot)).
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  web_app:
    description: Name of the production web app.
    type: str
    required: true
  slot:
    description: The source slot (C(staging)).
    type: str
    required: true
  target_slot:
    description: The slot to swap with (C(targetSlot)); V(production) is the app itself.
    type: str
    default: production
  action:
    description: What to do; see the description.
    type: str
    default: swap
    choices: [swap, preview, reset, swap_back]
  preserve_vnet:
    description: Keep each app's virtual network integration where it is during the swap (C(preserveVnet)).
    type: bool
    default: true
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Release staging to production
  erpops.azure.web_app_slot_swap:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging

- name: Warm staging up with production's settings first
  erpops.azure.web_app_slot_swap:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    action: preview

- name: Roll the release back
  erpops.azure.web_app_slot_swap:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    action: swap_back
"""

RETURN = r"""
swap:
  description: What was done.
  returned: always
  type: dict
  sample: {action: swap, slot: staging, target_slot: production, target_swap_slot: null}
operation:
  description: The running swap, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a swap was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        slot=dict(type="str", required=True),
        target_slot=dict(type="str", default="production"),
        action=dict(type="str", default="swap", choices=["swap", "preview", "reset", "swap_back"]),
        preserve_vnet=dict(type="bool", default=True),
    ), wait=True)
    p = az.params

    def run():
        if p["slot"].lower() == p["target_slot"].lower():
            az.fail("slot and target_slot are both %s; a slot swaps with another slot or with production" % p["slot"])
        site = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (az.subscription_id, p["resource_group"], p["web_app"])
        source = site + "/slots/%s" % p["slot"]
        target = site if p["target_slot"].lower() == "production" else site + "/slots/%s" % p["target_slot"]
        docs = {}
        for label, path in (("slot", source), ("target_slot", target)):
            docs[label] = az.arm.get(path, API_VERSION)
            if docs[label] is None:
                az.parent_missing("%s %s of web app %s not found in resource group %s" % (label, p[label], p["web_app"], p["resource_group"]))
                # Check mode: the app and its slot are only planned (erpops.azure.web_app and web_app_slot predict them),
                # with no swap in progress: the swap is predicted on them.
                docs[label] = {"id": path, "properties": {}}
        phase = (docs["slot"].get("properties") or {}).get("targetSwapSlot")
        out = dict(action=p["action"], slot=p["slot"], target_slot=p["target_slot"], target_swap_slot=phase)
        entity = {"targetSlot": p["target_slot"], "preserveVnet": p["preserve_vnet"]}
        if p["action"] == "reset":
            if not phase:
                return dict(changed=False, swap=out)
            if not az.check_mode:
                az.arm.request("POST", source + "/resetSlotConfig", API_VERSION, expect=(200, 204))
            return dict(changed=True, swap=dict(out, target_swap_slot=None))
        if p["action"] == "preview":
            if phase and phase.lower() == p["target_slot"].lower():
                return dict(changed=False, swap=out)
            if not az.check_mode:
                az.arm.request("POST", source + "/applySlotConfig", API_VERSION, body=entity, expect=(200, 204))
            return dict(changed=True, swap=dict(out, target_swap_slot=p["target_slot"]))
        if az.check_mode:
            return dict(changed=True, swap=dict(out, target_swap_slot=None))
        # The service answers 202 + Location (.../operationresults/{id}); ArmClient follows it to its final 200.
        op = az.arm.start("POST", source + "/slotsswap", API_VERSION, body=entity)
        if not p["wait"] and not op.get("done"):
            return dict(changed=True, swap=out, operation=op)
        az.arm.wait(op, p["wait_timeout"])
        return dict(changed=True, swap=dict(out, target_swap_slot=None))

    az.run(run)


if __name__ == "__main__":
    main()
