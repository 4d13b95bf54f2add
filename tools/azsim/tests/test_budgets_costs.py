"""Budgets (Microsoft.Consumption / Microsoft.CostManagement) and the Cost Management Query API over azsim's
cost engine, through azure-mgmt-consumption, azure-mgmt-costmanagement and azure-mgmt-web."""

import datetime as _dt

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.consumption import ConsumptionManagementClient
from azure.mgmt.costmanagement import CostManagementClient
from azure.mgmt.web import WebSiteManagementClient

DAY = 86400


def cost_client(azsim, mode):
    """CostManagementClient takes no subscription id (its operations name a scope); base_url is its 2nd argument."""
    kwargs = {"base_url": azsim.url, "credential_scopes": [azsim.url + "/.default"]} if mode == "direct" else {}
    return CostManagementClient(azsim.credential(mode), **kwargs)


def sim_now(azsim):
    return _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"][:19]).replace(tzinfo=_dt.UTC)


def month_start(d):
    return d.strftime("%Y-%m-01T00:00:00Z")


def mtd_query(group="ResourceType", timeframe="MonthToDate", granularity="None", **extra):
    return {"type": "ActualCost", "timeframe": timeframe,
            "dataset": {"granularity": granularity, "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                        "grouping": [{"type": "Dimension", "name": group}]}, **extra}


def budget_body(start, amount=10, **notes):
    notifications = notes or {"Actual_GreaterThan_50_Percent": {
        "enabled": True, "operator": "GreaterThan", "threshold": 50, "contactEmails": ["ops@example.com"], "thresholdType": "Actual"}}
    return {"properties": {"category": "Cost", "amount": amount, "timeGrain": "Monthly", "timePeriod": {"startDate": start},
                           "notifications": notifications}}


def test_plan_costs_budget_spend_and_alert(azsim, mode, resource_group, unique):
    web = azsim.client(WebSiteManagementClient, mode)
    costs = cost_client(azsim, mode)
    consumption = azsim.client(ConsumptionManagementClient, mode)
    scope = f"subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {"location": "westeurope",
                                                                                    "sku": {"name": "S1", "capacity": 2}}).result()
    start = sim_now(azsim)
    days = 2
    # Keep the window inside one month so MonthToDate covers it; otherwise ask for a Custom period.
    end = start + _dt.timedelta(days=days)
    custom = end.month != start.month
    budget = consumption.budgets.create_or_update(scope, f"b-{unique}", budget_body(month_start(start)))
    assert budget.properties.current_spend.amount < 0.5 and budget.properties.current_spend.unit == "EUR"
    assert budget.e_tag
    azsim.admin("POST", "clock", {"advance_seconds": days * DAY})
    try:
        # Tokens issued before the jump have expired in simulated time (ExpiredAuthenticationToken): new clients.
        costs = cost_client(azsim, mode)
        consumption = azsim.client(ConsumptionManagementClient, mode)
        q = mtd_query(timeframe="Custom", timePeriod={"from": start.date().isoformat(), "to": end.date().isoformat()}) if custom else mtd_query()
        result = costs.query.usage(scope, q)
        names = [c.name for c in result.columns]
        assert names == ["Cost", "ResourceType", "Currency"]
        rows = {r[1]: r for r in result.rows}
        expected = 2 * 60 * days * 24 / 730  # 2 S1 workers x 60 EUR/instance-month, billed per hour (730 h a month)
        assert rows["microsoft.web/serverfarms"][0] == pytest.approx(expected, abs=0.05)
        assert rows["microsoft.web/serverfarms"][2] == "EUR"
        daily = costs.query.usage(scope, mtd_query(group="ResourceGroupName", granularity="Daily", timeframe="Custom",
                                                   timePeriod={"from": start.date().isoformat(), "to": end.date().isoformat()}))
        assert [c.name for c in daily.columns] == ["Cost", "UsageDate", "ResourceGroupName", "Currency"]
        assert all(isinstance(r[1], int) and r[2] == resource_group for r in daily.rows)
        assert sum(r[0] for r in daily.rows) == pytest.approx(expected, abs=0.05)
        got = consumption.budgets.get(scope, f"b-{unique}")
        assert float(got.properties.current_spend.amount) == pytest.approx(expected, abs=0.05)
        alerts = [a for a in azsim.admin("GET", "budget-alerts")["value"] if a["budgetId"].lower().endswith(f"/budgets/b-{unique}")]
        assert len(alerts) == 1 and alerts[0]["notification"] == "Actual_GreaterThan_50_Percent" and alerts[0]["spend"] > 5
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -days * DAY})


def test_budget_validation_and_etag(azsim, mode, resource_group, unique):
    consumption = azsim.client(ConsumptionManagementClient, mode)
    scope = f"subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    now = sim_now(azsim)
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.create_or_update(scope, f"mid-{unique}", budget_body(now.strftime("%Y-%m-15T00:00:00Z")))
    assert e.value.status_code == 400
    past = (now.replace(day=1) - _dt.timedelta(days=40)).replace(day=1)
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.create_or_update(scope, f"past-{unique}", budget_body(month_start(past)))
    assert e.value.status_code == 400
    six = {f"n{i}": {"enabled": True, "operator": "GreaterThan", "threshold": 10 * (i + 1), "contactEmails": ["a@b.com"]} for i in range(6)}
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.create_or_update(scope, f"six-{unique}", budget_body(month_start(now), **six))
    assert e.value.status_code == 400
    no_contact = {"n": {"enabled": True, "operator": "GreaterThan", "threshold": 80, "contactRoles": ["Owner"]}}
    with pytest.raises(HttpResponseError):
        consumption.budgets.create_or_update(scope, f"nc-{unique}", budget_body(month_start(now), **no_contact))
    b = consumption.budgets.create_or_update(scope, f"ok-{unique}", budget_body(month_start(now)))
    end = _dt.datetime.fromisoformat(str(b.properties.time_period.end_date)[:10])
    assert end.year == now.year + 10  # endDate defaults to ten years
    body = budget_body(month_start(now), amount=20)
    body["eTag"] = '"0000stale"'
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.create_or_update(scope, f"ok-{unique}", body)
    assert e.value.status_code == 412
    body["eTag"] = b.e_tag
    updated = consumption.budgets.create_or_update(scope, f"ok-{unique}", body)
    assert float(updated.properties.amount) == 20 and updated.e_tag != b.e_tag
    moved = budget_body(month_start(now.replace(day=1) + _dt.timedelta(days=40)))
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.create_or_update(scope, f"ok-{unique}", moved)
    assert "Start date of budgets cannot be updated" in e.value.message
    # The same budget seen through Microsoft.CostManagement/budgets.
    cm = cost_client(azsim, mode).budgets.get(scope, f"ok-{unique}")
    assert cm.type == "Microsoft.CostManagement/budgets" and cm.properties.amount == 20
    assert [x.name for x in consumption.budgets.list(scope)] == [f"ok-{unique}"]
    consumption.budgets.delete(scope, f"ok-{unique}")
    with pytest.raises(HttpResponseError) as e:
        consumption.budgets.get(scope, f"ok-{unique}")
    assert e.value.status_code == 404


def test_query_validation(azsim, mode):
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/providers/Microsoft.CostManagement/query?api-version=2023-11-01"
    r = s.post(url, json=mtd_query(group="Resource"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
    assert "Invalid dataset grouping: 'Resource'; valid values: 'ResourceGroup','ResourceGroupName'" in r.json()["error"]["message"]
    r = s.post(url, json=mtd_query(timeframe="LastCentury"))
    assert r.status_code == 400 and "timeframe" in r.json()["error"]["message"]
    r = s.post(url, json=mtd_query(timeframe="Custom"))
    assert r.status_code == 400
    r = s.post(url, json=mtd_query(group="ServiceName"))
    assert r.status_code == 200
    props = r.json()["properties"]
    assert props["columns"][0] == {"name": "Cost", "type": "Number"} and "nextLink" in props


def forecast_body(first, last, include_actual=False, include_fresh=False, **dataset):
    return {"type": "ActualCost", "timeframe": "Custom", "timePeriod": {"from": f"{first.isoformat()}T00:00:00+00:00",
                                                                        "to": f"{last.isoformat()}T23:59:59+00:00"},
            "dataset": {"granularity": "Daily", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}}, **dataset},
            "includeActualCost": include_actual, "includeFreshPartialCost": include_fresh}


def by_status(result):
    out = {}
    for cost, day, status, currency in result.rows:
        assert currency == "EUR"
        out.setdefault(status, {})[str(day)] = cost
    return out


def test_forecast_from_the_accrual_model(azsim, mode, resource_group, unique):
    web = azsim.client(WebSiteManagementClient, mode)
    web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {"location": "westeurope", "sku": {"name": "S1", "capacity": 1}}).result()
    scope = f"subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    day_cost = 60 * 24 / 730  # one S1 worker: 60 EUR a month, billed per hour (730 h a month)
    today = sim_now(azsim).date()
    first, last = today, today + _dt.timedelta(days=3)
    costs = cost_client(azsim, mode)
    result = costs.forecast.usage(scope, forecast_body(first, last))
    columns = [(c.name, c.type) for c in result.columns]
    assert columns == [("Cost", "Number"), ("UsageDate", "Number"), ("CostStatus", "String"), ("Currency", "String")]
    rows = by_status(result)
    assert set(rows) == {"Forecast"}
    days = [(today + _dt.timedelta(days=i)).strftime("%Y%m%d") for i in range(4)]
    assert sorted(rows["Forecast"]) == days
    for d in days[1:]:
        assert rows["Forecast"][d] == pytest.approx(day_cost, abs=0.001)
    assert 0 < rows["Forecast"][days[0]] <= day_cost  # the plan runs from its creation on
    # A scaled-out plan forecasts twice as much for the days to come.
    web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {"location": "westeurope", "sku": {"name": "S1", "capacity": 2}}).result()
    rows = by_status(costs.forecast.usage(scope, forecast_body(first, last)))
    assert rows["Forecast"][days[2]] == pytest.approx(2 * day_cost, abs=0.001)
    with pytest.raises(HttpResponseError) as e:
        costs.forecast.usage(scope, forecast_body(today - _dt.timedelta(days=10), today - _dt.timedelta(days=1)))
    assert e.value.status_code == 400 and e.value.error.code == "CantForecastOnThePast"

    azsim.admin("POST", "clock", {"advance_seconds": 2 * DAY})
    try:
        costs = cost_client(azsim, mode)
        now = sim_now(azsim)
        rows = by_status(costs.forecast.usage(scope, forecast_body(first, last, include_actual=True)))
        # The two complete days since the scale-out are actual costs, as the Query API reports them; today is forecast whole.
        actual = costs.query.usage(scope, mtd_query(group="ResourceGroupName", granularity="Daily", timeframe="Custom",
                                                    timePeriod={"from": first.isoformat(), "to": (first + _dt.timedelta(days=1)).isoformat()}))
        assert {str(r[1]): r[0] for r in actual.rows} == pytest.approx(rows["Actual"], abs=0.001)
        assert sorted(rows["Actual"]) == days[:2] and sorted(rows["Forecast"]) == days[2:]
        assert rows["Forecast"][days[2]] == pytest.approx(2 * day_cost, abs=0.001)
        fresh = by_status(costs.forecast.usage(scope, forecast_body(first, last, include_actual=True, include_fresh=True)))
        elapsed_today = now.hour + now.minute / 60 + now.second / 3600
        assert fresh["Actual"][days[2]] == pytest.approx(2 * 60 / 730 * elapsed_today, abs=0.01)
        assert fresh["Actual"][days[2]] + fresh["Forecast"][days[2]] == pytest.approx(2 * day_cost, abs=0.01)
        # Filters apply as in the query: another resource group's dimension value leaves nothing.
        elsewhere = {"dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["elsewhere"]}}
        none = costs.forecast.usage(scope, forecast_body(first, last, filter=elsewhere))
        assert none.rows == []
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -2 * DAY})


def test_budget_forecast_spend(azsim, mode, resource_group, unique):
    web = azsim.client(WebSiteManagementClient, mode)
    consumption = azsim.client(ConsumptionManagementClient, mode)
    scope = f"subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {"location": "westeurope", "sku": {"name": "S1", "capacity": 1}}).result()
    now = sim_now(azsim)
    budget = consumption.budgets.create_or_update(scope, f"b-{unique}", budget_body(month_start(now), amount=100))
    month_end = (now.replace(day=1) + _dt.timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    hours_left = (month_end - now).total_seconds() / 3600
    spend = float(budget.properties.current_spend.amount)
    assert float(budget.properties.forecast_spend.amount) == pytest.approx(spend + 60 / 730 * hours_left, abs=0.05)
    assert budget.properties.forecast_spend.unit == "EUR"
    # The forecast is the one the Forecast API gives for the rest of the month.
    last_day = (month_end - _dt.timedelta(days=1)).date()
    result = cost_client(azsim, mode).forecast.usage(scope, forecast_body(now.date(), last_day, include_actual=True, include_fresh=True))
    assert sum(r[0] for r in result.rows) == pytest.approx(float(budget.properties.forecast_spend.amount), abs=0.05)
    # Microsoft.Consumption budgets before api-version 2021-10-01 have no forecastSpend.
    s = azsim.session(mode)
    old = s.get(f"{azsim.arm(mode)}/{scope}/providers/Microsoft.Consumption/budgets/b-{unique}?api-version=2019-10-01").json()
    assert "currentSpend" in old["properties"] and "forecastSpend" not in old["properties"]
