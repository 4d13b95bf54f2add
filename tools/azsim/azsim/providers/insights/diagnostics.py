"""Diagnostic settings (Microsoft.Insights/diagnosticSettings, api 2021-05-01-preview): an extension resource under any
resource id, plus ``diagnosticSettingsCategories``. azure-mgmt-monitor 7.0.0 dropped the operation group, so clients
are raw REST (az CLI, Ansible's azure_rm_monitordiagnosticsetting through older SDKs, templates).

Sources: 2021-05-01-preview swagger (PUT/GET 200, DELETE 200/204, lists ``{"value": [...]}`` without nextLink),
arm-data.md §3.6, Learn "Diagnostic settings in Azure Monitor" (at most five settings per resource; at least one
destination; settings outlive a deleted resource and apply again to a re-created one of the same id), public issues
quoted next to each error.
"""

import re

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from ...core.ids import parse
from . import diagnostics_model as cats
from .alerts_model import resource_type

API_VERSIONS = ["2021-05-01-preview", "2017-05-01-preview", "2016-09-01"]
BASE = "{scope*}/providers/Microsoft.Insights/diagnosticSettings"
CATS = "{scope*}/providers/Microsoft.Insights/diagnosticSettingsCategories"
TYPE = "Microsoft.Insights/diagnosticSettings"
# Not keyed under the target's id on purpose: Learn documents that settings survive the resource's deletion.
TABLE = "insights.diagnosticSettings"
_STORAGE_SERVICE = re.compile(r"/(blob|file|queue|table)Services/default/?$", re.I)
MAX_SETTINGS = 5
WORKSPACE_TYPE = "microsoft.operationalinsights/workspaces"
STORAGE_TYPE = "microsoft.storage/storageaccounts"


EVENT_CATEGORY_VERSIONS = ["2015-04-01"]


def register(app):
    app.namespace("Microsoft.Insights", {"diagnosticSettings": API_VERSIONS, "diagnosticSettingsCategories": API_VERSIONS,
                                         "eventCategories": EVENT_CATEGORY_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", BASE, h.list)
    r.add("GET", BASE + "/{name}", h.get)
    r.add("PUT", BASE + "/{name}", h.put)
    r.add("DELETE", BASE + "/{name}", h.delete)
    r.add("GET", CATS, h.list_categories)
    r.add("GET", CATS + "/{name}", h.get_category)
    # The activity log's categories - what a subscription's diagnostic setting may name - come from this tenant-level list
    # (azure-mgmt-monitor ``event_categories.list``, api 2015-04-01), not from diagnosticSettingsCategories (see below).
    r.add("GET", "/providers/Microsoft.Insights/eventcategories", h.event_categories, action="Microsoft.Insights/eventcategories/read")


def is_subscription(scope):
    segs = scope.strip("/").split("/")
    return len(segs) == 2 and segs[0].lower() == "subscriptions"


def routes(app, resource_id, category):
    """The workspaces a resource's diagnostic settings send ``category`` to: [(workspace id, dedicated)], where dedicated
    means resource-specific tables (``logAnalyticsDestinationType: Dedicated``) rather than AzureDiagnostics (Learn "Resource
    logs in Azure Monitor": the two collection modes). A category is sent when a setting enables it by name, by a category
    group that holds it, or, for metrics, through its metric category (``AllMetrics``)."""
    scope = resource_id.rstrip("/")
    rtype = cats.SUBSCRIPTION if is_subscription(scope) else resource_type(scope)
    logs, _metrics = cats.categories_for(rtype) or ({}, ())
    groups = {g.lower() for g in next((v for k, v in logs.items() if k.lower() == category.lower()), ())}
    want = category.lower()
    out = []
    with app.store.lock:
        settings = [d for _k, d in app.store.items(TABLE, _key(scope))]
    for doc in settings:
        props = doc["properties"]
        ws = props.get("workspaceId")
        if not ws:
            continue
        for entry in props["logs"] + props["metrics"]:
            if entry["enabled"] and ((entry.get("category") or "").lower() == want or (entry.get("categoryGroup") or "").lower() in groups):
                route = (ws, props.get("logAnalyticsDestinationType") == "Dedicated")
                if route not in out:
                    out.append(route)
                break
    return out


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def _key(scope, name=""):
    return "diag:" + f"{scope.rstrip('/')}/providers/microsoft.insights/diagnosticsettings/{name}".lower()


class Handlers:
    def __init__(self, app):
        self.app = app

    def _target(self, scope):
        """The target resource (must exist) and its type; a subscription is the activity log's scope."""
        if is_subscription(scope):
            if scope.strip("/").split("/")[1].lower() != self.app.identity.subscription_id.lower():
                raise AzureError(404, "SubscriptionNotFound", f"The subscription '{scope.strip('/').split('/')[1]}' could not be found.")
            return None, cats.SUBSCRIPTION
        p = parse(scope)
        doc = resource.peek(self.app, scope) if p and p["namespace"] else None
        if doc is None and _STORAGE_SERVICE.search(scope):
            # A storage account's blob/file/queue/table service "default" exists with the account, whether or not its
            # properties were ever set (Learn "Monitoring Azure Blob Storage": diagnostic settings target
            # .../storageAccounts/{a}/blobServices/default; azure-rest-api-specs storage BlobServices_GetServiceProperties).
            account = resource.peek(self.app, _STORAGE_SERVICE.sub("", scope))
            doc = {"id": scope, "type": resource_type(scope)} if account is not None else None
        if doc is None:
            rtype = resource_type(scope) or "resource"
            name = p["types"][-1][1] if p and p["types"] else scope
            rg = (p or {}).get("resource_group") or ""
            # ARM's 404 for an extension resource on a missing parent (generic ResourceNotFound text).
            raise AzureError(404, "ResourceNotFound", f"The Resource '{rtype}/{name}' under resource group '{rg}' was not found. "
                                                      "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return doc, resource_type(scope)

    def _settings(self, scope):
        return [d for _k, d in self.app.store.items(TABLE, _key(scope))]

    def _wire(self, scope, doc):
        out = dict(doc)
        out["id"] = f"{scope}/providers/microsoft.insights/diagnosticSettings/{doc['name']}"
        return out

    def list(self, req, scope):
        self._target(scope)
        return Response(200, {"value": [self._wire(scope, d) for d in self._settings(scope)]})

    def get(self, req, scope, name):
        self._target(scope)
        doc = self.app.store.get(TABLE, _key(scope, name))
        if doc is None:
            # Remembered answer of the Insights RP for a missing setting (text unverified).
            raise AzureError(404, "ResourceNotFound", f"The diagnostic setting '{name}' doesn't exist.")
        return Response(200, self._wire(scope, doc))

    def delete(self, req, scope, name):
        self._target(scope)
        if not self.app.store.delete(TABLE, _key(scope, name)):
            return Response(204)
        return Response(200)

    # -- PUT -------------------------------------------------------------------------------------------
    def _destination(self, pid, want_type, field):
        if pid is None:
            return None
        doc = resource.peek(self.app, pid) if parse(pid) else None
        if doc is None or doc.get("type", "").lower() != want_type:
            raise _bad(f"The {field} '{pid}' is invalid or the resource does not exist.", field)  # unverified text
        return pid

    def _logs(self, logs, log_cats):
        if not isinstance(logs, list):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'logs'.")
        out = []
        for entry in logs:
            cat, group = entry.get("category"), entry.get("categoryGroup")
            if bool(cat) == bool(group):
                raise _bad("Each log setting must specify exactly one of category or categoryGroup.", "logs")  # unverified text
            if log_cats is not None and cat and cat.lower() not in {c.lower() for c in log_cats}:
                raise _bad(f"Category '{cat}' is not supported.")  # quoted in hashicorp/terraform#20534, Azure/azure-powershell#9863
            if group and (group.lower() not in {g.lower() for g in cats.GROUPS} or (log_cats is not None and not log_cats)):
                raise _bad(f"Category group '{group}' is not supported.")  # unverified text, modelled on the category one
            out.append(self._entry(entry))
        # A setting names its logs either by category or by category group, not both (Azure/azure-rest-api-specs#22719).
        if any(e.get("category") for e in out) and any(e.get("categoryGroup") for e in out):
            raise _bad("Diagnostic setting does not support mix of log category and log category group.")
        return out

    def _metrics(self, metrics, metric_cats):
        if not isinstance(metrics, list):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'metrics'.")
        out = []
        for entry in metrics:
            cat = entry.get("category")
            if metric_cats == ():
                # A scope without metric categories, such as a subscription (its setting exports the activity log only;
                # subscriptionDiagnosticsSettings_API.json has no metrics): the wording of Azure/azure-powershell#6520.
                raise _bad(f"Metric category '{cat}' is not supported.")
            if metric_cats is not None and (not cat or cat.lower() not in {c.lower() for c in metric_cats}):
                supported = ", ".join(f"'{c}'" for c in metric_cats)
                raise _bad(f"Metric category '{cat}' is not supported, supported categories are: {supported}.")  # MicrosoftDocs/azure-docs#69798
            row = self._entry(entry)
            row.setdefault("timeGrain", None)
            out.append(row)
        return out

    @staticmethod
    def _entry(entry):
        rp = entry.get("retentionPolicy")
        if isinstance(rp, dict) and rp.get("enabled"):
            # Storage retention in diagnostic settings was deprecated in 2023; quoted in Azure/avdaccelerator#473 and others.
            raise _bad("Diagnostic settings does not support retention for new diagnostic settings.")
        row = {k: v for k, v in entry.items() if k in ("category", "categoryGroup", "enabled", "timeGrain")}
        row["enabled"] = bool(entry.get("enabled", False))
        row["retentionPolicy"] = {"enabled": False, "days": 0}
        return row

    def put(self, req, scope, name):
        target, rtype = self._target(scope)
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("properties") or {}, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        props = body.get("properties") or {}
        workspace = self._destination(props.get("workspaceId"), WORKSPACE_TYPE, "workspaceId")
        storage = self._destination(props.get("storageAccountId"), STORAGE_TYPE, "storageAccountId")
        hub_rule = props.get("eventHubAuthorizationRuleId")
        if hub_rule is not None and (not parse(hub_rule) or "/authorizationrules/" not in hub_rule.lower()):
            raise _bad(f"The eventHubAuthorizationRuleId '{hub_rule}' is invalid.", "eventHubAuthorizationRuleId")  # unverified text
        partner = props.get("marketplacePartnerId")
        if not (workspace or storage or hub_rule or partner or props.get("serviceBusRuleId")):
            # Learn: a diagnostic setting needs at least one destination (text unverified).
            raise _bad("At least one destination must be specified: a Log Analytics workspace, a storage account, an event hub or a "
                       "partner solution.")
        known = cats.categories_for(rtype)
        log_cats, metric_cats = (known if known is not None else (None, None))
        logs = self._logs(props.get("logs") or [], log_cats)
        metrics = self._metrics(props.get("metrics") or [], metric_cats)
        others = [d for d in self._settings(scope) if d["name"].lower() != name.lower()]
        existing = self.app.store.get(TABLE, _key(scope, name))
        if existing is None and len(others) >= MAX_SETTINGS:
            # Learn "Azure Monitor service limits": five diagnostic settings per resource (hard limit; text unverified).
            raise _bad(f"Diagnostic settings does not support more than {MAX_SETTINGS} diagnostic settings per resource.")
        if workspace:
            mine = {(e.get("category") or e.get("categoryGroup") or "").lower() for e in logs + metrics if e["enabled"]}
            for other in others:
                if (other["properties"].get("workspaceId") or "").lower() != workspace.lower():
                    continue
                for e in other["properties"]["logs"] + other["properties"]["metrics"]:
                    label = e.get("category") or e.get("categoryGroup") or ""
                    if e["enabled"] and label.lower() in mine:
                        # One sink may receive a category once per resource (text unverified).
                        raise _bad(f"Data sink '{workspace}' is already used in diagnostic setting '{other['name']}' for category "
                                   f"'{label}' for this resource.")
        dest_type = props.get("logAnalyticsDestinationType")
        if dest_type is not None and str(dest_type) not in ("Dedicated", "AzureDiagnostics"):
            raise _bad(f"The logAnalyticsDestinationType '{dest_type}' is invalid.", "logAnalyticsDestinationType")  # unverified
        doc = {"name": name, "type": TYPE, "properties": {
            "storageAccountId": storage, "serviceBusRuleId": props.get("serviceBusRuleId"), "workspaceId": workspace,
            "eventHubAuthorizationRuleId": hub_rule, "eventHubName": props.get("eventHubName"), "marketplacePartnerId": partner,
            "logAnalyticsDestinationType": dest_type, "logs": logs, "metrics": metrics}}
        self.app.store.put(TABLE, _key(scope, name), doc)
        return Response(200, self._wire(scope, doc))

    # -- categories ------------------------------------------------------------------------------------
    def _categories(self, scope):
        _target, rtype = self._target(scope)
        if rtype == cats.SUBSCRIPTION:
            # The categories of a subscription are the event categories; this API refuses the scope, as quoted in
            # hashicorp/terraform-provider-azurerm#14392 and #27283.
            raise AzureError(400, "ResourceTypeNotSupported", "The resource type '/' does not support diagnostic settings.")
        known = cats.categories_for(rtype) or ({}, ())
        base = f"{scope}/providers/microsoft.insights/diagnosticSettingsCategories"
        out = [{"id": f"{base}/{n}", "name": n, "type": "Microsoft.Insights/diagnosticSettingsCategories",
                "properties": {"categoryType": "Metrics", "categoryGroups": []}} for n in known[1]]
        out += [{"id": f"{base}/{n}", "name": n, "type": "Microsoft.Insights/diagnosticSettingsCategories",
                 "properties": {"categoryType": "Logs", "categoryGroups": list(groups)}} for n, groups in known[0].items()]
        return out

    def list_categories(self, req, scope):
        return Response(200, {"value": self._categories(scope)})

    def get_category(self, req, scope, name):
        for c in self._categories(scope):
            if c["name"].lower() == name.lower():
                return Response(200, c)
        raise AzureError(404, "ResourceNotFound", f"The diagnostic settings category '{name}' doesn't exist.")  # unverified text

    def event_categories(self, req):
        """The activity log's event categories (EventCategoryCollection: ``value`` of LocalizableString, no nextLink)."""
        names = cats.CATEGORIES[cats.SUBSCRIPTION][0]
        return Response(200, {"value": [{"value": n, "localizedValue": n} for n in names]})
