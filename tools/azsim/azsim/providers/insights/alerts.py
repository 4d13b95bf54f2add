"""Metric alert rules (Microsoft.Insights/metricAlerts, azure-mgmt-monitor 7.0.0 ``metric_alerts`` api 2018-03-01):
CRUD and lists; :mod:`alerts_engine` evaluates the enabled rules and fires their alerts (admin: ``GET|POST /_azsim/alerts``).

Sources: SDK 7.0.0 operations (PUT/PATCH/GET 200 only, DELETE 200/204, lists without nextLink), arm-data.md §3.2
(location ``global``, read-only ``lastUpdatedTime`` and ``isMigrated``). Validation lives in :mod:`alerts_model`.
"""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import alerts_model as model
from .alerts_engine import Engine

API_VERSIONS = ["2018-03-01", "2017-09-01-preview"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ITEM = RG + "/providers/Microsoft.Insights/metricAlerts/{ruleName}"


def register(app):
    app.namespace("Microsoft.Insights", {"metricAlerts": API_VERSIONS, "metricAlerts/status": API_VERSIONS})
    engine = Engine(app)
    h = Handlers(app, engine)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Insights/metricAlerts", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Insights/metricAlerts", h.list_rg)
    r.add("GET", ITEM, h.get)
    r.add("PUT", ITEM, h.put)
    r.add("PATCH", ITEM, h.patch)
    r.add("DELETE", ITEM, h.delete)
    r.add("GET", ITEM + "/status", h.status)
    app.tick_hooks.append(engine.tick)
    app.reset_hooks.append(engine.touch)
    app.admin_routes[("GET", "alerts")] = engine.admin_state
    app.admin_routes[("POST", "alerts")] = engine.admin_state


def rule_id(sub, rg, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/metricAlerts/{name}"


class Handlers:
    def __init__(self, app, engine):
        self.app = app
        self.engine = engine

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = resource.get(self.app, rule_id(self.sub, rg, name))
        if doc is not None and doc.get("type", "").lower() != model.TYPE.lower():
            doc = None
        if doc is None and required:
            raise not_found("Microsoft.Insights/metricAlerts", name, rg)
        return doc

    def _all(self, rg=None):
        return [resource.public(d) for d in resource.tracked_in(self.app, self.sub, rg, model.TYPE)]

    # The SDK's list extract_data ignores nextLink: the service answers every rule in one page.
    def list_sub(self, req, subscriptionId):
        return Response(200, {"value": self._all()})

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return Response(200, {"value": self._all(resourceGroupName)})

    def get(self, req, subscriptionId, resourceGroupName, ruleName):
        return Response(200, resource.public(self._get(resourceGroupName, ruleName)))

    def _store(self, req, rg, name, body, existing):
        loc = str(body.get("location") or "")
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        if loc.replace(" ", "").lower() != "global":
            # Metric alert rules are global resources (arm-data.md §3.2; Learn template reference); ARM manifest text.
            raise AzureError(400, "LocationNotAvailableForResourceType",
                             f"The provided location '{loc}' is not available for resource type 'Microsoft.Insights/metricalerts'. "
                             "List of available regions for the resource type is 'global'.")
        tags = resource.validate_tags(body.get("tags"))
        props = model.validate(self.app, body.get("properties"))
        props["actions"] = model.validate_actions(self.app, props.get("actions"))
        props["lastUpdatedTime"] = self.app.clock.iso()
        props["isMigrated"] = False
        was_enabled = bool(existing and existing["properties"].get("enabled"))
        doc = existing or {"id": rule_id(self.sub, rg, name), "name": name, "type": model.TYPE}
        doc.update({"location": "global", "tags": tags, "properties": props})
        resource.put(self.app, doc)
        self.engine.rule_saved(doc, was_enabled)
        return doc

    def put(self, req, subscriptionId, resourceGroupName, ruleName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        doc = self._store(req, resourceGroupName, ruleName, body, self._get(resourceGroupName, ruleName, required=False))
        return Response(200, resource.public(doc))  # SDK create_or_update accepts 200 only

    def patch(self, req, subscriptionId, resourceGroupName, ruleName):
        body = req.json() or {}
        doc = self._get(resourceGroupName, ruleName)
        # MetricAlertResourcePatch: tags and any rule property; merged over the stored rule, then validated whole.
        merged = {"location": doc["location"], "tags": doc.get("tags") if body.get("tags") is None else body["tags"]}
        props = {k: v for k, v in doc["properties"].items() if k not in ("lastUpdatedTime", "isMigrated")}
        props.update(body.get("properties") or {})
        merged["properties"] = props
        doc = self._store(req, resourceGroupName, ruleName, merged, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, ruleName):
        doc = self._get(resourceGroupName, ruleName, required=False)
        if doc is None:
            return Response(204)
        resource.delete_tree(self.app, doc["id"])
        return Response(200)

    def status(self, req, subscriptionId, resourceGroupName, ruleName):
        doc = self._get(resourceGroupName, ruleName)
        # MetricAlertsStatus_List: every rule reports Healthy, fired or not (the values Azure reports for a firing rule are unverified).
        return Response(200, {"value": [{"name": "default", "id": doc["id"] + "/status/default", "type": "Microsoft.Insights/metricAlerts/status",
                                         "properties": {"dimensions": {}, "status": "Healthy", "timestamp": self.app.clock.iso()}}]})
