"""Activity log alert rules (Microsoft.Insights/activityLogAlerts, azure-mgmt-monitor 7.0.0 ``activity_log_alerts``,
api 2020-10-01; older clients 2017-04-01): create or update, get, patch, delete, list by resource group and subscription.
The control plane only: azsim does not evaluate these rules against the activity log.

Sources: azure-rest-api-specs ``specification/monitor/.../stable/2020-10-01/activityLogAlerts_API.json`` and its examples
``ActivityLogAlertRule_CreateOrUpdate.json``, ``..._CreateOrUpdateRuleWithAnyOfCondition.json``, ``..._Update.json``
(PUT 200/201, GET 200, PATCH 200 with tags and ``enabled`` only, DELETE 200/204, lists in one page, ``type``
``Microsoft.Insights/ActivityLogAlerts``, location ``Global``, the condition echoed as sent); the SDK model
``ActivityLogAlertResource`` ("Azure Activity Log Alert rules are supported on Global, West Europe and North Europe
regions"; ``scopes`` "must include at least one item"; ``enabled`` defaults to true) and ``AlertRuleAnyOfOrLeafCondition``
(a leaf has ``field`` with ``equals`` or ``containsAny``; an ``anyOf`` groups leaves).
"""

from ...core import ids, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from .actiongroups import find as find_group

API_VERSIONS = ["2020-10-01", "2017-04-01", "2017-03-01-preview", "2023-01-01-preview"]
TYPE = "Microsoft.Insights/ActivityLogAlerts"  # casing of the spec examples' responses
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ITEM = RG + "/providers/Microsoft.Insights/activityLogAlerts/{activityLogAlertName}"
LOCATIONS = {"global": "Global", "westeurope": "westeurope", "northeurope": "northeurope"}
# ActivityLogAlertLeafCondition.field: "'resourceId', 'category', 'caller', 'level', 'operationName', 'resourceGroup',
# 'resourceProvider', 'status', 'subStatus', 'resourceType', or anything beginning with 'properties.'" (swagger).
FIELDS = {"resourceid", "category", "caller", "level", "operationname", "resourcegroup", "resourceprovider", "status", "substatus", "resourcetype"}


def register(app):
    app.namespace("Microsoft.Insights", {"activityLogAlerts": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Insights/activityLogAlerts", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Insights/activityLogAlerts", h.list_rg)
    r.add("GET", ITEM, h.get)
    r.add("PUT", ITEM, h.put)
    r.add("PATCH", ITEM, h.patch)
    r.add("DELETE", ITEM, h.delete)


def rule_id(sub, rg, name):
    # The examples' ids spell the namespace "microsoft.insights".
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/microsoft.insights/activityLogAlerts/{name}"


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def _leaf(c, where):
    if not isinstance(c, dict):
        raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{where}'.")
    field = c.get("field")
    if not isinstance(field, str) or not field:
        raise _bad(f"The condition at '{where}' needs a 'field'.", where)  # text unverified
    if field.lower() not in FIELDS and not field.lower().startswith("properties."):
        raise _bad(f"The field '{field}' is not supported in an activity log alert condition.", where)  # text unverified
    has_equals, has_any = c.get("equals") is not None, c.get("containsAny") is not None
    if has_equals == has_any:
        raise _bad(f"The condition on '{field}' must have exactly one of 'equals' and 'containsAny'.", where)  # text unverified
    if has_any and (not isinstance(c["containsAny"], list) or not all(isinstance(v, str) for v in c["containsAny"])):
        raise _bad(f"'containsAny' of the condition on '{field}' must be a list of strings.", where)  # text unverified
    if has_equals and not isinstance(c["equals"], str):
        raise _bad(f"'equals' of the condition on '{field}' must be a string.", where)  # text unverified


def _condition(cond):
    all_of = (cond or {}).get("allOf") if isinstance(cond, dict) else None
    if not isinstance(all_of, list) or not all_of:
        # ActivityLogAlertAllOfCondition.allOf is required (swagger); text unverified.
        raise _bad("The condition must contain at least one item in 'allOf'.", "condition.allOf")
    for i, c in enumerate(all_of):
        where = f"condition.allOf[{i}]"
        if isinstance(c, dict) and c.get("anyOf") is not None:
            if c.get("field") is not None or not isinstance(c["anyOf"], list) or not c["anyOf"]:
                raise _bad(f"The condition at '{where}' must be either a leaf condition or a non-empty 'anyOf' list.", where)  # unverified
            for j, leaf in enumerate(c["anyOf"]):
                _leaf(leaf, f"{where}.anyOf[{j}]")
        else:
            _leaf(c, where)
    return {"allOf": all_of}


def _actions(app, actions):
    if actions is None:
        # ActivityLogAlert: scopes, condition and actions are required (swagger); text unverified.
        raise _bad("The actions property is required.", "actions")
    if not isinstance(actions, dict) or not isinstance(actions.get("actionGroups") or [], list):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'actions'.")
    out = []
    for a in actions.get("actionGroups") or []:
        agid = a.get("actionGroupId") if isinstance(a, dict) else None
        p = ids.parse(agid) if agid else None
        if p is None or p["subscription"].lower() != app.identity.subscription_id.lower() or find_group(app, agid) is None:
            # The metric alerts' answer quoted in Azure/azure-powershell#11102; for activity log alerts unverified.
            raise _bad(f"Arm resource {agid} is invalid or in a different subscription as alert rule.")
        row = {"actionGroupId": agid, "webhookProperties": dict(a.get("webhookProperties") or {})}
        out.append(row)
    return {"actionGroups": out}


def _scopes(app, scopes):
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
        raise _bad("The scopes property must contain at least one item.", "scopes")  # swagger: "must include at least one item"; text unverified
    for s in scopes:
        p = ids.parse(s if s.startswith("/") else "/" + s)  # the examples answer "subscriptions/{id}" without the leading slash
        if p is None or p["subscription"].lower() != app.identity.subscription_id.lower():
            raise _bad(f"The scope '{s}' is not a valid resource id in this subscription.", "scopes")  # text unverified
    return list(scopes)


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = resource.get(self.app, rule_id(self.sub, rg, name))
        if doc is not None and doc.get("type", "").lower() != TYPE.lower():
            doc = None
        if doc is None and required:
            raise not_found("Microsoft.Insights/activityLogAlerts", name, rg)
        return doc

    def _all(self, rg=None):
        return [resource.public(d) for d in resource.tracked_in(self.app, self.sub, rg, TYPE)]

    # ActivityLogAlerts_ListBy*: x-ms-pageable with nextLinkName null, every rule in one answer.
    def list_sub(self, req, subscriptionId):
        return Response(200, {"value": self._all()})

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return Response(200, {"value": self._all(resourceGroupName)})

    def get(self, req, subscriptionId, resourceGroupName, activityLogAlertName):
        return Response(200, resource.public(self._get(resourceGroupName, activityLogAlertName)))

    def put(self, req, subscriptionId, resourceGroupName, activityLogAlertName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        loc = str(body.get("location") or "")
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        low = loc.replace(" ", "").lower()
        if low not in LOCATIONS:
            # SDK model docs: Global, West Europe and North Europe; the refusal in ARM's manifest wording.
            raise AzureError(400, "LocationNotAvailableForResourceType",
                             f"The provided location '{loc}' is not available for resource type 'microsoft.insights/activityLogAlerts'. "
                             "List of available regions for the resource type is 'global,westeurope,northeurope'.")
        tags = resource.validate_tags(body.get("tags"))
        props = body.get("properties")
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        enabled = props.get("enabled", True)
        if not isinstance(enabled, bool):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'enabled'.")
        out = {"scopes": _scopes(self.app, props.get("scopes")), "condition": _condition(props.get("condition")),
               "actions": _actions(self.app, props.get("actions")), "enabled": enabled}
        if props.get("description") is not None:
            out["description"] = str(props["description"])
        existing = self._get(resourceGroupName, activityLogAlertName, required=False)
        doc = existing or {"id": rule_id(self.sub, resourceGroupName, activityLogAlertName), "name": activityLogAlertName, "type": TYPE}
        doc.update({"location": LOCATIONS[low], "tags": tags, "properties": out})
        resource.put(self.app, doc)
        return Response(200 if existing else 201, resource.public(doc))

    def patch(self, req, subscriptionId, resourceGroupName, activityLogAlertName):
        body = req.json() or {}
        doc = self._get(resourceGroupName, activityLogAlertName)
        # ActivityLogAlertPatchBody: tags and properties.enabled only.
        if body.get("tags") is not None:
            doc["tags"] = resource.validate_tags(body["tags"])
        if "enabled" in (body.get("properties") or {}):
            enabled = body["properties"]["enabled"]
            if not isinstance(enabled, bool):
                raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'enabled'.")
            doc["properties"]["enabled"] = enabled
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, activityLogAlertName):
        doc = self._get(resourceGroupName, activityLogAlertName, required=False)
        if doc is None:
            return Response(204)  # swagger: "The activity log alert does not exist. It may have already been deleted."
        resource.delete_tree(self.app, doc["id"])
        return Response(200)
