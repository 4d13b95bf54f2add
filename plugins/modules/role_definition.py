#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: role_definition
short_description: Create, update or delete an Azure custom role
version_added: 0.1.0
description:
  - Manages a custom role (C(Microsoft.Authorization/roleDefinitions) of type C(CustomRole)) - its name, description,
    permission block and assignable scopes.
  - A custom role is identified by its name, which is unique in the directory. The module looks the name up at O(scope); a new role
    gets an ID derived from the name, so two concurrent runs converge on one role.
  - Actions are compared without case and without order. Azure keeps what it is sent, so the role is rewritten only when a field
    the task sets differs.
  - Creating or changing a custom role needs C(Microsoft.Authorization/roleDefinitions/write) on every assignable scope (Owner or
    User Access Administrator); a Contributor cannot.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: The role's name (C(roleName)), as it appears in role lists and in RO(role_assignment) tasks.
    type: str
    required: true
  scope:
    description:
      - Where the role is written and looked up, a subscription ID (C(/subscriptions/<id>)) or a resource group ID.
      - Defaults to the first of O(assignable_scopes).
    type: str
  description:
    description: What the role is for.
    type: str
  actions:
    description: Control-plane actions the role grants (C(*/read), C(Microsoft.Web/sites/config/list/Action)).
    type: list
    elements: str
    default: []
  not_actions:
    description: Actions subtracted from O(actions).
    type: list
    elements: str
    default: []
  data_actions:
    description: Data-plane actions the role grants (C(Microsoft.KeyVault/vaults/secrets/readMetadata/action)).
    type: list
    elements: str
    default: []
  not_data_actions:
    description: Data actions subtracted from O(data_actions).
    type: list
    elements: str
    default: []
  assignable_scopes:
    description:
      - Subscriptions or resource groups where the role may be assigned. Required when O(state=present).
    type: list
    elements: str
  state:
    description:
      - Whether the role should exist. Azure refuses to delete a role that is still assigned (C(RoleDefinitionHasAssignments));
        remove its assignments first.
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
  - A new or changed role takes a few minutes to be honoured everywhere.
"""

EXAMPLES = r"""
- name: A read-only role for the quarterly audit
  erpops.azure.role_definition:
    name: ERP Auditor
    description: Reads everything the ERP audit checks, including app setting names; writes nothing
    actions:
      - "*/read"
      - Microsoft.Web/sites/config/list/Action
      - Microsoft.Web/sites/slots/config/list/Action
    data_actions:
      - Microsoft.KeyVault/vaults/secrets/readMetadata/action
    assignable_scopes:
      - /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg

- name: Remove the role
  erpops.azure.role_definition:
    name: ERP Auditor
    scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
role_definition:
  description: The role as Azure returns it (predicted in check mode); empty when there is none.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/0b7f2f7c-4d9e-5c1a-8f1e-2c3d4e5f6a7b
    name: 0b7f2f7c-4d9e-5c1a-8f1e-2c3d4e5f6a7b
    type: Microsoft.Authorization/roleDefinitions
    properties:
      roleName: ERP Auditor
      type: CustomRole
      permissions: [{actions: ["*/read"], notActions: [], dataActions: [], notDataActions: []}]
      assignableScopes: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg]
"""

import re
import uuid

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2022-04-01"
PROVIDER = "/providers/Microsoft.Authorization/roleDefinitions"
SCOPE_RE = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}(/resourceGroups/[^/]+)?$", re.IGNORECASE)
NAME_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://galaxy.ansible.com/erpops/azure/role_definition")
PERMISSION_KEYS = (("actions", "actions"), ("not_actions", "notActions"), ("data_actions", "dataActions"),
                   ("not_data_actions", "notDataActions"))


def role_id(name):
    return str(uuid.uuid5(NAME_NAMESPACE, name.lower()))


def norm(values):
    return sorted({v.lower() for v in values or []})


def view(doc):
    """What the task compares and shows in --diff: name, description, permissions (sorted, lower-case) and scopes."""
    if not doc:
        return {}
    props = doc.get("properties") or {}
    block = (props.get("permissions") or [{}])[0]
    out = {"name": props.get("roleName"), "description": props.get("description"),
           "assignable_scopes": sorted(s.rstrip("/").lower() for s in props.get("assignableScopes") or [])}
    for option, key in PERMISSION_KEYS:
        out[option] = norm(block.get(key))
    return out


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        scope=dict(type="str"),
        description=dict(type="str"),
        actions=dict(type="list", elements="str", default=[]),
        not_actions=dict(type="list", elements="str", default=[]),
        data_actions=dict(type="list", elements="str", default=[]),
        not_data_actions=dict(type="list", elements="str", default=[]),
        assignable_scopes=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ["assignable_scopes"])])
    p = az.params
    name = p["name"].strip()
    if not name:
        az.fail("name must not be empty")
    scopes = [s.rstrip("/") for s in p["assignable_scopes"] or []]
    for s in scopes:
        if not SCOPE_RE.match(s):
            az.fail("assignable scope %r is not a subscription or resource group ID (/subscriptions/<guid>[/resourceGroups/<group>])" % s)
    scope = (p["scope"] or (scopes[0] if scopes else "")).rstrip("/")
    if not SCOPE_RE.match(scope):
        az.fail("scope %r is not a subscription or resource group ID; set scope (or assignable_scopes)" % (p["scope"] or ""))
    if p["state"] == "present" and not (p["actions"] or p["data_actions"]):
        az.fail("a role with neither actions nor data_actions grants nothing: set one of them")

    def run():
        flt = "roleName eq '%s'" % name.replace("'", "''")
        rows = az.arm.list(scope + PROVIDER, API_VERSION, params={"$filter": flt})
        found = [r for r in rows if ((r.get("properties") or {}).get("roleName") or "").lower() == name.lower()]
        if found and (found[0].get("properties") or {}).get("type") != "CustomRole":
            az.fail("%r is a built-in role: pick another name for the custom role" % name)
        current = found[0] if found else None
        before = view(current)
        if p["state"] == "absent":
            if current is None:
                return dict(changed=False, role_definition={}, diff={"before": {}, "after": {}})
            if not az.check_mode:
                az.arm.request("DELETE", current["id"], API_VERSION, expect=(200, 204))
            return dict(changed=True, role_definition={}, diff={"before": before, "after": {}})

        guid = current["name"] if current else role_id(name)
        block = dict((key, list(p[option])) for option, key in PERMISSION_KEYS)
        props = {"roleName": name, "type": "CustomRole", "permissions": [block], "assignableScopes": scopes}
        if p["description"] is not None:
            props["description"] = p["description"]
        elif current:
            props["description"] = (current.get("properties") or {}).get("description")
        wanted = {"id": "%s%s/%s" % (scope, PROVIDER, guid), "name": guid, "type": "Microsoft.Authorization/roleDefinitions",
                  "properties": props}
        after = view(wanted)
        if before == after:
            return dict(changed=False, role_definition=current, diff={"before": before, "after": before})
        if az.check_mode:
            return dict(changed=True, role_definition=wanted, diff={"before": before, "after": after})
        _status, _hdrs, doc = az.arm.request("PUT", wanted["id"], API_VERSION, body={"properties": props}, expect=(200, 201))
        return dict(changed=True, role_definition=doc, diff={"before": before, "after": after})

    az.run(run)


if __name__ == "__main__":
    main()
