#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_service_domain
short_description: Buy an App Service Domain and manage its renewal, privacy and deletion
version_added: 0.1.0
description:
  - Buys a domain name (C(Microsoft.DomainRegistration/domains)) through Azure, keeps its automatic renewal and privacy
    protection as asked, or deletes it.
  - B(Buying a domain is a payment) charged to the subscription. The module buys only with O(accept_agreements=true).
    It first checks that the name is available (C(checkDomainAvailability)) and fetches the legal agreements of the
    top-level domain (C(listAgreements)); without the consent it fails before any write and lists the agreements to read.
  - With O(dns_type=AzureDns) the purchase creates an Azure DNS zone of the same name in O(resource_group) and delegates the
    domain to it; manage its records with M(erpops.azure.dns_record_set).
  - Contacts, DNS type and consent are used only to buy the domain. Azure never returns the contacts, so they are not
    compared afterwards; change them in the domain's management page of the Azure portal.
  - Only O(auto_renew) and O(privacy) are updated on an existing domain, and only when they differ.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Name of the resource group that holds the domain (and, with O(dns_type=AzureDns), its DNS zone).
    type: str
    required: true
  name:
    description: The domain name to buy (C(votre-domaine.com)), a single label under a top-level domain Azure sells; case does not matter.
    type: str
    required: true
  contact:
    description:
      - The contact used for the four roles (administrative, billing, registrant, technical) unless O(contact_admin),
        O(contact_billing), O(contact_registrant) or O(contact_tech) gives another one.
      - Required to buy the domain, unless all four role contacts are given. Phone numbers and e-mail addresses are
        masked in the diff.
    type: dict
    suboptions:
      name_first:
        description: First name.
        type: str
        required: true
      name_last:
        description: Last name.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number in the format C(+<country code>.<number>), for example C(+33.612345678).
        type: str
        required: true
      organization:
        description: Organization name.
        type: str
      address:
        description: Mailing address.
        type: dict
        suboptions:
          address1:
            description: First address line.
            type: str
            required: true
          address2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: State or province.
            type: str
            required: true
          postal_code:
            description: Postal code.
            type: str
            required: true
          country:
            description: Two-letter ISO 3166 country code (C(FR)).
            type: str
            required: true
  contact_admin:
    description: The administrative contact (C(contactAdmin)), when it is not O(contact).
    type: dict
    suboptions:
      name_first:
        description: First name.
        type: str
        required: true
      name_last:
        description: Last name.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number in the format C(+<country code>.<number>), for example C(+33.612345678).
        type: str
        required: true
      organization:
        description: Organization name.
        type: str
      address:
        description: Mailing address.
        type: dict
        suboptions:
          address1:
            description: First address line.
            type: str
            required: true
          address2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: State or province.
            type: str
            required: true
          postal_code:
            description: Postal code.
            type: str
            required: true
          country:
            description: Two-letter ISO 3166 country code (C(FR)).
            type: str
            required: true
  contact_billing:
    description: The billing contact (C(contactBilling)), when it is not O(contact).
    type: dict
    suboptions:
      name_first:
        description: First name.
        type: str
        required: true
      name_last:
        description: Last name.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number in the format C(+<country code>.<number>), for example C(+33.612345678).
        type: str
        required: true
      organization:
        description: Organization name.
        type: str
      address:
        description: Mailing address.
        type: dict
        suboptions:
          address1:
            description: First address line.
            type: str
            required: true
          address2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: State or province.
            type: str
            required: true
          postal_code:
            description: Postal code.
            type: str
            required: true
          country:
            description: Two-letter ISO 3166 country code (C(FR)).
            type: str
            required: true
  contact_registrant:
    description: The registrant, the domain's legal owner (C(contactRegistrant)), when it is not O(contact).
    type: dict
    suboptions:
      name_first:
        description: First name.
        type: str
        required: true
      name_last:
        description: Last name.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number in the format C(+<country code>.<number>), for example C(+33.612345678).
        type: str
        required: true
      organization:
        description: Organization name.
        type: str
      address:
        description: Mailing address.
        type: dict
        suboptions:
          address1:
            description: First address line.
            type: str
            required: true
          address2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: State or province.
            type: str
            required: true
          postal_code:
            description: Postal code.
            type: str
            required: true
          country:
            description: Two-letter ISO 3166 country code (C(FR)).
            type: str
            required: true
  contact_tech:
    description: The technical contact (C(contactTech)), when it is not O(contact).
    type: dict
    suboptions:
      name_first:
        description: First name.
        type: str
        required: true
      name_last:
        description: Last name.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number in the format C(+<country code>.<number>), for example C(+33.612345678).
        type: str
        required: true
      organization:
        description: Organization name.
        type: str
      address:
        description: Mailing address.
        type: dict
        suboptions:
          address1:
            description: First address line.
            type: str
            required: true
          address2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: State or province.
            type: str
            required: true
          postal_code:
            description: Postal code.
            type: str
            required: true
          country:
            description: Two-letter ISO 3166 country code (C(FR)).
            type: str
            required: true
  auto_renew:
    description: Renew the domain automatically each year before it expires (C(autoRenew)).
    type: bool
    default: true
  privacy:
    description:
      - Hide the contacts from the public WHOIS directory (C(privacy)).
      - Some top-level domains (C(co.uk), C(in)) do not offer it; set V(false) for them.
    type: bool
    default: true
  dns_type:
    description:
      - Where the domain's DNS is hosted (C(dnsType)). V(AzureDns) creates an Azure DNS zone in O(resource_group);
        V(DefaultDomainRegistrarDns) uses the registrar's name servers.
      - Defaults to V(AzureDns) when buying. A bought domain cannot change it here.
    type: str
    choices: [AzureDns, DefaultDomainRegistrarDns]
  agreed_by:
    description:
      - The public IP address of the person who accepts the agreements (C(consent.agreedBy)), which Azure records with
        the purchase. Only used to buy the domain.
      - When unset, a purchase records the IPv4 address of the default route of the host that runs the module (the
        address C(ansible_default_ipv4) reports; no packet is sent to find it); the module fails before buying when
        that host has no default route.
    type: str
  accept_agreements:
    description:
      - Consent to the legal agreements of the top-level domain (the registration agreement, and the privacy proxy
        agreement with O(privacy=true)), and so to the purchase. Required to buy a domain.
      - With V(false) the module fails before buying and lists the agreements' titles and addresses.
    type: bool
    default: false
  force_delete:
    description:
      - Deleting a domain gives up the name (Azure keeps it soft-deleted for a while; buying it again restores it).
        The module refuses to delete a domain unless this is V(true).
    type: bool
    default: false
  state:
    description: Whether the domain should be owned.
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
  - Azure refuses domain purchases from free-trial and credit-only subscriptions.
  - The purchase is a long-running operation; with O(wait=false) pass RV(operation) to M(erpops.azure.operation_wait).
"""

EXAMPLES = r"""
- name: Buy the ERP's domain with an Azure DNS zone
  erpops.azure.app_service_domain:
    resource_group: erp-supermarket-production-rg
    name: votre-domaine.com
    contact:
      name_first: Camille
      name_last: Martin
      email: camille.martin@votre-domaine.com
      phone: "+33.612345678"
      organization: Supermarché Martin
      address:
        address1: 12 rue de la République
        city: Lyon
        state: Rhône
        postal_code: "69002"
        country: FR
    agreed_by: 203.0.113.10
    accept_agreements: true
  register: domain

- name: Show the name servers and the DNS zone
  ansible.builtin.debug:
    msg: "{{ domain.name_servers }} / {{ domain.dns_zone_id }}"

- name: Turn automatic renewal off
  erpops.azure.app_service_domain:
    resource_group: erp-supermarket-production-rg
    name: votre-domaine.com
    auto_renew: false

- name: Give the domain up
  erpops.azure.app_service_domain:
    resource_group: erp-supermarket-production-rg
    name: votre-domaine.com
    state: absent
    force_delete: true
"""

RETURN = r"""
domain:
  description: The domain as Azure returns it (without contacts); empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/\
      Microsoft.DomainRegistration/domains/votre-domaine.com"
    name: votre-domaine.com
    type: Microsoft.DomainRegistration/domains
    location: global
    properties:
      registrationStatus: Active
      provisioningState: Succeeded
      autoRenew: true
      privacy: true
      dnsType: AzureDns
      nameServers: [ns1-01.azure-dns.com, ns2-01.azure-dns.net, ns3-01.azure-dns.org, ns4-01.azure-dns.info]
      expirationTime: "2027-11-25T20:53:56Z"
name_servers:
  description: The name servers the domain is delegated to.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [ns1-01.azure-dns.com, ns2-01.azure-dns.net, ns3-01.azure-dns.org, ns4-01.azure-dns.info]
dns_zone_id:
  description: Resource ID of the Azure DNS zone that serves the domain; null with the registrar's DNS or before the purchase ends.
  returned: when O(state=present)
  type: str
  sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/\
    Microsoft.Network/dnszones/votre-domaine.com"
expiration_time:
  description: When the registration expires (ISO 8601); null before the purchase ends.
  returned: when O(state=present)
  type: str
  sample: "2027-11-25T20:53:56Z"
agreements:
  description: The legal agreements consented to (or to read before setting O(accept_agreements=true)).
  returned: when a purchase is made or predicted, and on the failure that asks for consent
  type: list
  elements: dict
  sample:
    - {agreement_key: DNRA, title: Domain Name Registration Agreement, url: "https://www.secureserver.net/agreements/ShowDoc.aspx?pageid=reg_sa"}
operation:
  description: The pending purchase, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a purchase was started and not awaited
  type: dict
"""

import ipaddress
import re
import socket
from datetime import datetime, timezone

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"
ROLES = (("contact_admin", "contactAdmin"), ("contact_billing", "contactBilling"), ("contact_registrant", "contactRegistrant"),
         ("contact_tech", "contactTech"))
# The format App Service Domains require (Learn "Buy an App Service domain"; az CLI contact template "+1.2065550100").
PHONE = re.compile(r"^\+\d{1,3}\.\d{4,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
# Contacts are personal data: the diff shows who, never how to reach them.
PERSONAL_KEYS = ("phone", "email", "fax")
ADDRESS_SPEC = dict(address1=dict(type="str", required=True), address2=dict(type="str"), city=dict(type="str", required=True),
                    state=dict(type="str", required=True), postal_code=dict(type="str", required=True),
                    country=dict(type="str", required=True))
CONTACT_SPEC = dict(name_first=dict(type="str", required=True), name_last=dict(type="str", required=True),
                    email=dict(type="str", required=True), phone=dict(type="str", required=True), organization=dict(type="str"),
                    address=dict(type="dict", options=ADDRESS_SPEC))


def contact_body(option, c):
    """The ARM Contact of one role, after checking what Azure would refuse."""
    problems = []
    if not PHONE.match(c["phone"]):
        problems.append("%s.phone must look like +<country code>.<number> (for example +33.612345678), not %r" % (option, c["phone"]))
    if not EMAIL.match(c["email"]):
        problems.append("%s.email is not an e-mail address: %r" % (option, c["email"]))
    body = {"nameFirst": c["name_first"], "nameLast": c["name_last"], "email": c["email"], "phone": c["phone"]}
    if c.get("organization"):
        body["organization"] = c["organization"]
    a = c.get("address")
    if a:
        if not COUNTRY.match(a["country"]):
            problems.append("%s.address.country must be a two-letter ISO 3166 code (FR, BE, US), not %r" % (option, a["country"]))
        fields = (("address1", a["address1"]), ("address2", a.get("address2")), ("city", a["city"]), ("state", a["state"]),
                  ("postalCode", a["postal_code"]), ("country", a["country"].upper()))
        body["addressMailing"] = dict((k, v) for k, v in fields if v)
    return body, problems


def default_route_address():
    """The source address of this host's IPv4 default route (a UDP socket's connect sends nothing), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): only the route is looked up
            return sock.getsockname()[0]
    except OSError:
        return None


def public(doc):
    """The domain without contacts or consent (create-only personal data, should a service ever echo it)."""
    if not doc:
        return {}
    out = dict(doc)
    out["properties"] = dict((k, v) for k, v in (doc.get("properties") or {}).items() if not k.startswith("contact") and k != "consent")
    return out


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        contact=dict(type="dict", options=CONTACT_SPEC),
        contact_admin=dict(type="dict", options=CONTACT_SPEC),
        contact_billing=dict(type="dict", options=CONTACT_SPEC),
        contact_registrant=dict(type="dict", options=CONTACT_SPEC),
        contact_tech=dict(type="dict", options=CONTACT_SPEC),
        auto_renew=dict(type="bool", default=True),
        privacy=dict(type="bool", default=True),
        dns_type=dict(type="str", choices=["AzureDns", "DefaultDomainRegistrarDns"]),
        agreed_by=dict(type="str"),
        accept_agreements=dict(type="bool", default=False),
        force_delete=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    name = p["name"].strip().lower().rstrip(".")

    def result(changed, doc, diff, **extra):
        props = (doc or {}).get("properties") or {}
        out = dict(changed=changed, domain=public(doc), diff=diff, **extra)
        if p["state"] == "present":
            out.update(name_servers=props.get("nameServers") or [], dns_zone_id=props.get("dnsZoneId"), expiration_time=props.get("expirationTime"))
        return out

    def redacted(doc):
        return reconcile.redact(public(doc) if doc else {}, secret_keys=PERSONAL_KEYS)

    def buy(path):
        contacts = {}
        problems = []
        for option, prop in ROLES:
            chosen = p[option] or p["contact"]
            if chosen is None:
                problems.append("%s (or contact) is required to buy %s" % (option, name))
                continue
            contacts[prop], found = contact_body(option if p[option] else "contact", chosen)
            problems.extend(f for f in found if f not in problems)
        agreed_by = p["agreed_by"] or default_route_address()
        if not agreed_by:
            problems.append("agreed_by (the public IP address of the person accepting the agreements) is required to buy %s: this host has"
                            " no default route to take it from" % name)
        else:
            try:
                ipaddress.ip_address(agreed_by)
            except ValueError:
                problems.append("agreed_by must be an IP address (203.0.113.10), not %r" % agreed_by)
        if problems:
            az.fail("; ".join(problems))
        sub = "/subscriptions/%s/providers/Microsoft.DomainRegistration" % az.subscription_id
        tlds = az.arm.list(sub + "/topLevelDomains", API_VERSION)
        tld = next((t for t in sorted(tlds, key=lambda t: -len(t["name"])) if name.endswith("." + t["name"].lower())), None)
        if tld is None or "." in name[: -(len(tld["name"]) + 1)]:
            az.fail("name %s is not a single label under a top-level domain App Service Domains sells (%s)"
                    % (name, ", ".join(sorted(t["name"] for t in tlds))))
        if p["privacy"] and not (tld.get("properties") or {}).get("privacy"):
            az.fail("the top-level domain %s does not offer privacy protection; set privacy=false to buy %s" % (tld["name"], name))
        _status, _hdrs, avail = az.arm.request("POST", sub + "/checkDomainAvailability", API_VERSION, body={"name": name}, expect=(200,),
                                               read_only=True)
        if not (avail or {}).get("available"):
            az.fail("domain %s is not available for purchase (someone else owns it, or Azure cannot sell it); choose another name" % name)
        _status, _hdrs, listed = az.arm.request("POST", "%s/topLevelDomains/%s/listAgreements" % (sub, tld["name"]), API_VERSION,
                                                body={"includePrivacy": bool(p["privacy"]), "forTransfer": False}, expect=(200,), read_only=True)
        agreements = [{"agreement_key": a.get("agreementKey"), "title": a.get("title"), "url": a.get("url")} for a in (listed or {}).get("value") or []]
        if not p["accept_agreements"]:
            az.fail("buying %s is a payment and needs your consent to the legal agreements of .%s: %s; read them, then set accept_agreements=true"
                    % (name, tld["name"], "; ".join("%s (%s) %s" % (a["title"], a["agreement_key"], a["url"]) for a in agreements)),
                    agreements=agreements)
        props = dict(contacts)
        props.update({"privacy": p["privacy"], "autoRenew": p["auto_renew"], "dnsType": p["dns_type"] or "AzureDns",
                      "consent": {"agreementKeys": [a["agreement_key"] for a in agreements], "agreedBy": agreed_by,
                                  "agreedAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}})
        body = {"location": "global", "properties": props}
        predicted = {"id": path, "name": name, "type": "Microsoft.DomainRegistration/domains", "location": "global",
                     "properties": {"privacy": p["privacy"], "autoRenew": p["auto_renew"], "dnsType": props["dnsType"]}}
        if props["dnsType"] == "AzureDns":
            # Azure creates the domain's Azure DNS zone with it, named after the domain in the domain's resource group
            # (Microsoft Learn, "Buy an App Service domain"); its name servers are assigned then.
            predicted["properties"]["dnsZoneId"] = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/dnszones/%s" % (
                az.subscription_id, p["resource_group"], name)
        diff = {"before": {}, "after": dict(reconcile.redact(body, secret_keys=PERSONAL_KEYS), id=path)}
        if az.check_mode:
            return result(True, predicted, diff, agreements=agreements)
        op = az.arm.start("PUT", path, API_VERSION, body=body)
        if p["wait"]:
            doc = az.arm.wait(op, p["wait_timeout"])
            doc = az.arm.get(path, API_VERSION) or doc
            return result(True, doc, diff, agreements=agreements)
        return result(True, az.arm.get(path, API_VERSION) or predicted, diff, agreements=agreements, operation=op)

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DomainRegistration/domains/%s" % (az.subscription_id, p["resource_group"], name)
        current = az.arm.get(path, API_VERSION)
        if p["state"] == "absent":
            if current is None:
                return result(False, None, {"before": {}, "after": {}})
            if not p["force_delete"]:
                az.fail("deleting domain %s gives the name up (expires %s); set force_delete=true to confirm"
                        % (name, (current.get("properties") or {}).get("expirationTime") or "unknown"))
            if not az.check_mode:
                # Without forceHardDeleteDomain Azure soft-deletes: buying the name again restores it.
                az.arm.request("DELETE", path, API_VERSION, expect=(200, 204))
            return result(True, None, {"before": redacted(current), "after": {}})
        if current is None:
            return buy(path)
        props = current.get("properties") or {}
        if p["dns_type"] and str(props.get("dnsType") or "AzureDns").lower() != p["dns_type"].lower():
            az.fail("domain %s uses dns_type %s; the DNS type of a bought domain cannot be changed with this module (asked %s)"
                    % (name, props.get("dnsType"), p["dns_type"]))
        want = {"autoRenew": p["auto_renew"], "privacy": p["privacy"]}
        if not reconcile.differences(want, props):
            return result(False, current, {"before": redacted(current), "after": redacted(current)})
        # Contacts are create-only (Azure returns none): the PATCH carries the two mutable switches only.
        patch = dict((k, v) for k, v in want.items() if props.get(k) != v)
        predicted = reconcile.merge(current, {"properties": patch})
        diff = {"before": redacted(current), "after": redacted(predicted)}
        if az.check_mode:
            return result(True, predicted, diff)
        _status, _hdrs, doc = az.arm.request("PATCH", path, API_VERSION, body={"properties": patch}, expect=(200,))
        return result(True, doc or az.arm.get(path, API_VERSION), diff)

    az.run(run)


if __name__ == "__main__":
    main()
