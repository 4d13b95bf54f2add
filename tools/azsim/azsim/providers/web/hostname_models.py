"""Custom hostnames of sites and slots: domain ownership against azsim's own DNS, the binding
documents, and the SSL states (``hostNameSslStates``) with their certificate checks.

Bindings live in the ``resources`` table at ``.../sites/{name}[/slots/{slot}]/hostNameBindings/{host}``
(so deleting a site cascades to them); the default ``*.azurewebsites.net`` binding is never stored,
it is derived from the site.  Used by ``hostnames`` (HTTP), ``certificates`` and ``frontdoor``.
"""

import re

from ...core import ids, locations, resource
from ...core.errors import AzureError, WebError
from . import common

SSL_STATES = ("Disabled", "SniEnabled", "IpBasedEnabled")
# RFC 1123 labels; a leading "*." is allowed for wildcard custom domains (Microsoft Learn, "Map an
# existing custom DNS name": wildcard names such as *.contoso.com can be mapped).
HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
MAX_CUSTOM_DOMAINS = 500  # Microsoft Learn, "App Service limits": custom domains per app (Shared and up)
CERT_TYPE = "Microsoft.Web/certificates"


# -- DNS ------------------------------------------------------------------------------------------
def dns_lookup(app, fqdn, rtype):
    """Record values from azsim's own DNS zones (Microsoft.Network provider); [] without it.

    Contract of ``azsim.providers.network.models.lookup(app, fqdn, rtype) -> list[str]``: values of the
    longest-suffix matching zone, CNAME targets without the trailing dot.
    """
    try:
        from ..network.models import lookup
    except ImportError:
        return []
    try:
        values = lookup(app, fqdn, rtype) or []
    except (ValueError, KeyError, TypeError):
        return []  # e.g. a record type the network provider does not answer (CAA)
    return [str(v).strip().rstrip(".") if rtype in ("CNAME", "A", "AAAA") else v for v in values]


def asuid_name(host):
    """``asuid.{host}``; for a wildcard ``*.contoso.com`` the record is ``asuid.contoso.com``
    (Microsoft Learn, "Map an existing custom DNS name", TXT record table)."""
    return "asuid." + (host[2:] if host.startswith("*.") else host)


def verification_id(app, site_doc):
    return site_doc["properties"].get("customDomainVerificationId") or common.verification_id(app.identity.subscription_id)


def routing_target(site_doc):
    return common.default_host_of(site_doc)


def site_ip(site_doc):
    return common.inbound_ip(common.site_and_slot(site_doc)[0])


def routing_record(app, site_doc, host):
    """"CName" when ``host`` has a CNAME to the app's default host, "A" when it has an A record to
    the app's inbound IP, None otherwise."""
    target = routing_target(site_doc)
    if target in [c.lower() for c in dns_lookup(app, host, "CNAME")]:
        return "CName"
    if site_ip(site_doc) in dns_lookup(app, host, "A"):
        return "A"
    return None


def txt_verified(app, site_doc, host):
    vid = verification_id(app, site_doc).lower()
    return any(str(v).strip().strip('"').lower() == vid for v in dns_lookup(app, asuid_name(host), "TXT"))


def verify_ownership(app, site_doc, host, record_type=None):
    """Domain ownership and routing for a new custom hostname; returns the record type found."""
    vid = verification_id(app, site_doc)
    if not txt_verified(app, site_doc, host):
        # Exact text, code and ExtendedCode of the real service (arm-web.md §4.5 [OBS]).
        raise WebError(400, "BadRequest", f"A TXT record pointing from {asuid_name(host)} to {vid} was not found.", "04006",
                       "A TXT record pointing from {0} to {1} was not found.", [asuid_name(host), vid])
    found = routing_record(app, site_doc, host)
    if found:
        return found
    target = routing_target(site_doc)
    if record_type == "A":
        # unverified: text modelled on the CNAME message below.
        raise WebError(400, "BadRequest", f"An A record pointing from {host} to {site_ip(site_doc)} was not found.", None,
                       "An A record pointing from {0} to {1} was not found.", [host, site_ip(site_doc)])
    # Text seen in azure-sdk-for-net#2032 and fszlin/certes#155; the ExtendedCode is unverified.
    raise WebError(400, "BadRequest", f"A CNAME record pointing from {host} to {target} was not found. Alternative record "
                   f"awverify.{host} to awverify.{target} was not found either.", None,
                   "A CNAME record pointing from {0} to {1} was not found. Alternative record awverify.{0} to awverify.{1} was not found either.",
                   [host, target])


def caa_allows(app, host, ca_domain="digicert.com"):
    """CAA per RFC 8659: the closest name (climbing towards the root) that has CAA records decides.
    App Service Managed Certificates are issued by DigiCert (Microsoft Learn, "Add and manage TLS/SSL
    certificates": the CAA record must allow digicert.com)."""
    labels = host.lstrip("*.").split(".")
    for i in range(len(labels) - 1):
        records = dns_lookup(app, ".".join(labels[i:]), "CAA")
        issue = [r for r in (_caa(x) for x in records) if r and r[0] in ("issue", "issuewild")]
        if records:
            return not issue or any(v.split(";")[0].strip().lower() == ca_domain for _tag, v in issue)
    return True


def _caa(record):
    if isinstance(record, dict):
        return (str(record.get("tag", "")).lower(), str(record.get("value", "")))
    parts = str(record).split(None, 2)  # '0 issue "digicert.com"'
    if len(parts) == 3:
        return (parts[1].lower(), parts[2].strip('"'))
    return None


# -- binding documents ------------------------------------------------------------------------------
def binding_id(site_doc, host):
    return f"{site_doc['id']}/hostNameBindings/{host}"


def site_id_of_binding(binding_doc):
    return binding_doc["id"].rsplit("/hostNameBindings/", 1)[0]


def binding_doc(site_doc, host, props):
    site, slot = common.site_and_slot(site_doc)
    return {
        "id": binding_id(site_doc, host),
        "name": f"{site}/{slot}/{host}" if slot else f"{site}/{host}",
        "type": "Microsoft.Web/sites/slots/hostNameBindings" if slot else "Microsoft.Web/sites/hostNameBindings",
        "location": site_doc.get("location"),
        "properties": {"siteName": site, "domainId": None, "azureResourceName": site, "azureResourceType": "Website",
                       "customHostNameDnsRecordType": "CName", "hostNameType": "Verified", "sslState": "Disabled",
                       "thumbprint": None, "virtualIP": None, **props},
    }


def default_binding(site_doc):
    """The binding of the default hostname that every list contains (arm-web.md §4.5 [SDK])."""
    return binding_doc(site_doc, routing_target(site_doc), {})


def bindings_of(app, site_doc):
    return resource.children(app, site_doc["id"], "hostNameBindings")


def owner_of(app, host):
    """The site or slot document that has ``host`` bound (custom or default hostname), or None."""
    host = host.lower()
    with app.store.lock:
        rows = app.store.items(resource.TABLE)
    for key, d in rows:
        t = d.get("type", "")
        if t.endswith("/hostNameBindings") and key.endswith("/hostnamebindings/" + host):
            return resource.peek(app, site_id_of_binding(d))
        if t in ("Microsoft.Web/sites", "Microsoft.Web/sites/slots") and common.default_host_of(d) == host:
            return d
    return None


def add_host_to_site(site_doc, host):
    p = site_doc["properties"]
    for key in ("hostNames", "enabledHostNames"):
        names = p.get(key) or []
        if host not in [n.lower() for n in names]:
            names.append(host)
        p[key] = names
    states = p.get("hostNameSslStates") or []
    if host not in [s.get("name", "").lower() for s in states]:
        states.append({"name": host, "sslState": "Disabled", "virtualIP": None, "thumbprint": None, "toUpdate": None, "hostType": "Standard"})
    p["hostNameSslStates"] = states


def remove_host_from_site(site_doc, host):
    p = site_doc["properties"]
    for key in ("hostNames", "enabledHostNames"):
        p[key] = [n for n in (p.get(key) or []) if n.lower() != host]
    p["hostNameSslStates"] = [s for s in (p.get("hostNameSslStates") or []) if s.get("name", "").lower() != host]


# -- certificates and SSL states ----------------------------------------------------------------------
def covers(names, host):
    """Exact match, or a wildcard ``*.contoso.com`` covering exactly one label (RFC 6125 §6.4.3)."""
    for n in names or []:
        n = n.lower()
        if n == host or (n.startswith("*.") and host.endswith(n[1:]) and "." not in host[: -len(n) + 1]):
            return True
    return False


def certificates_in(app, sub, rg):
    return [d for d in resource.tracked_in(app, sub, rg) if d.get("type") == CERT_TYPE]


def certificate_for(app, site_doc, thumbprint):
    """The certificate with ``thumbprint`` in the site's resource group and region (its webspace;
    arm-web.md §4.5), or None."""
    parsed = ids.parse(site_doc["id"])
    region = locations.normalize(site_doc.get("location"))
    for cert in certificates_in(app, parsed["subscription"], parsed["resource_group"]):
        same_print = (cert["properties"].get("thumbprint") or "").lower() == thumbprint.lower()
        if same_print and locations.normalize(cert.get("location")) == region:
            return cert
    return None


def set_ssl(app, site_doc, host, ssl_state, thumbprint):
    """Validate and apply one host's SSL state on the binding document and the site document."""
    if ssl_state not in SSL_STATES:
        raise AzureError(400, "InvalidRequestContent",
                         f"The request content was invalid and could not be deserialized: 'Requested value '{ssl_state}' was not found.'.")
    virtual_ip = None
    if ssl_state != "Disabled":
        tier = common.tier_of(app, site_doc)
        if not common.tier_limits(tier)["sni"]:
            # Gate: Microsoft Learn "App Service pricing" (no custom-domain SSL in Free/Shared); text unverified.
            raise WebError(400, "BadRequest", f"SSL bindings are not supported for sites in the {tier} tier. Scale up the App Service plan "
                           "to Basic or higher.", None, "SSL bindings are not supported for sites in the {0} tier.", [tier])
        if ssl_state == "IpBasedEnabled" and tier in ("Basic",):
            # IP SSL needs Standard+ (Microsoft Learn, "App Service limits"); text unverified.
            raise WebError(400, "BadRequest", "IP based SSL is not supported for sites in the Basic tier.", None,
                           "IP based SSL is not supported for sites in the {0} tier.", [tier])
        if not thumbprint:
            raise WebError(400, "BadRequest", f"Thumbprint must be specified to enable SSL for hostname '{host}'.", None,  # unverified
                           "Thumbprint must be specified to enable SSL for hostname '{0}'.", [host])
        cert = certificate_for(app, site_doc, thumbprint)
        if cert is None:
            parsed = ids.parse(site_doc["id"])
            raise WebError(404, "NotFound", f"Certificate with thumbprint '{thumbprint.upper()}' was not found in resource group "  # unverified
                           f"'{parsed['resource_group']}' and location '{site_doc.get('location')}'.", None,
                           "Certificate with thumbprint '{0}' was not found.", [thumbprint.upper()])
        if not covers(cert["properties"].get("hostNames"), host):
            raise WebError(400, "BadRequest", f"The certificate with thumbprint '{thumbprint.upper()}' does not match the hostname "  # unverified
                           f"'{host}'.", None, "The certificate with thumbprint '{0}' does not match the hostname '{1}'.", [thumbprint.upper(), host])
        thumbprint = cert["properties"]["thumbprint"]
        if ssl_state == "IpBasedEnabled":
            virtual_ip = common.inbound_ip(f"ipssl:{host}")
    else:
        thumbprint = None
    binding = resource.get(app, binding_id(site_doc, host))
    if binding is not None:
        binding["properties"].update({"sslState": ssl_state, "thumbprint": thumbprint, "virtualIP": virtual_ip})
        resource.put(app, binding)
    for s in site_doc["properties"].get("hostNameSslStates") or []:
        if s.get("name", "").lower() == host:
            s.update({"sslState": ssl_state, "thumbprint": thumbprint, "virtualIP": virtual_ip, "toUpdate": None})


def host_not_found(host):
    # Observed text, code and ExtendedCode (davidebbo/AzureWebsitesSamples#4).
    return WebError(404, "NotFound", f"Hostname '{host}' does not exist.", "04020", "Hostname '{0}' does not exist.", [host])


def apply_ssl_states(app, site_doc, states, req=None):
    """Apply a site PUT/PATCH's ``properties.hostNameSslStates`` (az CLI ``webapp config ssl bind`` style).

    Only entries with ``toUpdate: true`` change anything: the service ignores the others (the
    maintainers' answer in davidebbo/AzureWebsitesSamples#2).  Mutates ``site_doc`` (the caller saves it)
    and saves the affected binding documents.  Raises the service's errors.
    """
    if not states:
        return site_doc
    if not isinstance(states, list):
        raise AzureError(400, "InvalidRequestContent",
                         "The request content was invalid and could not be deserialized: 'hostNameSslStates must be an array'.")
    bound = {n.lower() for n in site_doc["properties"].get("hostNames") or []}
    for st in states:
        if not isinstance(st, dict) or not st.get("toUpdate"):
            continue
        host = str(st.get("name") or "").lower().rstrip(".")
        if host not in bound or host == routing_target(site_doc):
            raise host_not_found(host)
        set_ssl(app, site_doc, host, st.get("sslState") or "Disabled", st.get("thumbprint"))
    return site_doc


def sni_bindings_using(app, sub, rg, region, thumbprint):
    """Hostnames whose SSL binding uses a certificate (same resource group and region)."""
    out = []
    prefix = resource.rg_id(sub, rg) + "/providers/Microsoft.Web/sites/"
    for d in app.store.values(resource.TABLE, prefix):
        if not d.get("type", "").endswith("/hostNameBindings"):
            continue
        p = d["properties"]
        if p.get("sslState") in ("SniEnabled", "IpBasedEnabled") and (p.get("thumbprint") or "").lower() == thumbprint.lower():
            if locations.normalize(d.get("location")) in (None, region):
                out.append(d["id"].rsplit("/", 1)[1])
    return out
