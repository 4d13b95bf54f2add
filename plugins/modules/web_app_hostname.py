#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_hostname
short_description: Bind a custom hostname to an Azure web app or slot, and say which DNS records it needs
version_added: 0.1.0
description:
  - Adds or removes a custom hostname binding (C(Microsoft.Web/sites/hostNameBindings)) of a web app or of one of its slots.
  - Azure binds a hostname only when public DNS proves the domain is yours. Until the hostname is bound the module returns
    RV(dns_records), the records the binding needs (also in check mode and when the binding fails), so a play can create them with
    M(erpops.azure.dns_record_set) first; a TXT record C(asuid.<hostname>) holding RV(verification_id), and a CNAME to
    C(<app>.azurewebsites.net) for a subdomain or an A record to the app's inbound IP address for an apex domain.
  - When the records are missing, Azure's error (C(04006), "A TXT record pointing from asuid... was not found") is the message.
  - A hostname already bound costs one read (its binding); the app itself is read only to bind a hostname, so
    RV(dns_records) and RV(verification_id) come with a binding to make (or to predict), not with one that exists.
  - TLS is bound with M(erpops.azure.web_app_certificate); this module leaves C(sslState) alone.
  - With O(hostnames), several hostnames of the app in one task and one module run (one read each when bound).
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  web_app:
    description: Name of the web app.
    type: str
    required: true
  slot:
    description: Name of a deployment slot of the web app; the binding is then on the slot.
    type: str
  hostname:
    description:
      - The custom hostname (C(erp.example.com), C(www.erp.example.com)), without a trailing dot; case does not matter.
      - Exactly one of O(hostname) and O(hostnames) is required.
    type: str
  hostnames:
    description:
      - Several hostnames of the app (or slot) in one task, converged one after another, each a dict of this module's
        per-hostname options (O(hostname), O(custom_host_name_dns_record_type), O(force), O(state)), validated as those
        options are; an option an element leaves out takes the task's top-level value.
      - The result then lists each hostname in RV(per_resource) (named by the hostname), and the diff holds the changed ones.
    type: list
    elements: dict
  custom_host_name_dns_record_type:
    description:
      - How the hostname routes to the app (C(customHostNameDnsRecordType)), which decides the record of RV(dns_records).
      - V(CName) for a subdomain, V(A) for an apex domain (a zone apex cannot hold a CNAME).
      - Defaults to V(A) for a two-label hostname (C(example.com)) and V(CName) otherwise.
    type: str
    choices: [CName, A]
  force:
    description:
      - Deleting a binding that still has a TLS binding (C(sslState) C(SniEnabled) or C(IpBasedEnabled)) takes HTTPS away
        from the hostname at once; the module refuses it unless this is V(true).
      - Remove the TLS binding first with M(erpops.azure.web_app_certificate) O(erpops.azure.web_app_certificate#module:state=absent).
    type: bool
    default: false
  state:
    description: Whether the hostname should be bound.
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
- name: Learn the DNS records www.erp.example.com needs
  erpops.azure.web_app_hostname:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com
  check_mode: true
  register: hostname

- name: Create the records in the zone
  erpops.azure.dns_record_set:
    resource_group: erp-supermarket-production-rg
    zone_name: erp.example.com
    name: "{{ item.name | replace('.erp.example.com', '') }}"
    record_type: "{{ item.type }}"
    records: ["{{ item.value }}"]
  loop: "{{ hostname.dns_records }}"

- name: Bind the hostname
  erpops.azure.web_app_hostname:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com

- name: Bind the apex (routed by its A record) and www in one task
  erpops.azure.web_app_hostname:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostnames:
      - {hostname: erp.example.com, custom_host_name_dns_record_type: A}
      - {hostname: www.erp.example.com}
  register: bindings

- name: Remove the hostname
  erpops.azure.web_app_hostname:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com
    state: absent
"""

RETURN = r"""
hostname_binding:
  description: The binding as Azure returns it; empty when the hostname is not bound.
  returned: with O(hostname)
  type: dict
  sample:
    name: erp-supermarket-prod/www.erp.example.com
    type: Microsoft.Web/sites/hostNameBindings
    properties:
      siteName: erp-supermarket-prod
      hostNameType: Verified
      customHostNameDnsRecordType: CName
      sslState: Disabled
      thumbprint: null
dns_records:
  description:
    - The public DNS records the binding needs, by fully qualified name. C(value) is the record's content; for an A record
      it is the app's inbound IP address as the site reports it (C(inboundIpAddress)), or null when the site does not report it.
  returned: when O(state=present) and the hostname was not bound yet
  type: list
  elements: dict
  sample:
    - {type: TXT, name: asuid.www.erp.example.com, value: 8F2C6A...E41B}
    - {type: CNAME, name: www.erp.example.com, value: erp-supermarket-prod.azurewebsites.net}
verification_id:
  description: The app's C(customDomainVerificationId), the value of the C(asuid) TXT record.
  returned: when O(state=present) and the hostname was not bound yet
  type: str
  sample: 8F2C6A0D3B5E4F7A9C1D2E3F405162738495A6B7C8D9E0F1A2B3C4D5E6F7E41B
per_resource:
  description:
    - With O(hostnames), one result per hostname in order, with its C(name) (the hostname), C(changed), C(hostname_binding),
      C(diff), and C(dns_records) and C(verification_id) when it was not bound yet.
  returned: with O(hostnames)
  type: list
  elements: dict
  sample:
    - name: www.erp.example.com
      changed: false
      hostname_binding: {name: erp-supermarket-prod/www.erp.example.com, properties: {sslState: SniEnabled}}
      diff: {}
"""

from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE, AzureModule, parameter_sets, per_resource_result

API_VERSION = "2024-11-01"
TLS_STATES = ("snienabled", "ipbasedenabled")


PER_HOSTNAME = dict(
    hostname=dict(type="str"),
    custom_host_name_dns_record_type=dict(type="str", choices=["CName", "A"]),
    force=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = dict(PER_HOSTNAME, resource_group=dict(type="str", required=True), web_app=dict(type="str", required=True),
                slot=dict(type="str"), hostnames=dict(type="list", elements="dict"))
    spec["force"] = dict(type="bool", default=False)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, mutually_exclusive=[("hostname", "hostnames")], required_one_of=[("hostname", "hostnames")])
    p = az.params
    sets = parameter_sets(az, "hostnames", PER_HOSTNAME, required=("hostname",))
    for i, q in enumerate(sets):
        host = q["hostname"].lower().rstrip(".")
        if not host or "." not in host or " " in host:
            az.fail("%shostname must be a fully qualified domain name such as www.erp.example.com, not %r"
                    % ("" if p["hostnames"] is None else "hostnames[%d]: " % i, q["hostname"]))
    site_path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (az.subscription_id, p["resource_group"], p["web_app"])
    if p["slot"]:
        site_path += "/slots/%s" % p["slot"]
    sites = {}

    def read_site():
        """The app, read once for all the hostnames to bind; in check mode a planned one when it does not exist yet."""
        if "site" in sites:
            return sites["site"]
        site = az.arm.get(site_path, API_VERSION)
        if site is None:
            what = p["web_app"] + (" slot %s" % p["slot"] if p["slot"] else "")
            az.parent_missing("web app %s not found in resource group %s" % (what, p["resource_group"]))
            # Check mode: the app is only planned. Azure names its host <app>.azurewebsites.net (<app>-<slot> for a slot);
            # its verification id and inbound address are only known once it exists.
            site = {"properties": {
                "customDomainVerificationId": KNOWN_AFTER_CREATE, "inboundIpAddress": KNOWN_AFTER_CREATE,
                "defaultHostName": "%s%s.azurewebsites.net" % (p["web_app"].lower(), "-" + p["slot"].lower() if p["slot"] else "")}}
        sites["site"] = site
        return site

    def converge(q):
        host = q["hostname"].lower().rstrip(".")
        path = "%s/hostNameBindings/%s" % (site_path, host)
        # The binding first: when it exists the app does too, and a second run needs no other read. A binding of a
        # missing app answers 404 like a missing binding, so the app is read only then.
        current = az.arm.get(path, API_VERSION)
        if q["state"] == "absent":
            if current is None:
                return dict(changed=False, hostname_binding={}, diff={"before": {}, "after": {}})
            ssl = str((current.get("properties") or {}).get("sslState") or "").lower()
            if ssl in TLS_STATES and not q["force"]:
                az.fail("hostname %s still has a TLS binding (sslState %s, thumbprint %s); remove it first with erpops.azure.web_app_certificate "
                        "state=absent, or set force=true" % (host, current["properties"]["sslState"], current["properties"].get("thumbprint")))
            if not az.check_mode:
                az.arm.request("DELETE", path, API_VERSION, expect=(200, 204))
            return dict(changed=True, hostname_binding={}, diff={"before": current, "after": {}})

        if current is not None:
            # Bound already: Azure verified its records when it bound it (see dns_records).
            return dict(changed=False, hostname_binding=current, diff={"before": current, "after": current})
        props = read_site().get("properties") or {}
        vid = props.get("customDomainVerificationId")
        rtype = q["custom_host_name_dns_record_type"] or ("A" if len(host.split(".")) == 2 else "CName")
        records = [{"type": "TXT", "name": "asuid." + (host[2:] if host.startswith("*.") else host), "value": vid}]
        if rtype == "A":
            records.append({"type": "A", "name": host, "value": props.get("inboundIpAddress")})
        else:
            default_host = props.get("defaultHostName") or "%s.azurewebsites.net" % p["web_app"]
            records.append({"type": "CNAME", "name": host, "value": default_host})
        out = dict(dns_records=records, verification_id=vid)
        site_name = p["web_app"] + ("(%s)" % p["slot"] if p["slot"] else "")
        body = {"properties": {"siteName": site_name, "hostNameType": "Verified", "customHostNameDnsRecordType": rtype}}
        predicted = {"id": path, "name": host, "properties": dict(body["properties"], sslState="Disabled")}
        if az.check_mode:
            return dict(changed=True, hostname_binding=predicted, diff={"before": {}, "after": predicted}, **out)
        try:
            status, _hdrs, doc = az.arm.request("PUT", path, API_VERSION, body=body, expect=(200, 201))
        except AzureApiError as exc:
            az.fail("binding %s failed: %s; create the DNS records in dns_records first" % (host, exc.describe()), status=exc.status,
                    error_code=exc.code, **out)
        del status
        return dict(changed=True, hostname_binding=doc, diff={"before": {}, "after": doc}, **out)

    def run():
        if p["hostnames"] is None:
            return converge(p)
        return per_resource_result([(q["hostname"].lower().rstrip("."), converge(q)) for q in sets])

    az.run(run)


if __name__ == "__main__":
    main()
