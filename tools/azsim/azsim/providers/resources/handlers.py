"""HTTP handlers of Microsoft.Resources."""

from ...core import locations, resource
from ...core.errors import AzureError
from ...core.http import Response
from . import models
from . import tags as tags_api

API_VERSIONS = ["2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-12-01", "2022-09-01", "2021-04-01"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourcegroups/{resourceGroupName}"


def register(app):
    app.namespace("Microsoft.Resources", {"resourceGroups": API_VERSIONS, "subscriptions": API_VERSIONS, "resources": API_VERSIONS,
                                          "locations": API_VERSIONS, "tenants": API_VERSIONS, "tags": API_VERSIONS})
    r = app.router
    h = Handlers(app)
    r.add("GET", "/subscriptions", h.list_subscriptions, action="Microsoft.Resources/subscriptions/read")
    r.add("GET", SUB, h.get_subscription)
    r.add("GET", SUB + "/locations", h.list_locations, action="Microsoft.Resources/subscriptions/locations/read")
    r.add("GET", "/tenants", h.list_tenants, action="Microsoft.Resources/tenants/read")
    r.add("GET", SUB + "/providers", h.list_providers, action="Microsoft.Resources/subscriptions/providers/read")
    r.add("GET", SUB + "/providers/{namespace}", h.get_provider, action="Microsoft.Resources/subscriptions/providers/read")
    r.add("POST", SUB + "/providers/{namespace}/register", h.register_provider, action="Microsoft.Resources/subscriptions/providers/register/action")
    r.add("GET", SUB + "/resourcegroups", h.list_groups, action="Microsoft.Resources/subscriptions/resourceGroups/read")
    r.add(["GET", "HEAD"], RG, h.get_group, check_rg=False)
    r.add("PUT", RG, h.put_group, check_rg=False)
    r.add("PATCH", RG, h.patch_group)
    r.add("DELETE", RG, h.delete_group)
    r.add("GET", SUB + "/resources", h.list_sub_resources, action="Microsoft.Resources/subscriptions/resources/read")
    r.add("GET", RG + "/resources", h.list_group_resources, action="Microsoft.Resources/subscriptions/resourceGroups/resources/read")
    tags_api.register(app)
    app.lro.register("resources.rg.deleted", h.finish_delete)
    app.lro.register("resources.rg.delete_failed", h.fail_delete)


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _subscription(self):
        return {"id": f"/subscriptions/{self.sub}", "authorizationSource": "RoleBased", "managedByTenants": [],
                "subscriptionId": self.sub, "tenantId": self.app.identity.tenant_id, "displayName": "azsim",
                "state": "Enabled", "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                                             "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                "tags": dict((self.app.store.get("meta", "subscription-tags") or {}).get("tags") or {})}

    def list_subscriptions(self, req):
        return Response(200, {"value": [self._subscription()], "count": {"type": "Total", "value": 1}})

    def get_subscription(self, req, subscriptionId):
        return Response(200, self._subscription())

    def list_locations(self, req, subscriptionId):
        return Response(200, {"value": locations.location_list(self.sub)})

    def list_tenants(self, req):
        t = self.app.identity
        return Response(200, {"value": [{"id": f"/tenants/{t.tenant_id}", "tenantId": t.tenant_id, "tenantCategory": "Home",
                                         "displayName": "azsim", "defaultDomain": t.tenant_domain, "domains": [t.tenant_domain],
                                         "tenantType": "AAD"}]})

    # -- providers ---------------------------------------------------------------------------------
    def _provider(self, info):
        types = []
        for rtype, versions in info["types"].values():
            types.append({"resourceType": rtype, "locations": list(locations.REGIONS.values())[:12] if rtype != "dnszones" else ["global"],
                          "apiVersions": versions, "defaultApiVersion": versions[0] if versions else None,
                          "capabilities": "SupportsTags, SupportsLocation"})
        ns = info["name"]
        return {"id": f"/subscriptions/{self.sub}/providers/{ns}", "namespace": ns, "registrationState": "Registered",
                "registrationPolicy": "RegistrationRequired", "resourceTypes": types}

    def list_providers(self, req, subscriptionId):
        items = [self._provider(i) for i in self.app.router.namespaces.values()]
        return self.app.page(req, items, page_size=max(100, self.app.settings.page_size))

    def get_provider(self, req, subscriptionId, namespace):
        info = self.app.router.namespaces.get(namespace.lower())
        if info is None:
            raise AzureError(400, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")
        return Response(200, self._provider(info))

    def register_provider(self, req, subscriptionId, namespace):
        return self.get_provider(req, subscriptionId, namespace)

    # -- resource groups ---------------------------------------------------------------------------
    def _group(self, name):
        return self.app.store.get(models.TABLE, models.key(self.sub, name))

    def list_groups(self, req, subscriptionId):
        groups = models.parse_filter(req.query.get("$filter"))
        items = [models.wire(g) for g in self.app.store.values(models.TABLE) if models.matches(g, groups)]
        return self.app.page(req, items)

    def get_group(self, req, subscriptionId, resourceGroupName):
        g = self._group(resourceGroupName)
        if g is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{resourceGroupName}' could not be found.")
        return Response(204 if req.method == "HEAD" else 200, None if req.method == "HEAD" else models.wire(g))

    def put_group(self, req, subscriptionId, resourceGroupName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        models.validate_name(resourceGroupName)
        loc = models.validate_location(body.get("location"))
        tags = resource.validate_tags(body.get("tags"))
        existing = self._group(resourceGroupName)
        if existing is not None:
            if existing["properties"]["provisioningState"] == "Deleting":
                raise AzureError(409, "ResourceGroupBeingDeleted",
                                 f"The resource group '{existing['name']}' is in deprovisioning state and cannot perform this operation.")
            if existing["location"] != loc:
                raise AzureError(409, "InvalidResourceGroupLocation", f"Invalid resource group location '{body.get('location')}'. "
                                 f"The Resource group already exists in location '{existing['location']}'.")
            existing["tags"] = tags
            if "managedBy" in body:
                existing["managedBy"] = body["managedBy"]
            self.app.store.put(models.TABLE, existing["id"], existing)
            return Response(200, models.wire(existing))
        doc = models.new_group(self.sub, resourceGroupName, loc, tags, body.get("managedBy"))
        self.app.store.put(models.TABLE, doc["id"], doc)
        return Response(201, models.wire(doc))

    def patch_group(self, req, subscriptionId, resourceGroupName):
        body = req.json()
        g = self._group(resourceGroupName)
        if "tags" in body:
            g["tags"] = resource.validate_tags(body["tags"])
        if "managedBy" in body:
            g["managedBy"] = body["managedBy"]
        if "location" in body and models.validate_location(body["location"]) != g["location"]:
            raise AzureError(409, "InvalidResourceGroupLocation",
                             f"Invalid resource group location '{body['location']}'. The Resource group already exists in location '{g['location']}'.")
        self.app.store.put(models.TABLE, g["id"], g)
        return Response(200, models.wire(g))

    def delete_group(self, req, subscriptionId, resourceGroupName):
        g = self._group(resourceGroupName)
        existing = self.app.lro.pending_for(g["id"])
        if g["properties"]["provisioningState"] != "Deleting":
            g["properties"]["provisioningState"] = "Deleting"
            self.app.store.put(models.TABLE, g["id"], g)
            op = self.app.lro.create(req, namespace="Microsoft.Resources", location=g["location"], duration_key="resources.resource_group.delete",
                                     on_done="resources.rg.deleted", on_fail="resources.rg.delete_failed", resource_id=g["id"],
                                     result={"status": 200}, poll_hint=15)
        else:
            op = existing[0] if existing else None
            if op is None:
                raise AzureError(409, "ResourceGroupBeingDeleted",
                                 f"The resource group '{g['name']}' is in deprovisioning state and cannot perform this operation.")
        # ARM answers 202 with a Location on /subscriptions/{id}/operationresults/{token} (Retry-After: 15).
        return self.app.lro.accepted(req, op, async_header=False, result_path=f"/subscriptions/{self.sub}/operationresults/{op['id']}")

    def finish_delete(self, op):
        rg_id = op["resource_id"]
        resource.delete_tree(self.app, rg_id)
        self.app.store.delete(models.TABLE, rg_id)
        # Role assignments scoped to the group go with it.
        for k, _unused in self.app.store.items("roleAssignments", rg_id.lower() + "/"):
            self.app.store.delete("roleAssignments", k)
        return {"status": 200}

    def fail_delete(self, op):
        """A failed group delete leaves the group (and what was not deleted yet) in place, back to Succeeded,
        so it can be used or deleted again (ARM: the group's provisioningState returns from Deleting)."""
        g = self.app.store.get(models.TABLE, op["resource_id"])
        if g is not None:
            g["properties"]["provisioningState"] = "Succeeded"
            self.app.store.put(models.TABLE, g["id"], g)

    # -- resource lists ----------------------------------------------------------------------------
    def _list(self, req, rg=None):
        groups = models.parse_filter(req.query.get("$filter"))
        expand = {e.strip().lower() for e in (req.query.get("$expand") or "").split(",") if e.strip()}
        items = []
        for d in resource.tracked_in(self.app, self.sub, rg):
            if not models.matches(d, groups):
                continue
            item = {k: d[k] for k in ("id", "name", "type", "sku", "kind", "location", "tags", "identity", "managedBy", "plan") if k in d}
            sd = d.get("systemData") or {}
            if "createdtime" in expand:
                item["createdTime"] = sd.get("createdAt")
            if "changedtime" in expand:
                item["changedTime"] = sd.get("lastModifiedAt")
            if "provisioningstate" in expand:
                item["provisioningState"] = (d.get("properties") or {}).get("provisioningState", "Succeeded")
            items.append(item)
        return self.app.page(req, items)

    def list_sub_resources(self, req, subscriptionId):
        return self._list(req)

    def list_group_resources(self, req, subscriptionId, resourceGroupName):
        return self._list(req, resourceGroupName)
