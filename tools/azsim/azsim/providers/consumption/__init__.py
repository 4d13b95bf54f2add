"""Microsoft.Consumption: budgets (shared with Microsoft.CostManagement/budgets) and the legacy ``usageDetails`` list
(azure-mgmt-consumption 11.0, api 2024-08-01; older 2023-05-01 / 2021-10-01 accepted).

Budget alerts are not mailed: each threshold crossing is recorded and listed at ``GET /_azsim/budget-alerts``."""

import uuid

from ...core.http import Response
from ..costmanagement import engine
from . import budgets

API_VERSIONS = ["2024-08-01", "2023-11-01", "2023-05-01", "2023-03-01", "2021-10-01", "2019-10-01"]


def register(app):
    app.namespace("Microsoft.Consumption", {"usageDetails": API_VERSIONS, "operations": API_VERSIONS})
    budgets.register_routes(app, "Microsoft.Consumption", API_VERSIONS)
    app.router.add("GET", "{scope*}/providers/Microsoft.Consumption/usageDetails", lambda req, scope: usage_details(app, req, scope),
                   action="Microsoft.Consumption/usageDetails/read")
    eng = engine.get(app)
    eng.listeners.append(lambda now: budgets.evaluate(app, now))
    app.tick_hooks.append(eng.tick)

    def alerts(req):
        with app.store.transaction():
            eng.accrue()
        return Response(200, {"value": [doc for _key, doc in app.store.items(budgets.ALERTS)]})
    app.admin_routes[("GET", "budget-alerts")] = alerts


def usage_details(app, req, scope):
    """The current month's charges as ``kind: legacy`` usage details (swagger LegacyUsageDetailProperties), one
    per resource, meter and day.  ``$filter`` / ``startDate`` / ``endDate`` are not interpreted (unverified gap)."""
    sub, _rg = budgets.check_scope(app, scope)
    eng = engine.get(app)
    eng.accrue()
    today = app.clock.utcnow().date()
    first = today.replace(day=1).isoformat()
    low = scope.rstrip("/").lower()
    out = []
    for r in eng.rows(sub, first, today.isoformat()):
        if "/resourcegroups/" in low and not r["resourceId"].startswith(low + "/"):
            continue
        rid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{r['date']}|{r['resourceId']}|{r['meter']}"))
        out.append({
            "id": f"{scope.rstrip('/')}/providers/Microsoft.Consumption/usageDetails/{rid}", "name": rid,
            "type": "Microsoft.Consumption/usageDetails", "kind": "legacy", "tags": r.get("tags") or None,
            "properties": {
                "billingPeriodStartDate": first + "T00:00:00.0000000Z", "date": r["date"] + "T00:00:00.0000000Z",
                "subscriptionId": r["subscription"], "resourceGroup": r["resourceGroup"], "resourceId": r["resourceId"],
                "instanceName": r["resourceId"], "resourceLocation": r["location"], "consumedService": r["resourceType"].split("/")[0],
                "meterId": str(uuid.uuid5(uuid.NAMESPACE_URL, r["meter"])), "product": f"{r['service']} - {r['meter']}",
                "quantity": 1, "cost": r["cost"], "effectivePrice": r["cost"], "unitPrice": r["cost"], "billingCurrency": "EUR",
                "chargeType": "Usage", "frequency": "UsageBased", "pricingModel": "OnDemand", "isAzureCreditEligible": True,
            }})
    return app.page(req, out)
