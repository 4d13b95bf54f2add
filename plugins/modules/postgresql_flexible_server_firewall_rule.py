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
  - With O(rules), several rules of the server in one task, applied one after another, each awaited (Azure runs one
    operation at a time on a server), each compared and written only when it differs.
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
    description:
      - Name of the rule, 1-80 letters, digits, C(-) and C(_), starting with a letter or digit and not ending with C(-).
      - Exactly one of O(name) and O(rules) is required.
    type: str
  rules:
    description:
      - Several rules of the server in one task, applied one after another in the order given, each awaited (Azure runs
        one operation at a time on a server; O(wait=false) takes a single O(name)). Each is a dict of this module's
        per-rule options (O(name), O(start_ip_address), O(end_ip_address), O(state)), validated as those options are; an
        option an element leaves out takes the task's top-level value.
      - The result then lists each rule in RV(per_resource), and the diff holds the changed rules by name.
    type: list
    elements: dict
  start_ip_address:
    description: First IPv4 address of the range. Required with O(state=present).
    type: str
  end_ip_address:
    description: Last IPv4 address of the range. Required with O(state=present).
    type: str
  state:
    description: Whether the rule (or, with O(rules), each rule that does not set its own) should exist.
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

- name: Admit the office network and remove the old VPN's rule, in one task
  erpops.azure.postgresql_flexible_server_firewall_rule:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    rules:
      - {name: office, start_ip_address: 203.0.113.0, end_ip_address: 203.0.113.255}
      - {name: old-vpn, state: absent}

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
  returned: with O(name)
  type: dict
  sample:
    id: /subscriptions/.../resourceGroups/erp-supermarket-production-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod/firewallRules/x
    name: x
    properties: {startIpAddress: 203.0.113.0, endIpAddress: 203.0.113.255}
per_resource:
  description:
    - With O(rules), one result per rule in the order given, each with the rule's C(name), C(changed), C(firewall_rule)
      and C(diff) (the collection's convention for a task that manages several resources; the deploy_summary callback
      counts each).
  returned: with O(rules)
  type: list
  elements: dict
  sample:
    - name: office
      changed: false
      firewall_rule: {id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
          /providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod/firewallRules/office", name: office,
                      properties: {startIpAddress: 203.0.113.0, endIpAddress: 203.0.113.255}}
      diff: {}
operation:
  description: The pending change, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

import ipaddress
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource, parameter_sets, per_resource_result
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2024-08-01"
NAME_RE = re.compile(r"^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}$")
PER_RULE = dict(
    name=dict(type="str"),
    start_ip_address=dict(type="str"),
    end_ip_address=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"]),
)


class _Rule(Resource):
    """A rule whose read answered 404 lets the ensure_present that follows use that answer: a new rule is read once, not
    twice. Any other read (a rule that exists, a read after a write) goes to Azure."""

    _absent_unused = False

    def get(self):
        if self._absent_unused:
            self._absent_unused = False
            return None
        self._absent_unused = Resource.get(self) is None
        return self.current


def _address(az, option, value):
    try:
        return ipaddress.IPv4Address(to_text(value).strip())
    except ValueError:
        az.fail("%s must be an IPv4 address such as 203.0.113.10, got %r" % (option, value))
    return None


def _checked(az, q, where):
    """The rule's (start, end) addresses (None with state=absent), checked before any request; ``where`` prefixes the messages
    (C(rules[i] (name): ) for an element of rules)."""
    if not NAME_RE.match(q["name"]) or q["name"].endswith("-"):
        az.fail("%sname %r is not a valid firewall rule name: 1-80 letters, digits, '-' and '_', starting with a letter or digit and "
                "not ending with '-'" % (where, q["name"]))
    if q["state"] == "absent":
        return None, None
    missing = [k for k in ("start_ip_address", "end_ip_address") if q[k] is None]
    if missing:
        az.fail("%sstate is present but all of the following are missing: %s" % (where, ", ".join(missing)))
    start = _address(az, where + "start_ip_address", q["start_ip_address"])
    end = _address(az, where + "end_ip_address", q["end_ip_address"])
    if start > end:
        az.fail("%sstart_ip_address %s comes after end_ip_address %s; give the lower address first" % (where, start, end))
    return start, end


def main():
    spec = dict(PER_RULE, resource_group=dict(type="str", required=True), server_name=dict(type="str", required=True),
                rules=dict(type="list", elements="dict"))
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, wait=True, mutually_exclusive=[("name", "rules")], required_one_of=[("name", "rules")])
    p = az.params
    if p["rules"] is not None and not p["wait"]:
        az.fail("rules are applied one after another, each awaited (Azure runs one operation at a time on a server); wait=false "
                "takes a single name")
    sets = parameter_sets(az, "rules", PER_RULE, required=("name",))
    where = ["" if p["rules"] is None else "rules[%d] (%s): " % (i, q["name"]) for i, q in enumerate(sets)]
    addresses = [_checked(az, q, w) for q, w in zip(sets, where)]
    names = [q["name"].lower() for q in sets]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        az.fail("rules: each rule must be named once (Azure's rule names ignore case); %s is given more than once" % ", ".join(twice))
    server_known = []  # the server was found (or, in check mode, found planned) by one rule: the others need not ask again

    def converge(q, start, end):
        server = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s" % (
            az.subscription_id, q["resource_group"], q["server_name"])
        path = "%s/firewallRules/%s" % (server, q["name"])
        rule = _Rule(az, path, API_VERSION)
        if q["state"] == "absent":
            changed, _doc, diff, op = rule.ensure_absent(wait=q["wait"], wait_timeout=q["wait_timeout"])
            return dict(changed=changed, firewall_rule={}, diff=diff, **({"operation": op} if op else {}))
        desired = {"properties": {"startIpAddress": str(start), "endIpAddress": str(end)}}
        if rule.get() is None and not server_known:  # a new one: its server must exist, or be planned in check mode
            parent_missing(az, server, API_VERSION, "server %s in resource group %s" % (q["server_name"], q["resource_group"]))
            server_known.append(server)
        changed, doc, diff, op = rule.ensure_present(desired, body=desired, wait=q["wait"], wait_timeout=q["wait_timeout"])
        doc, diff = planned(az, path, changed, doc, diff)
        return dict(changed=changed, firewall_rule=doc, diff=diff, **({"operation": op} if op else {}))

    def run():
        if p["rules"] is None:
            return converge(sets[0], *addresses[0])
        return per_resource_result([(q["name"], converge(q, *a)) for q, a in zip(sets, addresses)])

    az.run(run)


if __name__ == "__main__":
    main()
