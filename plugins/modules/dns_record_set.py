#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_record_set
short_description: Create, update or delete a record set in an Azure DNS zone
version_added: 0.1.0
description:
  - Manages one record set (all records of one type at one name) of a public zone (C(Microsoft.Network/dnsZones/{type}/{name})).
  - Records are compared as a set, in any order; with O(purge_records=true) (the default) the record set holds exactly
    O(records), with V(false) O(records) are added to those it already has.
  - With O(state=absent) and no O(records), the record set is deleted; with O(records), only those records are removed
    (and the record set too when none is left).
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Name of the resource group that holds the zone.
    type: str
    required: true
  zone_name:
    description: Name of the DNS zone (C(erp.example.com)).
    type: str
    required: true
  name:
    description:
      - Name of the record set relative to the zone (C(www), C(asuid.www)); V(@) for the zone apex.
      - Exactly one of O(name) and O(record_sets) is required.
    type: str
  record_sets:
    description:
      - Several record sets of the zone in one task, converged one after another, each a dict of this module's per-set
        options (O(name), O(record_type), O(records), O(purge_records), O(ttl), O(metadata), O(state)), validated as those
        options are; an option an element leaves out takes the task's top-level value (the TTL they share, say).
      - The result then lists each record set in RV(per_resource) (named C(<type> <name>)), and the diff holds the changed ones.
    type: list
    elements: dict
  record_type:
    description:
      - Type of the records, required with O(name). The apex SOA and NS record sets belong to the zone and cannot be deleted.
      - A V(CNAME) record set holds exactly one record and cannot be at the apex.
    type: str
    choices: [A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT]
  records:
    description:
      - The records. Each is either a dict with the record's fields in snake_case (A C(ipv4_address); AAAA C(ipv6_address);
        CNAME C(cname); NS C(nsdname); PTR C(ptrdname); MX C(preference), C(exchange); SRV C(priority), C(weight), C(port),
        C(target); CAA C(flags), C(tag), C(value); TXT C(value), a string or a list of strings of at most 255 characters),
      - or, for A, AAAA, CNAME, NS, PTR and TXT, the plain value as a string (C(10.0.0.4), C(erp-supermarket-prod.azurewebsites.net)).
      - Required to create a record set.
    type: list
    elements: raw
  purge_records:
    description: Remove records not listed in O(records). With V(false), O(records) are added to the existing ones.
    type: bool
    default: true
  ttl:
    description: Time to live of the records, in seconds (0 to 2147483647). Azure uses 3600 when a new record set has none.
    type: int
  metadata:
    description: Metadata (name/value tags) of the record set; replaces the existing metadata.
    type: dict
  state:
    description: Whether the record set (or, with O(records), those records) should exist.
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
"""

EXAMPLES = r"""
- name: Point the apex and www at the web app, with the records that prove ownership, in one task
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    ttl: 3600
    record_sets:
      - {name: "@", record_type: A, records: [20.50.2.10]}
      - {name: asuid, record_type: TXT, records: ["{{ verification_id }}"]}
      - {name: www, record_type: CNAME, records: [erp-supermarket-prod.azurewebsites.net]}
      - {name: asuid.www, record_type: TXT, records: ["{{ verification_id }}"]}

- name: Prove ownership of www.erp.example.com to App Service
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    name: asuid.www
    record_type: TXT
    records:
      - "{{ hostname.verification_id }}"
    ttl: 3600

- name: Point www at the web app
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    name: www
    record_type: CNAME
    records:
      - erp-supermarket-prod.azurewebsites.net

- name: Add a mail exchanger, keeping the existing ones
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    name: "@"
    record_type: MX
    records:
      - preference: 10
        exchange: mail.example.com
    purge_records: false

- name: Delete the record set
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    name: www
    record_type: CNAME
    state: absent
"""

RETURN = r"""
dns_record_set:
  description: The record set as Azure returns it; empty when it was deleted.
  returned: with O(name)
  type: dict
  sample:
    name: www
    type: Microsoft.Network/dnszones/CNAME
    etag: 7f1c2a56-3d8e-4b39-9d1c-0f3a5b3c4d2e
    properties:
      TTL: 3600
      fqdn: www.erp.example.com.
      metadata: {}
      CNAMERecord: {cname: erp-supermarket-prod.azurewebsites.net}
      provisioningState: Succeeded
per_resource:
  description: With O(record_sets), one result per record set in order, with its C(name) (C(<type> <name>)), C(changed), C(dns_record_set), C(diff).
  returned: with O(record_sets)
  type: list
  elements: dict
  sample:
    - name: TXT asuid.www
      changed: false
      dns_record_set: {id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
          /providers/Microsoft.Network/dnszones/erp.example.com/TXT/asuid.www", name: asuid.www}
      diff: {}
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource, parameter_sets, per_resource_result

API_VERSION = "2018-05-01"
# record type -> (property of RecordSetProperties in api 2018-05-01, field a plain string fills)
RECORD_PROPS = {
    "A": ("ARecords", "ipv4Address"), "AAAA": ("AAAARecords", "ipv6Address"), "CAA": ("caaRecords", None),
    "CNAME": ("CNAMERecord", "cname"), "MX": ("MXRecords", None), "NS": ("NSRecords", "nsdname"), "PTR": ("PTRRecords", "ptrdname"),
    "SRV": ("SRVRecords", None), "TXT": ("TXTRecords", "value"),
}
FIELDS = {
    "A": ("ipv4Address",), "AAAA": ("ipv6Address",), "CAA": ("flags", "tag", "value"), "CNAME": ("cname",), "MX": ("preference", "exchange"),
    "NS": ("nsdname",), "PTR": ("ptrdname",), "SRV": ("priority", "weight", "port", "target"), "TXT": ("value",),
}


def camel(name):
    if name in ("ipv4_address", "ipv6_address"):
        return name[:4] + "Address"
    parts = name.split("_")
    return parts[0] + "".join(x[:1].upper() + x[1:] for x in parts[1:])


def snake(name):
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def to_wire(az, rtype, records):
    """The records in the REST shape, checked before any write."""
    out = []
    allowed = FIELDS[rtype]
    for i, rec in enumerate(records):
        if isinstance(rec, dict):
            wire = dict((camel(k), v) for k, v in rec.items())
            unknown = sorted(k for k in wire if k not in allowed)
            if unknown:
                az.fail("records[%d]: unknown field(s) %s for a %s record; the fields are %s"
                        % (i, ", ".join(snake(k) for k in unknown), rtype, ", ".join(snake(f) for f in allowed)))
        elif isinstance(rec, (str, int, float)) and not isinstance(rec, bool) and RECORD_PROPS[rtype][1]:
            wire = {RECORD_PROPS[rtype][1]: str(rec)}
        else:
            az.fail("records[%d]: a %s record must be a dict with the fields %s" % (i, rtype, ", ".join(snake(f) for f in allowed)))
        missing = [f for f in allowed if wire.get(f) in (None, "") and not (rtype == "CAA" and f == "flags")]
        if missing:
            az.fail("records[%d]: a %s record needs %s" % (i, rtype, ", ".join(snake(f) for f in missing)))
        if rtype == "TXT":
            value = wire["value"]
            wire["value"] = [value] if isinstance(value, str) else [str(v) for v in value]
            if any(len(v.encode("utf-8")) > 255 for v in wire["value"]):
                az.fail("records[%d]: each string of a TXT record can be at most 255 characters; split longer values into a list" % i)
        if rtype == "CAA":
            wire.setdefault("flags", 0)
        for key in ("preference", "priority", "weight", "port", "flags"):
            if key in wire:
                try:
                    wire[key] = int(wire[key])
                except (TypeError, ValueError):
                    az.fail("records[%d]: %s must be an integer" % (i, snake(key)))
        out.append(wire)
    return out


def same(a, b):
    return not reconcile.differences(a, b) and not reconcile.differences(b, a)


PER_SET = dict(
    name=dict(type="str"),
    record_type=dict(type="str", choices=sorted(RECORD_PROPS)),
    records=dict(type="list", elements="raw"),
    purge_records=dict(type="bool"),
    ttl=dict(type="int"),
    metadata=dict(type="dict"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = dict(PER_SET, resource_group=dict(type="str", required=True), zone_name=dict(type="str", required=True),
                record_sets=dict(type="list", elements="dict"))
    spec["purge_records"] = dict(type="bool", default=True)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, mutually_exclusive=[("name", "record_sets")], required_one_of=[("name", "record_sets")],
                     required_by={"name": ("record_type",)})
    p = az.params
    sets = parameter_sets(az, "record_sets", PER_SET, required=("name", "record_type"))

    def converge(q):
        rtype = q["record_type"]
        prop = RECORD_PROPS[rtype][0]
        if q["ttl"] is not None and not 0 <= q["ttl"] <= 2147483647:
            az.fail("ttl must be between 0 and 2147483647 seconds, not %d" % q["ttl"])
        records = to_wire(az, rtype, q["records"]) if q["records"] is not None else None
        if rtype == "CNAME" and records is not None and len(records) != 1 and q["state"] == "present":
            az.fail("a CNAME record set holds exactly one record; records has %d" % len(records))
        if rtype == "CNAME" and q["name"] == "@":
            az.fail("a CNAME record set cannot be at the zone apex (@); use an A record there")
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnsZones/%s/%s/%s" % (
            az.subscription_id, q["resource_group"], q["zone_name"], rtype, q["name"])
        rs = Resource(az, path, API_VERSION, unordered=("properties." + prop,), exact=("properties.metadata",),
                      read_only_properties=("provisioningState", "fqdn"))
        current = rs.get()
        have = (current or {}).get("properties") or {}
        have_records = have.get(prop) if rtype != "CNAME" else ([have[prop]] if have.get(prop) else [])
        have_records = have_records or []

        if q["state"] == "absent":
            if records is None or current is None:
                changed, _doc, diff, _op = rs.ensure_absent()
                return dict(changed=changed, dns_record_set={}, diff=diff)
            keep = [r for r in have_records if not any(same(r, w) for w in records)]
            if len(keep) == len(have_records):
                return dict(changed=False, dns_record_set=current, diff={"before": current, "after": current})
            if not keep:
                changed, _doc, diff, _op = rs.ensure_absent()
                return dict(changed=changed, dns_record_set={}, diff=diff)
            records, q["purge_records"] = keep, True

        if current is None and records is None:
            az.fail("records is required to create the %s record set %s in zone %s" % (rtype, q["name"], q["zone_name"]))
        if records is not None and not q["purge_records"]:
            records = have_records + [w for w in records if not any(same(w, r) for r in have_records)]
        want_records = None
        if records is not None:
            want_records = records[0] if rtype == "CNAME" else records
        desired = {"properties": {"TTL": q["ttl"], "metadata": q["metadata"], prop: want_records}}
        # A record set PUT replaces it whole: send everything it should hold.
        body = {"properties": reconcile.merge(dict((k, v) for k, v in have.items() if k not in ("fqdn", "provisioningState", "targetResource")),
                                              desired["properties"])}
        if rtype != "CNAME" and want_records is not None:
            body["properties"][prop] = want_records
        changed, doc, diff, _op = rs.ensure_present(desired, body=body)
        return dict(changed=changed, dns_record_set=doc, diff=diff)

    def run():
        if p["record_sets"] is None:
            return converge(p)
        return per_resource_result([("%s %s" % (q["record_type"], q["name"]), converge(q)) for q in sets])

    az.run(run)


if __name__ == "__main__":
    main()
