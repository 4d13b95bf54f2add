#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_service_plan
short_description: Create, update or delete an Azure App Service plan
version_added: 0.1.0
description:
  - Creates an App Service plan (C(Microsoft.Web/serverfarms)), keeps its SKU, tags and scaling options as asked, or deletes it.
  - The worker count (O(capacity)) is only sent when you set it. When you do not, an update sends the plan's current count back
    unchanged, so the module never undoes what autoscale (M(erpops.azure.autoscale)) did.
  - Only the options you set are compared, so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the plan.
    type: str
    required: true
  name:
    description: Name of the plan (1-60 letters, digits and hyphens).
    type: str
    required: true
  location:
    description:
      - Azure region, in any spelling Azure accepts (C(westeurope), C(West Europe)).
      - Required to create the plan; a plan cannot move to another region.
    type: str
  sku:
    description:
      - Pricing tier and size (C(sku.name)), for example V(B1), V(S1), V(P1v3); case does not matter.
      - Azure derives the tier, size and family from it. Required to create the plan.
      - Autoscale needs V(S1) or above; Basic plans scale to at most 3 workers by hand.
    type: str
  capacity:
    description:
      - Number of workers (C(sku.capacity)), between 1 and the tier's maximum (Basic 3, Standard 10, Premium 20, PremiumV2/V3 30, IsolatedV2 100).
      - Leave it unset when autoscale manages the plan; a create then starts with O(initial_capacity) workers, or 1.
    type: int
  initial_capacity:
    description:
      - Number of workers of a plan the module creates (C(sku.capacity)); an existing plan keeps its worker count, whatever
        it is, as when O(capacity) is unset. For a plan autoscale (M(erpops.azure.autoscale)) manages, whose count only
        the autoscale engine changes after the creation.
      - Checked against the tier's maximum like O(capacity). Mutually exclusive with O(capacity).
    type: int
  reserved:
    description:
      - V(true) for a Linux plan (C(kind=linux), C(reserved=true)), V(false) for Windows. The operating system cannot change after creation.
      - A new plan is Windows when unset, as in Azure.
    type: bool
    aliases: [is_linux]
  per_site_scaling:
    description: Whether each app of the plan can scale independently of the plan (C(perSiteScaling)).
    type: bool
  zone_redundant:
    description: Whether the plan spreads its workers over availability zones (C(zoneRedundant); Premium v2 and above, at least 3 workers).
    type: bool
  tags:
    description: Tags of the plan.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description:
      - Whether the plan should exist.
      - A plan that still hosts apps is not deleted; the module fails with Azure's message naming them.
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
- name: Create the ERP's Linux App Service plan
  erpops.azure.app_service_plan:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    location: West Europe
    sku: S1
    reserved: true
    tags:
      application: erp

- name: Scale the plan up to P1v3 without touching the worker count autoscale manages
  erpops.azure.app_service_plan:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    sku: P1v3

- name: Create the plan with two workers, then leave the count to autoscale (an existing plan keeps its count)
  erpops.azure.app_service_plan:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    location: West Europe
    sku: S1
    reserved: true
    initial_capacity: 2

- name: Run three workers by hand (no autoscale)
  erpops.azure.app_service_plan:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    capacity: 3

- name: Delete the plan once no app uses it
  erpops.azure.app_service_plan:
    resource_group: erp-supermarket-production-rg
    name: erp-production-plan
    state: absent
"""

RETURN = r"""
app_service_plan:
  description: The plan as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/serverfarms/erp-production-plan
    name: erp-production-plan
    type: Microsoft.Web/serverfarms
    kind: linux
    location: West Europe
    tags: {application: erp}
    sku: {name: S1, tier: Standard, size: S1, family: S, capacity: 2}
    properties:
      reserved: true
      numberOfWorkers: 2
      maximumNumberOfWorkers: 10
      numberOfSites: 1
      perSiteScaling: false
      zoneRedundant: false
      status: Ready
      provisioningState: Succeeded
operation:
  description: The pending creation or update, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource

API_VERSION = "2024-11-01"

# Microsoft Learn "App Service limits" and "App Service pricing": tier and family of each SKU name, and the
# most workers a plan of the tier can run.
TIERS = {"Free": 1, "Shared": 1, "Basic": 3, "Standard": 10, "Premium": 20, "PremiumV2": 30, "PremiumV3": 30, "PremiumMV3": 30,
         "PremiumV4": 30, "IsolatedV2": 100}
SKUS = {
    "F1": ("Free", "F"), "D1": ("Shared", "D"), "B1": ("Basic", "B"), "B2": ("Basic", "B"), "B3": ("Basic", "B"),
    "S1": ("Standard", "S"), "S2": ("Standard", "S"), "S3": ("Standard", "S"),
    "P1": ("Premium", "P"), "P2": ("Premium", "P"), "P3": ("Premium", "P"),
    "P1V2": ("PremiumV2", "Pv2"), "P2V2": ("PremiumV2", "Pv2"), "P3V2": ("PremiumV2", "Pv2"),
    "P0V3": ("PremiumV3", "Pv3"), "P1V3": ("PremiumV3", "Pv3"), "P2V3": ("PremiumV3", "Pv3"), "P3V3": ("PremiumV3", "Pv3"),
    "P1MV3": ("PremiumMV3", "Pmv3"), "P2MV3": ("PremiumMV3", "Pmv3"), "P3MV3": ("PremiumMV3", "Pmv3"),
    "P0V4": ("PremiumV4", "Pv4"), "P1V4": ("PremiumV4", "Pv4"), "P2V4": ("PremiumV4", "Pv4"), "P3V4": ("PremiumV4", "Pv4"),
    "I1V2": ("IsolatedV2", "Iv2"), "I2V2": ("IsolatedV2", "Iv2"), "I3V2": ("IsolatedV2", "Iv2"),
}
NAME_RE = re.compile(r"^[A-Za-z0-9-]{1,60}$")


def canonical_sku(name):
    """Azure's spelling of a SKU name: upper case, with a lower-case version suffix (P1v3, P1mv3, I1v2)."""
    m = re.match(r"^([A-Z]+\d)(M?V\d)$", name.upper())
    return m.group(1) + m.group(2).lower() if m else name.upper()


def sku_description(name, capacity):
    tier, family = SKUS[name.upper()]
    canon = canonical_sku(name)
    out = {"name": canon, "tier": tier, "size": canon, "family": family}
    if capacity is not None:
        out["capacity"] = capacity
    return out


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        sku=dict(type="str"),
        capacity=dict(type="int"),
        initial_capacity=dict(type="int"),
        reserved=dict(type="bool", aliases=["is_linux"]),
        per_site_scaling=dict(type="bool"),
        zone_redundant=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, mutually_exclusive=[("capacity", "initial_capacity")])
    p = az.params

    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid App Service plan name: use 1-60 letters, digits and hyphens" % p["name"])
    if p["sku"] is not None and p["sku"].upper() not in SKUS:
        az.fail("sku %r is not an App Service plan SKU; use one of %s" % (p["sku"], ", ".join(canonical_sku(s) for s in SKUS)))
    for opt in ("capacity", "initial_capacity"):
        if p[opt] is not None and p[opt] < 1:
            az.fail("%s must be at least 1 (got %d)" % (opt, p[opt]))

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms/%s" % (az.subscription_id, p["resource_group"], p["name"])
        plan = Resource(az, path, API_VERSION, ci_paths=("sku.name",))
        current = plan.get()
        if p["state"] == "absent":
            return absent(plan, current, path)
        return present(plan, current)

    def absent(plan, current, path):
        if current is not None:
            sites = az.arm.list(path + "/sites", API_VERSION)
            if sites:
                # Azure's own refusal (409, ExtendedCode 11003), said before any write.
                az.fail("Server farm '%s' cannot be deleted because it has web app(s) %s assigned to it."
                        % (current["name"], ",".join(s.get("name", "?") for s in sites)))
        changed, doc, diff, op = plan.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
        del doc
        return dict(changed=changed, app_service_plan={}, diff=diff, **({"operation": op} if op else {}))

    def present(plan, current):
        cur = current or {}
        cur_sku = cur.get("sku") or {}
        cur_props = cur.get("properties") or {}
        if current is None:
            if not p["location"]:
                az.fail("location is required to create App Service plan %s" % p["name"])
            if not p["sku"]:
                az.fail("sku is required to create App Service plan %s (for example S1, B1, P1v3)" % p["name"])
        else:
            if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
                az.fail("App Service plan %s is in %s; a plan cannot move to %s" % (p["name"], current["location"], p["location"]))
            if p["reserved"] is not None and bool(p["reserved"]) != bool(cur_props.get("reserved")):
                az.fail("App Service plan %s is a %s plan; the operating system cannot change (reserved=%s). Create a new plan instead"
                        % (p["name"], "Linux" if cur_props.get("reserved") else "Windows", p["reserved"]))
        sku_name = p["sku"] or cur_sku.get("name")
        if sku_name.upper() not in SKUS:
            az.fail("App Service plan %s has SKU %s, which this module does not manage; set sku explicitly" % (p["name"], sku_name))
        tier = SKUS[sku_name.upper()][0]
        limit = TIERS[tier]
        # initial_capacity counts only for a plan this run creates.
        opt = "capacity" if p["capacity"] is not None or current is not None else "initial_capacity"
        if p[opt] is not None and p[opt] > limit:
            az.fail("%s %d is more than the %d workers a %s (%s) plan can run; choose 1-%d or a larger SKU"
                    % (opt, p[opt], limit, tier, canonical_sku(sku_name), limit))
        # The worker count is never sent unless the user set it: an update sends the current one back, so
        # autoscale's scale-out stands (clamped to a smaller tier's maximum on a scale-down).
        capacity = p[opt]
        if capacity is None and current is not None and cur_sku.get("capacity") is not None:
            capacity = min(int(cur_sku["capacity"]), limit)
        tags = reconcile.tags_wanted(cur.get("tags"), p["tags"], p["purge_tags"])
        reserved = p["reserved"] if p["reserved"] is not None else (bool(cur_props.get("reserved")) if current is not None else None)

        compare = {
            "location": p["location"],
            "sku": {"name": canonical_sku(p["sku"]) if p["sku"] else None, "capacity": p["capacity"]},
            "properties": {"perSiteScaling": p["per_site_scaling"], "zoneRedundant": p["zone_redundant"], "reserved": p["reserved"]},
            "tags": tags,
        }
        props = {"reserved": bool(reserved)}
        for key, opt in (("perSiteScaling", "per_site_scaling"), ("zoneRedundant", "zone_redundant")):
            value = p[opt] if p[opt] is not None else cur_props.get(key)
            if value is not None:
                props[key] = bool(value)
        body = {
            "location": p["location"] or cur.get("location"),
            "kind": "linux" if reserved else "app",
            "sku": sku_description(sku_name, capacity),
            "tags": tags if tags is not None else cur.get("tags") or {},
            "properties": props,
        }
        changed, doc, diff, op = plan.ensure_present(compare, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        if changed and az.check_mode and current is None:
            doc = dict(doc, id=plan.path, name=p["name"], type="Microsoft.Web/serverfarms")
            diff["after"] = dict(diff["after"], id=plan.path)
        return dict(changed=changed, app_service_plan=doc, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
