"""Cost Management Forecast API: ``POST {scope}/providers/Microsoft.CostManagement/forecast`` (Forecast_Usage; api
2021-10-01 ... 2025-03-01; azure-mgmt-costmanagement 5.0 ``CostManagementClient.forecast.usage(scope, parameters)``).

Request (ForecastDefinition): ``type`` Usage|ActualCost|AmortizedCost, ``timeframe`` (2025-03-01 knows only "Custom";
older versions also MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate), ``timePeriod``
{from, to}, ``dataset`` {granularity, aggregation, filter}, ``includeActualCost``, ``includeFreshPartialCost``.

Response: the query's shape (spec example ``BillingAccountForecast.json``: ``properties.columns`` the aggregated cost
column(s), ``UsageDate`` (Number, 20180331), ``CostStatus`` (String, "Forecast"), ``Currency``; ``rows``; ``nextLink``;
``id``/``name``/``type`` of a ``Microsoft.CostManagement/query`` result).  The forecast has no grouping: the service drops
a ``grouping`` and answers per day only (azure-rest-api-specs#16507); the forecast spec's granularity is Daily only
(azure-sdk-for-js#26967 quoting it).  A period that ends before today answers 400 ``CantForecastOnThePast`` (response quoted
in mivano/azure-cost-cli#28: ``{"error":{"code":"CantForecastOnThePast","message":"CantForecastOnThePast"}}``).

azsim's forecast is its accrual model run forward (:meth:`.engine.CostEngine.project`): every meter running now at its
price for the rest of the period, renewals falling due included.  Rows per day:

* ``includeActualCost``: the complete past days of the period from the accrued costs, CostStatus "Actual";
* ``includeFreshPartialCost``: today's cost accrued so far (fresh, not yet a complete day), "Actual"; today's "Forecast" is
  then the rest of the day only, otherwise the whole of today is forecast;
* from then on to the end of the period, "Forecast".

The split between actual and fresh partial cost is azsim's reading of the two flags (Learn "Forecast - Usage" only says
"A boolean determining if actualCost / FreshPartialCost will be included"); both default to false (unverified).
"""

import calendar
import datetime as _dt

from ...core.errors import AzureError
from . import engine, query

TIMEFRAMES = ("Custom", "MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate")  # ForecastTimeframeType
GRANULARITIES = ("Daily",)


def cant_forecast_on_the_past():
    return AzureError(400, "CantForecastOnThePast", "CantForecastOnThePast")  # mivano/azure-cost-cli#28


def _period(timeframe, body, today, req):
    """(first day, last day) the forecast covers.  The to-date timeframes cover their whole month or week (unverified)."""
    if timeframe == "Custom":
        return query.period("Custom", body, today, req)
    if timeframe in ("MonthToDate", "BillingMonthToDate"):
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if timeframe == "WeekToDate":
        monday = today - _dt.timedelta(days=today.weekday())
        return monday, monday + _dt.timedelta(days=6)
    return query.period(timeframe, body, today, req)  # TheLastMonth / TheLastBillingMonth: the past


def _midnight(day):
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC).timestamp()


def rows_in(scope, flt, rows, sub_name=None):
    low = scope.rstrip("/").lower()
    return [r for r in rows if query.in_scope(r, low) and query.match(r, flt, sub_name)]


def projected(app, scope, flt, start_ts, end_ts, sub_name=None):
    """The forecast rows of a scope (and filter) between two instants, from the accrual model."""
    sub = scope.strip("/").split("/")[1]
    return rows_in(scope, flt, engine.get(app).project(sub, start_ts, end_ts), sub_name)


def run(app, req, scope, sub_name):
    body = req.json()
    if not isinstance(body, dict):
        raise query.bad("Invalid forecast definition: the request body must be an object.", req)  # unverified text
    query.enum(body.get("type"), query.TYPES, "type", req)
    timeframe = query.enum(body.get("timeframe"), TIMEFRAMES, "timeframe", req)
    dataset = body.get("dataset") or body.get("dataSet")
    if not isinstance(dataset, dict):
        raise query.bad("Invalid forecast definition: dataset is required.", req)  # swagger: dataset required; text unverified
    query.enum(dataset.get("granularity") or "Daily", GRANULARITIES, "dataset granularity", req)
    aggs = query.aggregations(dataset, req)
    if not aggs:
        raise query.bad("Invalid forecast definition: dataset aggregation is required.", req)  # ForecastDataset.aggregation required
    flt = dataset.get("filter")
    include_actual = body.get("includeActualCost") is True
    include_fresh = body.get("includeFreshPartialCost") is True

    eng = engine.get(app)
    eng.accrue()
    now = app.clock.now()
    today = _dt.datetime.fromtimestamp(now, tz=_dt.UTC).date()
    first, last = _period(timeframe, body, today, req)
    if last < today:
        raise cant_forecast_on_the_past()
    sub = scope.strip("/").split("/")[1]
    buckets = {}

    def add(rows, status):
        for r in rows:
            key = (int(r["date"].replace("-", "")), status)
            buckets[key] = buckets.get(key, 0.0) + r["cost"]

    yesterday = today - _dt.timedelta(days=1)
    if include_actual and first <= yesterday:
        add(rows_in(scope, flt, eng.rows(sub, first.isoformat(), yesterday.isoformat()), sub_name), "Actual")
    if include_fresh and first <= today:
        add(rows_in(scope, flt, eng.rows(sub, today.isoformat(), today.isoformat()), sub_name), "Actual")
    start = max(now if include_fresh else _midnight(today), _midnight(first))
    add(projected(app, scope, flt, start, _midnight(last + _dt.timedelta(days=1)), sub_name), "Forecast")

    columns = [{"name": name, "type": "Number"} for _alias, name in aggs]
    columns += [{"name": "UsageDate", "type": "Number"}, {"name": "CostStatus", "type": "String"}, {"name": "Currency", "type": "String"}]
    order = {"Actual": 0, "Forecast": 1}
    rows = [[*query.cost_cells(cost, aggs), day, status, query.currency(aggs)]
            for (day, status), cost in sorted(buckets.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))]
    return query.page(app, req, scope.rstrip("/"), columns, rows)


def remaining(app, scope, flt, now_ts, end_day):
    """What the accrual model adds from ``now_ts`` to the end of ``end_day`` (ISO date): a budget's forecast beyond its
    current spend."""
    end = _midnight(_dt.date.fromisoformat(end_day) + _dt.timedelta(days=1))
    return sum(r["cost"] for r in projected(app, scope, flt, now_ts, end))
