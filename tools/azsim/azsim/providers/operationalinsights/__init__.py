"""Microsoft.OperationalInsights: Log Analytics workspaces (azure-mgmt-loganalytics 14.0.0, api 2025-07-01; older
clients 2020-08-01 / 2022-10-01), their shared keys, soft delete and the deleted-workspaces lists; the tables of each
workspace (:mod:`.logstore`, filled through :func:`emit`) and the query API over them (:mod:`.query`)."""

import time
import traceback

from ...core import ids, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import intelligencepacks, models
from .logstore import LogStore
from .query import QueryApi

RETENTION_CHECK_S = 60.0

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
    # The workspaces' data: rows stored under the state directory, queried on api.loganalytics.io.
    app.logs = LogStore(app.settings.state_dir)
    app.identity.extra_audiences.add("https://api.loganalytics.azure.com")  # the query API's second host (unverified as a resource)
    api = QueryApi(app)
    app.host_handlers.append((api.accepts, api.handle))
    app.tick_hooks.append(_retention(app))
    app.reset_hooks.append(app.logs.wipe)
    app.shutdown_hooks.append(app.logs.close)


def workspace_customer_id(app, workspace_id):
    """The customer id (GUID) of a workspace resource id, or None when it does not exist (any more)."""
    doc = resource.peek(app, workspace_id)
    return (doc or {}).get("properties", {}).get("customerId")


def emit(app, resource_id, category, table, make_rows, as_diagnostics=None):
    """Send the rows of a resource's log ``category`` to the workspaces its diagnostic settings route it to (nothing
    otherwise: Azure keeps no resource log without a setting). ``make_rows()`` builds them (only called when routed);
    each is a dict of ``table``'s columns, datetimes in epoch seconds (``_ResourceId`` defaults to ``resource_id``). A setting in AzureDiagnostics mode gets
    ``as_diagnostics(row)`` in the AzureDiagnostics table instead when the resource type supports that mode (given), else
    the resource-specific table. Returns how many rows were stored."""
    from ..insights import diagnostics

    routes = diagnostics.routes(app, resource_id, category)
    if not routes:
        return 0
    rows = make_rows()
    if not rows:
        return 0
    p = ids.parse(resource_id) or {}
    stamp = {"_ResourceId": resource_id.lower(), "_SubscriptionId": p.get("subscription") or app.identity.subscription_id}
    stored = 0
    for workspace_id, dedicated in routes:
        with app.store.lock:
            cid = workspace_customer_id(app, workspace_id)
        if cid is None:
            continue  # the destination workspace was deleted: Azure Monitor drops what it cannot deliver
        if as_diagnostics is not None and not dedicated:
            app.logs.append(cid, "AzureDiagnostics", [{**stamp, "Category": category, **as_diagnostics(r)} for r in rows])
        else:
            app.logs.append(cid, table, [{**stamp, **r} for r in rows])
        stored += len(rows)
    return stored


def _retention(app):
    """Once a minute, and whenever azsim's clock jumped: drop the rows each workspace keeps no longer (its retentionInDays
    on azsim's clock)."""
    state = {"last": 0.0, "skew": None}

    def tick():
        skew = round(app.clock.now() - time.time())
        if time.time() - state["last"] < RETENTION_CHECK_S and skew == state["skew"]:
            return
        state["last"], state["skew"] = time.time(), skew
        with app.store.lock:
            days = {str(d["properties"].get("customerId", "")).lower(): d["properties"].get("retentionInDays") or 30
                    for _k, d in app.store.items(resource.TABLE, "/subscriptions/") if d.get("type", "").lower() == models.TYPE.lower()}
        now = app.clock.now()
        for cid in app.logs.workspaces():
            try:
                app.logs.prune(cid, now - days.get(cid, 30) * 86400)
            except Exception:  # noqa: BLE001 - retention must not stop the other engines
                traceback.print_exc()
    return tick


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
