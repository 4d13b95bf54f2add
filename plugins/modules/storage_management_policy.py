#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_management_policy
short_description: Manage the lifecycle management policy of an Azure storage account
version_added: 0.1.0
description:
  - Sets the account's lifecycle rules (C(.../storageAccounts/<name>/managementPolicies/default)) - move block blobs to a
    cooler tier and delete blobs or their snapshots a number of days after they were last modified - or removes the policy.
  - Each rule in O(rules) is the whole rule, matched with the account's rules by name. With O(purge_rules=true) (the default)
    the list is the whole policy; with V(false) the listed rules are added or replaced and the others kept.
  - Only the rules' content is compared (not their order, nor the case of blob types, nor the policy's read-only fields), so a
    second run with the same options changes nothing.
  - Azure applies a policy once a day; a change can take up to 24 hours to take effect.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the storage account.
    type: str
    required: true
  account_name:
    description: Name of the storage account.
    type: str
    required: true
  rules:
    description:
      - The lifecycle rules. Required with O(state=present); at least one rule when O(purge_rules=true).
      - A rule needs at least one action.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the rule, unique in the policy (up to 256 characters, case-sensitive).
        type: str
        required: true
      enabled:
        description: Whether Azure applies the rule.
        type: bool
        default: true
      prefix_match:
        description:
          - Blob name prefixes the rule applies to, each starting with the container name (V(sql-archive/2026/)); up to 10.
          - All blobs of the account when empty.
        type: list
        elements: str
        default: []
      blob_types:
        description:
          - Blob types the rule applies to. Tier actions apply to block blobs only.
        type: list
        elements: str
        choices: [blockBlob, appendBlob]
        default: [blockBlob]
      tier_to_cool_after_days:
        description: Move base blobs to the Cool tier this many days after their last modification.
        type: int
      tier_to_cold_after_days:
        description: Move base blobs to the Cold tier this many days after their last modification.
        type: int
      tier_to_archive_after_days:
        description: Move base blobs to the Archive tier this many days after their last modification.
        type: int
      delete_after_days_since_modification:
        description:
          - Delete base blobs this many days after their last modification.
          - A blob protected by an immutability policy or a legal hold is not deleted before its retention has ended.
        type: int
      delete_snapshot_after_days:
        description: Delete snapshots this many days after their creation.
        type: int
  purge_rules:
    description:
      - V(true) - O(rules) is the whole policy; rules of the account not listed are removed.
      - V(false) - the rules listed are added or replaced; the others are kept.
    type: bool
    default: true
  state:
    description: Whether the policy should exist. V(absent) removes the whole policy (leave O(rules) unset).
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
notes:
  - Source - Microsoft Learn "Azure Blob Storage lifecycle management policy structure" and the C(ManagementPolicies)
    operations of the Microsoft.Storage REST API. Filters on blob index tags, version actions and last-access conditions
    are not modelled; a listed rule replaces them, and O(purge_rules=false) keeps rules that use them.
"""

EXAMPLES = r"""
- name: Age the quarterly SQL archives - Cool after a month, Archive after 90 days, deleted after ten years
  erpops.azure.storage_management_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    rules:
      - name: sql-archive-ageing
        prefix_match: [sql-archive/]
        tier_to_cool_after_days: 30
        tier_to_archive_after_days: 90
        delete_after_days_since_modification: 3660
        delete_snapshot_after_days: 90

- name: Add a rule and keep the others
  erpops.azure.storage_management_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    purge_rules: false
    rules:
      - name: scratch-cleanup
        prefix_match: [scratch/]
        delete_after_days_since_modification: 7

- name: Remove the lifecycle policy
  erpops.azure.storage_management_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    state: absent
"""

RETURN = r"""
management_policy:
  description: The policy as Azure returns it (predicted in check mode); empty when there is none.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/.../storageAccounts/erpsupermarketarchive/managementPolicies/default"
    name: DefaultManagementPolicy
    type: Microsoft.Storage/storageAccounts/managementPolicies
    properties:
      lastModifiedTime: "2026-03-31T22:10:03.0000000Z"
      policy:
        rules:
          - name: sql-archive-ageing
            enabled: true
            type: Lifecycle
            definition:
              filters: {blobTypes: [blockBlob], prefixMatch: [sql-archive/]}
              actions:
                baseBlob:
                  tierToCool: {daysAfterModificationGreaterThan: 30}
                  tierToArchive: {daysAfterModificationGreaterThan: 90}
                  delete: {daysAfterModificationGreaterThan: 3660}
                snapshot: {delete: {daysAfterCreationGreaterThan: 90}}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-06-01"
# Learn: up to 100 rules per policy, 10 prefixes per rule.
MAX_RULES = 100
MAX_PREFIXES = 10
BASE_ACTIONS = (("tier_to_cool_after_days", "tierToCool"), ("tier_to_cold_after_days", "tierToCold"),
                ("tier_to_archive_after_days", "tierToArchive"), ("delete_after_days_since_modification", "delete"))
TYPES = {"blockblob": "blockBlob", "appendblob": "appendBlob"}


def rule_body(rule):
    """The ARM ManagementPolicyRule of one rule of the module's options."""
    base = dict((key, {"daysAfterModificationGreaterThan": rule[opt]}) for opt, key in BASE_ACTIONS if rule.get(opt) is not None)
    actions = {}
    if base:
        actions["baseBlob"] = base
    if rule.get("delete_snapshot_after_days") is not None:
        actions["snapshot"] = {"delete": {"daysAfterCreationGreaterThan": rule["delete_snapshot_after_days"]}}
    filters = {"blobTypes": list(rule["blob_types"])}
    if rule.get("prefix_match"):
        filters["prefixMatch"] = list(rule["prefix_match"])
    return {"enabled": rule["enabled"], "name": rule["name"], "type": "Lifecycle", "definition": {"actions": actions, "filters": filters}}


def _numbers(value):
    """Day counts as integers (the schema types them as numbers: 30 and 30.0 are the same)."""
    if isinstance(value, dict):
        return dict((k, _numbers(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def canonical(rule):
    """A rule as Azure means it: enabled defaults to true, blob types without case, lists without order, empty parts dropped."""
    d = rule.get("definition") or {}
    f = dict(d.get("filters") or {})
    f["blobTypes"] = sorted(TYPES.get(str(t).lower(), t) for t in f.get("blobTypes") or [])
    for key in ("prefixMatch", "blobIndexMatch"):
        if key in f:
            f[key] = sorted(f[key], key=repr) if f[key] else None
    f = dict((k, v) for k, v in f.items() if v is not None)
    actions = _numbers(dict((k, v) for k, v in (d.get("actions") or {}).items() if v))
    return {"enabled": rule.get("enabled", True) is not False, "type": rule.get("type") or "Lifecycle",
            "definition": {"actions": actions, "filters": f}}


def validate(az, rules, purge):
    names = set()
    for i, rule in enumerate(rules):
        name = rule["name"]
        where = "rules[%d] (%s)" % (i, name)
        if not name or len(name) > 256:
            az.fail("%s: a rule name is 1 to 256 characters" % where)
        if name in names:
            az.fail("%s: rule names must be unique in the policy" % where)
        names.add(name)
        if all(rule.get(opt) is None for opt, _key in BASE_ACTIONS) and rule.get("delete_snapshot_after_days") is None:
            az.fail("%s defines no action: set delete_after_days_since_modification, tier_to_cool_after_days, tier_to_cold_after_days, "
                    "tier_to_archive_after_days or delete_snapshot_after_days" % where)
        for opt, _key in BASE_ACTIONS + (("delete_snapshot_after_days", None),):
            if rule.get(opt) is not None and rule[opt] < 0:
                az.fail("%s: %s must be 0 or more days (got %d)" % (where, opt, rule[opt]))
        if not rule["blob_types"]:
            az.fail("%s: blob_types needs at least one type" % where)
        tiering = [opt for opt, key in BASE_ACTIONS if key != "delete" and rule.get(opt) is not None]
        if tiering and "appendBlob" in rule["blob_types"]:
            # Learn (policy structure, "Supported actions"): tierToCool/Cold/Archive apply to block blobs only.
            az.fail("%s: %s apply to block blobs only; remove appendBlob from blob_types or put the tiering in its own rule"
                    % (where, ", ".join(tiering)))
        if len(rule["prefix_match"]) > MAX_PREFIXES:
            az.fail("%s: at most %d prefixes per rule (got %d)" % (where, MAX_PREFIXES, len(rule["prefix_match"])))
        for prefix in rule["prefix_match"]:
            if not prefix or prefix.startswith("/"):
                az.fail("%s: prefix %r must start with a container name (for example sql-archive/2026/)" % (where, prefix))
    if purge and not rules:
        az.fail("rules needs at least one rule (a policy cannot be empty); use state=absent to remove the policy")
    if len(rules) > MAX_RULES:
        az.fail("a policy holds at most %d rules (got %d)" % (MAX_RULES, len(rules)))


def merged(current_rules, wanted, purge):
    """The rules to send: ``wanted`` alone when purging, else the current rules with the wanted ones replaced or added."""
    if purge:
        return list(wanted)
    by_name = dict((r["name"], r) for r in wanted)
    out = [by_name.pop(r.get("name")) if r.get("name") in by_name else r for r in current_rules]
    return out + [r for r in wanted if r["name"] in by_name]


def same(current_rules, rules):
    a = dict((r.get("name"), canonical(r)) for r in current_rules)
    b = dict((r.get("name"), canonical(r)) for r in rules)
    return a == b


def main():
    rule_spec = dict(
        name=dict(type="str", required=True),
        enabled=dict(type="bool", default=True),
        prefix_match=dict(type="list", elements="str", default=[]),
        blob_types=dict(type="list", elements="str", choices=["blockBlob", "appendBlob"], default=["blockBlob"]),
        tier_to_cool_after_days=dict(type="int"),
        tier_to_cold_after_days=dict(type="int"),
        tier_to_archive_after_days=dict(type="int"),
        delete_after_days_since_modification=dict(type="int"),
        delete_snapshot_after_days=dict(type="int"),
    )
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        account_name=dict(type="str", required=True),
        rules=dict(type="list", elements="dict", options=rule_spec),
        purge_rules=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ("rules",))])
    p = az.params
    if p["state"] == "absent" and p["rules"] is not None:
        az.fail("state=absent removes the whole lifecycle policy: leave rules unset (or list the rules to keep with state=present)")
    if p["state"] == "present":
        validate(az, p["rules"], p["purge_rules"])

    def run():
        account = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (
            az.subscription_id, p["resource_group"], p["account_name"])
        path = account + "/managementPolicies/default"
        if az.arm.get(account, API_VERSION) is None:
            if not az.check_mode:
                az.fail("storage account %s not found in resource group %s" % (p["account_name"], p["resource_group"]))
            current = None  # check mode on an account that is only predicted
        else:
            # A missing policy is 404 ManagementPolicyNotFound.
            current = az.arm.get(path, API_VERSION)
        current_rules = (((current or {}).get("properties") or {}).get("policy") or {}).get("rules") or []
        before = {"rules": current_rules} if current else {}
        if p["state"] == "absent":
            if current is None:
                return dict(changed=False, management_policy={}, diff=dict(before={}, after={}))
            if not az.check_mode:
                az.arm.request("DELETE", path, API_VERSION, expect=(200, 204))
            return dict(changed=True, management_policy={}, diff=dict(before=before, after={}))
        rules = merged(current_rules, [rule_body(r) for r in p["rules"]], p["purge_rules"])
        if current is not None and same(current_rules, rules):
            return dict(changed=False, management_policy=current, diff=dict(before=before, after=before))
        after = {"rules": rules}
        if az.check_mode:
            predicted = dict(current or {"id": path, "name": "DefaultManagementPolicy", "type": "Microsoft.Storage/storageAccounts/managementPolicies"})
            predicted["properties"] = dict(predicted.get("properties") or {}, policy=after)
            return dict(changed=True, management_policy=predicted, diff=dict(before=before, after=after))
        _status, _hdrs, doc = az.arm.request("PUT", path, API_VERSION, body={"properties": {"policy": after}}, expect=(200, 201))
        return dict(changed=True, management_policy=doc, diff=dict(before=before, after=after))

    az.run(run)


if __name__ == "__main__":
    main()
