#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_info
short_description: Read Azure Database for PostgreSQL flexible servers, their firewall rules, parameters, databases and backups
version_added: 0.1.0
description:
  - With O(name), returns that server with its firewall rules, server parameters, databases and automatic backups, the
    facts maintenance and audit playbooks read.
  - Without O(name), lists the servers of O(resource_group), or of the subscription, without their child resources.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of one server. Needs O(resource_group).
    type: str
  resource_group:
    description: Resource group to list or read in. Without it, every server of the subscription is listed.
    type: str
  configurations:
    description:
      - Names of the server parameters to return for a server read by O(name).
      - Unset returns the parameters changed from their default (C(source=user-override)) and those waiting for a restart.
      - An empty list returns none, without reading them.
    type: list
    elements: str
  include:
    description:
      - The child resources read with a server read by O(name), one listing each (followed through its pages); the others
        are not read and their keys are not returned. An empty list reads the server alone.
    type: list
    elements: str
    choices: [firewall_rules, backups, configurations, databases]
    default: [firewall_rules, backups, configurations, databases]
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
- name: Read the ERP database server, its rules, parameters, databases and backups
  erpops.azure.postgresql_flexible_server_info:
    name: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
    configurations: [require_secure_transport, log_connections]
  register: erp_db

- name: Read the server alone (its address and id), none of its child resources
  erpops.azure.postgresql_flexible_server_info:
    name: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
    include: []
  register: erp_db_alone

- name: Show the newest backup
  ansible.builtin.debug:
    msg: "{{ erp_db.servers[0].backups | map(attribute='properties.completedTime') | max }}"
"""

RETURN = r"""
servers:
  description:
    - The servers found, as Azure returns them (empty when O(name) does not exist).
    - With O(name), each carries C(firewall_rules), C(configurations), C(databases) and C(backups) lists (those of
      O(include)). C(configurations) and C(databases) are null for a stopped server, which Azure does not let read them.
  returned: always
  type: list
  elements: dict
  sample:
    - name: erp-postgres-prod
      location: westeurope
      sku: {name: Standard_D2s_v3, tier: GeneralPurpose}
      properties: {version: "15", state: Ready, administratorLogin: erpadmin, backup: {backupRetentionDays: 30}}
      firewall_rules:
        - name: AllowAllAzureServicesAndResourcesWithinAzureIps
          properties: {startIpAddress: 0.0.0.0, endIpAddress: 0.0.0.0}
      configurations:
        - name: require_secure_transport
          properties: {value: "on", source: system-default, isConfigPendingRestart: false}
      databases:
        - name: erp
          properties: {charset: UTF8, collation: en_US.utf8}
      backups:
        - name: daily_20260101T000000
          properties: {backupType: Full, source: Automatic, completedTime: "2026-01-01T00:05:00.000000+00:00"}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-08-01"
CHILDREN = ("firewall_rules", "backups", "configurations", "databases")


def main():
    az = AzureModule(dict(name=dict(type="str"), resource_group=dict(type="str"), configurations=dict(type="list", elements="str"),
                          include=dict(type="list", elements="str", choices=list(CHILDREN), default=list(CHILDREN))),
                     required_by={"name": "resource_group"})
    p = az.params

    def configurations(path):
        configs = az.arm.list(path + "/configurations", API_VERSION)
        if p["configurations"] is not None:
            names = {n.lower() for n in p["configurations"]}
            return [c for c in configs if c.get("name", "").lower() in names]
        return [c for c in configs if (c.get("properties") or {}).get("source") == "user-override"
                or (c.get("properties") or {}).get("isConfigPendingRestart")]

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        if p["name"]:
            path = "%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s" % (sub, p["resource_group"], p["name"])
            server = az.arm.get(path, API_VERSION)
            if server is None:
                return dict(changed=False, servers=[])
            include = set(p["include"])
            if "firewall_rules" in include:
                server["firewall_rules"] = az.arm.list(path + "/firewallRules", API_VERSION)
            if "backups" in include:
                server["backups"] = az.arm.list(path + "/backups", API_VERSION)
            stopped = (server.get("properties") or {}).get("state") == "Stopped"
            for key in ("configurations", "databases"):
                if key in include and stopped:
                    # Azure answers ServerStoppedError for parameters and databases of a stopped server.
                    server[key] = None
            if "configurations" in include and not stopped:
                server["configurations"] = configurations(path) if p["configurations"] != [] else []
            if "databases" in include and not stopped:
                server["databases"] = az.arm.list(path + "/databases", API_VERSION)
            return dict(changed=False, servers=[server])
        if p["resource_group"]:
            base = "%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers" % (sub, p["resource_group"])
        else:
            base = "%s/providers/Microsoft.DBforPostgreSQL/flexibleServers" % sub
        return dict(changed=False, servers=az.arm.list(base, API_VERSION))

    az.run(run)


if __name__ == "__main__":
    main()
