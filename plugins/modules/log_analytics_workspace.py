#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: log_analytics_workspace
short_description: Create, update or delete an Azure Log Analytics workspace
version_added: 0.1.0
description:
  - Creates a Log Analytics workspace (C(Microsoft.OperationalInsights/workspaces)), the store that workspace-based
    Application Insights and diagnostic settings write to, keeps its pricing tier, retention, daily cap and tags
    as asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - Deleting a workspace is a B(soft delete) by default; Azure keeps it recoverable for 14 days, and re-creating a
    workspace with the same name in the same subscription, resource group and region during that window recovers it
    (same workspace ID and keys). The name stays reserved in the meantime. Use O(force=true) to delete it permanently.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the workspace (4-63 letters, digits and hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  resource_group:
    description: Resource group of the workspace.
    type: str
    required: true
  location:
    description:
      - Azure region, in any spelling Azure accepts (C(westeurope), C(West Europe)).
      - Required to create the workspace; a workspace cannot move to another region.
    type: str
  sku:
    description:
      - Pricing tier. V(PerGB2018) (pay as you go) is used when creating a workspace without it.
      - V(CapacityReservation) needs O(capacity_reservation_level).
    type: str
    choices: [PerGB2018, CapacityReservation]
  capacity_reservation_level:
    description: Daily commitment in GB with O(sku=CapacityReservation).
    type: int
    choices: [100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000]
  retention_in_days:
    description: Days the data is kept for interactive queries, 30 to 730. Azure uses 30 when it is not set at creation.
    type: int
  daily_quota_gb:
    description: Daily ingestion cap in GB; V(-1) removes the cap.
    type: float
  tags:
    description: Tags of the workspace.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the workspace should exist.
    type: str
    default: present
    choices: [present, absent]
  force:
    description:
      - With O(state=absent), delete the workspace permanently instead of soft-deleting it. A permanently deleted
        workspace and its data cannot be recovered, and the name is free again at once.
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
- name: Create the ERP log workspace
  erpops.azure.log_analytics_workspace:
    name: erp-supermarket-prod-logs
    resource_group: erp-supermarket-production-rg
    location: West Europe
    retention_in_days: 30
    daily_quota_gb: 5
    tags:
      application: erp

- name: Delete a test workspace permanently
  erpops.azure.log_analytics_workspace:
    name: erp-test-logs
    resource_group: erp-test-rg
    state: absent
    force: true
"""

RETURN = r"""
workspace:
  description: The workspace as Azure returns it; empty when it was deleted. C(properties.customerId) is the workspace ID agents use.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/microsoft.operationalinsights/workspaces/erp-supermarket-prod-logs"
    name: erp-supermarket-prod-logs
    location: westeurope
    tags: {application: erp}
    properties:
      customerId: 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d
      provisioningState: Succeeded
      retentionInDays: 30
      sku: {name: PerGB2018}
      workspaceCapping: {dailyQuotaGb: 5.0}
operation:
  description: The pending creation, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a creation was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2025-07-01"
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
# Writable properties kept from the current workspace on an update (the PUT replaces the properties).
KEPT = ("publicNetworkAccessForIngestion", "publicNetworkAccessForQuery", "features", "forceCmkForQuery", "defaultDataCollectionRuleResourceId")


def workspace_path(subscription_id, resource_group, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s" % (subscription_id, resource_group, name)


def validate(az, p):
    name = p["name"]
    if not 4 <= len(name) <= 63 or not set(name) <= NAME_CHARS or name[0] == "-" or name[-1] == "-":
        az.fail("name %r is invalid: a workspace name has 4-63 letters, digits and hyphens, and starts and ends with a letter or digit" % name)
    if p["retention_in_days"] is not None and not 30 <= p["retention_in_days"] <= 730:
        az.fail("retention_in_days must be between 30 and 730, got %s" % p["retention_in_days"])
    if p["daily_quota_gb"] is not None and p["daily_quota_gb"] != -1 and p["daily_quota_gb"] <= 0:
        az.fail("daily_quota_gb must be -1 (no cap) or a positive number of GB, got %s" % p["daily_quota_gb"])
    if p["capacity_reservation_level"] is not None and p["sku"] != "CapacityReservation":
        az.fail("capacity_reservation_level needs sku=CapacityReservation")
    if p["sku"] == "CapacityReservation" and p["capacity_reservation_level"] is None:
        az.fail("sku=CapacityReservation needs capacity_reservation_level (one of 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000)")


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        sku=dict(type="str", choices=["PerGB2018", "CapacityReservation"]),
        capacity_reservation_level=dict(type="int", choices=[100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000]),
        retention_in_days=dict(type="int"),
        daily_quota_gb=dict(type="float"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
    ), wait=True)
    p = az.params
    validate(az, p)

    def run():
        ws = Resource(az, workspace_path(az.subscription_id, p["resource_group"], p["name"]), API_VERSION, ci_paths=("properties.sku.name",))
        current = ws.get()
        if p["state"] == "absent":
            params = {"force": "true"} if p["force"] else None
            changed, _doc, diff, op = ws.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"], params=params)
            return dict(changed=changed, workspace={}, diff=diff, **({"operation": op} if op else {}))
        if current is None and not p["location"]:
            az.fail("location is required to create workspace %s" % p["name"])
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("workspace %s is in %s; a workspace cannot move to %s" % (p["name"], current["location"], p["location"]))
        cur_props = (current or {}).get("properties") or {}
        sku = None
        if p["sku"]:
            sku = {"name": p["sku"]}
            if p["capacity_reservation_level"] is not None:
                sku["capacityReservationLevel"] = p["capacity_reservation_level"]
        desired = {
            "location": p["location"],
            "tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"]),
            "properties": {"sku": sku, "retentionInDays": p["retention_in_days"],
                           "workspaceCapping": {"dailyQuotaGb": p["daily_quota_gb"]} if p["daily_quota_gb"] is not None else None},
        }
        # The PUT is the whole workspace: the current writable values, overlaid with what the user set.
        cur_sku = cur_props.get("sku") or {}
        props = {"sku": sku or dict((k, v) for k, v in cur_sku.items() if k != "lastSkuUpdate") or {"name": "PerGB2018"}}
        if p["retention_in_days"] is not None or cur_props.get("retentionInDays") is not None:
            props["retentionInDays"] = p["retention_in_days"] if p["retention_in_days"] is not None else cur_props["retentionInDays"]
        quota = p["daily_quota_gb"] if p["daily_quota_gb"] is not None else (cur_props.get("workspaceCapping") or {}).get("dailyQuotaGb")
        if quota is not None:
            props["workspaceCapping"] = {"dailyQuotaGb": quota}
        props.update(dict((k, cur_props[k]) for k in KEPT if cur_props.get(k) is not None))
        body = {"location": p["location"] or current["location"], "properties": props,
                "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, op = ws.ensure_present(desired, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        doc, diff = planned(az, ws.path, changed, doc, diff)
        return dict(changed=changed, workspace=doc, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
