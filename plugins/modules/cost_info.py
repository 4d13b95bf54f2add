#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cost_info
short_description: Read the actual cost, the forecast and the budgets of a subscription or resource group
version_added: 0.1.0
description:
  - Asks Azure Cost Management what a scope (the subscription, or O(resource_group)) has cost so far in the period, day by
    day and in total, optionally grouped by a dimension with its top lines (Query API), what it will have cost at the end of
    the period (Forecast API), and reads the budgets of the scope with their current and forecast spend
    (C(Microsoft.Consumption/budgets)), for weekly cost checks and cost reviews.
  - The Query and Forecast calls are POST requests that only read (Cost Management Reader or Reader can make them), so they
    are also sent in check mode. Nothing is ever changed.
  - Cost Management throttles hard (a few queries a minute per scope); the module makes at most two Cost Management
    calls a run (one query, one forecast) and waits out a 429 for as long as the service's
    C(x-ms-ratelimit-microsoft.costmanagement-*-retry-after) headers ask, up to 60 seconds a time, five times.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description:
      - Resource group whose costs and budgets are read. Without it, the whole subscription of the credentials.
      - A resource group that does not exist fails the task before Cost Management is asked.
    type: str
  timeframe:
    description:
      - The period read. V(MonthToDate) is the current calendar month up to today, V(TheLastMonth) the previous calendar
        month, V(Custom) the days from O(start_date) to O(end_date).
    type: str
    default: MonthToDate
    choices: [MonthToDate, TheLastMonth, Custom]
  start_date:
    description: First day of a V(Custom) period, C(YYYY-MM-DD). Required with O(timeframe=Custom).
    type: str
  end_date:
    description:
      - Last day of a V(Custom) period, C(YYYY-MM-DD), at most one year after O(start_date). Required with O(timeframe=Custom).
      - A day in the future is forecast, not queried.
    type: str
  cost_type:
    description:
      - V(ActualCost) is what is billed (purchases on the day they are made); V(AmortizedCost) spreads reservations and
        savings plans over their term.
    type: str
    default: ActualCost
    choices: [ActualCost, AmortizedCost]
  group_by:
    description: Dimension to group the cost by; RV(top) then lists its most expensive values.
    type: str
    choices: [ResourceType, ResourceGroupName, ResourceId, MeterCategory, ServiceName]
  top:
    description: How many lines RV(top) returns, most expensive first; V(0) returns them all.
    type: int
    default: 5
  forecast:
    description:
      - Ask the Forecast API for the cost at the end of the period (RV(forecast_total)).
      - With V(false), or for a period that has already ended, no forecast is asked and RV(forecast_total) is null or
        equal to RV(actual_total).
    type: bool
    default: true
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads; its Query and Forecast POST calls are sent in check mode too.
  diff_mode:
    support: none
notes:
  - Cost Management data lags behind usage by several hours; today's cost is partial.
  - Costs are rounded to the cent, in the billing currency (RV(currency)).
  - The date of "today" is the later of the controller's UTC date and the last day Cost Management reports a cost for,
    so the forecast covers the month the service is in.
seealso:
  - module: erpops.azure.budget
"""

EXAMPLES = r"""
- name: Read the month's cost of the ERP, by type of resource, with the budgets
  erpops.azure.cost_info:
    resource_group: erp-supermarket-production-rg
    group_by: ResourceType
  register: cost

- name: Fail the weekly check when the month's forecast passes the budget
  ansible.builtin.assert:
    that:
      - cost.forecast_total <= (cost.budgets | map(attribute='amount') | min)
    fail_msg: >-
      The month will cost {{ cost.forecast_total }} {{ cost.currency }} (so far {{ cost.actual_total }});
      first: {{ cost.top[0].name }} ({{ cost.top[0].cost }})

- name: Read the last quarter by service, for the quarterly review
  erpops.azure.cost_info:
    timeframe: Custom
    start_date: "2026-07-01"
    end_date: "2026-09-30"
    group_by: ServiceName
    top: 0
  register: quarter
"""

RETURN = r"""
scope:
  description: The Azure scope the costs and budgets were read for.
  returned: always
  type: str
  sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
period:
  description: First and last day of the period (C(YYYY-MM-DD)); for V(MonthToDate) the last day of the month.
  returned: always
  type: dict
  sample: {start: "2026-11-01", end: "2026-11-30"}
currency:
  description: The billing currency of the costs; null when Azure reports no cost and no budget.
  returned: always
  type: str
  sample: EUR
actual_total:
  description: Cost of the period so far.
  returned: always
  type: float
  sample: 52.37
forecast_total:
  description:
    - Cost at the end of the period, actual cost so far plus the forecast of the rest.
    - Equal to RV(actual_total) for a period that has ended; null with O(forecast=false).
  returned: always
  type: float
  sample: 101.12
daily:
  description:
    - The cost of each day, oldest first; C(status) is V(Actual) for the days queried and V(Forecast) for the forecast
      days (today can appear twice, its partial actual cost and the forecast of its rest).
  returned: always
  type: list
  elements: dict
  sample:
    - {date: "2026-11-24", cost: 3.45, status: Actual}
    - {date: "2026-11-25", cost: 3.45, status: Forecast}
top:
  description: With O(group_by), the most expensive values of the dimension over the period (at most O(top)); empty otherwise.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: microsoft.web/serverfarms, cost: 40.11}
    - {name: microsoft.dbforpostgresql/flexibleservers, cost: 12.26}
budgets:
  description:
    - The budgets defined at the scope (a subscription's budgets, not its resource groups'), with their spend in their
      current period.
    - C(percent_used) and C(percent_forecast) are the current and forecast spend in percent of the amount.
  returned: always
  type: list
  elements: dict
  sample:
    - name: erp-supermarket-production-monthly
      amount: 187.0
      time_grain: Monthly
      current_spend: 52.37
      forecast_spend: 101.12
      unit: EUR
      percent_used: 28.0
      percent_forecast: 54.1
      notifications:
        - {name: actual_GreaterThan_80, threshold: 80, threshold_type: Actual, operator: GreaterThan, enabled: true,
           contact_emails: [ops@example.com]}
"""

import calendar
import datetime

from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# azure-mgmt-costmanagement 5.0.0's api-version; its forecast knows only the Custom timeframe, so periods are always sent.
COST_API_VERSION = "2025-03-01"
# Microsoft.Consumption BudgetProperties carries forecastSpend from api-version 2021-10-01 (erpops.azure.budget's version).
BUDGET_API_VERSION = "2024-08-01"
RESOURCE_GROUP_API_VERSION = "2024-11-01"
COST_COLUMNS = ("cost", "pretaxcost", "costusd", "pretaxcostusd")
MAX_PAGES = 50
# Learn "Cost Management Query API": a custom period covers at most one year.
MAX_PERIOD_DAYS = 366


def parse_date(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None


def usage_date(value):
    """The ISO day of a UsageDate cell: a Number such as 20261125, or a date-time string."""
    text = str(int(value)) if isinstance(value, (int, float)) else str(value)
    if len(text) == 8 and text.isdigit():
        return "%s-%s-%s" % (text[:4], text[4:6], text[6:])
    return text[:10]


def columns_of(result):
    """(index by lower-case column name, rows, nextLink) of a Query / Forecast answer."""
    props = (result or {}).get("properties") or {}
    index = dict((str(c.get("name", "")).lower(), i) for i, c in enumerate(props.get("columns") or []))
    return index, props.get("rows") or [], props.get("nextLink")


def cost_index(index):
    """The aggregated cost column: named after the aggregated column (Cost, PreTaxCost...) whatever the alias."""
    for name in COST_COLUMNS + ("totalcost",):
        if name in index:
            return index[name]
    raise AzureApiError(200, "UnexpectedAnswer", "the Cost Management answer has no cost column (columns: %s)" % ", ".join(sorted(index)))


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def cents(value):
    return round(float(value or 0.0), 2)


def summarize(rows, index, group_by):
    """(total, {day: cost}, {group value: cost}, currency) of query rows."""
    ci = cost_index(index)
    di = index.get("usagedate")
    gi = index.get(group_by.lower()) if group_by else None
    cur = index.get("currency")
    total, days, groups, currency = 0.0, {}, {}, None
    for row in rows:
        cost = float(row[ci] or 0.0)
        total += cost
        if di is not None:
            day = usage_date(row[di])
            days[day] = days.get(day, 0.0) + cost
        if gi is not None:
            key = row[gi] if row[gi] not in (None, "") else "(none)"
            groups[key] = groups.get(key, 0.0) + cost
        if cur is not None and row[cur]:
            currency = row[cur]
    return total, days, groups, currency


def top_lines(groups, count):
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [{"name": name, "cost": cents(cost)} for name, cost in (ranked[:count] if count else ranked)]


def budget_view(doc):
    props = doc.get("properties") or {}
    amount = float(props.get("amount") or 0.0)
    current = (props.get("currentSpend") or {}).get("amount")
    forecast = (props.get("forecastSpend") or {}).get("amount")
    unit = (props.get("currentSpend") or {}).get("unit") or (props.get("forecastSpend") or {}).get("unit")

    def percent(value):
        return round(float(value) * 100.0 / amount, 1) if amount and value is not None else None

    notes = []
    for key, n in sorted((props.get("notifications") or {}).items()):
        notes.append({"name": key, "threshold": n.get("threshold"), "threshold_type": n.get("thresholdType") or "Actual",
                      "operator": n.get("operator"), "enabled": n.get("enabled"), "contact_emails": n.get("contactEmails") or []})
    return {"name": doc.get("name"), "amount": amount, "time_grain": props.get("timeGrain"),
            "current_spend": cents(current) if current is not None else None,
            "forecast_spend": cents(forecast) if forecast is not None else None, "unit": unit,
            "percent_used": percent(current), "percent_forecast": percent(forecast), "notifications": notes}


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str"),
        timeframe=dict(type="str", default="MonthToDate", choices=["MonthToDate", "TheLastMonth", "Custom"]),
        start_date=dict(type="str"),
        end_date=dict(type="str"),
        cost_type=dict(type="str", default="ActualCost", choices=["ActualCost", "AmortizedCost"]),
        group_by=dict(type="str", choices=["ResourceType", "ResourceGroupName", "ResourceId", "MeterCategory", "ServiceName"]),
        top=dict(type="int", default=5),
        forecast=dict(type="bool", default=True),
    ), required_if=[("timeframe", "Custom", ("start_date", "end_date"))])
    p = az.params
    if p["top"] < 0:
        az.fail("top must be 0 (every line) or a positive number, not %d" % p["top"])
    start = end = None
    if p["timeframe"] == "Custom":
        start, end = parse_date(p["start_date"]), parse_date(p["end_date"])
        if start is None or end is None:
            az.fail("start_date and end_date must be dates as YYYY-MM-DD (got %r and %r)" % (p["start_date"], p["end_date"]))
        if end < start:
            az.fail("end_date %s is before start_date %s" % (end.isoformat(), start.isoformat()))
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            az.fail("a Custom period covers at most one year: %s to %s is %d days" % (start.isoformat(), end.isoformat(), (end - start).days + 1))
    elif p["start_date"] or p["end_date"]:
        az.fail("start_date and end_date set a Custom period: add timeframe: Custom, or remove them to read %s" % p["timeframe"])

    def post_all(path, body):
        """Every row of a Query / Forecast answer; the nextLink of these POST APIs is POSTed the same body."""
        index, rows, link = None, [], None
        _status, _hdrs, result = az.arm.request("POST", path, COST_API_VERSION, body=body, expect=(200,), read_only=True)
        for _page in range(MAX_PAGES):
            page_index, page_rows, link = columns_of(result)
            index = page_index if index is None else index
            rows.extend(page_rows)
            if not link:
                break
            _status, _hdrs, result = az.arm.request("POST", link, body=body, expect=(200,), read_only=True)
        return index or {}, rows

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        scope = sub
        if p["resource_group"]:
            if az.arm.get("%s/resourcegroups/%s" % (sub, p["resource_group"]), RESOURCE_GROUP_API_VERSION) is None:
                az.fail("resource group %s was not found in subscription %s: check its name, or leave resource_group unset to read the "
                        "whole subscription" % (p["resource_group"], az.subscription_id))
            scope = "%s/resourceGroups/%s" % (sub, p["resource_group"])
        aggregation = {"totalCost": {"name": "Cost", "function": "Sum"}}
        dataset = {"granularity": "Daily", "aggregation": aggregation}
        if p["group_by"]:
            dataset["grouping"] = [{"type": "Dimension", "name": p["group_by"]}]
        query = {"type": p["cost_type"], "timeframe": p["timeframe"], "dataset": dataset}
        if start is not None:
            query["timePeriod"] = {"from": start.isoformat() + "T00:00:00+00:00", "to": end.isoformat() + "T23:59:59+00:00"}
        index, rows = post_all(scope + "/providers/Microsoft.CostManagement/query", query)
        total, days, groups, currency = summarize(rows, index, p["group_by"])

        today = datetime.datetime.now(datetime.timezone.utc).date()
        if days:
            today = max(today, parse_date(max(days)) or today)
        if p["timeframe"] == "MonthToDate":
            first, last = today.replace(day=1), month_end(today)
        elif p["timeframe"] == "TheLastMonth":
            last = today.replace(day=1) - datetime.timedelta(days=1)
            first = last.replace(day=1)
        else:
            first, last = start, end

        daily = [{"date": day, "cost": cents(cost), "status": "Actual"} for day, cost in sorted(days.items())]
        forecast_total = None
        if p["forecast"] and last < today:
            forecast_total = cents(total)  # nothing left to forecast in a period that has ended
        elif p["forecast"]:
            body = {"type": p["cost_type"], "timeframe": "Custom",
                    "timePeriod": {"from": first.isoformat() + "T00:00:00+00:00", "to": last.isoformat() + "T23:59:59+00:00"},
                    "dataset": {"granularity": "Daily", "aggregation": aggregation},
                    "includeActualCost": True, "includeFreshPartialCost": True}
            try:
                f_index, f_rows = post_all(scope + "/providers/Microsoft.CostManagement/forecast", body)
            except AzureApiError as exc:
                if exc.code != "CantForecastOnThePast":
                    raise
                # The service's day passed the period's end between the two calls: the actual cost is the final one.
                az.module.warn("Cost Management cannot forecast %s to %s any more; forecast_total is the actual cost" % (first, last))
                f_index, f_rows = {}, []
                forecast_total = cents(total)
            if f_rows:
                ci, di, si = cost_index(f_index), f_index.get("usagedate"), f_index.get("coststatus")
                cur = f_index.get("currency")
                f_total = 0.0
                for row in f_rows:
                    cost = float(row[ci] or 0.0)
                    f_total += cost
                    status = row[si] if si is not None else "Forecast"
                    if status != "Actual" and di is not None:
                        daily.append({"date": usage_date(row[di]), "cost": cents(cost), "status": status})
                    if currency is None and cur is not None and row[cur]:
                        currency = row[cur]
                forecast_total = cents(f_total)
            elif forecast_total is None:
                forecast_total = cents(total)
        daily.sort(key=lambda d: (d["date"], d["status"] != "Actual"))

        budgets = [budget_view(b) for b in az.arm.list(scope + "/providers/Microsoft.Consumption/budgets", BUDGET_API_VERSION)]
        if currency is None:
            currency = next((b["unit"] for b in budgets if b["unit"]), None)
        return dict(changed=False, scope=scope, period={"start": first.isoformat(), "end": last.isoformat()}, currency=currency,
                    actual_total=cents(total), forecast_total=forecast_total, daily=daily,
                    top=top_lines(groups, p["top"]) if p["group_by"] else [], budgets=budgets)

    az.run(run)


if __name__ == "__main__":
    main()
