"""HTTP handlers of Microsoft.Portal/dashboards: create or replace (200 update / 201 create, synchronous), get, patch
(PatchableDashboard: ``properties`` and ``tags`` replaced when given), delete (200, 204 when absent), lists by resource
group and subscription (swagger 2022-12-01-preview ``portal.json``; rules in :mod:`.models`)."""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models

API_VERSIONS = ["2026-04-01", "2025-04-01-preview", "2022-12-01-preview", "2020-09-01-preview", "2019-01-01-preview", "2018-10-01-preview",
                "2015-11-01-preview", "2015-08-01-preview"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
DASHBOARD = RG + "/providers/Microsoft.Portal/dashboards/{dashboardName}"


def register(app):
    app.namespace(models.NS, {"dashboards": API_VERSIONS, "operations": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Portal/dashboards", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Portal/dashboards", h.list_rg)
    r.add("GET", DASHBOARD, h.get)
    r.add("PUT", DASHBOARD, h.put)
    r.add("PATCH", DASHBOARD, h.patch)
    r.add("DELETE", DASHBOARD, h.delete)


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name):
        doc = resource.get(self.app, models.dashboard_id(self.sub, rg, name))
        if doc is None:
            raise not_found(models.TYPE, name, rg)  # ARM's generic 404
        return doc

    def _all(self, rg=None):
        return [d for d in resource.tracked_in(self.app, self.sub, rg) if d.get("type", "").lower() == models.TYPE.lower()]

    def list_sub(self, req, subscriptionId):
        return self.app.page(req, [models.render(d, req.api_version) for d in self._all()])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return self.app.page(req, [models.render(d, req.api_version) for d in self._all(resourceGroupName)])

    def get(self, req, subscriptionId, resourceGroupName, dashboardName):
        return Response(200, models.render(self._get(resourceGroupName, dashboardName), req.api_version))

    def put(self, req, subscriptionId, resourceGroupName, dashboardName):
        models.validate_name(dashboardName)
        body = req.json_object()
        loc = models.validate_location(body.get("location"))
        tags = resource.validate_tags(body.get("tags"))
        props = models.properties(body.get("properties"), req.api_version)
        existing = resource.get(self.app, models.dashboard_id(self.sub, resourceGroupName, dashboardName))
        if existing is not None and existing["location"] != loc:
            # ARM's answer to a tracked resource re-PUT in another region (ARM RPC common errors; status unverified).
            raise AzureError(400, "InvalidResourceLocation",
                             f"The resource '{dashboardName}' already exists in location '{existing['location']}' in resource group "
                             f"'{resourceGroupName}'. A resource with the same name cannot be created in location '{loc}'. "
                             "Please select a new resource name.")
        doc = {"id": existing["id"] if existing else models.dashboard_id(self.sub, resourceGroupName, dashboardName),
               "name": existing["name"] if existing else dashboardName, "type": models.TYPE, "location": loc, "tags": tags,
               "properties": props}
        resource.put(self.app, doc)
        return Response(200 if existing else 201, models.render(doc, req.api_version))

    def patch(self, req, subscriptionId, resourceGroupName, dashboardName):
        body = req.json_object()
        doc = self._get(resourceGroupName, dashboardName)
        if body.get("tags") is not None:
            doc["tags"] = resource.validate_tags(body["tags"])
        if body.get("properties") is not None:
            # The properties sent (lenses, metadata) replace the stored ones; those left out stay (unverified merge depth).
            doc["properties"] = {**doc.get("properties", {}), **models.properties(body["properties"], req.api_version)}
        resource.put(self.app, doc)
        return Response(200, models.render(doc, req.api_version))

    def delete(self, req, subscriptionId, resourceGroupName, dashboardName):
        if not resource.delete_tree(self.app, models.dashboard_id(self.sub, resourceGroupName, dashboardName)):
            return Response(204)  # swagger: 204 "Resource does not exist"
        return Response(200)
