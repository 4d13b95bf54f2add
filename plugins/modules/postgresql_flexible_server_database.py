#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_database
short_description: Create or delete a database on an Azure PostgreSQL flexible server
version_added: 0.1.0
description:
  - Creates a database through Azure Resource Manager (C(flexibleServers/databases)), or drops it with all its data.
  - Character set and collation are fixed when a database is created. A different value for an existing database
    is refused before any request.
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
  name:
    description: Name of the database (1-63 characters).
    type: str
    required: true
  charset:
    description: Character set, for example C(UTF8). Azure uses C(UTF8) when unset. Set at creation only.
    type: str
  collation:
    description: Collation, for example C(en_US.utf8). Azure uses C(en_US.utf8) when unset. Set at creation only.
    type: str
  state:
    description: Whether the database should exist. V(absent) drops it with all its data.
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
- name: Create the ERP database
  erpops.azure.postgresql_flexible_server_database:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    name: erp
    charset: UTF8
    collation: en_US.utf8
"""

RETURN = r"""
database:
  description: The database as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/.../resourceGroups/erp-supermarket-production-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod/databases/erp
    name: erp
    properties: {charset: UTF8, collation: en_US.utf8}
operation:
  description: The pending change, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2024-08-01"


def _same(want, have):
    """Azure and PostgreSQL spell these without a fixed case or dash (UTF8, utf8, en_US.UTF-8, en_US.utf8)."""
    def norm(value):
        return str(value or "").replace("-", "").lower()
    return norm(want) == norm(have)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        server_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        charset=dict(type="str"),
        collation=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params

    def run():
        if not 1 <= len(p["name"]) <= 63:
            az.fail("name must be 1 to 63 characters (a PostgreSQL identifier), got %d" % len(p["name"]))
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s/databases/%s" % (
            az.subscription_id, p["resource_group"], p["server_name"], p["name"])
        db = Resource(az, path, API_VERSION)
        current = db.get()
        if p["state"] == "absent":
            changed, _doc, diff, op = db.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, database={}, diff=diff, **({"operation": op} if op else {}))
        if current is not None:
            have = current.get("properties") or {}
            for option, key in (("charset", "charset"), ("collation", "collation")):
                if p[option] and not _same(p[option], have.get(key)):
                    az.fail("%s can only be set when a database is created: %s has %s %s (asked %s); create a new database and move "
                            "the data to change it" % (option, p["name"], option, have.get(key), p[option]))
            return dict(changed=False, database=current, diff={"before": current, "after": current})
        body = {"properties": dict((k, v) for k, v in (("charset", p["charset"]), ("collation", p["collation"])) if v)}
        if current is None:  # a new one: its server must exist, or be planned in check mode
            parent_missing(az, path.rsplit("/databases/", 1)[0], API_VERSION, "server %s in resource group %s" % (p["server_name"], p["resource_group"]))
        changed, doc, diff, op = db.ensure_present(body, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        doc, diff = planned(az, path, changed, doc, diff)
        return dict(changed=changed, database=doc, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
