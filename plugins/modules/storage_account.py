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
  allow_cross_tenant_replication:
    description:
      - Whether object replication policies may copy blobs to or from accounts of other Microsoft Entra tenants.
      - Azure takes V(false) for new accounts when it is not set, but older accounts may still have it on.
    type: bool
  default_to_oauth_authentication:
    description: Whether the Azure portal authorises data access with Microsoft Entra ID by default rather than with the account key.
    type: bool
  key_expiration_period_in_days:
    description:
      - Days after which Azure reports an account key as due for rotation (C(properties.keyPolicy)); 1 or more.
      - The policy only flags old keys, it does not rotate them (C(az storage account keys renew) does).
    type: int
  sas_expiration_period:
    description:
      - The longest validity a SAS signed on the account should have (C(properties.sasPolicy)), as C(DD.HH:MM:SS),
        for example V(1.00:00:00) for one day.
      - A SAS that exceeds it is logged (or refused, see O(sas_expiration_action)); user delegation SAS are bounded by 7 days anyway.
    type: str
  sas_expiration_action:
    description:
      - What Azure does with a SAS that exceeds O(sas_expiration_period) - V(Log) it for audit, or V(Block) it.
      - Sent only with O(sas_expiration_period).
    type: str
    choices: [Log, Block]
    default: Log
  blob_service:
    description:
      - Properties of the account's blob service (C(blobServices/default)), written with their own request once the account exists.
      - Only the suboptions you set are compared and sent; the other blob service properties are kept.
    type: dict
    suboptions:
      delete_retention_days:
        description: Days a deleted blob can be restored (blob soft delete, 1-365); V(0) turns soft delete off.
        type: int
      container_delete_retention_days:
        description: Days a deleted container can be restored (container soft delete, 1-365); V(0) turns it off.
        type: int
      is_versioning_enabled:
        description: Keep the previous version of a blob when it is overwritten or deleted.
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

- name: Turn on soft delete, versioning and the expiry policies, and keep the account keys out of use
  erpops.azure.storage_account:
    resource_group: erp-supermarket-production-rg
    name: erpsupermarketprodst
    allow_shared_key_access: false
    allow_cross_tenant_replication: false
    default_to_oauth_authentication: true
    key_expiration_period_in_days: 90
    sas_expiration_period: "1.00:00:00"
    blob_service:
      delete_retention_days: 7
      container_delete_retention_days: 7
      is_versioning_enabled: true

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
blob_service:
  description:
    - The account's blob service (C(blobServices/default)) as Azure returns it; predicted in check mode.
    - In the diff, the blob service's C(properties) appear under C(blob_service).
  returned: when O(blob_service) is set and the account exists or is created
  type: dict
  sample:
    id: "/subscriptions/.../storageAccounts/erpsupermarketprodst/blobServices/default"
    name: default
    properties:
      deleteRetentionPolicy: {enabled: true, days: 7, allowPermanentDelete: false}
      containerDeleteRetentionPolicy: {enabled: true, days: 7}
      isVersioningEnabled: true
operation:
  description: The pending creation, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a creation was started and not awaited
  type: dict
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import READ_ONLY_KEYS, AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2025-06-01"
SKUS = ["Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"]
# Learn "Storage account name": 3-24 characters, numbers and lowercase letters only; unique across Azure.
NAME_RE = re.compile(r"^[a-z0-9]{3,24}$")
# Swagger SasPolicy.sasExpirationPeriod: "The SAS expiration period, DD.HH:MM:SS".
SAS_PERIOD_RE = re.compile(r"^(\d+)\.(\d{1,2}):(\d{2}):(\d{2})$")
# Swagger DeleteRetentionPolicy.days: minimum 1, maximum 365.
RETENTION_MAX = 365


def acls_wanted(acls):
    if acls is None:
        return None
    return {"defaultAction": acls["default_action"], "bypass": acls["bypass"],
            "ipRules": [{"value": ip, "action": "Allow"} for ip in acls["ip_rules"]]}


def sas_seconds(period):
    """Seconds of a ``DD.HH:MM:SS`` period, or None when it is not one."""
    m = SAS_PERIOD_RE.match(period or "")
    if not m:
        return None
    d, h, mi, s = (int(x) for x in m.groups())
    if h > 23 or mi > 59 or s > 59:
        return None
    return ((d * 24 + h) * 60 + mi) * 60 + s


def sas_policy_wanted(period, action, current_policy):
    """``sasPolicy`` to send; the period is written as Azure holds it when it is the same length (``1.00:00:00`` == ``01.00:00:00``)."""
    if period is None:
        return None
    have = (current_policy or {}).get("sasExpirationPeriod")
    if have and sas_seconds(have) == sas_seconds(period):
        period = have
    return {"sasExpirationPeriod": period, "expirationAction": action}


def retention_wanted(days):
    if days is None:
        return None
    return {"enabled": True, "days": days} if days > 0 else {"enabled": False}


def blob_service_wanted(opts):
    """The blob service ``properties`` the user set, or None."""
    if opts is None:
        return None
    props = {"deleteRetentionPolicy": retention_wanted(opts["delete_retention_days"]),
             "containerDeleteRetentionPolicy": retention_wanted(opts["container_delete_retention_days"]),
             "isVersioningEnabled": opts["is_versioning_enabled"]}
    props = dict((k, v) for k, v in props.items() if v is not None)
    return props or None


def check_input(az, p):
    """Everything Azure would refuse, before any request."""
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid storage account name: use 3-24 lowercase letters and digits only" % p["name"])
    if p["key_expiration_period_in_days"] is not None and p["key_expiration_period_in_days"] < 1:
        az.fail("key_expiration_period_in_days must be 1 or more days (got %d)" % p["key_expiration_period_in_days"])
    if p["sas_expiration_period"] is not None and not sas_seconds(p["sas_expiration_period"]):
        az.fail("sas_expiration_period %r is not a period: use DD.HH:MM:SS, for example 1.00:00:00 for one day (hours below 24, "
                "minutes and seconds below 60, longer than 0)" % p["sas_expiration_period"])
    for key in ("delete_retention_days", "container_delete_retention_days"):
        days = (p["blob_service"] or {}).get(key)
        if days is not None and not 0 <= days <= RETENTION_MAX:
            az.fail("blob_service.%s must be 1-%d days, or 0 to turn the soft delete off (got %d)" % (key, RETENTION_MAX, days))


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
        allow_cross_tenant_replication=dict(type="bool"),
        default_to_oauth_authentication=dict(type="bool"),
        key_expiration_period_in_days=dict(type="int", no_log=False),
        sas_expiration_period=dict(type="str"),
        sas_expiration_action=dict(type="str", default="Log", choices=["Log", "Block"]),
        network_acls=dict(type="dict", options=dict(
            default_action=dict(type="str", required=True, choices=["Allow", "Deny"]),
            bypass=dict(type="str", default="AzureServices", no_log=False),
            ip_rules=dict(type="list", elements="str", default=[]),
        )),
        blob_service=dict(type="dict", options=dict(
            delete_retention_days=dict(type="int"),
            container_delete_retention_days=dict(type="int"),
            is_versioning_enabled=dict(type="bool"),
        )),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    check_input(az, p)

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (az.subscription_id, p["resource_group"], p["name"])
        acct = Resource(az, path, API_VERSION, update_method="PATCH",
                        ci_paths=("kind", "sku.name", "properties.accessTier", "properties.minimumTlsVersion",
                                  "properties.networkAcls.defaultAction", "properties.networkAcls.bypass", "properties.sasPolicy.expirationAction"),
                        unordered=("properties.networkAcls.ipRules",))
        current = acct.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = acct.ensure_absent(wait=True)
            return dict(changed=changed, storage_account={}, diff=diff)
        if current is None and not p["location"]:
            az.fail("location is required to create storage account %s" % p["name"])
        blob_props = blob_service_wanted(p["blob_service"])
        if current is None and blob_props and not p["wait"]:
            az.fail("blob_service can only be set once the account exists: create storage account %s with wait=true" % p["name"])
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
        current_props = (current or {}).get("properties") or {}
        props = {"accessTier": p["access_tier"], "minimumTlsVersion": p["minimum_tls_version"], "allowBlobPublicAccess": p["allow_blob_public_access"],
                 "supportsHttpsTrafficOnly": p["supports_https_traffic_only"], "allowSharedKeyAccess": p["allow_shared_key_access"],
                 "allowCrossTenantReplication": p["allow_cross_tenant_replication"],
                 "defaultToOAuthAuthentication": p["default_to_oauth_authentication"],
                 "keyPolicy": {"keyExpirationPeriodInDays": p["key_expiration_period_in_days"]} if p["key_expiration_period_in_days"] else None,
                 "sasPolicy": sas_policy_wanted(p["sas_expiration_period"], p["sas_expiration_action"], current_props.get("sasPolicy")),
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
        doc, diff = planned(az, acct.path, changed, doc, diff)
        out = dict(changed=changed, storage_account=doc, diff=diff)
        out["primary_endpoints"] = ((doc or {}).get("properties") or {}).get("primaryEndpoints") or {}
        if op:
            out["operation"] = op
        if blob_props:
            blob_changed, service, blob_diff = ensure_blob_service(az, path, current is None, blob_props)
            out["changed"] = changed or blob_changed
            out["blob_service"] = service
            diff["before"] = dict(diff["before"] or {}, blob_service=blob_diff["before"]) if current is not None else {}
            diff["after"] = dict(diff["after"] or {}, blob_service=blob_diff["after"])
        return out

    az.run(run)


def ensure_blob_service(az, account_path, account_is_new, wanted):
    """(changed, blob service, diff of its properties) for the account's ``blobServices/default``.

    The PUT carries the service's current properties with the wanted ones merged in, so properties the user did not set
    keep their value whatever the service does with omitted ones. A new account in check mode has no service to read:
    the prediction is the wanted properties."""
    svc = Resource(az, account_path + "/blobServices/default", API_VERSION, read_only_keys=READ_ONLY_KEYS + ("sku",))
    if account_is_new and az.check_mode:
        predicted = {"id": account_path + "/blobServices/default", "name": "default", "properties": wanted}
        return True, predicted, {"before": {}, "after": wanted}
    changed, doc, diff, _op = svc.ensure_present({"properties": wanted}, wait=True)
    before = (diff["before"] or {}).get("properties") or {}
    after = (diff["after"] or {}).get("properties") or {}
    return changed, doc, {"before": before, "after": after}


if __name__ == "__main__":
    main()
