"""App Service Domains (Microsoft.DomainRegistration): top-level domains and their legal agreements, availability,
purchase validation, and the stored domain documents.

Stored shapes (table ``resources``, wire format, private data under ``_``):

* domain: ``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DomainRegistration/domains/{name}``; the
  contacts and the consent are create-only in the API (SDK model DomainProperties: visibility "create"; GET does not
  return them, Azure/azure-rest-api-specs#10223), so they live in ``_contacts`` / ``_consent``.
* ownership identifier: ``{domain id}/domainOwnershipIdentifiers/{name}``.
* table ``softDeletedDomains``: domains deleted without ``forceHardDeleteDomain``, keyed by
  ``/subscriptions/{s}/domains/{name}``; ``checkDomainAvailability`` reports them as ``domainType: SoftDeleted``.

Not simulated: the subscription payment check (Azure refuses free-trial / credit-only subscriptions, Microsoft Learn
"Buy an App Service domain"); every azsim subscription may buy domains.
"""

import re

from ...core import resource
from ...core.errors import AzureError, WebError

NAMESPACE = "Microsoft.DomainRegistration"
DOMAIN_TYPE = "Microsoft.DomainRegistration/domains"
SOFT_DELETED = "softDeletedDomains"
# Renewal window: 90 days before expiry (unverified; Learn "Buy an App Service domain" describes auto-renew before expiry).
RENEWAL_WINDOW_DAYS = 90
YEAR = 365 * 86400

# Supported TLDs and whether they offer privacy protection (REST spec example ListTopLevelDomains, 2024-11-01:
# com/net/org/nl/biz with privacy, co.uk/in/org.uk/co.in without). info and fr: unverified.
TLDS = {"com": True, "net": True, "co.uk": False, "org": True, "nl": True, "in": False, "biz": True, "org.uk": False, "co.in": False,
        "info": True, "fr": False}

# Agreement keys (REST spec example ListTopLevelDomainAgreements: "DNRA" Domain Name Registration Agreement; the
# privacy proxy agreement "DNPA" is listed only with includePrivacy, azure-cli#18651 / PR #18622; a quickstart issue
# (Azure/azure-quickstart-templates#7682) shows consent {"AgreementKeys": ["DNRA", "DNPA"]}). DNTA: unverified.
AGREEMENTS = {
    "DNRA": ("Domain Name Registration Agreement", "https://www.secureserver.net/agreements/ShowDoc.aspx?pageid=reg_sa"),
    "DNPA": ("Domains by Proxy Domain Name Proxy Agreement", "https://www.domainsbyproxy.com/policy/ShowDoc.aspx?pageid=domain_nameproxy"),
    "DNTA": ("Domain Name Transfer Agreement", "https://www.secureserver.net/agreements/ShowDoc.aspx?pageid=TRANSFER_SA"),
}

# Domains azsim treats as registered by someone else (seeded; unverified by nature).
TAKEN = {"contoso.com", "microsoft.com", "example.com", "example.net", "example.org", "fabrikam.com", "azure.com", "azurewebsites.net",
         "bing.com", "github.com"}

# Registrar name servers used with dnsType DefaultDomainRegistrarDns (REST spec example CreateAppServiceDomain shows the
# GoDaddy test-environment names ns01/ns02.ote.domaincontrol.com; production names unverified).
REGISTRAR_NS = ["ns01.domaincontrol.com", "ns02.domaincontrol.com"]

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)
# Phone format used by App Service Domains: "+{country code}.{number}" (Learn "Buy an App Service domain" / az CLI
# contact-info template "+1.2065550100"); exact server check unverified.
_PHONE = re.compile(r"^\+\d{1,3}\.\d{4,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def domain_id(sub, rg, name):
    return resource.provider_id(sub, rg, NAMESPACE, "domains", name)


def soft_key(sub, name):
    return f"/subscriptions/{sub}/domains/{name.lower()}"


def split(name):
    """(label, tld) for a registrable name under a supported TLD, else None."""
    n = (name or "").strip().lower()
    for tld in sorted(TLDS, key=len, reverse=True):
        if n.endswith("." + tld):
            label = n[: -(len(tld) + 1)]
            if _LABEL.match(label) and "." not in label:
                return label, tld
    return None


def tld_doc(sub, name):
    return {"id": f"/subscriptions/{sub}/providers/{NAMESPACE}/topLevelDomains/{name}", "name": name, "type": f"{NAMESPACE}/topLevelDomains",
            "properties": {"privacy": TLDS[name]}}


def agreements(tld, include_privacy=False, for_transfer=False):
    keys = ["DNRA"]
    if include_privacy and TLDS.get(tld):
        keys.append("DNPA")
    if for_transfer:
        keys.append("DNTA")
    out = []
    for k in keys:
        title, url = AGREEMENTS[k]
        out.append({"agreementKey": k, "title": title, "content": f"<p>{title} (azsim placeholder text).</p>", "url": url})
    return out


def all_domains(app):
    return [d for _key, d in app.store.items(resource.TABLE) if d.get("type") == DOMAIN_TYPE]


def owned_elsewhere(app, name):
    return any(d["name"].lower() == name.lower() for d in all_domains(app))


def availability(app, sub, name):
    """checkDomainAvailability's answer (SDK DomainAvailabilityCheckResult: name, available, domainType)."""
    n = (name or "").strip().lower()
    if split(n) is None:
        return {"name": name, "available": False, "domainType": "Regular"}  # invalid or unsupported TLD (unverified)
    if app.store.exists(SOFT_DELETED, soft_key(sub, n)):
        # SDK DomainType: "SoftDeleted: Purchasing this domain will simply restore it".
        return {"name": n, "available": True, "domainType": "SoftDeleted"}
    taken = n in TAKEN or owned_elsewhere(app, n)
    return {"name": n, "available": not taken, "domainType": "Regular"}


def recommendations(app, sub, keywords, limit):
    words = [w for w in re.split(r"[^a-z0-9-]+", (keywords or "").lower()) if w]
    stem = "".join(words)[:40] or "contoso"
    out = []
    for prefix in ("", "my", "get", "the", "try"):
        for tld in TLDS:
            n = f"{prefix}{stem}.{tld}"
            if availability(app, sub, n)["available"]:
                out.append({"name": n})
            if len(out) >= limit:
                return out
    return out


# -- purchase validation (App Service RP business errors: PascalCase body, arm-web.md §1.1; texts unverified unless noted)
def _bad(message, code="BadRequest"):
    return WebError(400, code, message)


def validate_contact(role, c):
    """SDK model Contact: email, nameFirst, nameLast, phone required; Address: address1, city, country, postalCode,
    state required when addressMailing is given."""
    if not isinstance(c, dict):
        raise _bad(f"The parameter {role} is required.", "InvalidParameter")
    for f in ("email", "nameFirst", "nameLast", "phone"):
        if not isinstance(c.get(f), str) or not c[f].strip():
            raise _bad(f"The parameter {role}.{f} is required.", "InvalidParameter")
    if not _EMAIL.match(c["email"]):
        raise _bad(f"The email address '{c['email']}' of {role} is invalid.", "InvalidParameter")
    if not _PHONE.match(c["phone"]):
        raise _bad(f"The phone number '{c['phone']}' of {role} is invalid. Use the format +{{country code}}.{{number}}, for example +1.4255550100.",
                   "InvalidParameter")
    addr = c.get("addressMailing")
    if addr is not None:
        if not isinstance(addr, dict):
            raise _bad(f"The parameter {role}.addressMailing is invalid.", "InvalidParameter")
        for f in ("address1", "city", "country", "postalCode", "state"):
            if not isinstance(addr.get(f), str) or not addr[f].strip():
                raise _bad(f"The parameter {role}.addressMailing.{f} is required.", "InvalidParameter")
        if not _COUNTRY.match(addr["country"]):
            raise _bad(f"The country '{addr['country']}' of {role} must be a two-letter ISO 3166 country code.", "InvalidParameter")


def validate_consent(consent, tld, privacy):
    """consent.agreementKeys must be the TLD's current agreements (DNRA, plus DNPA when privacy is on), with agreedBy and
    agreedAt (SDK model DomainPurchaseConsent). Message quoted in Azure/azure-quickstart-templates#7682."""
    if not isinstance(consent, dict) or not consent.get("agreementKeys"):
        raise _bad("The user has not accepted the legal agreements.", "MissingDomainPurchaseConsent")
    keys = consent["agreementKeys"]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _bad("The user has not accepted the legal agreements.", "MissingDomainPurchaseConsent")
    required = {a["agreementKey"] for a in agreements(tld, include_privacy=privacy)}
    known = {a["agreementKey"] for a in agreements(tld, include_privacy=True)}
    given = {k.upper() for k in keys}
    if not required <= given or not given <= known:
        raise _bad(f"The agreement keys '{', '.join(keys)}' do not match the legal agreements of the top level domain '{tld}' "
                   f"('{', '.join(sorted(required))}'). The user has not accepted the legal agreements.", "InvalidDomainPurchaseConsent")
    if not consent.get("agreedBy") or not consent.get("agreedAt"):
        raise _bad("The consent requires agreedBy (the client IP address) and agreedAt (the time of acceptance).", "InvalidDomainPurchaseConsent")


def validate_purchase(body, name):
    """Everything a purchase PUT must carry; returns (tld, properties)."""
    parts = split(name)
    if parts is None:
        raise _bad(f"The domain name '{name}' is invalid or its top level domain is not supported.", "InvalidDomainName")
    loc = body.get("location")
    if not loc:
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    if str(loc).replace(" ", "").lower() != "global":
        # REST spec example CreateAppServiceDomain: "location": "global"; ARM validates locations per resource type.
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{loc}' is not available for resource type '{DOMAIN_TYPE}'. "
                         "List of available regions for the resource type is 'global'.")
    props = body.get("properties")
    if not isinstance(props, dict):
        raise _bad("The parameter properties is required.", "InvalidParameter")
    for role in ("contactAdmin", "contactBilling", "contactRegistrant", "contactTech"):
        validate_contact(role, props.get(role))
    privacy = bool(props.get("privacy", False))
    validate_consent(props.get("consent"), parts[1], privacy)
    dns_type = props.get("dnsType") or "AzureDns"
    if dns_type not in ("AzureDns", "DefaultDomainRegistrarDns"):
        raise _bad(f"The dnsType '{dns_type}' is invalid. Valid values are AzureDns and DefaultDomainRegistrarDns.", "InvalidParameter")
    return parts[1], props


def wire(app, doc):
    """The public document, with ``domainNotRenewableReasons`` computed from the clock."""
    out = resource.public(doc)
    p = out["properties"]
    exp = doc.get("_expires")
    if exp is not None and p.get("registrationStatus") == "Active":
        p["domainNotRenewableReasons"] = [] if exp - app.clock.now() <= RENEWAL_WINDOW_DAYS * 86400 else ["ExpirationNotInRenewalTimeRange"]
    return out
