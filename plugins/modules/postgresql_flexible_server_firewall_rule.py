#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_firewall_rule
short_description: Create, update or delete a firewall rule of an Azure PostgreSQL flexible server
version_added: 0.1.0
description:
  - Admits an IPv4 address range to a PostgreSQL flexible server with public access.
  - The addresses are checked before any request. Both must be IPv4 addresses, and the start must not come after the end.
  - The range V(0.0.0.0)-V(0.0.0.0) is Azure's "allow public access from any Azure service" rule. It admits every
    Azure service of B(any) customer, not only yours, so prefer the outbound addresses of your App Service.
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
    description: Name of the rule, 1-80 letters, digits, C(-) and C(_), starting with a letter or digit and not ending with C(-).
    type: str
    required: true
  start_ip_address:
    description: First IPv4 address of the range. Required with O(state=present).
    type: str
  end_ip_address:
    description: Last IPv4 address of the range. Required with O(state=present).
    type: str
  state:
    description: Whether the rule should exist.
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
- name: Admit the office network
  erpops.azure.postgresql_flexible_server_firewall_rule:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    name: x
    start_ip_address: 203.0.113.0
    end_ip_address: 203.0.113.255

- name: Admit all Azure services, as the guide does (risky, see the description)
  erpops.azure.postgresql_flexible_server_firewall_rule:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    name: AllowAllAzureServicesAndResourcesWithinAzureIps
    start_ip_address: 0.0.0.0
    end_ip_address: 0.0.0.0
"""

RETURN = r"""
firewall_rule:
  description: The rule as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/.../resourceGroups/erp-supermarket-production-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod/firewallRules/x
    name: x
    properties: {startIpAddress: 203.0.113.0, endIpAddress: 203.0.113.255}
operation:
  description: The pending change, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

import ipaddress
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2024-08-01"
NAME_RE = re.compile(r"^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}$")


def _address(az, option, value):
    try:
        return ipaddress.IPv4Address(to_text(value).strip())
    except ValueError:
        az.fail("%s must be an IPv4 address such as 203.0.113.10, got %r" % (option, value))
    return None


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        server_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        start_ip_address=dict(type="str"),
        end_ip_address=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, required_if=[("state", "present", ("start_ip_address", "end_ip_address"))])
    p = az.params

    def run():
        if not NAME_RE.match(p["name"]) or p["name"].endswith("-"):
            az.fail("name %r is not a valid firewall rule name: 1-80 letters, digits, '-' and '_', starting with a letter or digit and "
                    "not ending with '-'" % p["name"])
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s/firewallRules/%s" % (
            az.subscription_id, p["resource_group"], p["server_name"], p["name"])
        rule = Resource(az, path, API_VERSION)
        if p["state"] == "absent":
            changed, _doc, diff, op = rule.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, firewall_rule={}, diff=diff, **({"operation": op} if op else {}))
        start = _address(az, "start_ip_address", p["start_ip_address"])
        end = _address(az, "end_ip_address", p["end_ip_address"])
        if start > end:
            az.fail("start_ip_address %s comes after end_ip_address %s; give the lower address first" % (start, end))
        desired = {"properties": {"startIpAddress": str(start), "endIpAddress": str(end)}}
        if rule.get() is None:  # a new one: its server must exist, or be planned in check mode
            parent_missing(az, path.rsplit("/firewallRules/", 1)[0], API_VERSION, "server %s in resource group %s" % (p["server_name"], p["resource_group"]))
        changed, doc, diff, op = rule.ensure_present(desired, body=desired, wait=p["wait"], wait_timeout=p["wait_timeout"])
        doc, diff = planned(az, path, changed, doc, diff)
        return dict(changed=changed, firewall_rule=doc, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
