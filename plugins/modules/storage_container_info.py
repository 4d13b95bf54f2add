#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_container_info
short_description: Read the blob containers of Azure storage accounts with their retention policies and lifecycle rules
version_added: 0.1.0
description:
  - Lists the blob containers of one storage account, or of every account of a resource group, through Resource Manager
    (C(.../blobServices/default/containers)), with their public access level, their time-based retention policy
    (C(immutabilityPolicies/default) - period, C(Locked) or C(Unlocked)), their legal hold and the lifecycle rules of the
    account's management policy (C(managementPolicies/default)) that apply to each container's blobs.
  - Reads only the management plane (C(Reader) is enough); it tells nothing about the blobs a container holds (see
    M(erpops.azure.storage_blob_info), which needs a blob data role).
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the storage accounts.
    type: str
    required: true
  account_name:
    description: Name of one storage account; every account of O(resource_group) when unset.
    type: str
  name:
    description: Name of one container (needs O(account_name)).
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
notes:
  - A lifecycle rule applies to a container when it has no prefix filter or one of its prefixes names the container (a
    prefix starts with the container's name, Learn "Lifecycle management policy definition"); a rule whose prefixes cover
    only part of the container says so in the rule's C(whole_container) in RV(containers[].lifecycle_rules).
"""

EXAMPLES = r"""
- name: Read the retention and lifecycle of the archive container
  erpops.azure.storage_container_info:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketbackup
    name: sql-archive
  register: archive

- name: List the containers of the deployment that no lifecycle rule covers
  erpops.azure.storage_container_info:
    resource_group: erp-supermarket-production-rg
  register: containers

- name: Show them
  ansible.builtin.debug:
    msg: "{{ containers.containers | rejectattr('lifecycle_rules') | map(attribute='name') | list }}"
"""

RETURN = r"""
containers:
  description: The containers found (empty when O(name) does not exist), account by account.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the container.
      type: str
      sample: /subscriptions/.../storageAccounts/erpsupermarketbackup/blobServices/default/containers/sql-archive
    account_name:
      description: The storage account.
      type: str
      sample: erpsupermarketbackup
    name:
      description: The container.
      type: str
      sample: sql-archive
    public_access:
      description: C(None), C(Blob) or C(Container).
      type: str
      sample: None
    last_modified_time:
      description: When the container's properties last changed.
      type: str
      sample: "2026-03-31T22:10:03.0000000Z"
    immutability_policy:
      description: The time-based retention policy; null when the container has none.
      type: dict
      contains:
        period_days:
          description: Days each blob stays immutable after its creation.
          type: int
        state:
          description: C(Unlocked) or C(Locked).
          type: str
        allow_protected_append_writes:
          description: Whether append blobs may still grow.
          type: bool
        allow_protected_append_writes_all:
          description: Whether append and block blobs may still grow.
          type: bool
        etag:
          description: The policy's ETag.
          type: str
      sample: {period_days: 2555, state: Unlocked, allow_protected_append_writes: false, allow_protected_append_writes_all: false}
    has_legal_hold:
      description: Whether a legal hold protects the container's blobs.
      type: bool
      sample: false
    legal_hold_tags:
      description: The legal hold's tags.
      type: list
      elements: str
      sample: []
    lifecycle_rules:
      description: The lifecycle rules that apply to the container's blobs (name, enabled, whole_container, prefixes, actions as ARM has them).
      type: list
      elements: dict
      sample:
        - name: sql-archive-tiers
          enabled: true
          whole_container: false
          prefixes: [sql-archive/erp-postgres-prod/]
          actions: {baseBlob: {tierToCool: {daysAfterModificationGreaterThan: 30}, delete: {daysAfterModificationGreaterThan: 2555}}}
accounts:
  description: The storage accounts read, with whether each has a lifecycle management policy.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: erpsupermarketbackup, access_tier: Hot, kind: StorageV2, management_policy: true}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-06-01"


def rules_for(container, rules):
    """The lifecycle rules whose filters reach the blobs of ``container`` (blob names are matched as ``container/blob``)."""
    out = []
    for rule in rules:
        filters = ((rule.get("definition") or {}).get("filters") or {})
        prefixes = filters.get("prefixMatch") or []
        whole = not prefixes or any((container + "/").startswith(p) for p in prefixes)
        part = [p for p in prefixes if p.startswith(container + "/")]
        if whole or part:
            out.append(dict(name=rule.get("name"), enabled=rule.get("enabled", True) is not False, whole_container=whole,
                            prefixes=[p for p in prefixes if (container + "/").startswith(p) or p.startswith(container + "/")],
                            actions=(rule.get("definition") or {}).get("actions") or {}))
    return out


def view(account, doc, rules):
    props = doc.get("properties") or {}
    policy = props.get("immutabilityPolicy") if props.get("hasImmutabilityPolicy") else None
    pprops = (policy or {}).get("properties") or {}
    hold = props.get("legalHold") or {}
    return dict(
        id=doc.get("id"), account_name=account, name=doc.get("name"), public_access=props.get("publicAccess"),
        last_modified_time=props.get("lastModifiedTime"),
        immutability_policy=None if policy is None else dict(
            period_days=pprops.get("immutabilityPeriodSinceCreationInDays"), state=pprops.get("state"),
            allow_protected_append_writes=bool(pprops.get("allowProtectedAppendWrites")),
            allow_protected_append_writes_all=bool(pprops.get("allowProtectedAppendWritesAll")), etag=policy.get("etag")),
        has_legal_hold=bool(props.get("hasLegalHold")),
        legal_hold_tags=[t.get("tag") for t in hold.get("tags") or [] if isinstance(t, dict)],
        lifecycle_rules=rules_for(doc.get("name") or "", rules))


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        account_name=dict(type="str"),
        name=dict(type="str"),
    ), required_by={"name": "account_name"})
    p = az.params

    def run():
        group = "/subscriptions/%s/resourceGroups/%s" % (az.subscription_id, p["resource_group"])
        if p["account_name"]:
            acct = az.arm.get(group + "/providers/Microsoft.Storage/storageAccounts/" + p["account_name"], API_VERSION)
            if acct is None:
                az.fail("storage account %s not found in resource group %s" % (p["account_name"], p["resource_group"]))
            accounts = [acct]
        else:
            if az.arm.get(group, "2024-11-01") is None:
                az.fail("resource group %s not found in subscription %s" % (p["resource_group"], az.subscription_id))
            accounts = az.arm.list(group + "/providers/Microsoft.Storage/storageAccounts", API_VERSION)
        containers, seen = [], []
        for acct in accounts:
            # A missing policy is 404 ManagementPolicyNotFound, read as none.
            policy = az.arm.get(acct["id"] + "/managementPolicies/default", API_VERSION)
            rules = (((policy or {}).get("properties") or {}).get("policy") or {}).get("rules") or []
            seen.append(dict(name=acct["name"], kind=acct.get("kind"), access_tier=(acct.get("properties") or {}).get("accessTier"),
                             management_policy=policy is not None))
            base = acct["id"] + "/blobServices/default/containers"
            if p["name"]:
                one = az.arm.get(base + "/" + p["name"], API_VERSION)
                docs = [one] if one is not None else []
            else:
                docs = az.arm.list(base, API_VERSION)
                # A listing may leave the policy's details out: read those containers one by one.
                docs = [az.arm.get(d["id"], API_VERSION) or d if (d.get("properties") or {}).get("hasImmutabilityPolicy")
                        and not (d.get("properties") or {}).get("immutabilityPolicy") else d for d in docs]
            containers.extend(view(acct["name"], d, rules) for d in docs if not (d.get("properties") or {}).get("deleted"))
        return dict(changed=False, containers=containers, accounts=seen)

    az.run(run)


if __name__ == "__main__":
    main()
