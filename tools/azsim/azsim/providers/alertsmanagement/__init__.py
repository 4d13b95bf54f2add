"""Microsoft.AlertsManagement: the Alerts API over the alert instances azsim's alert rules fire
(azure-mgmt-alertsmanagement 1.0.1 ``alerts``, default api-version 2019-05-05-preview; 2019-03-01 and 2023-07-12-preview
clients address the same operations under any scope).

Routes (every operation answers 200, the only status the SDK accepts):
``GET {scope}/providers/Microsoft.AlertsManagement/alerts`` (Alerts_GetAll), ``GET .../alerts/{alertId}`` (GetById),
``POST .../alerts/{alertId}/changestate?newState=`` (ChangeState, optional body ``{"comments": ...}``),
``GET .../alerts/{alertId}/history`` (GetHistory) and ``GET {scope}/providers/Microsoft.AlertsManagement/alertsSummary``
(GetSummary), where ``{scope}`` is the subscription (the SDK's paths) or any ARM id under it (the 2019-03-01 and later
specs' ``/{scope}/...`` paths).  The alerts themselves are made by the Microsoft.Insights alert engine through
:mod:`.models`.
"""

import json

from ...core import ids
from ...core.errors import AzureError
from ...core.http import Response
from . import models

API_VERSIONS = ["2019-05-05-preview", "2019-03-01", "2023-07-12-preview", "2018-05-05", "2018-05-05-preview", "2025-05-25-preview"]
BASE = "/{scope*}/providers/Microsoft.AlertsManagement"


def register(app):
    app.namespace("Microsoft.AlertsManagement", {"alerts": API_VERSIONS, "alertsSummary": API_VERSIONS, "alerts/history": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", BASE + "/alerts", h.list, check_rg=False)
    r.add("GET", BASE + "/alerts/{alertId}", h.get, check_rg=False)
    r.add("POST", BASE + "/alerts/{alertId}/changestate", h.change_state, check_rg=False)
    r.add("GET", BASE + "/alerts/{alertId}/history", h.history, check_rg=False)
    r.add("GET", BASE + "/alertsSummary", h.summary, check_rg=False)


class Handlers:
    def __init__(self, app):
        self.app = app

    def _scope(self, scope):
        """The scope the caller named: the subscription (None: everything) or an ARM id below it."""
        p = ids.parse(scope)
        if p is None:
            raise AzureError(400, "BadRequest", f"The scope '{scope}' is not a valid Azure Resource Manager id.")  # text unverified
        if p["resource_group"] is None and p["namespace"] is None:
            return None
        return scope

    def list(self, req, scope):
        q = req.query
        where = self._scope(scope)
        size = models.page_count(q)
        docs = models.sort(models.matching(self.app, where, q), q)
        items = [models.public(d, context=models.flag(q, "includecontext"), egress=models.flag(q, "includeegressconfig"), select=q.get("select"))
                 for d in docs]
        return self.app.page(req, items, page_size=size)

    def get(self, req, scope, alertId):
        doc = models.find(self.app, alertId, self._scope(scope))
        if doc is None:
            raise models.not_found(alertId)
        return Response(200, models.public(doc))

    def change_state(self, req, scope, alertId):
        comments = None
        if req.body and req.body.strip():
            try:
                body = json.loads(req.body)
            except ValueError:
                raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.") from None
            # Comments model {"comments": "..."} (SDK 1.0.1); older clients send the comment as a JSON string.
            comments = body.get("comments") if isinstance(body, dict) else body if isinstance(body, str) else None
        user = (req.principal or {}).get("client_id") or "System"
        doc = models.change_state(self.app, alertId, self._scope(scope), req.query.get("newstate"), user, comments)
        return Response(200, models.public(doc))

    def history(self, req, scope, alertId):
        doc = models.find(self.app, alertId, self._scope(scope))
        if doc is None:
            raise models.not_found(alertId)
        return Response(200, models.history(doc))

    def summary(self, req, scope):
        q = req.query
        docs = models.matching(self.app, self._scope(scope), q)
        return Response(200, models.summary(docs, q.get("groupby"), scope, models.flag(q, "includesmartgroupscount")))
