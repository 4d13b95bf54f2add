"""HTTP handlers of Microsoft.Web/serverfarms (azure-mgmt-web ``AppServicePlansOperations``).

Status codes follow the SDK's accepted codes (arm-web-ops-2025-05-01.tsv): PUT 200/202 (LRO),
PATCH 200/202, DELETE 200/204, restartSites 204.
"""

from ...core import resource
from ...core.errors import AzureError, WebError, not_found
from ...core.http import Response
from . import common, plans_model

SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Web"
PLAN = RG + "/serverfarms/{name}"


def register(app):
    h = Handlers(app)
    r = app.router
    r.add("GET", PLAN, h.get)
    r.add("PUT", PLAN, h.put)
    r.add("PATCH", PLAN, h.patch)
    r.add("DELETE", PLAN, h.delete)
    r.add("GET", RG + "/serverfarms", h.list_rg)
    r.add("GET", SUB + "/providers/Microsoft.Web/serverfarms", h.list_sub)
    r.add("GET", PLAN + "/sites", h.list_sites, action="Microsoft.Web/serverfarms/sites/read")
    r.add("POST", PLAN + "/restartSites", h.restart_sites, action="Microsoft.Web/serverfarms/restartSites/action")
    r.add("GET", PLAN + "/capabilities", h.capabilities, action="Microsoft.Web/serverfarms/capabilities/read")
    r.add("GET", PLAN + "/skus", h.skus, action="Microsoft.Web/serverfarms/skus/read")
    r.add("GET", PLAN + "/usages", h.usages, action="Microsoft.Web/serverfarms/usages/read")
    app.lro.register("web.serverfarm.created", h.finish_create)


def _not_found(rg, name):
    return not_found("Microsoft.Web/serverFarms", name, rg)


class Handlers:
    def __init__(self, app):
        self.app = app

    def _plan(self, sub, rg, name):
        doc = resource.get(self.app, common.plan_id(sub, rg, name))
        if doc is None:
            raise _not_found(rg, name)
        return doc

    def _busy(self, doc):
        """Microsoft.Web refuses changes while an operation runs on the plan: 409, ExtendedCode 59205
        (response quoted in microsoft/Partner-Smart-Office#1)."""
        ops = self.app.lro.pending_for(doc["id"])
        if ops:
            op = ops[0]
            detail = f"Id: {op['id']}, OperationName: Create, CreatedTime: {self.app.clock.iso(op['started'])}, RequestId: {op['id']}, EntityType: 9"
            raise WebError(409, "Conflict", f"Cannot modify this web hosting plan because another operation is in progress. Details: {detail}",
                           extended_code="59205", template="Cannot modify this web hosting plan because another operation is in progress. Details: {0}",
                           parameters=[detail])

    def get(self, req, subscriptionId, resourceGroupName, name):
        return Response(200, plans_model.wire(self.app, self._plan(subscriptionId, resourceGroupName, name)))

    def put(self, req, subscriptionId, resourceGroupName, name):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        existing = resource.get(self.app, common.plan_id(subscriptionId, resourceGroupName, name))
        if existing is not None:
            self._busy(existing)
            doc = plans_model.apply_update(existing, body, patch=False)
            doc["systemData"] = resource.system_data(self.app, req, existing.get("systemData"))
            self._check_downgrade(doc)
            common.save(self.app, doc)
            return Response(200, plans_model.wire(self.app, doc))
        plans_model.validate_name(name)
        doc = plans_model.new_plan(subscriptionId, resourceGroupName, name, body, body.get("location"))
        doc["systemData"] = resource.system_data(self.app, req)
        # Creation is an LRO: the spec example CreateOrUpdateAppServicePlan.json answers 200 (done)
        # or 202 with the plan body and location/azure-asyncoperation headers.
        op = self.app.lro.create(req, namespace="Microsoft.Web", location=doc["location"], duration_key="web.serverfarm.create",
                                 on_done="web.serverfarm.created", resource_id=doc["id"], poll_hint=5)
        if self.app.lro.instant(op):
            common.save(self.app, doc)
            self.app.lro.run_now(op)
            return Response(200, plans_model.wire(self.app, resource.get(self.app, doc["id"])))
        doc["properties"]["status"] = "Creating"
        doc["properties"]["provisioningState"] = "InProgress"
        common.save(self.app, doc)
        # CreateOrUpdateAppServicePlan.json: Location and azure-asyncoperation both point at
        # .../serverfarms/{name}/operationresults/{id}, which then serves the status monitor.
        monitor = f"{doc['id']}/operationresults/{op['id']}"
        return self.app.lro.accepted(req, op, body=plans_model.wire(self.app, doc), status_path=monitor, result_path=monitor)

    def finish_create(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is not None:
            doc["properties"]["status"] = "Ready"
            doc["properties"]["provisioningState"] = "Succeeded"
            common.save(self.app, doc)
            return {"status": 200, "body": plans_model.wire(self.app, doc)}
        return None

    def _check_downgrade(self, doc):
        """Feature gates of the new tier against the apps already on the plan: slots (409, the slot
        quota message of arm-web.md §4.3 is reused; unverified for a scale-down) and AlwaysOn."""
        limits = common.tier_limits(doc["sku"]["tier"])
        for site in plans_model.sites_on(self.app, doc):
            slots = resource.children(self.app, site["id"], "slots")
            if len(slots) > limits["slots"]:
                raise WebError(409, "Conflict", "Cannot complete the operation because the site will exceed the number of slots allowed "
                               f"for the '{doc['sku']['tier']}' SKU.", parameters=[doc["sku"]["tier"]])

    def patch(self, req, subscriptionId, resourceGroupName, name):
        body = req.json()
        doc = self._plan(subscriptionId, resourceGroupName, name)
        self._busy(doc)
        doc = plans_model.apply_update(doc, body, patch=True)
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        self._check_downgrade(doc)
        common.save(self.app, doc)
        return Response(200, plans_model.wire(self.app, doc))

    def delete(self, req, subscriptionId, resourceGroupName, name):
        doc = resource.get(self.app, common.plan_id(subscriptionId, resourceGroupName, name))
        if doc is None:
            return Response(204)  # arm-web.md §1.2: DELETE of an absent plan is 204
        sites = plans_model.sites_on(self.app, doc)
        if sites:
            # 409 with ExtendedCode 11003 (quoted in hashicorp/terraform-provider-azurerm#13377).
            names = ",".join(s["name"] for s in sites)
            raise WebError(409, "Conflict", f"Server farm '{doc['name']}' cannot be deleted because it has web app(s) {names} assigned to it.",
                           extended_code="11003", template="Server farm '{0}' cannot be deleted because it has web app(s) {1} assigned to it.",
                           parameters=[doc["name"], names])
        resource.delete_tree(self.app, doc["id"])
        return Response(200)

    def list_rg(self, req, subscriptionId, resourceGroupName):
        items = [plans_model.wire(self.app, d) for d in resource.tracked_in(self.app, subscriptionId, resourceGroupName) if d["type"] == plans_model.TYPE]
        return self.app.page(req, items)

    def list_sub(self, req, subscriptionId):
        items = [plans_model.wire(self.app, d) for d in resource.tracked_in(self.app, subscriptionId) if d["type"] == plans_model.TYPE]
        return self.app.page(req, items)

    def list_sites(self, req, subscriptionId, resourceGroupName, name):
        from . import sites_model
        doc = self._plan(subscriptionId, resourceGroupName, name)
        return self.app.page(req, [sites_model.render(self.app, s) for s in plans_model.sites_on(self.app, doc)])

    def restart_sites(self, req, subscriptionId, resourceGroupName, name):
        doc = self._plan(subscriptionId, resourceGroupName, name)
        for site in plans_model.sites_on(self.app, doc):
            site["_restarts"] = site.get("_restarts", 0) + 1
            common.save(self.app, site)
        return Response(204)

    def capabilities(self, req, subscriptionId, resourceGroupName, name):
        """A small ``Capability`` list (shape from the SDK model; values unverified)."""
        doc = self._plan(subscriptionId, resourceGroupName, name)
        limits = common.tier_limits(doc["sku"]["tier"])
        caps = [{"name": "maxWorkers", "value": str(limits["max_workers"]), "reason": None},
                {"name": "maxSlots", "value": str(limits["slots"]), "reason": None},
                {"name": "alwaysOn", "value": str(limits["always_on"]), "reason": None}]
        return Response(200, caps)

    def skus(self, req, subscriptionId, resourceGroupName, name):
        """SKUs the plan can scale to (ARM "list SKUs for an existing resource" shape; unverified)."""
        doc = self._plan(subscriptionId, resourceGroupName, name)
        out = []
        for sku_name, (tier, family) in common.SKUS.items():
            limit = common.tier_limits(tier)["max_workers"]
            canon = plans_model.canonical_sku_name(sku_name)
            out.append({"resourceType": plans_model.TYPE, "sku": {"name": canon, "tier": tier, "size": canon, "family": family},
                        "capacity": {"minimum": 1, "maximum": limit, "default": 1, "scaleType": "automatic" if limit > 1 else "none"}})
        return Response(200, {"resourceType": plans_model.TYPE, "skus": out, "id": doc["id"]})

    def usages(self, req, subscriptionId, resourceGroupName, name):
        self._plan(subscriptionId, resourceGroupName, name)
        return Response(200, {"value": []})
