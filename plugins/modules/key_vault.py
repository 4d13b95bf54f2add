#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: key_vault
short_description: Create, update or delete an Azure Key Vault
version_added: 0.1.0
description:
  - Creates a Key Vault in the subscription's tenant, keeps its settings and tags as asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - Deleting a vault is a soft delete; the vault and its secrets are kept for O(soft_delete_retention_in_days) days and its name stays
    taken. Purge it with C(az keyvault purge --name <vault>) (impossible while purge protection is on) to reuse the name at once.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
  name:
    description: Name of the vault, globally unique (3-24 letters, digits and single hyphens, starting with a letter, not ending with a hyphen).
    type: str
    required: true
  location:
    description: Azure region. Required to create the vault.
    type: str
  sku:
    description: Pricing tier; V(standard) when the vault is created without it.
    type: str
    choices: [standard, premium]
  enable_rbac_authorization:
    description:
      - Authorise data-plane access with Azure role assignments (V(true)) rather than access policies.
      - V(true) when the vault is created without it; an existing vault keeps its mode unless this is set.
    type: bool
  soft_delete_retention_in_days:
    description:
      - Days a deleted vault and deleted secrets are kept (7-90). Azure uses 90 when unset.
      - Can only be chosen when the vault is created; the module refuses to change it.
    type: int
  enable_purge_protection:
    description:
      - Forbid purging deleted vaults and secrets before the retention ends.
      - Once enabled it cannot be disabled; the module refuses V(false) on a protected vault before any write.
    type: bool
  public_network_access:
    description: Whether the vault accepts requests from public networks.
    type: str
    choices: [Enabled, Disabled]
  tags:
    description: Tags of the vault.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the vault should exist. V(absent) soft-deletes it.
    type: str
    default: present
    choices: [present, absent]
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
- name: Create the vault holding the ERP secrets
  erpops.azure.key_vault:
    resource_group: erp-supermarket-production-rg
    name: erp-supermarket-prod-kv
    location: West Europe
    soft_delete_retention_in_days: 90
    enable_purge_protection: true
    tags:
      application: erp
"""

RETURN = r"""
key_vault:
  description: The vault as Azure returns it; empty when deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/.../providers/Microsoft.KeyVault/vaults/erp-supermarket-prod-kv"
    name: erp-supermarket-prod-kv
    location: westeurope
    properties:
      vaultUri: "https://erp-supermarket-prod-kv.vault.azure.net/"
      enableRbacAuthorization: true
      softDeleteRetentionInDays: 90
      enablePurgeProtection: true
vault_uri:
  description: The vault's data-plane address.
  returned: when the vault exists
  type: str
  sample: "https://erp-supermarket-prod-kv.vault.azure.net/"
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource

API_VERSION = "2024-11-01"
SUBSCRIPTION_API_VERSION = "2022-12-01"
# Learn "Resource naming rules" (Microsoft.KeyVault/vaults).
NAME_RE = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        sku=dict(type="str", choices=["standard", "premium"]),
        enable_rbac_authorization=dict(type="bool"),
        soft_delete_retention_in_days=dict(type="int"),
        enable_purge_protection=dict(type="bool"),
        public_network_access=dict(type="str", choices=["Enabled", "Disabled"]),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid vault name: use 3-24 letters, digits and single hyphens, starting with a letter and ending with a "
                "letter or digit" % p["name"])
    days = p["soft_delete_retention_in_days"]
    if days is not None and not 7 <= days <= 90:
        az.fail("soft_delete_retention_in_days must be between 7 and 90, not %d" % days)

    def run():
        vault = Resource(az, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.KeyVault/vaults/%s"
                         % (az.subscription_id, p["resource_group"], p["name"]), API_VERSION, update_method="PATCH",
                         ci_paths=("properties.sku.name", "properties.publicNetworkAccess"))
        current = vault.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = vault.ensure_absent()
            return dict(changed=changed, key_vault={}, diff=diff)
        cur_props = (current or {}).get("properties") or {}
        if current is None and not p["location"]:
            az.fail("location is required to create key vault %s" % p["name"])
        if current is not None:
            if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
                az.fail("key vault %s is in %s; a vault cannot move to %s" % (p["name"], current["location"], p["location"]))
            if days is not None and days != cur_props.get("softDeleteRetentionInDays", 90):
                az.fail("soft_delete_retention_in_days of key vault %s is %s and cannot be changed after creation (asked: %d)"
                        % (p["name"], cur_props.get("softDeleteRetentionInDays", 90), days))
            if p["enable_purge_protection"] is False and cur_props.get("enablePurgeProtection"):
                az.fail("key vault %s has purge protection, which cannot be disabled; remove enable_purge_protection=false" % p["name"])
        sku, rbac = p["sku"], p["enable_rbac_authorization"]
        if current is None:
            sku, rbac = sku or "standard", True if rbac is None else rbac
        props = {"sku": {"family": "A", "name": sku} if sku else None, "enableRbacAuthorization": rbac,
                 "publicNetworkAccess": p["public_network_access"]}
        if p["enable_purge_protection"]:
            props["enablePurgeProtection"] = True
        if current is not None and days is not None:
            props["softDeleteRetentionInDays"] = days
        desired = {"tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"]), "properties": props}
        if current is None:
            sub = az.arm.get("/subscriptions/%s" % az.subscription_id, SUBSCRIPTION_API_VERSION) or {}
            body = {"location": p["location"], "tags": desired["tags"] or {},
                    "properties": dict((k, v) for k, v in dict(props, tenantId=sub.get("tenantId"), softDeleteRetentionInDays=days).items()
                                       if v is not None)}
        else:
            body = {"tags": desired["tags"], "properties": dict((k, v) for k, v in props.items() if v is not None)}
            body = dict((k, v) for k, v in body.items() if v is not None)
        changed, doc, diff, _op = vault.ensure_present(desired, body=body)
        if current is None and az.check_mode:
            # The prediction of a new vault: its id from the parameters, and the address Azure gives every vault.
            doc = dict(doc, id=vault.path, name=p["name"], type="Microsoft.KeyVault/vaults")
            doc["properties"] = dict(doc.get("properties") or {}, vaultUri="https://%s.vault.azure.net/" % p["name"].lower())
            diff["after"] = dict(diff["after"], id=vault.path)
        return dict(changed=changed, key_vault=doc, diff=diff, vault_uri=((doc or {}).get("properties") or {}).get("vaultUri"))

    az.run(run)


if __name__ == "__main__":
    main()
