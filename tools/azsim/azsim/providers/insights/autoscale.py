"""HTTP handlers of Microsoft.Insights/autoscalesettings (azure-mgmt-monitor 7.0.0 ``autoscale_settings``, api
2022-10-01): PUT 200/201, PATCH 200, GET 200, DELETE 200/204, list by resource group and subscription, all
synchronous (the SDK's accepted status codes).  The engine lives in :mod:`autoscale_engine`; the admin API adds
``GET|POST /_azsim/autoscale`` (engine state, evaluate now); its notifications are listed by :mod:`notifications`.
"""

from ...core import resource
from ...core.http import Response
from . import autoscale_model as model
from .autoscale_engine import Engine

API_VERSIONS = ["2022-10-01", "2021-05-01-preview", "2015-04-01"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/autoscalesettings"
ONE = RG + "/{autoscaleSettingName}"


def register(app):
    app.namespace("Microsoft.Insights", {"autoscalesettings": API_VERSIONS})
    engine = Engine(app)
    h = Handlers(app, engine)
    r = app.router
    r.add("GET", ONE, h.get)
    r.add("PUT", ONE, h.put)
    r.add("PATCH", ONE, h.patch)
    r.add("DELETE", ONE, h.delete)
    r.add("GET", RG, h.list_rg)
    r.add("GET", SUB + "/providers/Microsoft.Insights/autoscalesettings", h.list_sub)
    app.tick_hooks.append(engine.tick)
    app.reset_hooks.append(engine.touch)
    app.admin_routes[("GET", "autoscale")] = engine.admin_state
    app.admin_routes[("POST", "autoscale")] = engine.admin_state


def _not_found(rg, name):
    # Text in ARM's usual form; the Monitor RP's exact wording is unverified.
    return model.bad(f"The Resource 'microsoft.insights/autoscalesettings/{name}' under resource group '{rg}' was not found.",
                     "ResourceNotFound", 404)


class Handlers:
    def __init__(self, app, engine):
        self.app = app
        self.engine = engine

    def _get(self, sub, rg, name):
        return resource.get(self.app, model.setting_id(sub, rg, name))

    def get(self, req, subscriptionId, resourceGroupName, autoscaleSettingName):
        doc = self._get(subscriptionId, resourceGroupName, autoscaleSettingName)
        if doc is None:
            raise _not_found(resourceGroupName, autoscaleSettingName)
        return Response(200, model.public(doc))

    def put(self, req, subscriptionId, resourceGroupName, autoscaleSettingName):
        model.validate_name(autoscaleSettingName)
        body = req.json()
        existing = self._get(subscriptionId, resourceGroupName, autoscaleSettingName)
        doc = model.build(self.app, subscriptionId, resourceGroupName, autoscaleSettingName, body, existing)
        return self._save(req, doc, existing, 200 if existing else 201)

    def patch(self, req, subscriptionId, resourceGroupName, autoscaleSettingName):
        existing = self._get(subscriptionId, resourceGroupName, autoscaleSettingName)
        if existing is None:
            raise _not_found(resourceGroupName, autoscaleSettingName)
        body = model.merge_patch(existing, req.json())
        doc = model.build(self.app, subscriptionId, resourceGroupName, autoscaleSettingName, body, existing)
        return self._save(req, doc, existing, 200)

    def _save(self, req, doc, existing, status):
        if existing is not None:
            doc["id"] = existing["id"]
            doc["name"] = existing["name"]
            if existing.get("_engine"):
                doc["_engine"] = existing["_engine"]
        doc["systemData"] = resource.system_data(self.app, req, (existing or {}).get("systemData"))
        if doc["properties"]["enabled"]:
            self.engine.clamp_now(doc)  # the count goes into [min, max] as soon as the setting is on
        resource.put(self.app, doc)
        self.engine.touch()
        return Response(status, model.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, autoscaleSettingName):
        doc = self._get(subscriptionId, resourceGroupName, autoscaleSettingName)
        if doc is None:
            return Response(204)
        resource.delete_tree(self.app, doc["id"])
        self.engine.touch()
        return Response(200)

    def list_rg(self, req, subscriptionId, resourceGroupName):
        items = [model.public(d) for d in resource.tracked_in(self.app, subscriptionId, resourceGroupName) if d.get("type") == model.TYPE]
        return self.app.page(req, items)

    def list_sub(self, req, subscriptionId):
        items = [model.public(d) for d in resource.tracked_in(self.app, subscriptionId) if d.get("type") == model.TYPE]
        return self.app.page(req, items)
