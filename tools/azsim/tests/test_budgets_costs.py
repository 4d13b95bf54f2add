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
