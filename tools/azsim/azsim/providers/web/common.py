"""What the Microsoft.Web modules share: the SKU table, ids, and site/plan lookups.

Stored shapes (table ``resources`` of :mod:`azsim.core.resource`, wire format, private data
under ``_`` keys):

* plan: ``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/serverfarms/{name}``
* site: ``.../Microsoft.Web/sites/{name}``; slot: ``.../sites/{name}/slots/{slot}``.  A site/slot
  document has ``location`` (display name), ``kind``, ``properties.serverFarmId``,
  ``properties.hostNames``, ``enabledHostNames``, ``hostNameSslStates``, ``defaultHostName``,
  ``customDomainVerificationId``, ``state`` ...; its siteConfig lives in ``_siteConfig``, app
  settings in ``_appSettings``, connection strings in ``_connectionStrings``.
* hostname binding: ``.../sites/{name}[/slots/{slot}]/hostNameBindings/{host}``
* certificate: ``.../Microsoft.Web/certificates/{name}``
"""

import hashlib

from ...core import resource
from ...core.errors import not_found

# App Service limits (Microsoft Learn "App Service limits", "App Service pricing"): tier by SKU
# family, maximum instances, deployment slots besides production, and feature gates.
TIERS = {
    "Free": {"max_workers": 1, "slots": 0, "custom_domains": False, "sni": False, "backups": False, "always_on": False, "autoscale": False},
    "Shared": {"max_workers": 1, "slots": 0, "custom_domains": True, "sni": False, "backups": False, "always_on": False, "autoscale": False},
    "Basic": {"max_workers": 3, "slots": 0, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": False},
    "Standard": {"max_workers": 10, "slots": 5, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "Premium": {"max_workers": 20, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "PremiumV2": {"max_workers": 30, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "PremiumV3": {"max_workers": 30, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "PremiumMV3": {"max_workers": 30, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "PremiumV4": {"max_workers": 30, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
    "IsolatedV2": {"max_workers": 100, "slots": 20, "custom_domains": True, "sni": True, "backups": True, "always_on": True, "autoscale": True},
}

# sku.name -> (tier, family, size)
SKUS = {
    "F1": ("Free", "F"), "D1": ("Shared", "D"),
    "B1": ("Basic", "B"), "B2": ("Basic", "B"), "B3": ("Basic", "B"),
    "S1": ("Standard", "S"), "S2": ("Standard", "S"), "S3": ("Standard", "S"),
    "P1": ("Premium", "P"), "P2": ("Premium", "P"), "P3": ("Premium", "P"),
    "P1V2": ("PremiumV2", "Pv2"), "P2V2": ("PremiumV2", "Pv2"), "P3V2": ("PremiumV2", "Pv2"),
    "P0V3": ("PremiumV3", "Pv3"), "P1V3": ("PremiumV3", "Pv3"), "P2V3": ("PremiumV3", "Pv3"), "P3V3": ("PremiumV3", "Pv3"),
    "P1MV3": ("PremiumMV3", "Pmv3"), "P2MV3": ("PremiumMV3", "Pmv3"), "P3MV3": ("PremiumMV3", "Pmv3"),
    "P0V4": ("PremiumV4", "Pv4"), "P1V4": ("PremiumV4", "Pv4"), "P2V4": ("PremiumV4", "Pv4"), "P3V4": ("PremiumV4", "Pv4"),
    "I1V2": ("IsolatedV2", "Iv2"), "I2V2": ("IsolatedV2", "Iv2"), "I3V2": ("IsolatedV2", "Iv2"),
}


def sku_info(name):
    """(tier, family) for a SKU name (case-insensitive), or None."""
    return SKUS.get((name or "").upper())


def tier_limits(tier):
    return TIERS.get(tier, TIERS["Free"])


def plan_id(sub, rg, name):
    return resource.provider_id(sub, rg, "Microsoft.Web", "serverfarms", name)


def site_id(sub, rg, name, slot=None):
    rid = resource.provider_id(sub, rg, "Microsoft.Web", "sites", name)
    return rid + f"/slots/{slot}" if slot else rid


def verification_id(subscription_id):
    """``customDomainVerificationId``: 64 upper-case hex characters, the same for every app of a
    subscription (observed in public discussions of App Service domain verification)."""
    return hashlib.sha256(f"azsim-domain-verification:{subscription_id.lower()}".encode()).hexdigest().upper()


def get_plan(app, plan_resource_id):
    return resource.get(app, plan_resource_id)


def get_site(app, sub, rg, name, slot=None, required=True):
    """The stored site (or slot) document; ARM's ResourceNotFound when missing and ``required``."""
    doc = resource.get(app, site_id(sub, rg, name, slot))
    if doc is None and required:
        if slot:
            if resource.peek(app, site_id(sub, rg, name)) is None:
                raise not_found("Microsoft.Web/sites", name, rg)
            raise not_found("Microsoft.Web/sites", f"{name}/slots/{slot}", rg)
        raise not_found("Microsoft.Web/sites", name, rg)
    return doc


def plan_of(app, site_doc):
    """The plan document a site (or slot) runs on."""
    return resource.get(app, site_doc["properties"]["serverFarmId"])


def tier_of(app, site_doc):
    plan = plan_of(app, site_doc)
    return plan["sku"]["tier"] if plan else "Free"


def save(app, doc):
    resource.put(app, doc)


def all_sites(app):
    """Every site and slot document in azsim (for global hostname lookups)."""
    out = []
    for _key, d in app.store.items(resource.TABLE):
        t = d.get("type", "")
        if t in ("Microsoft.Web/sites", "Microsoft.Web/sites/slots"):
            out.append(d)
    return out


# -- added for hostnames/certificates/frontdoor (additions only; existing signatures unchanged) -----

DEFAULT_DOMAIN = "azurewebsites.net"


def site_and_slot(doc):
    """(site name, slot name or None) of a site or slot document, from its id."""
    parts = doc["id"].strip("/").split("/")
    low = [p.lower() for p in parts]
    i = len(low) - 1 - low[::-1].index("sites")
    site = parts[i + 1]
    slot = parts[i + 3] if len(parts) > i + 3 and low[i + 2] == "slots" else None
    return site, slot


def default_host_of(doc):
    """``{site}.azurewebsites.net`` / ``{site}-{slot}.azurewebsites.net`` (lower case), from the
    document's ``defaultHostName`` when the site module set it."""
    host = (doc.get("properties") or {}).get("defaultHostName")
    if host:
        return host.lower()
    site, slot = site_and_slot(doc)
    return (f"{site}-{slot}" if slot else site).lower() + "." + DEFAULT_DOMAIN


def scm_host_of(doc):
    """The Kudu host: ``{site}[-{slot}].scm.azurewebsites.net`` (arm-web.md §7)."""
    return default_host_of(doc)[: -len(DEFAULT_DOMAIN)] + "scm." + DEFAULT_DOMAIN


def inbound_ip(site_name):
    """A stable fake inbound IP for a site (its slots share it, as apps of one scale unit do).

    Azure exposes it as the target of apex A records (Microsoft Learn, "Map an existing custom DNS
    name": an A record to the app's IP address shown on the Custom domains page); sites.py can
    return it as ``properties.inboundIpAddress`` (field name unverified).  20.0.0.0/8 is Azure space.
    """
    h = hashlib.sha256(f"azsim-inbound:{site_name.lower()}".encode()).digest()
    return f"20.{40 + h[0] % 80}.{h[1]}.{1 + h[2] % 254}"
