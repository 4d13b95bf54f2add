"""HTTP handlers of Microsoft.Cdn Front Door resources (azure-mgmt-cdn 14.x ``ProfilesOperations``, ``AFDEndpointsOperations``,
``AFDOriginGroupsOperations``, ``AFDOriginsOperations``, ``RoutesOperations``).

Creates answer 201 with ``provisioningState: Creating`` and an ``azure-asyncoperation`` header on
``.../resourcegroups/{rg}/providers/Microsoft.Cdn/operationresults/{id}`` (spec examples ``Routes_Create.json``,
``AFDOrigins_Create.json``: 200/201/202), or 201 already Succeeded when the time scale makes the work instant;
deletes answer 202 with the same monitors (200/202/204 accepted by the SDK), 200 when instant.
"""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from ...core.ids import new_guid
from . import models

API_VERSIONS = ["2026-10-01", "2025-06-01", "2025-04-15", "2024-09-01", "2024-06-01-preview", "2024-05-01-preview", "2024-02-01", "2023-05-01"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Cdn"
PROFILE = RG + "/profiles/{profileName}"
ENDPOINT = PROFILE + "/afdEndpoints/{endpointName}"
GROUP = PROFILE + "/originGroups/{originGroupName}"
ORIGIN = GROUP + "/origins/{originName}"
ROUTE = ENDPOINT + "/routes/{routeName}"
TYPES = {"afdendpoints": "Microsoft.Cdn/profiles/afdendpoints", "origingroups": "Microsoft.Cdn/profiles/origingroups",
         "origins": "Microsoft.Cdn/profiles/origingroups/origins", "routes": "Microsoft.Cdn/profiles/afdendpoints/routes"}

LAST_PARAM = {"afdendpoints": "endpointName", "origingroups": "originGroupName", "origins": "originName", "routes": "routeName"}


def register(app):
    types = ("profiles", "profiles/afdEndpoints", "profiles/originGroups", "profiles/originGroups/origins", "profiles/afdEndpoints/routes",
             "operationResults", "operations", "checkNameAvailability")
    app.namespace(models.NAMESPACE, dict.fromkeys(types, API_VERSIONS))
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Cdn/profiles", h.list_sub)
    r.add("GET", RG + "/profiles", h.list_rg)
    r.add("GET", PROFILE, h.get_profile)
    r.add("PUT", PROFILE, h.put_profile)
    r.add("PATCH", PROFILE, h.patch_profile)
    r.add("DELETE", PROFILE, h.delete_profile)
    for kind, template in (("afdendpoints", ENDPOINT), ("origingroups", GROUP), ("origins", ORIGIN), ("routes", ROUTE)):
        r.add("GET", template.rsplit("/", 1)[0], h.lister(kind))
        r.add("GET", template, h.getter(kind))
        r.add("PUT", template, h.putter(kind))
        r.add("PATCH", template, h.putter(kind, patch=True))
        r.add("DELETE", template, h.deleter(kind))
    app.lro.register("cdn.created", h.finish)
    app.lro.register("cdn.deleted", h.finish_delete)


def _pid(sub, rg, profile):
    # Spec examples spell ids with "resourcegroups" and lower-case child type segments.
    return f"/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Cdn/profiles/{profile}"


def _not_found(kind, name, rg):
    return AzureError(404, "NotFound", f"The requested resource '{name}' of type '{kind}' was not found in resource group '{rg}'.")  # unverified


class Handlers:
    def __init__(self, app):
        self.app = app

    def _doc(self, rid, kind, name, rg):
        doc = resource.get(self.app, rid)
        if doc is None:
            if kind == "profiles":
                raise not_found("Microsoft.Cdn/profiles", name, rg)
            raise _not_found(kind, name, rg)
        return doc

    def _ids(self, p):
        """Resource id and its parent's for the params of a child route."""
        sub, rg = p["subscriptionId"], p["resourceGroupName"]
        prof = _pid(sub, rg, p["profileName"])
        if "routeName" in p:
            parent = f"{prof}/afdendpoints/{p['endpointName']}"
            return f"{parent}/routes/{p['routeName']}", parent, p["routeName"]
        if "originName" in p:
            parent = f"{prof}/origingroups/{p['originGroupName']}"
            return f"{parent}/origins/{p['originName']}", parent, p["originName"]
        if "endpointName" in p:
            return f"{prof}/afdendpoints/{p['endpointName']}", prof, p["endpointName"]
        return f"{prof}/origingroups/{p['originGroupName']}", prof, p["originGroupName"]

    def _start(self, req, doc, duration_key, status=201):
        """Persist a Creating document and answer the create (instant when the time scale allows)."""
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location="global", duration_key=duration_key, on_done="cdn.created",
                                 resource_id=doc["id"], poll_hint=5)
        resource.put(self.app, doc)
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
            return Response(status, resource.public(resource.get(self.app, doc["id"])))
        rg_part = doc["id"].split("/providers/")[0]
        monitor = f"{rg_part}/providers/Microsoft.Cdn/operationresults/{op['id']}"
        return self.app.lro.accepted(req, op, status=status, body=resource.public(doc), status_path=monitor, location_header=False)

    def finish(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is not None:
            doc["properties"]["provisioningState"] = "Succeeded"
            if doc["type"] == models.PROFILE_TYPE:
                doc["properties"]["resourceState"] = "Active"
            resource.put(self.app, doc)
        return None

    def _delete(self, req, rid):
        doc = resource.get(self.app, rid)
        if doc is None:
            return Response(204)
        doc["properties"]["provisioningState"] = "Deleting"
        resource.put(self.app, doc)
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location="global", seconds=10, on_done="cdn.deleted", resource_id=rid,
                                 result={"status": 200}, poll_hint=5)  # deletion seconds unverified
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
            return Response(200)
        monitor = f"{rid.split('/providers/')[0]}/providers/Microsoft.Cdn/operationresults/{op['id']}"
        return self.app.lro.accepted(req, op, status_path=monitor, location_header=False)

    def finish_delete(self, op):
        resource.delete_tree(self.app, op["resource_id"])
        return {"status": 200}

    # -- profiles -----------------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        return self.app.page(req, [resource.public(d) for d in resource.tracked_in(self.app, subscriptionId) if d["type"] == models.PROFILE_TYPE])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        docs = resource.tracked_in(self.app, subscriptionId, resourceGroupName)
        return self.app.page(req, [resource.public(d) for d in docs if d["type"] == models.PROFILE_TYPE])

    def get_profile(self, req, subscriptionId, resourceGroupName, profileName):
        return Response(200, resource.public(self._doc(_pid(subscriptionId, resourceGroupName, profileName), "profiles", profileName, resourceGroupName)))

    def put_profile(self, req, subscriptionId, resourceGroupName, profileName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        pid = _pid(subscriptionId, resourceGroupName, profileName)
        existing = resource.get(self.app, pid)
        if existing is not None:
            if models.profile_sku(body)["name"] != existing["sku"]["name"]:
                # Learn "Upgrade from Azure Front Door Standard to Premium" is a separate operation; text unverified.
                raise AzureError(400, "BadRequest", "The SKU of an existing profile cannot be changed with a PUT.")
            return self.patch_profile(req, subscriptionId, resourceGroupName, profileName)
        models.validate_name("profiles", profileName)
        doc = models.new_profile(self.app, req, pid, profileName, body, new_guid())
        return self._start(req, doc, "cdn.profile.create")

    def patch_profile(self, req, subscriptionId, resourceGroupName, profileName):
        doc = self._doc(_pid(subscriptionId, resourceGroupName, profileName), "profiles", profileName, resourceGroupName)
        body = req.json() or {}
        if "tags" in body and body["tags"] is not None:
            doc["tags"] = resource.validate_tags(body["tags"])
        props = body.get("properties") or {}
        if props.get("originResponseTimeoutSeconds") is not None:
            doc["properties"]["originResponseTimeoutSeconds"] = models._int(  # noqa: SLF001 - same package
                props["originResponseTimeoutSeconds"], "originResponseTimeoutSeconds", 16, 240, 60)
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete_profile(self, req, subscriptionId, resourceGroupName, profileName):
        return self._delete(req, _pid(subscriptionId, resourceGroupName, profileName))

    # -- children -----------------------------------------------------------------------------------------
    def lister(self, kind):
        def handler(req, **p):
            _rid, parent, _name = self._ids({**p, LAST_PARAM[kind]: "-"})  # the parent of any item of the collection
            self._doc(parent, "parent", parent.rsplit("/", 1)[1], p["resourceGroupName"])
            return self.app.page(req, [resource.public(d) for d in resource.children(self.app, parent, kind)])
        return handler

    def getter(self, kind):
        def handler(req, **p):
            rid, _parent, name = self._ids(p)
            return Response(200, resource.public(self._doc(rid, kind, name, p["resourceGroupName"])))
        return handler

    def deleter(self, kind):
        def handler(req, **p):
            rid, _parent, name = self._ids(p)
            if kind == "origingroups":
                users = [r for r in self._routes(p) if (r["properties"]["originGroup"]["id"] or "").lower() == rid.lower()]
                if users:
                    # Unverified text: an origin group used by a route cannot be deleted.
                    raise AzureError(409, "Conflict", f"Origin group '{name}' is associated with route(s) {', '.join(u['name'] for u in users)} "
                                     "and cannot be deleted. Remove the association first.")
            return self._delete(req, rid)
        return handler

    def _routes(self, p):
        prof = _pid(p["subscriptionId"], p["resourceGroupName"], p["profileName"])
        return [r for e in resource.children(self.app, prof, "afdendpoints") for r in resource.children(self.app, e["id"], "routes")]

    def putter(self, kind, patch=False):
        def handler(req, **p):
            body = req.json()
            if not isinstance(body, dict):
                raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
            rid, parent_id, name = self._ids(p)
            parent = self._doc(parent_id, "parent", parent_id.rsplit("/", 1)[1], p["resourceGroupName"])
            existing = resource.get(self.app, rid)
            if patch and existing is None:
                raise _not_found(kind, name, p["resourceGroupName"])
            if existing is None:
                models.validate_name(kind, name)
            props = self._props(kind, body, p, parent, existing)
            if existing is not None:
                existing["properties"].update(props)
                existing["properties"]["provisioningState"] = "Succeeded"
                if "tags" in body and body["tags"] is not None and "tags" in existing:
                    existing["tags"] = resource.validate_tags(body["tags"])
                existing["systemData"] = resource.system_data(self.app, req, existing.get("systemData"))
                resource.put(self.app, existing)
                return Response(200, resource.public(existing))
            doc = {"id": rid, "type": TYPES[kind], "name": name, "systemData": resource.system_data(self.app, req),
                   "properties": {**props, "provisioningState": "Creating", "deploymentStatus": "NotStarted"}}
            if kind == "afdendpoints":
                doc = {**doc, "location": "Global", "tags": resource.validate_tags(body.get("tags"))}
            return self._start(req, doc, "cdn.endpoint.create" if kind in ("afdendpoints", "routes") else "cdn.profile.create")
        return handler

    def _props(self, kind, body, p, parent, existing):
        old = (existing or {}).get("properties")
        if kind == "origingroups":
            return models.origin_group_props(body, old)
        if kind == "origins":
            return models.origin_props(body, p["originGroupName"], old)
        if kind == "afdendpoints":
            props = models.endpoint_props(body, old)
            if existing is None:
                props["hostName"] = models.endpoint_host(self.app.identity.tenant_id, p["subscriptionId"], p["resourceGroupName"], p["profileName"],
                                                         p["endpointName"], props["autoGeneratedDomainNameLabelScope"], new_guid())
                props["profileName"] = p["profileName"]
                taken = [d for d in self.app.store.values(resource.TABLE)
                         if d.get("type") == TYPES["afdendpoints"] and d["properties"].get("hostName") == props["hostName"]]
                if taken:
                    # Endpoint host names are global; text unverified.
                    raise AzureError(409, "Conflict", f"The endpoint host name '{props['hostName']}' is already in use. Choose another endpoint name "
                                     "or autoGeneratedDomainNameLabelScope.")
            return props
        props = models.route_props(body, old)
        prof = _pid(p["subscriptionId"], p["resourceGroupName"], p["profileName"])
        og = props["originGroup"]["id"]
        if not og.lower().startswith(prof.lower() + "/origingroups/") or resource.get(self.app, og) is None:
            raise AzureError(400, "BadRequest", f"The origin group '{og}' does not exist in profile '{p['profileName']}'.")  # unverified text
        if props["customDomains"]:
            raise AzureError(400, "BadRequest", "Custom domains are not simulated by azsim's Front Door.")  # azsim limit, not Azure's
        me = f"{parent['id']}/routes/{p['routeName']}".lower()
        for other in resource.children(self.app, parent["id"], "routes"):
            if other["id"].lower() != me and set(other["properties"]["patternsToMatch"]) & set(props["patternsToMatch"]) \
                    and set(other["properties"]["supportedProtocols"]) & set(props["supportedProtocols"]):
                # Learn "Front Door routing": a (domain, protocol, pattern) combination belongs to one route; text unverified.
                raise AzureError(409, "Conflict", f"Route '{p['routeName']}' conflicts with route '{other['name']}': the same domain, protocol "
                                 "and path pattern can be used by only one route.")
        return props
