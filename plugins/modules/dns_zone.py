#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_zone
short_description: Create, update or delete an Azure DNS public zone
version_added: 0.1.0
description:
  - Creates a public DNS zone (C(Microsoft.Network/dnsZones)), keeps its tags as asked, or deletes it with all its record sets.
  - Azure creates the apex SOA and NS record sets with the zone; C(properties.nameServers) of RV(dns_zone) are the servers to
    delegate the domain to at its registrar.
  - Only the options you set are compared, so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Name of the resource group that holds the zone.
    type: str
    required: true
  name:
    description: The zone name, the domain it serves (C(erp.example.com)), 2 to 34 labels.
    type: str
    required: true
  tags:
    description: Tags of the zone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the zone should exist. Deleting a zone deletes every record set in it.
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
notes:
  - DNS zones are global resources; the module always sends the location C(global).
"""

EXAMPLES = r"""
- name: Create the ERP's DNS zone
  erpops.azure.dns_zone:
    resource_group: erp-supermarket-production-rg
    name: erp.example.com
    tags:
      application: erp
  register: zone

- name: Show the name servers to delegate to
  ansible.builtin.debug:
    msg: "{{ zone.dns_zone.properties.nameServers }}"

- name: Delete the zone and all its records
  erpops.azure.dns_zone:
    resource_group: erp-supermarket-production-rg
    name: erp.example.com
    state: absent
"""

RETURN = r"""
dns_zone:
  description: The zone as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Network/dnszones/erp.example.com
    name: erp.example.com
    type: Microsoft.Network/dnszones
    location: global
    tags: {application: erp}
    properties:
      nameServers: [ns1-07.azure-dns.com., ns2-07.azure-dns.net., ns3-07.azure-dns.org., ns4-07.azure-dns.info.]
      numberOfRecordSets: 2
      maxNumberOfRecordSets: 10000
      zoneType: Public
operation:
  description: The pending deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a deletion was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource

API_VERSION = "2018-05-01"


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnsZones/%s" % (az.subscription_id, p["resource_group"], p["name"])
        zone = Resource(az, path, API_VERSION)
        current = zone.get()
        if p["state"] == "absent":
            changed, _doc, diff, op = zone.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, dns_zone={}, diff=diff, **({"operation": op} if op else {}))
        tags = reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])
        desired = {"tags": tags}
        # The zone PUT carries location and tags only (zoneType Public is the default of 2018-05-01).
        body = {"location": "global", "tags": tags if tags is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = zone.ensure_present(desired, body=body)
        return dict(changed=changed, dns_zone=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
