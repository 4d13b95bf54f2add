"""What an audit reads of Azure Policy and the classic administrators, read-only: policy assignments (GET one, lists at
subscription, resource-group and resource scope; azure-mgmt-resource-policy 1.0.0 ``PolicyClient.policy_assignments``, api
2026-06-01 down to 2019-09-01) and classic administrators (api 2015-07-01 / 2015-06-01; azure-mgmt-authorization
``classic_administrators``).

Sources: azure-rest-api-specs ``Microsoft.Authorization/stable/2023-04-01/policyAssignments.json`` (PolicyAssignment: ``id``,
``type`` Microsoft.Authorization/policyAssignments, ``name``, properties ``displayName``, ``policyDefinitionId``, ``scope``,
``notScopes``, ``parameters``, ``metadata``, ``enforcementMode`` Default|DoNotEnforce; the lists return the assignments "that
apply" - at, above and below the scope - and ``$filter=atScope()`` those at or above it, ``atExactScope()`` those at it,
``policyDefinitionId eq '{id}'`` those of one definition); Learn "Microsoft cloud security benchmark in Defender for Cloud"
(Defender for Cloud assigns the benchmark initiative 1f3afdf9-d0c9-4c3d-847f-89da613e70a8 to every onboarded subscription, the
assignment the portal shows as "ASC Default (subscription: ...)", name ``SecurityCenterBuiltIn``). Classic administrators:
Learn "Azure classic subscription administrators" (retired on 31 August 2024: co-administrators and the service
administrator role are gone), so a subscription lists none, which is what azsim answers. Writes of policy assignments are not
simulated (405).
"""

import re

from ...core import ids
from ...core.errors import AzureError
from ...core.http import Response

POLICY_VERSIONS = ["2026-06-01", "2025-03-01", "2024-05-01", "2023-04-01", "2022-06-01", "2021-06-01", "2020-09-01", "2019-09-01"]
CLASSIC_VERSIONS = ["2015-07-01", "2015-06-01"]
TYPE = "Microsoft.Authorization/policyAssignments"
BENCHMARK = "/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
BASE = "/{scope*}/providers/Microsoft.Authorization/policyAssignments"


def register(app):
    app.namespace("Microsoft.Authorization", {"policyAssignments": POLICY_VERSIONS, "classicAdministrators": CLASSIC_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", BASE, h.list, action="Microsoft.Authorization/policyAssignments/read")
    r.add("GET", BASE + "/{name}", h.get, action="Microsoft.Authorization/policyAssignments/read")
    r.add("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/classicAdministrators", h.classic,
          action="Microsoft.Authorization/classicAdministrators/read")


def _scope_of(assignment_id):
    return assignment_id[: assignment_id.lower().rindex("/providers/microsoft.authorization/policyassignments/")]


class Handlers:
    def __init__(self, app):
        self.app = app

    def _all(self):
        sub = self.app.identity.subscription_id
        scope = f"/subscriptions/{sub}"
        return [{
            "properties": {"displayName": f"ASC Default (subscription: {sub})", "policyDefinitionId": BENCHMARK, "definitionVersion": "1.*.*",
                           "scope": scope, "notScopes": [], "parameters": {}, "metadata": {"assignedBy": "Security Center"},
                           "enforcementMode": "Default"},
            "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/SecurityCenterBuiltIn", "type": TYPE,
            "name": "SecurityCenterBuiltIn"}]

    def _check_scope(self, scope):
        p = ids.parse(scope)
        if p is None:
            raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not valid.")  # text unverified
        rg = p["resource_group"]
        if rg and not self.app.store.exists("resourceGroups", f"/subscriptions/{self.app.identity.subscription_id}/resourcegroups/{rg}"):
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")

    def list(self, req, scope):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        self._check_scope(scope)
        f = (req.query.get("$filter") or "").strip()
        rows = self._all()
        m_def = re.fullmatch(r"policyDefinitionId\s+eq\s+'([^']+)'", f, re.IGNORECASE)
        if f.lower() == "atscope()":
            rows = [a for a in rows if ids.under(_scope_of(a["id"]), scope)]
        elif f.lower() == "atexactscope()":
            rows = [a for a in rows if ids.same(_scope_of(a["id"]), scope)]
        elif m_def:
            rows = [a for a in rows if a["properties"]["policyDefinitionId"].lower() == m_def.group(1).lower()
                    and (ids.under(_scope_of(a["id"]), scope) or ids.under(scope, _scope_of(a["id"])))]
        elif f:
            # The swagger's supported filters; text unverified.
            raise AzureError(400, "InvalidFilterInQueryString", f"The filter '{f}' is not supported. Supported filters are 'atScope()', "
                                                                "'atExactScope()' and 'policyDefinitionId eq '{value}''.")
        else:
            rows = [a for a in rows if ids.under(_scope_of(a["id"]), scope) or ids.under(scope, _scope_of(a["id"]))]
        return self.app.page(req, rows)

    def get(self, req, scope, name):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        self._check_scope(scope)
        for a in self._all():
            if ids.same(a["id"], f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"):
                return Response(200, a)
        raise AzureError(404, "PolicyAssignmentNotFound", f"The policy assignment '{name}' is not found.")

    def classic(self, req, subscriptionId):
        return self.app.page(req, [])
