#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: role_assignment
short_description: Grant or revoke an Azure role at a scope
version_added: 0.1.0
description:
  - Assigns an Azure role (C(Microsoft.Authorization/roleAssignments)) to a principal at a subscription, resource group or
    resource scope, or removes that assignment.
  - An assignment is identified by its scope, role and principal, not by its name. The module lists the principal's
    assignments at the scope and keeps the one assigned exactly at O(scope); an assignment inherited from a parent scope is
    a different assignment and does not count. New assignments get a name derived from scope, role and principal, so
    concurrent runs converge on one assignment, and Azure's C(409 RoleAssignmentExists) answer counts as "already there".
  - A principal created moments before (a new managed identity or service principal) may not have reached every directory
    replica yet. The module sends O(principal_type), which lets Azure skip the directory lookup, and retries
    C(PrincipalNotFound) answers for up to O(principal_wait_timeout) seconds.
  - Writing assignments needs C(Microsoft.Authorization/roleAssignments/write) at the scope (Owner, User Access Administrator
    or Role Based Access Control Administrator); a Contributor can read assignments but not write them.
  - Azure cannot change the role, principal or scope of an assignment; a different one is a new assignment. The principal
    type of an existing assignment is not compared.
author:
  - erpops.azure maintainers (@erpops)
options:
  scope:
    description:
      - Where the role applies, as an Azure resource ID
        (C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>)),
        a resource group ID (C(/subscriptions/<id>/resourceGroups/<group>)) or a subscription ID (C(/subscriptions/<id>)).
    type: str
    required: true
  role:
    description:
      - The role to assign. Either a role name as Azure lists it at the scope (C(Key Vault Secrets User), C(Reader)), matched
        without case, or a role definition ID (C(/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>))
        or its GUID alone (C(4633458b-17de-408a-b874-0445c86b69e6)).
      - The built-in roles Owner, Contributor, Reader, User Access Administrator, Key Vault Administrator, Key Vault Secrets
        Officer, Key Vault Secrets User, Storage Blob Data Contributor, Storage Blob Data Reader, Monitoring Reader, Monitoring
        Contributor, Monitoring Metrics Publisher, Website Contributor, Web Plan Contributor and DNS Zone Contributor, by name
        or by id, resolve to their published GUIDs (Microsoft Learn, "Azure built-in roles") without a request; another role
        is looked up at the scope.
    type: str
    required: true
  principal_id:
    description:
      - Object ID of the user, group or service principal (for a managed identity, its C(principalId)). Not the application
        (client) ID.
    type: str
    required: true
  principal_type:
    description:
      - Type of the principal. Use V(ServicePrincipal) for applications and managed identities.
      - Sent when the assignment is created; it lets Azure accept a principal that is still replicating in the directory.
    type: str
    default: ServicePrincipal
    choices: [ServicePrincipal, User, Group]
  principal_wait_timeout:
    description:
      - Seconds during which a C(PrincipalNotFound) answer is retried (a principal created moments before).
      - V(0) fails at the first such answer.
    type: int
    default: 300
  state:
    description: Whether the principal should hold the role at the scope.
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
  - Role assignments take effect within minutes, not at once; a data-plane call made right after the grant may still be
    refused for a while.
"""

EXAMPLES = r"""
- name: Let the web app's managed identity read the vault's secrets
  erpops.azure.role_assignment:
    scope: "{{ vault.key_vault.id }}"
    role: Key Vault Secrets User
    principal_id: "{{ web_app_principal_id }}"

- name: Let an operator group read everything in the resource group
  erpops.azure.role_assignment:
    scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
    role: acdd72a7-3385-48ef-bd42-f606fba81ae7
    principal_id: 2f1f7c1e-0c7a-4d3e-9d8e-3b5f3b1a9c11
    principal_type: Group

- name: Revoke the web app's access to the vault
  erpops.azure.role_assignment:
    scope: "{{ vault.key_vault.id }}"
    role: Key Vault Secrets User
    principal_id: "{{ web_app_principal_id }}"
    state: absent
"""

RETURN = r"""
role_assignment:
  description: The assignment as Azure returns it (predicted in check mode); empty when there is none.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.KeyVault\
      /vaults/erp-supermarket-kv/providers/Microsoft.Authorization/roleAssignments/6d1a9c0e-5f7e-5b8a-9c5d-0e2f7b1c3a44"
    name: 6d1a9c0e-5f7e-5b8a-9c5d-0e2f7b1c3a44
    type: Microsoft.Authorization/roleAssignments
    properties:
      roleDefinitionId: "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions\
        /4633458b-17de-408a-b874-0445c86b69e6"
      principalId: 9b2c4d6e-8f01-4a23-b456-c789d0e1f234
      principalType: ServicePrincipal
      scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.KeyVault\
        /vaults/erp-supermarket-kv"
role_definition:
  description: The role that was resolved from O(role).
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6
    name: 4633458b-17de-408a-b874-0445c86b69e6
    role_name: Key Vault Secrets User
"""

import re
import time
import uuid

from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE, AzureModule

API_VERSION = "2022-04-01"
PROVIDER = "/providers/Microsoft.Authorization"
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
GUID_RE = re.compile(r"^%s$" % GUID)
# Subscription, resource group, or a resource (with any number of nested type/name pairs).
SCOPE_RE = re.compile(r"^/subscriptions/(%s)(/resourceGroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?)?$" % GUID, re.IGNORECASE)
ROLE_ID_RE = re.compile(r"^(/[^/].*)?/providers/Microsoft\.Authorization/roleDefinitions/(%s)$" % GUID, re.IGNORECASE)
# Names of new assignments: uuid5 of (scope, role, principal) in a namespace of this collection's own.
NAME_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://galaxy.ansible.com/erpops/azure/role_assignment")
RETRY_INTERVAL = 5
# Built-in roles by name (Microsoft Learn, "Azure built-in roles"): their GUIDs are the same in every tenant, and a custom
# role cannot take a built-in role's name, so these resolve without a request. Their definition id at any scope is
# {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}. The collection's roles, and the ones its docs name.
BUILTIN_ROLES = dict((name.lower(), (name, guid)) for name, guid in (
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
    ("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483"),
    ("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"),
    ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
    ("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
    ("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
    ("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
    ("Monitoring Contributor", "749f88d5-cbae-40b8-bcfc-e573ddc772fa"),
    ("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb"),
    ("Website Contributor", "de139f84-1756-47ae-9be6-808fbbe84772"),
    ("Web Plan Contributor", "2cc479cb-7b4d-49a8-b449-8c00fd0f0a4b"),
    ("DNS Zone Contributor", "befefa01-2a29-4197-83a8-272ff33ce314"),
))
BUILTIN_GUIDS = dict((guid, name) for name, guid in BUILTIN_ROLES.values())
DATA_ROLE_HINT = ("assigning roles needs Microsoft.Authorization/roleAssignments/write at the scope: Owner, User Access Administrator or "
                  "Role Based Access Control Administrator (a Contributor cannot)")


def role_guid(role_definition_id):
    return (role_definition_id or "").rstrip("/").split("/")[-1].lower()


def same_scope(a, b):
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()


def assignment_name(scope, guid, principal_id):
    return str(uuid.uuid5(NAME_NAMESPACE, "%s|%s|%s" % (scope.rstrip("/").lower(), guid.lower(), principal_id.lower())))


class Assignments:
    def __init__(self, az, scope, subscription):
        self.az = az
        self.scope = scope
        self.subscription = subscription
        self.scope_exists = True

    def _list(self, path, flt):
        try:
            return self.az.arm.list(self.scope + PROVIDER + path, API_VERSION, params={"$filter": flt})
        except AzureApiError as exc:
            if exc.status != 404:
                raise
            # The scope does not exist (yet): in check mode it is one the play is about to create.
            self.scope_exists = False
            return None

    def role(self, role):
        """(guid, role definition) of ``role``: a name, a role definition id or a GUID."""
        m = ROLE_ID_RE.match(role)
        guid = m.group(2).lower() if m else (role.lower() if GUID_RE.match(role) else None)
        builtin = BUILTIN_ROLES.get(role.lower()) if guid is None else ((BUILTIN_GUIDS[guid], guid) if guid in BUILTIN_GUIDS else None)
        if builtin is not None:
            # A built-in role: its name and GUID are published, no request needed.
            return builtin[1], {"name": builtin[1], "properties": {"roleName": builtin[0], "type": "BuiltInRole"}}
        if guid is not None:
            doc = self.az.arm.get(self.scope + PROVIDER + "/roleDefinitions/" + guid, API_VERSION)
            if doc is None and self.scope != "/subscriptions/" + self.subscription:
                # The scope may not exist yet (check mode): role definitions are also readable at the subscription.
                doc = self.az.arm.get("/subscriptions/%s%s/roleDefinitions/%s" % (self.subscription, PROVIDER, guid), API_VERSION)
            if doc is None:
                self.az.fail("role %r: no role definition with ID %s exists at scope %s" % (role, guid, self.scope))
            return guid, doc
        # OData string literal: a quote is doubled.
        flt = "roleName eq '%s'" % role.replace("'", "''")
        rows = self._list("/roleDefinitions", flt)
        if rows is None:
            rows = self.az.arm.list("/subscriptions/%s%s/roleDefinitions" % (self.subscription, PROVIDER), API_VERSION, params={"$filter": flt})
        found = [r for r in rows if ((r.get("properties") or {}).get("roleName") or "").lower() == role.lower()]
        if not found:
            self.az.fail("role %r is not the name of a role definition available at scope %s (names are listed by "
                         "'az role definition list --scope <scope> --query [].roleName')" % (role, self.scope))
        return role_guid(found[0].get("name") or found[0].get("id")), found[0]

    def existing(self, guid, principal_id):
        """The assignments of the role to the principal made exactly at the scope (not inherited ones)."""
        # Learn, Role Assignments - List For Scope: "principalId eq {id}" returns the principal's assignments at, above
        # or below the scope, so the ones made at this very scope are picked here.
        rows = self._list("/roleAssignments", "principalId eq '%s'" % principal_id)
        out = []
        for row in rows or []:
            props = row.get("properties") or {}
            if (same_scope(props.get("scope"), self.scope) and role_guid(props.get("roleDefinitionId")) == guid
                    and (props.get("principalId") or "").lower() == principal_id.lower()):
                out.append(row)
        return out


def view(doc, role_name):
    if not doc:
        return {}
    props = doc.get("properties") or {}
    return {"scope": props.get("scope"), "role_definition_id": props.get("roleDefinitionId"), "role_name": role_name,
            "principal_id": props.get("principalId"), "principal_type": props.get("principalType")}


def main():
    az = AzureModule(dict(
        scope=dict(type="str", required=True),
        role=dict(type="str", required=True),
        principal_id=dict(type="str", required=True),
        principal_type=dict(type="str", default="ServicePrincipal", choices=["ServicePrincipal", "User", "Group"]),
        principal_wait_timeout=dict(type="int", default=300),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    scope = p["scope"].rstrip("/")
    m = SCOPE_RE.match(scope)
    if not m:
        az.fail("scope %r is not a subscription, resource group or resource ID (expected /subscriptions/<guid>"
                "[/resourceGroups/<group>[/providers/<namespace>/<type>/<name>]])" % p["scope"])
    # In check mode the principal may be a managed identity an earlier task only predicts (erpops.azure.web_app returns its
    # principalId as "(known after create)"): the assignment is predicted for it. Outside check mode it must be an object ID.
    planned_principal = az.check_mode and p["principal_id"] == KNOWN_AFTER_CREATE
    if not planned_principal and not GUID_RE.match(p["principal_id"]):
        az.fail("principal_id %r is not an object ID (a GUID such as 9b2c4d6e-8f01-4a23-b456-c789d0e1f234)" % p["principal_id"])
    if not p["role"].strip():
        az.fail("role must be a role name (such as Key Vault Secrets User), a role definition ID or its GUID")
    if p["principal_wait_timeout"] < 0:
        az.fail("principal_wait_timeout must be 0 or more seconds, not %d" % p["principal_wait_timeout"])
    principal_id = p["principal_id"].lower()

    def run():
        ra = Assignments(az, scope, m.group(1))
        guid, definition = ra.role(p["role"].strip())
        role_name = (definition.get("properties") or {}).get("roleName")
        role_def = {"id": "/subscriptions/%s%s/roleDefinitions/%s" % (m.group(1), PROVIDER, guid), "name": guid, "role_name": role_name}
        current = ra.existing(guid, principal_id) if not planned_principal else []
        if not ra.scope_exists and not az.check_mode and p["state"] == "present":
            az.fail("scope %s does not exist; create the resource first" % scope)
        before = view(current[0], role_name) if current else {}

        if p["state"] == "absent":
            if not current:
                return dict(changed=False, role_assignment={}, role_definition=role_def, diff={"before": {}, "after": {}})
            if not az.check_mode:
                for row in current:
                    write(az, "DELETE", row["id"], None)
            return dict(changed=True, role_assignment={}, role_definition=role_def, diff={"before": before, "after": {}})

        if current:
            return dict(changed=False, role_assignment=current[0], role_definition=role_def, diff={"before": before, "after": before})
        # The name derives from the principal; a planned principal's is only known once it exists.
        name = assignment_name(scope, guid, principal_id) if not planned_principal else KNOWN_AFTER_CREATE
        body = {"properties": {"roleDefinitionId": role_def["id"], "principalId": principal_id, "principalType": p["principal_type"]}}
        predicted = {"id": scope + PROVIDER + "/roleAssignments/" + name, "name": name, "type": "Microsoft.Authorization/roleAssignments",
                     "properties": dict(body["properties"], scope=scope)}
        diff = {"before": {}, "after": view(predicted, role_name)}
        if az.check_mode:
            return dict(changed=True, role_assignment=predicted, role_definition=role_def, diff=diff)
        doc = write(az, "PUT", predicted["id"], body, p["principal_wait_timeout"])
        if doc is None:
            # 409 RoleAssignmentExists: another run (or another name) holds it already; the listing may lag behind the write.
            found = ra.existing(guid, principal_id)
            if not found:
                az.module.warn("Azure answered RoleAssignmentExists for %s at %s but does not list it yet" % (role_name, scope))
            return dict(changed=False, role_assignment=found[0] if found else predicted, role_definition=role_def,
                        diff={"before": before, "after": before})
        return dict(changed=True, role_assignment=doc, role_definition=role_def, diff=diff)

    az.run(run)


def write(az, method, rid, body, principal_wait_timeout=0):
    """PUT or DELETE one assignment. A PUT returns the assignment, or None when Azure says it exists already."""
    deadline = time.time() + principal_wait_timeout
    while True:
        try:
            _status, _hdrs, doc = az.arm.request(method, rid, API_VERSION, body=body, expect=(200, 201, 204))
            return doc
        except AzureApiError as exc:
            if exc.status == 409 and exc.code == "RoleAssignmentExists":
                return None
            if exc.status == 403 and exc.code == "AuthorizationFailed":
                az.fail("%s; %s" % (exc.describe(), DATA_ROLE_HINT), status=exc.status, error_code=exc.code)
            if exc.code != "PrincipalNotFound":
                raise
            # Learn, "Assign Azure roles using the REST API": a principal created moments before may not have replicated
            # to the region serving the call yet.
            remaining = deadline - time.time()
            if remaining <= 0:
                az.fail("principal_id %s is not known to the directory (still PrincipalNotFound after %d s): use the object ID of "
                        "the user, group or service principal (a managed identity's principalId), not its application (client) ID; "
                        "a principal created moments before may need a longer principal_wait_timeout"
                        % (body["properties"]["principalId"], principal_wait_timeout), status=exc.status, error_code=exc.code)
            time.sleep(min(RETRY_INTERVAL, remaining))


if __name__ == "__main__":
    main()
