"""HTTP handlers: hostNameBindings of sites and slots, and analyzeCustomHostname
(azure-mgmt-web WebAppsOperations.*host_name_binding*, analyze_custom_hostname; arm-web.md §4.5).

The rules (DNS ownership, SSL states, certificates) live in :mod:`.hostname_models`;
``apply_ssl_states`` there is what the site PUT/PATCH calls for ``hostNameSslStates``.
"""

from ...core import resource
from ...core.errors import AzureError, WebError
from ...core.http import Response
from . import common
from . import hostname_models as hm
from .hostname_models import apply_ssl_states

SITE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}"
SLOT = SITE + "/slots/{slot}"


def register(app):
    h = Handlers(app)
    r = app.router
    for base in (SITE, SLOT):
        r.add("GET", base + "/hostNameBindings", h.list_bindings)
        r.add("GET", base + "/hostNameBindings/{hostName}", h.get_binding)
        r.add("PUT", base + "/hostNameBindings/{hostName}", h.put_binding)
        r.add("DELETE", base + "/hostNameBindings/{hostName}", h.delete_binding)
        r.add("GET", base + "/analyzeCustomHostname", h.analyze, action="Microsoft.Web/sites/analyzeCustomHostname/read")


class Handlers:
    def __init__(self, app):
        self.app = app

    def _site(self, subscriptionId, resourceGroupName, name, slot):
        return common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)

    def list_bindings(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site = self._site(subscriptionId, resourceGroupName, name, slot)
        items = [hm.default_binding(site)] + [resource.public(b) for b in hm.bindings_of(self.app, site)]
        return self.app.page(req, items)

    def get_binding(self, req, subscriptionId, resourceGroupName, name, hostName, slot=None):
        site = self._site(subscriptionId, resourceGroupName, name, slot)
        host = hostName.lower().rstrip(".")
        if host == hm.routing_target(site):
            return Response(200, hm.default_binding(site))
        doc = resource.get(self.app, hm.binding_id(site, host))
        if doc is None:
            raise hm.host_not_found(host)  # text observed for SSL updates; assumed for GET (unverified)
        return Response(200, resource.public(doc))

    def put_binding(self, req, subscriptionId, resourceGroupName, name, hostName, slot=None):
        app = self.app
        site = self._site(subscriptionId, resourceGroupName, name, slot)
        body = req.json(required=False) or {}
        if not isinstance(body, dict) or not isinstance(body.get("properties") or {}, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        props = body.get("properties") or {}
        host = hostName.lower().rstrip(".")
        if host == hm.routing_target(site):
            return Response(200, hm.default_binding(site))
        if host.endswith("." + common.DEFAULT_DOMAIN):
            # Observed (azure-quickstart-templates#4742): one name per app in the default zone.
            raise WebError(400, "BadRequest", "Too many (2) hostnames in the default DNS zone. Limit is 1.", "04017",
                           "Too many ({0}) hostnames in the default DNS zone. Limit is {1}.", ["2", "1"])
        if not hm.HOST_RE.match(host) or len(host) > 253:
            raise WebError(400, "BadRequest", f"The hostname '{hostName}' is invalid.", None,  # unverified text
                           "The hostname '{0}' is invalid.", [hostName])
        bid = hm.binding_id(site, host)
        doc = resource.get(app, bid)
        if doc is None:
            doc = self._new_binding(site, host, props)
        ssl = props.get("sslState")
        if ssl is not None and (ssl != doc["properties"]["sslState"] or (props.get("thumbprint") or "") != (doc["properties"]["thumbprint"] or "")):
            hm.set_ssl(app, site, host, ssl, props.get("thumbprint"))
            common.save(app, site)
            doc = resource.get(app, bid)
        return Response(200, resource.public(doc))

    def _new_binding(self, site, host, props):
        app = self.app
        tier = common.tier_of(app, site)
        if not common.tier_limits(tier)["custom_domains"]:
            # Free apps get no custom domains (Microsoft Learn, "App Service limits": custom domains 0 on Free); text unverified.
            raise WebError(400, "BadRequest", "Custom domains are not supported for sites in the Free tier. Scale up the App Service plan "
                           "to Shared or higher.", None, "Custom domains are not supported for sites in the {0} tier.", [tier])
        if len(hm.bindings_of(app, site)) >= hm.MAX_CUSTOM_DOMAINS:
            raise WebError(400, "BadRequest", f"The number of custom hostnames exceeds the limit of {hm.MAX_CUSTOM_DOMAINS}.", None,  # unverified
                           "The number of custom hostnames exceeds the limit of {0}.", [str(hm.MAX_CUSTOM_DOMAINS)])
        owner = hm.owner_of(app, host)
        if owner is not None and owner["id"].lower() != site["id"].lower():
            # A host serves one app (arm-web.md §4.5 [MEM]); text unverified.
            raise WebError(409, "Conflict", f"Hostname '{host}' already exists. It is bound to another App Service app.", None,
                           "Hostname '{0}' already exists.", [host])
        wanted = props.get("customHostNameDnsRecordType")
        found = hm.verify_ownership(app, site, host, wanted)
        allowed = {k: props[k] for k in ("domainId", "azureResourceName", "azureResourceType", "hostNameType") if props.get(k)}
        doc = hm.binding_doc(site, host, {**allowed, "customHostNameDnsRecordType": found})
        resource.put(app, doc)
        hm.add_host_to_site(site, host)
        common.save(app, site)
        return doc

    def delete_binding(self, req, subscriptionId, resourceGroupName, name, hostName, slot=None):
        app = self.app
        site = self._site(subscriptionId, resourceGroupName, name, slot)
        host = hostName.lower().rstrip(".")
        if host == hm.routing_target(site):
            raise WebError(400, "BadRequest", f"Cannot delete the default hostname '{host}' of the site.", None,  # unverified
                           "Cannot delete the default hostname '{0}' of the site.", [host])
        bid = hm.binding_id(site, host)
        if resource.peek(app, bid) is None:
            return Response(204)
        # Deleting a binding that still has an SSL binding is allowed here (the SSL binding goes with it); unverified.
        resource.delete_tree(app, bid)
        hm.remove_host_from_site(site, host)
        common.save(app, site)
        return Response(200)

    def analyze(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """``analyzeCustomHostname``: what the portal's "Validate" shows (CustomHostnameAnalysisResult)."""
        app = self.app
        site = self._site(subscriptionId, resourceGroupName, name, slot)
        host = (req.query.get("hostname") or "").lower().rstrip(".")
        if not host:
            raise WebError(400, "BadRequest", "The parameter hostName is required.", None, "The parameter {0} is required.", ["hostName"])  # unverified
        owner = hm.owner_of(app, host)
        mine = owner is not None and owner["id"].lower() == site["id"].lower()
        verified = hm.txt_verified(app, site, host)
        failure = None
        if not verified:
            vid = hm.verification_id(app, site)
            failure = {"code": "BadRequest", "message": f"A TXT record pointing from {hm.asuid_name(host)} to {vid} was not found.",
                       "extendedCode": "04006", "messageTemplate": "A TXT record pointing from {0} to {1} was not found.",
                       "parameters": [hm.asuid_name(host), vid]}
        props = {
            "isHostnameAlreadyVerified": mine,
            "customDomainVerificationTest": "Passed" if verified else "Failed",
            "customDomainVerificationFailureInfo": failure,
            "hasConflictOnScaleUnit": owner is not None and not mine,
            "hasConflictAcrossSubscription": False,
            "conflictingAppResourceId": owner["id"] if owner is not None and not mine else None,
            "cNameRecords": hm.dns_lookup(app, host, "CNAME"),
            "txtRecords": hm.dns_lookup(app, hm.asuid_name(host), "TXT"),
            "aRecords": hm.dns_lookup(app, host, "A"),
            "alternateCNameRecords": hm.dns_lookup(app, "awverify." + host, "CNAME"),
            "alternateTxtRecords": hm.dns_lookup(app, host, "TXT"),
        }
        return Response(200, {"id": site["id"] + "/analyzeCustomHostname", "name": host, "type": "Microsoft.Web/sites/analyzeCustomHostname",
                              "properties": props})


__all__ = ["apply_ssl_states", "register"]
