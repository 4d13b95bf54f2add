#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: authorization_permission_info
short_description: Read the rights the caller has at a resource group or resource, and check the actions a playbook needs
version_added: 0.1.0
description:
  - Asks Azure which permissions the principal running the task holds at a resource group or a resource (C(GET
    .../providers/Microsoft.Authorization/permissions), the REST API's Permissions_ListForResourceGroup and
    Permissions_ListForResource), one block per role it holds there or above.
  - With O(actions) (and O(data_actions)), says which of them those permissions grant and which they do not, the way Azure
    evaluates them. A playbook that is about to create something can check first and stop cleanly, before its first write,
    instead of halfway through with a resource to clean up.
  - The answer comes from role assignments. Deny assignments, role assignment conditions and Azure Policy are not part of it,
    so an action reported as granted can still be refused by one of those.
author:
  - erpops.azure maintainers (@erpops)
options:
  scope:
    description:
      - The resource group (C(/subscriptions/<id>/resourceGroups/<group>)) or resource
        (C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<app>)) whose permissions are read.
      - Azure lists permissions at these two kinds of scope only, so a subscription ID is refused.
      - Exactly one of O(scope) and O(resource_group) is required.
    type: str
  resource_group:
    description: A resource group of the module's subscription, instead of O(scope).
    type: str
  actions:
    description:
      - Control-plane actions to check, such as C(Microsoft.DBforPostgreSQL/flexibleServers/write). Wildcards in the
        caller's roles (C(*), C(Microsoft.Web/sites/*)) are honoured; the actions checked are plain names.
    type: list
    elements: str
    default: []
  data_actions:
    description: Data-plane actions to check, such as C(Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Check that this principal may restore into the drill resource group
  erpops.azure.authorization_permission_info:
    resource_group: erp-supermarket-production-rg
    actions:
      - Microsoft.DBforPostgreSQL/flexibleServers/write
      - Microsoft.DBforPostgreSQL/flexibleServers/delete
  register: rights

- name: Stop before anything is created when a right is missing
  ansible.builtin.assert:
    that: rights.missing | length == 0
    fail_msg: "missing at {{ rights.scope }}: {{ rights.missing | join(', ') }}"
"""

RETURN = r"""
scope:
  description: The scope read.
  returned: always
  type: str
  sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
permissions:
  description: The permission blocks Azure lists for the caller at the scope, one per role held there or above.
  returned: always
  type: list
  elements: dict
  sample:
    - {actions: ["*/read"], notActions: [], dataActions: [], notDataActions: []}
    - {actions: ["Microsoft.Web/sites/*"], notActions: [], dataActions: [], notDataActions: []}
allowed:
  description: The O(actions) and O(data_actions) the permissions grant.
  returned: always
  type: list
  elements: str
  sample: [Microsoft.Web/sites/slots/write]
missing:
  description: The O(actions) and O(data_actions) the permissions do not grant; empty when every one is granted.
  returned: always
  type: list
  elements: str
  sample: [Microsoft.DBforPostgreSQL/flexibleServers/delete]
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import rbac
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2022-04-01"
# Permissions_ListForResourceGroup and Permissions_ListForResource: a resource group, or a resource in one.
SCOPE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?$", re.IGNORECASE)


def main():
    az = AzureModule(dict(
        scope=dict(type="str"),
        resource_group=dict(type="str"),
        actions=dict(type="list", elements="str", default=[]),
        data_actions=dict(type="list", elements="str", default=[]),
    ), mutually_exclusive=[("scope", "resource_group")], required_one_of=[("scope", "resource_group")])
    p = az.params
    if p["scope"] and not SCOPE.match(p["scope"].rstrip("/")):
        az.fail("scope must be a resource group (/subscriptions/<id>/resourceGroups/<group>) or a resource in one "
                "(.../providers/<namespace>/<type>/<name>): Azure lists permissions at those scopes only; got %s" % p["scope"])

    def run():
        scope = p["scope"].rstrip("/") if p["scope"] else "/subscriptions/%s/resourceGroups/%s" % (az.subscription_id, p["resource_group"])
        blocks = [dict((k, list(b.get(k) or [])) for k in ("actions", "notActions", "dataActions", "notDataActions"))
                  for b in az.arm.list(scope + "/providers/Microsoft.Authorization/permissions", API_VERSION)]
        missing = rbac.missing(blocks, p["actions"]) + rbac.missing(blocks, p["data_actions"], data=True)
        wanted = list(p["actions"]) + list(p["data_actions"])
        return dict(changed=False, scope=scope, permissions=blocks, allowed=[a for a in wanted if a not in missing], missing=missing)

    az.run(run)


if __name__ == "__main__":
    main()
