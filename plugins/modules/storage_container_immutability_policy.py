#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_container_immutability_policy
short_description: Set, lock, extend or remove the time-based retention policy of an Azure blob container
version_added: 0.1.0
description:
  - Manages the container-level WORM policy (C(.../containers/<name>/immutabilityPolicies/default)) - blobs cannot be
    overwritten or deleted until O(immutability_period_since_creation_in_days) have passed since each blob was created.
  - An B(unlocked) policy protects the blobs but can still be shortened or removed; use it to test. O(state=locked) locks the
    policy, which is B(irreversible) - from then on Azure only accepts a longer period (at most five times), never a shorter
    one nor its removal, and the container cannot be deleted while it holds blobs. Locking therefore requires
    O(lock_confirm=true).
  - The module refuses, before any request, what a locked policy does not allow (a shorter period, a change of the append
    writes settings, its removal), instead of letting Azure answer C(409).
  - Every change is sent with the policy's ETag in C(If-Match), as the API requires, so a concurrent change makes the task
    fail rather than override it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
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
  container_name:
    description: Name of the container.
    type: str
    required: true
  immutability_period_since_creation_in_days:
    description:
      - Days a blob stays immutable after its creation, 1 to 146000 (400 years).
      - Required to create a policy. On a locked policy a larger value extends it; a smaller one is refused.
    type: int
  allow_protected_append_writes:
    description:
      - Let append blobs under the policy receive new blocks (C(Append Block)); nothing can be modified or deleted.
      - Cannot be changed once the policy is locked.
    type: bool
  allow_protected_append_writes_all:
    description:
      - Like O(allow_protected_append_writes) for both append blobs and block blobs (C(Put Block), C(Put Block List)); the two
        are mutually exclusive.
      - Cannot be changed once the policy is locked.
    type: bool
  state:
    description:
      - V(present) - the policy exists with these settings, unlocked when it is created (a locked policy stays locked).
      - V(locked) - the policy exists and is locked; requires O(lock_confirm=true).
      - V(absent) - no policy; only an unlocked policy can be removed.
    type: str
    default: present
    choices: [present, absent, locked]
  lock_confirm:
    description:
      - Must be V(true) with O(state=locked), to acknowledge that locking cannot be undone.
    type: bool
    default: false
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - The retention counts from each blob's creation. Once it has passed, blobs can be deleted but still not overwritten.
  - Source - Microsoft Learn "Time-based retention policies for immutable blob data" and the C(BlobContainers) operations
    C(CreateOrUpdateImmutabilityPolicy), C(LockImmutabilityPolicy), C(ExtendImmutabilityPolicy), C(DeleteImmutabilityPolicy)
    of the Microsoft.Storage REST API (2023-05-01 and later).
"""

EXAMPLES = r"""
- name: Keep the SQL archives one day, unlocked while the process is tested
  erpops.azure.storage_container_immutability_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    container_name: sql-archive
    immutability_period_since_creation_in_days: 1

- name: Keep them ten years, locked (irreversible)
  erpops.azure.storage_container_immutability_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    container_name: sql-archive
    immutability_period_since_creation_in_days: 3653
    state: locked
    lock_confirm: true

- name: Remove the unlocked policy of a test container
  erpops.azure.storage_container_immutability_policy:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketarchive
    container_name: sql-archive-test
    state: absent
"""

RETURN = r"""
immutability_policy:
  description: The policy as Azure returns it (predicted in check mode); empty when there is none.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/.../storageAccounts/erpsupermarketarchive/blobServices/default/containers/sql-archive/immutabilityPolicies/default"
    name: default
    type: Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies
    etag: '"8d9f1a2b3c4d5e6"'
    properties:
      immutabilityPeriodSinceCreationInDays: 3653
      state: Locked
      allowProtectedAppendWrites: false
      allowProtectedAppendWritesAll: false
actions:
  description: What the task did (or would do in check mode), in order - C(create), C(update), C(lock), C(extend), C(delete).
  returned: always
  type: list
  elements: str
  sample: [create, lock]
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-06-01"
# Learn: a retention interval of 1 to 146,000 days.
MIN_DAYS = 1
MAX_DAYS = 146000
PERIOD = "immutabilityPeriodSinceCreationInDays"
FLAGS = (("allow_protected_append_writes", "allowProtectedAppendWrites"), ("allow_protected_append_writes_all", "allowProtectedAppendWritesAll"))


def view(props):
    """The policy's settings as the diff shows them ({} when there is no policy)."""
    if not props:
        return {}
    out = {PERIOD: props.get(PERIOD), "state": props.get("state")}
    for _opt, key in FLAGS:
        out[key] = bool(props.get(key))
    return out


def exists(doc):
    """GET answers an empty Unlocked policy of period 0 when the container has none."""
    props = (doc or {}).get("properties") or {}
    return bool(props.get(PERIOD)) or str(props.get("state", "")).lower() == "locked"


class Policy:
    def __init__(self, az, p):
        self.az = az
        self.p = p
        self.container = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s/blobServices/default/containers/%s" % (
            az.subscription_id, p["resource_group"], p["account_name"], p["container_name"])
        self.path = self.container + "/immutabilityPolicies/default"
        self.actions = []

    def read(self):
        if self.az.arm.get(self.container, API_VERSION) is None:
            return None
        _status, hdrs, doc = self.az.arm.request("GET", self.path, API_VERSION, expect=(200,))
        if doc and not doc.get("etag"):
            doc["etag"] = hdrs.get("etag")
        return doc

    def send(self, method, suffix, etag, body=None):
        headers = {"If-Match": etag} if etag else None
        _status, hdrs, doc = self.az.arm.request(method, self.path + suffix, API_VERSION, body=body, headers=headers, expect=(200,))
        if doc and not doc.get("etag"):
            doc["etag"] = hdrs.get("etag")
        return doc

    def wanted_flags(self, props):
        out = {}
        for opt, key in FLAGS:
            if self.p[opt] is not None and bool(props.get(key)) != self.p[opt]:
                out[key] = self.p[opt]
        return out

    def ensure(self, doc):
        p = self.p
        props = dict((doc or {}).get("properties") or {}) if exists(doc) else {}
        period = p["immutability_period_since_creation_in_days"]
        locked = str(props.get("state", "")).lower() == "locked"
        if p["state"] == "absent":
            if not props:
                return doc, props
            if locked:
                self.az.fail("the immutability policy of container %s is locked: Azure never removes a locked policy (it expires blob by "
                             "blob after %s days)" % (p["container_name"], props.get(PERIOD)))
            self.actions.append("delete")
            if not self.az.check_mode:
                self.send("DELETE", "", doc.get("etag"))
            return {}, {}
        if locked:
            flags = self.wanted_flags(props)
            if flags:
                self.az.fail("the immutability policy of container %s is locked: %s cannot change any more"
                             % (p["container_name"], ", ".join(opt for opt, key in FLAGS if key in flags)))
            if period is not None and period < props[PERIOD]:
                self.az.fail("the immutability policy of container %s is locked at %d days: it can only be extended, not shortened to %d days"
                             % (p["container_name"], props[PERIOD], period))
            if period is not None and period > props[PERIOD]:
                self.actions.append("extend")
                props[PERIOD] = period
                if not self.az.check_mode:
                    doc = self.send("POST", "/extend", doc.get("etag"), {"properties": {PERIOD: period}})
            return doc, props
        if not props and period is None:
            self.az.fail("immutability_period_since_creation_in_days is required to create the immutability policy of container %s"
                         % p["container_name"])
        flags = self.wanted_flags(props)
        if not props or (period is not None and period != props.get(PERIOD)) or flags:
            self.actions.append("update" if props else "create")
            body = {PERIOD: period if period is not None else props[PERIOD]}
            for opt, key in FLAGS:
                body[key] = p[opt] if p[opt] is not None else bool(props.get(key))
            props = dict(props, state="Unlocked", **body)
            if not self.az.check_mode:
                # If-Match is honoured on PUT but not required: sent when there is a policy to replace.
                doc = self.send("PUT", "", doc.get("etag") if exists(doc) else None, {"properties": body})
        if p["state"] == "locked":
            self.actions.append("lock")
            props = dict(props, state="Locked")
            if not self.az.check_mode:
                doc = self.send("POST", "/lock", doc.get("etag"))
        return doc, props


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        account_name=dict(type="str", required=True),
        container_name=dict(type="str", required=True),
        immutability_period_since_creation_in_days=dict(type="int"),
        allow_protected_append_writes=dict(type="bool"),
        allow_protected_append_writes_all=dict(type="bool"),
        state=dict(type="str", default="present", choices=["present", "absent", "locked"]),
        lock_confirm=dict(type="bool", default=False),
    ))
    p = az.params
    period = p["immutability_period_since_creation_in_days"]
    if period is not None and not MIN_DAYS <= period <= MAX_DAYS:
        az.fail("immutability_period_since_creation_in_days must be %d to %d days (got %d)" % (MIN_DAYS, MAX_DAYS, period))
    if p["allow_protected_append_writes"] and p["allow_protected_append_writes_all"]:
        az.fail("allow_protected_append_writes and allow_protected_append_writes_all are mutually exclusive: set one of them")
    if p["state"] == "locked" and not p["lock_confirm"]:
        az.fail("state=locked locks the immutability policy of container %s for good (it can then only be extended, never shortened nor "
                "removed): set lock_confirm=true to confirm" % p["container_name"])

    def run():
        policy = Policy(az, p)
        doc = policy.read()
        if doc is None:
            if not az.check_mode:
                az.fail("container %s not found in storage account %s (resource group %s)" % (p["container_name"], p["account_name"], p["resource_group"]))
            doc = {}  # check mode on a container that is only predicted: everything would be created
        before = view(doc.get("properties") if exists(doc) else None)
        doc, props = policy.ensure(doc)
        after = view(props)
        changed = bool(policy.actions)
        if not props:
            result = {}
        elif az.check_mode or not changed:
            result = dict(doc or {}, properties=dict((doc or {}).get("properties") or {}, **after))
        else:
            result = doc
        return dict(changed=changed, immutability_policy=result, actions=policy.actions, diff=dict(before=before, after=after))

    az.run(run)


if __name__ == "__main__":
    main()
