#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_account
short_description: Create, update or delete an Azure storage account
version_added: 0.1.0
description:
  - Creates a storage account (a long operation), keeps its settings and tags as asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - The account keys are never read nor returned; use the account's endpoints and Microsoft Entra ID, or a short SAS.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the account.
    type: str
    required: true
  name:
    description: Name of the account, globally unique in Azure (3-24 lowercase letters and digits).
    type: str
    required: true
  location:
    description: Azure region. Required to create the account; an account cannot move.
    type: str
  kind:
    description:
      - Kind of account; V(StorageV2) when the account is created without it. Only C(Storage) can be upgraded to C(StorageV2) later.
    type: str
    choices: [StorageV2, Storage, BlobStorage, BlockBlobStorage, FileStorage]
  sku:
    description:
      - Replication and performance tier; V(Standard_LRS) when the account is created without it.
      - Standard and Premium cannot be converted into each other.
    type: str
    choices: [Standard_LRS, Standard_GRS, Standard_RAGRS, Standard_ZRS, Standard_GZRS, Standard_RAGZRS, Premium_LRS, Premium_ZRS]
  access_tier:
    description: Default access tier of blobs.
    type: str
    choices: [Hot, Cool, Cold]
  minimum_tls_version:
    description: Lowest TLS version the account accepts.
    type: str
    choices: [TLS1_2, TLS1_3]
  allow_blob_public_access:
    description: Whether containers may allow anonymous read access.
    type: bool
  supports_https_traffic_only:
    description: Refuse plain HTTP requests.
    type: bool
  allow_shared_key_access:
    description: Whether requests may be authorised with the account keys (and SAS signed with them).
    type: bool
  network_acls:
    description: Network rules. When set, they replace the current rules.
    type: dict
    suboptions:
      default_action:
        description: What happens to a request no rule matches.
        type: str
        choices: [Allow, Deny]
        required: true
      bypass:
        description: Traffic that bypasses the rules (comma-separated C(AzureServices), C(Logging), C(Metrics), or C(None)).
        type: str
        default: AzureServices
      ip_rules:
        description: Public addresses or CIDR ranges allowed through.
        type: list
        elements: str
        default: []
  tags:
    description: Tags of the account.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the account should exist. Deleting an account deletes all its data.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Returns details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Create the storage account for the ERP backups and media
  erpops.azure.storage_account:
    resource_group: erp-supermarket-production-rg
    name: erpsupermarketprodst
    location: West Europe
    access_tier: Hot
    minimum_tls_version: TLS1_2
    allow_blob_public_access: false
    supports_https_traffic_only: true
    network_acls:
      default_action: Deny
      ip_rules: [203.0.113.10]
    tags:
      application: erp

- name: Delete the account
  erpops.azure.storage_account:
    resource_group: erp-supermarket-production-rg
    name: erpsupermarketprodst
    state: absent
"""

RETURN = r"""
storage_account:
  description: The account as Azure returns it (never its keys); empty when deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/.../providers/Microsoft.Storage/storageAccounts/erpsupermarketprodst"
    name: erpsupermarketprodst
    kind: StorageV2
    sku: {name: Standard_LRS, tier: Standard}
    location: westeurope
    properties:
      accessTier: Hot
      minimumTlsVersion: TLS1_2
      primaryEndpoints: {blob: "https://erpsupermarketprodst.blob.core.windows.net/"}
primary_endpoints:
  description: The account's primary endpoints by service.
  returned: when the account exists
  type: dict
  sample: {blob: "https://erpsupermarketprodst.blob.core.windows.net/", file: "https://erpsupermarketprodst.file.core.windows.net/"}
operation:
  description: The pending creation, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a creation was started and not awaited
  type: dict
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource

API_VERSION = "2025-06-01"
SKUS = ["Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"]
# Learn "Storage account name": 3-24 characters, numbers and lowercase letters only; unique across Azure.
NAME_RE = re.compile(r"^[a-z0-9]{3,24}$")


def acls_wanted(acls):
    if acls is None:
        return None
    return {"defaultAction": acls["default_action"], "bypass": acls["bypass"],
            "ipRules": [{"value": ip, "action": "Allow"} for ip in acls["ip_rules"]]}


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        kind=dict(type="str", choices=["StorageV2", "Storage", "BlobStorage", "BlockBlobStorage", "FileStorage"]),
        sku=dict(type="str", choices=SKUS),
        access_tier=dict(type="str", choices=["Hot", "Cool", "Cold"]),
        minimum_tls_version=dict(type="str", choices=["TLS1_2", "TLS1_3"]),
        allow_blob_public_access=dict(type="bool"),
        supports_https_traffic_only=dict(type="bool"),
        allow_shared_key_access=dict(type="bool"),
        network_acls=dict(type="dict", options=dict(
            default_action=dict(type="str", required=True, choices=["Allow", "Deny"]),
            bypass=dict(type="str", default="AzureServices", no_log=False),
            ip_rules=dict(type="list", elements="str", default=[]),
        )),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid storage account name: use 3-24 lowercase letters and digits only" % p["name"])

    def run():
        acct = Resource(az, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s"
                        % (az.subscription_id, p["resource_group"], p["name"]), API_VERSION, update_method="PATCH",
                        ci_paths=("kind", "sku.name", "properties.accessTier", "properties.minimumTlsVersion",
                                  "properties.networkAcls.defaultAction", "properties.networkAcls.bypass"),
                        unordered=("properties.networkAcls.ipRules",))
        current = acct.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = acct.ensure_absent(wait=True)
            return dict(changed=changed, storage_account={}, diff=diff)
        if current is None and not p["location"]:
            az.fail("location is required to create storage account %s" % p["name"])
        kind, sku = p["kind"], p["sku"]
        if current is None:
            kind, sku = kind or "StorageV2", sku or "Standard_LRS"
        else:
            if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
                az.fail("storage account %s is in %s; an account cannot move to %s" % (p["name"], current["location"], p["location"]))
            if kind and current.get("kind") != kind and not (current.get("kind") == "Storage" and kind == "StorageV2"):
                az.fail("storage account %s is of kind %s; only Storage can be upgraded to StorageV2, not to %s" % (p["name"], current.get("kind"), kind))
            if sku and (current.get("sku") or {}).get("name", "")[:3] != sku[:3]:
                az.fail("storage account %s is %s; Standard and Premium cannot be converted (sku %s)" % (p["name"], current["sku"]["name"], sku))
        props = {"accessTier": p["access_tier"], "minimumTlsVersion": p["minimum_tls_version"], "allowBlobPublicAccess": p["allow_blob_public_access"],
                 "supportsHttpsTrafficOnly": p["supports_https_traffic_only"], "allowSharedKeyAccess": p["allow_shared_key_access"],
                 "networkAcls": acls_wanted(p["network_acls"])}
        desired = {"kind": kind, "sku": {"name": sku} if sku else None,
                   "tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"]),
                   "properties": dict((k, v) for k, v in props.items() if v is not None)}
        if current is None:
            body = dict(desired, location=p["location"], tags=desired["tags"] or {})
        else:
            # StorageAccountUpdateParameters (PATCH): only what differs from nothing; location is not part of it.
            body = dict((k, v) for k, v in desired.items() if v is not None)
        changed, doc, diff, op = acct.ensure_present(desired, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        out = dict(changed=changed, storage_account=doc, diff=diff)
        out["primary_endpoints"] = ((doc or {}).get("properties") or {}).get("primaryEndpoints") or {}
        if op:
            out["operation"] = op
        return out

    az.run(run)


if __name__ == "__main__":
    main()
