"""Microsoft.CostManagement: the Query and Forecast APIs over azsim's cost engine and the Cost Management shape of budgets
(azure-mgmt-costmanagement 5.0, api 2025-03-01; 2023-11-01 / 2024-08-01 accepted).

``CostManagementClient`` takes no subscription id: every operation names its ``scope``
(``/subscriptions/{id}`` or ``/subscriptions/{id}/resourceGroups/{rg}``)."""

from ..consumption import budgets
from . import forecast, query

API_VERSIONS = ["2025-03-01", "2024-08-01", "2023-11-01", "2023-03-01", "2022-10-01", "2021-10-01", "2019-11-01"]


def register(app):
    app.namespace("Microsoft.CostManagement", {"query": API_VERSIONS, "forecast": API_VERSIONS, "operations": API_VERSIONS})
    budgets.register_routes(app, "Microsoft.CostManagement", API_VERSIONS)

    def run_query(req, scope):
        budgets.check_scope(app, scope)
        return query.run(app, req, scope.rstrip("/"), "azsim")  # the subscription's displayName (resources provider)

    # Provider operations list: "Microsoft.CostManagement/query/read" is the query's permission (Cost Management Reader;
    # Reader's */read covers it) although the verb is POST.
    app.router.add("POST", "{scope*}/providers/Microsoft.CostManagement/query", run_query, action="Microsoft.CostManagement/query/read")

    def run_forecast(req, scope):
        budgets.check_scope(app, scope)
        return forecast.run(app, req, scope.rstrip("/"), "azsim")

    # Provider operations list: "Microsoft.CostManagement/forecast/read" (Forecast usage data by a scope), a POST as well.
    app.router.add("POST", "{scope*}/providers/Microsoft.CostManagement/forecast", run_forecast, action="Microsoft.CostManagement/forecast/read")
