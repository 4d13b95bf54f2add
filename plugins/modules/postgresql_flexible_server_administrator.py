#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_administrator
short_description: Add or remove a Microsoft Entra administrator of an Azure PostgreSQL flexible server
version_added: 0.4.0
description:
  - Makes a Microsoft Entra user, group or service principal an administrator of a PostgreSQL flexible server
    (C(Microsoft.DBforPostgreSQL/flexibleServers/administrators)), or removes it. Its members then log in with Entra tokens
    under the role of the same name, and can create the server's other Entra roles.
  - The server must accept Microsoft Entra authentication first (M(erpops.azure.postgresql_flexible_server) with
    O(erpops.azure.postgresql_flexible_server#module:authentication.microsoft_entra=true)); Azure refuses the administrator
    otherwise.
  - A group is the usual choice (the database administrators' team), so people come and go without touching the server.
  - Check mode is a plan. When the server does not exist yet (a run in check mode before it is created), the module
    predicts the resource it would create, with its resource ID and properties, and sends nothing. Outside check mode
    a missing server is an error before any write.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the server.
    type: str
    required: true
  server_name:
    description: Name of the flexible server.
    type: str
    required: true
  object_id:
    description: Object ID of the principal in Microsoft Entra ID (a GUID); it names the administrator resource.
    type: str
    required: true
  principal_name:
    description:
      - Name of the principal, which becomes the PostgreSQL role's name, for example the group's display name C(erp-dba), a
        user's C(dba@example.com) or a service principal's display name. Required with O(state=present).
    type: str
  principal_type:
    description: What the principal is.
    type: str
    default: Group
    choices: [User, Group, ServicePrincipal]
  tenant_id:
    description: Tenant of the principal. Unset, Azure takes the server's tenant.
    type: str
  state:
    description: Whether the principal should be an administrator.
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
- name: Let the database administrators' group administer the ERP server with Entra tokens
  erpops.azure.postgresql_flexible_server_administrator:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    object_id: 6f2b8a4e-1c3d-4e5f-9a7b-2c4d6e8f0a1b
    principal_name: erp-dba
    principal_type: Group

- name: Remove a former administrator
  erpops.azure.postgresql_flexible_server_administrator:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    object_id: 0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a
    state: absent
"""

RETURN = r"""
administrator:
  description: The administrator as Azure returns it; empty when it was removed.
  returned: always
  type: dict
  sample:
    id: /subscriptions/.../flexibleServers/erp-postgres-prod/administrators/6f2b8a4e-1c3d-4e5f-9a7b-2c4d6e8f0a1b
    name: erp-dba
    type: Microsoft.DBforPostgreSQL/flexibleServers/administrators
    properties:
      principalType: Group
      principalName: erp-dba
      objectId: 6f2b8a4e-1c3d-4e5f-9a7b-2c4d6e8f0a1b
      tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
operation:
  description: The pending change, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2024-08-01"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        server_name=dict(type="str", required=True),
        object_id=dict(type="str", required=True),
        principal_name=dict(type="str"),
        principal_type=dict(type="str", default="Group", choices=["User", "Group", "ServicePrincipal"]),
        tenant_id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, required_if=[("state", "present", ("principal_name",))])
    p = az.params
    for option in ("object_id", "tenant_id"):
        if p[option] and not GUID.match(p[option]):
            az.fail("%s must be a GUID (the Microsoft Entra object or tenant ID), got %r" % (option, p[option]))

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s/administrators/%s" % (
            az.subscription_id, p["resource_group"], p["server_name"], p["object_id"].lower())
        admin = Resource(az, path, API_VERSION, ci_paths=("properties.principalType",))
        if p["state"] == "absent":
            changed, _doc, diff, op = admin.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, administrator={}, diff=diff, **({"operation": op} if op else {}))
        props = {"principalName": p["principal_name"], "principalType": p["principal_type"]}
        if p["tenant_id"]:
            props["tenantId"] = p["tenant_id"]
        desired = {"properties": props}
        if admin.get() is None:  # a new one: its server must exist, or be planned in check mode
            parent_missing(az, path.rsplit("/administrators/", 1)[0], API_VERSION, "server %s in resource group %s" % (p["server_name"], p["resource_group"]))
        changed, doc, diff, op = admin.ensure_present(desired, body=desired, wait=p["wait"], wait_timeout=p["wait_timeout"])
        doc, diff = planned(az, path, changed, doc, diff)
        return dict(changed=changed, administrator=doc, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
