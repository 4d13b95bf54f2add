"""HTTP handlers of Microsoft.DomainRegistration (azure-mgmt-domainregistration DomainRegistrationMgmtClient, api 2024-11-01;
the older azure-mgmt-web WebSiteManagementClient ``domains`` / ``top_level_domains`` operations use the same paths)."""

import base64

from ...core import resource
from ...core.errors import AzureError, WebError, not_found
from ...core.http import Response
from ..network import models as dns
from . import models

API_VERSIONS = ["2024-11-01", "2024-04-01", "2023-12-01", "2023-01-01", "2022-09-01", "2022-03-01", "2021-03-01", "2021-02-01", "2021-01-15",
                "2020-12-01", "2020-10-01", "2020-09-01", "2020-06-01", "2019-08-01", "2018-02-01", "2015-04-01"]
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.DomainRegistration"
DOMAINS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DomainRegistration/domains"
DOMAIN = DOMAINS + "/{domainName}"
OWNERSHIP = DOMAIN + "/domainOwnershipIdentifiers"


def register(app):
    app.namespace("Microsoft.DomainRegistration", dict.fromkeys((
        "domains", "domains/domainOwnershipIdentifiers", "topLevelDomains", "checkDomainAvailability", "listDomainRecommendations",
        "generateSsoRequest", "validateDomainRegistrationInformation", "operations"), API_VERSIONS))
    h = Handlers(app)
    r = app.router
    r.add("POST", SUB + "/checkDomainAvailability", h.check_availability)
    r.add("POST", SUB + "/listDomainRecommendations", h.list_recommendations)
    r.add("POST", SUB + "/generateSsoRequest", h.sso_request)
    r.add("GET", SUB + "/topLevelDomains", h.list_tlds)
    r.add("GET", SUB + "/topLevelDomains/{name}", h.get_tld)
    r.add("POST", SUB + "/topLevelDomains/{name}/listAgreements", h.list_agreements)
    r.add("GET", SUB + "/domains", h.list_domains_sub)
    r.add("GET", DOMAINS, h.list_domains_rg)
    r.add("GET", DOMAIN, h.get_domain)
    r.add("PUT", DOMAIN, h.put_domain)
    r.add("PATCH", DOMAIN, h.patch_domain)
    r.add("DELETE", DOMAIN, h.delete_domain)
    r.add("POST", DOMAIN + "/renew", h.renew)
    r.add("GET", OWNERSHIP, h.list_ownership)
    r.add("GET", OWNERSHIP + "/{name}", h.get_ownership)
    r.add(["PUT", "PATCH"], OWNERSHIP + "/{name}", h.put_ownership)
    r.add("DELETE", OWNERSHIP + "/{name}", h.delete_ownership)
    app.lro.register("domain.purchased", h.finish_purchase)
    app.lro.register("domain.purchase_failed", h.fail_purchase)


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    # -- subscription-level operations --------------------------------------------------------------
    def check_availability(self, req, subscriptionId):
        body = req.json_object()
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise WebError(400, "BadRequest", "The parameter name is required.")  # unverified
        # REST spec example CheckDomainAvailability: 200 {"name", "available", "domainType"}.
        return Response(200, models.availability(self.app, self.sub, body["name"]))

    def list_recommendations(self, req, subscriptionId):
        body = req.json_object()
        limit = body.get("maxDomainRecommendations") or 10
        if not isinstance(limit, int) or limit < 1:
            raise WebError(400, "BadRequest", "The parameter maxDomainRecommendations is invalid.")  # unverified
        # One page: the SDK fetches a nextLink with GET, which this POST-only path does not answer (as in Azure).
        return Response(200, {"value": models.recommendations(self.app, self.sub, body.get("keywords"), min(limit, 100))})

    def sso_request(self, req, subscriptionId):
        # SDK model DomainControlCenterSsoRequest (read-only url / postParameterKey / postParameterValue).
        token = base64.b64encode(f"azsim-sso:{self.sub}:{self.app.clock.now():.0f}".encode()).decode()
        return Response(200, {"url": "https://sso.secureserver.net/?app=dcc&realm=idp", "postParameterKey": "saml", "postParameterValue": token})

    def list_tlds(self, req, subscriptionId):
        return self.app.page(req, [models.tld_doc(self.sub, t) for t in models.TLDS])

    def _tld(self, name):
        t = (name or "").lower()
        if t not in models.TLDS:
            raise AzureError(404, "NotFound", f"The top level domain '{name}' is not supported.")  # unverified text
        return t

    def get_tld(self, req, subscriptionId, name):
        return Response(200, models.tld_doc(self.sub, self._tld(name)))

    def list_agreements(self, req, subscriptionId, name):
        tld = self._tld(name)
        opt = req.json_object(required=False)
        # REST spec example ListTopLevelDomainAgreements: body {"includePrivacy", "forTransfer"} -> {"value": [TldLegalAgreement]}.
        return Response(200, {"value": models.agreements(tld, bool(opt.get("includePrivacy")), bool(opt.get("forTransfer")))})

    # -- domains --------------------------------------------------------------------------------------
    def _domain(self, rg, name, required=True):
        doc = resource.get(self.app, models.domain_id(self.sub, rg, name))
        if doc is None and required:
            raise not_found(models.DOMAIN_TYPE, name, rg)
        return doc

    def list_domains_sub(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        return self.app.page(req, [models.wire(self.app, d) for d in models.all_domains(self.app) if d["id"].lower().startswith(prefix)])

    def list_domains_rg(self, req, subscriptionId, resourceGroupName):
        docs = [d for d in resource.tracked_in(self.app, self.sub, resourceGroupName) if d.get("type") == models.DOMAIN_TYPE]
        return self.app.page(req, [models.wire(self.app, d) for d in docs])

    def get_domain(self, req, subscriptionId, resourceGroupName, domainName):
        return Response(200, models.wire(self.app, self._domain(resourceGroupName, domainName)))

    def put_domain(self, req, subscriptionId, resourceGroupName, domainName):
        body = req.json_object()
        tld, props = models.validate_purchase(body, domainName)
        tags = resource.validate_tags(body.get("tags"))
        existing = self._domain(resourceGroupName, domainName, required=False)
        if existing is not None:
            if self.app.lro.pending_for(existing["id"]):
                raise WebError(409, "Conflict", f"The domain '{existing['name']}' is being purchased; try again when the operation has completed.")
            self._apply_updates(existing, props, tld)
            existing["tags"] = tags
            resource.put(self.app, existing)
            return Response(200, models.wire(self.app, existing))
        avail = models.availability(self.app, self.sub, domainName)
        if not avail["available"]:
            # arm-web.md §5 [MEM]: 409 "Domain not available"; text unverified.
            raise WebError(409, "DomainNotAvailable", f"The domain '{domainName}' is not available for registration.")
        self.app.store.delete(models.SOFT_DELETED, models.soft_key(self.sub, domainName))  # SoftDeleted: purchasing restores it
        dns_type = props.get("dnsType") or "AzureDns"
        zone_id = props.get("dnsZoneId")
        if dns_type == "AzureDns" and zone_id:
            zone = dns.get_zone(self.app, zone_id)
            if zone is None or zone["name"].lower() != domainName.lower():
                raise WebError(400, "InvalidParameter", f"The DNS zone '{zone_id}' does not exist or is not a zone for '{domainName}'.")  # unverified
        rid = models.domain_id(self.sub, resourceGroupName, domainName)
        now = self.app.clock.now()
        doc = {"id": rid, "name": domainName.lower(), "type": models.DOMAIN_TYPE, "location": "global", "tags": tags,
               "properties": {"registrationStatus": "Awaiting", "provisioningState": "InProgress", "nameServers": [],
                              "privacy": bool(props.get("privacy", False)), "autoRenew": bool(props.get("autoRenew", True)),
                              "createdTime": self.app.clock.iso(now), "readyForDnsRecordManagement": False, "managedHostNames": [],
                              "domainNotRenewableReasons": [], "dnsType": dns_type},
               "systemData": resource.system_data(self.app, req), "_contacts": {k: props[k] for k in props if k.startswith("contact")},
               "_consent": props.get("consent")}
        if zone_id:
            doc["properties"]["dnsZoneId"] = zone_id
        if props.get("targetDnsType"):
            doc["properties"]["targetDnsType"] = props["targetDnsType"]
        resource.put(self.app, doc)
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location="global", duration_key="domain.purchase", on_done="domain.purchased",
                                 on_fail="domain.purchase_failed", resource_id=rid, args={"rg": resourceGroupName}, poll_hint=10)
        # SDK begin_create_or_update accepts 200/202 and reads only Location on 202; the 2015-08-01 spec polls
        # .../domains/{name}/operationresults/{operationId} ("the latest status of a domain purchase operation").
        return self.app.lro.accepted(req, op, status=202, body=models.wire(self.app, doc), async_header=False,
                                     result_path=f"{rid}/operationresults/{op['id']}")

    def _apply_updates(self, doc, props, tld):
        p = doc["properties"]
        if "autoRenew" in props and props["autoRenew"] is not None:
            p["autoRenew"] = bool(props["autoRenew"])
        if "privacy" in props and props["privacy"] is not None:
            if props["privacy"] and not models.TLDS.get(tld):
                raise WebError(400, "BadRequest", f"Privacy protection is not available for the top level domain '{tld}'.")  # unverified
            p["privacy"] = bool(props["privacy"])

    def finish_purchase(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is None:
            raise AzureError(404, "NotFound", "The domain was deleted while it was being purchased.")
        sub, rg = self.sub, op["args"]["rg"]
        if self.app.store.peek("resourceGroups", f"/subscriptions/{sub}/resourcegroups/{rg}") is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        p = doc["properties"]
        if p["dnsType"] == "AzureDns":
            # Learn "Buy an App Service domain": with Azure DNS the purchase creates a DNS zone of the same name in the
            # domain's resource group (or uses the given dnsZoneId) and delegates the domain to it.
            zid = p.get("dnsZoneId") or dns.zone_id(sub, rg, doc["name"])
            zone = dns.get_zone(self.app, zid) or dns.create_zone(self.app, sub, rg, doc["name"])
            p["dnsZoneId"] = zone["id"]
            p["nameServers"] = [n.rstrip(".") for n in zone["properties"]["nameServers"]]
        else:
            p["nameServers"] = list(models.REGISTRAR_NS)
        now = self.app.clock.now()
        doc["_expires"] = now + models.YEAR
        p.update({"registrationStatus": "Active", "provisioningState": "Succeeded", "readyForDnsRecordManagement": True,
                  "expirationTime": self.app.clock.iso(doc["_expires"])})
        resource.put(self.app, doc)
        return {"status": 200, "body": models.wire(self.app, doc)}

    def fail_purchase(self, op):
        # A failed purchase leaves no domain behind (unverified).
        resource.delete_tree(self.app, op["resource_id"])

    def patch_domain(self, req, subscriptionId, resourceGroupName, domainName):
        body = req.json_object()
        doc = self._domain(resourceGroupName, domainName)
        props = body.get("properties") or {}
        self._apply_updates(doc, props, models.split(doc["name"])[1])
        resource.put(self.app, doc)
        return Response(200, models.wire(self.app, doc))

    def delete_domain(self, req, subscriptionId, resourceGroupName, domainName):
        doc = self._domain(resourceGroupName, domainName, required=False)
        if doc is None:
            return Response(204)  # SDK delete accepts 200/204
        if self.app.lro.pending_for(doc["id"]):
            raise WebError(409, "Conflict", f"The domain '{doc['name']}' is being purchased and cannot be deleted yet.")  # unverified
        resource.delete_tree(self.app, doc["id"])
        hard = (req.query.get("forceharddeletedomain") or "").lower() == "true"
        if not hard:
            # Without forceHardDeleteDomain the domain is soft-deleted: re-purchasing it restores it (SDK DomainType
            # "SoftDeleted"). The DNS zone created by the purchase stays (unverified).
            self.app.store.put(models.SOFT_DELETED, models.soft_key(self.sub, doc["name"]), {"name": doc["name"], "deleted": self.app.clock.iso()})
        return Response(200)

    def renew(self, req, subscriptionId, resourceGroupName, domainName):
        doc = self._domain(resourceGroupName, domainName)
        reasons = models.wire(self.app, doc)["properties"].get("domainNotRenewableReasons")
        if doc["properties"].get("registrationStatus") != "Active":
            reasons = ["RegistrationStatusNotSupportedForRenewal"]
        if reasons:
            # SDK ResourceNotRenewableReason values; error text unverified.
            raise WebError(400, "BadRequest", f"The domain '{doc['name']}' cannot be renewed: {', '.join(reasons)}.")
        doc["_expires"] = doc["_expires"] + models.YEAR
        doc["properties"]["expirationTime"] = self.app.clock.iso(doc["_expires"])
        doc["properties"]["lastRenewedTime"] = self.app.clock.iso()
        resource.put(self.app, doc)
        return Response(204)  # SDK renew accepts 200/202/204

    # -- ownership identifiers --------------------------------------------------------------------------
    def _oid(self, domain, name):
        return f"{domain['id']}/domainOwnershipIdentifiers/{name}"

    def list_ownership(self, req, subscriptionId, resourceGroupName, domainName):
        domain = self._domain(resourceGroupName, domainName)
        return self.app.page(req, [resource.public(d) for d in resource.children(self.app, domain["id"], "domainOwnershipIdentifiers")])

    def get_ownership(self, req, subscriptionId, resourceGroupName, domainName, name):
        domain = self._domain(resourceGroupName, domainName)
        doc = resource.get(self.app, self._oid(domain, name))
        if doc is None:
            raise AzureError(404, "NotFound", f"The domain ownership identifier '{name}' was not found.")  # unverified text
        return Response(200, resource.public(doc))

    def put_ownership(self, req, subscriptionId, resourceGroupName, domainName, name):
        domain = self._domain(resourceGroupName, domainName)
        body = req.json_object()
        rid = self._oid(domain, name)
        doc = resource.get(self.app, rid)
        if doc is None:
            if req.method == "PATCH":
                raise AzureError(404, "NotFound", f"The domain ownership identifier '{name}' was not found.")  # unverified text
            doc = {"id": rid, "name": name, "type": "Microsoft.DomainRegistration/domains/domainOwnershipIdentifiers", "properties": {}}
        props = body.get("properties") or {}
        if "ownershipId" in props:
            if not isinstance(props["ownershipId"], str):
                raise WebError(400, "BadRequest", "The parameter properties.ownershipId must be a string.")
            doc["properties"]["ownershipId"] = props["ownershipId"]
        elif req.method == "PUT":
            doc["properties"].pop("ownershipId", None)
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))  # SDK create_or_update / update accept 200

    def delete_ownership(self, req, subscriptionId, resourceGroupName, domainName, name):
        domain = self._domain(resourceGroupName, domainName)
        return Response(200 if resource.delete_tree(self.app, self._oid(domain, name)) else 204)
