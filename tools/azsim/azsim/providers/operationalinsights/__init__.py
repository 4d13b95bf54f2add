"""Microsoft.OperationalInsights: Log Analytics workspaces (azure-mgmt-loganalytics 14.0.0, api 2025-07-01; older
clients 2020-08-01 / 2022-10-01), their shared keys, soft delete and the deleted-workspaces lists."""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import intelligencepacks, models

API_VERSIONS = ["2025-07-01", "2025-02-01", "2023-09-01", "2022-10-01", "2021-12-01-preview", "2021-06-01", "2020-10-01", "2020-08-01",
                "2020-03-01-preview", "2015-11-01-preview"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
WS = RG + "/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}"


def register(app):
    app.namespace("Microsoft.OperationalInsights", {"workspaces": API_VERSIONS, "deletedWorkspaces": API_VERSIONS,
                                                    "locations": API_VERSIONS, "operations": API_VERSIONS, "workspaces/intelligencePacks": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.OperationalInsights/workspaces", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.OperationalInsights/workspaces", h.list_rg)
    r.add("GET", SUB + "/providers/Microsoft.OperationalInsights/deletedWorkspaces", h.list_deleted_sub)
    r.add("GET", RG + "/providers/Microsoft.OperationalInsights/deletedWorkspaces", h.list_deleted_rg)
    r.add("GET", WS, h.get)
    r.add("PUT", WS, h.put)
    r.add("PATCH", WS, h.patch)
    r.add("DELETE", WS, h.delete)
    r.add("POST", WS + "/sharedKeys", h.shared_keys)
    r.add("POST", WS + "/regenerateSharedKey", h.regenerate)
    app.lro.register("operationalinsights.workspace.created", h.finish_create)
    intelligencepacks.register(app, WS)


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = resource.get(self.app, models.workspace_id(self.sub, rg, name))
        if doc is None and required:
            # ARM's generic 404 (arm-data.md §1.2).
            raise not_found("Microsoft.OperationalInsights/workspaces", name, rg)
        return doc

    def _all(self, rg=None):
        return [d for d in resource.tracked_in(self.app, self.sub, rg) if d.get("type", "").lower() == models.TYPE.lower()]

    # -- reads ---------------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        return self.app.page(req, [models.public(d) for d in self._all()])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return self.app.page(req, [models.public(d) for d in self._all(resourceGroupName)])

    def list_deleted_sub(self, req, subscriptionId):
        # DeletedWorkspaces_List: the soft-deleted workspaces still recoverable (Learn "Delete and recover").
        return Response(200, {"value": [models.public(d) for d in models.deleted_in(self.app, self.sub)]})

    def list_deleted_rg(self, req, subscriptionId, resourceGroupName):
        return Response(200, {"value": [models.public(d) for d in models.deleted_in(self.app, self.sub, resourceGroupName)]})

    def get(self, req, subscriptionId, resourceGroupName, workspaceName):
        return Response(200, models.public(self._get(resourceGroupName, workspaceName)))

    # -- writes --------------------------------------------------------------------------------------
    def put(self, req, subscriptionId, resourceGroupName, workspaceName):
        models.validate_name(workspaceName)
        body = req.json_object()
        loc = models.validate_location(body.get("location"))
        tags = resource.validate_tags(body.get("tags"))
        props = body.get("properties") or {}
        existing = self._get(resourceGroupName, workspaceName, required=False)
        now = self.app.clock.iso()
        if existing is not None:
            if existing["location"] != loc:
                # ARM's answer to a tracked resource re-PUT in another region (text as ARM words it; status unverified).
                raise AzureError(400, "InvalidResourceLocation",
                                 f"The resource '{workspaceName}' already exists in location '{existing['location']}' in resource group "
                                 f"'{resourceGroupName}'. A resource with the same name cannot be created in location '{loc}'. "
                                 "Please select a new resource name.")
            new_props = models.apply_properties(props, existing["properties"])
            new_props["sku"]["lastSkuUpdate"] = new_props["sku"]["lastSkuUpdate"] or now
            new_props["modifiedDate"] = now
            existing.update({"tags": tags, "properties": new_props, "etag": f'"{models.new_guid()}"',
                             "systemData": resource.system_data(self.app, req, existing.get("systemData"))})
            resource.put(self.app, existing)
            return Response(200, models.public(existing))
        wid = models.workspace_id(self.sub, resourceGroupName, workspaceName)
        gone = models.soft_deleted(self.app, wid)
        if gone is not None:
            if gone["location"] != loc:
                # The name stays reserved for 14 days (Learn "Workspaces - Delete"); Azure/azure-cli#11916 and
                # Azure/azure-quickstart-templates#5284 quote this 409.
                raise AzureError(409, "Conflict", f"The workspace name '{workspaceName}' is not unique", target="name")
            # Re-creating with the same name, group and location recovers it: same customerId and keys (Learn).
            new_props = models.apply_properties(props, gone["properties"])
            new_props["sku"]["lastSkuUpdate"] = new_props["sku"]["lastSkuUpdate"] or now
            new_props.update({"modifiedDate": now, "provisioningState": "Succeeded"})
            gone.pop("_deletedAt", None)
            gone.update({"tags": tags, "properties": new_props, "etag": f'"{models.new_guid()}"'})
            models.forget_deleted(self.app, wid)
            resource.put(self.app, gone)
            return Response(200, models.public(gone))
        new_props = models.apply_properties(props)
        doc = models.new_document(self.app, req, self.sub, resourceGroupName, workspaceName, loc, tags, new_props)
        resource.put(self.app, doc)
        op = self.app.lro.create(req, namespace="Microsoft.OperationalInsights", location=loc, duration_key="operationalinsights.workspace.create",
                                 on_done="operationalinsights.workspace.created", resource_id=doc["id"])
        # Spec example Workspaces_CreateOrUpdate: 201 with provisioningState Creating and no polling header, so
        # clients poll the resource until Succeeded (ARM body polling, arm-data.md §1.4).
        body_out = models.public(doc)
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
        return Response(201, body_out)

    def finish_create(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is not None and doc["properties"].get("provisioningState") == "Creating":
            doc["properties"]["provisioningState"] = "Succeeded"
            resource.put(self.app, doc)

    def patch(self, req, subscriptionId, resourceGroupName, workspaceName):
        body = req.json_object()
        doc = self._get(resourceGroupName, workspaceName)
        if "tags" in body and body["tags"] is not None:
            doc["tags"] = resource.validate_tags(body["tags"])
        props = body.get("properties")
        if props:
            new_props = models.apply_properties(props, doc["properties"])
            new_props["sku"]["lastSkuUpdate"] = new_props["sku"]["lastSkuUpdate"] or self.app.clock.iso()
            doc["properties"] = new_props
        doc["properties"]["modifiedDate"] = self.app.clock.iso()
        doc["etag"] = f'"{models.new_guid()}"'
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        resource.put(self.app, doc)
        return Response(200, models.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, workspaceName):
        doc = self._get(resourceGroupName, workspaceName, required=False)
        if doc is None:
            return Response(204)  # spec Workspaces_Delete: 204 NoContent
        force = str(req.query.get("force", "false")).lower() == "true"
        resource.delete_tree(self.app, doc["id"])
        if not force:
            # Learn "Workspaces - Delete": soft delete, recoverable for 14 days; force deletes permanently.
            models.soft_delete(self.app, doc)
        return Response(200)

    def shared_keys(self, req, subscriptionId, resourceGroupName, workspaceName):
        doc = self._get(resourceGroupName, workspaceName)
        return Response(200, dict(doc["properties"]["_keys"]))  # spec SharedKeys_GetSharedKeys

    def regenerate(self, req, subscriptionId, resourceGroupName, workspaceName):
        doc = self._get(resourceGroupName, workspaceName)
        # Workspaces_RegenerateSharedKey takes no body and answers the new SharedKeys (which key changes: unverified).
        doc["properties"]["_keys"] = {"primarySharedKey": models.new_key(), "secondarySharedKey": models.new_key()}
        resource.put(self.app, doc)
        return Response(200, dict(doc["properties"]["_keys"]))
