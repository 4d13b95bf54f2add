"""Cost Management Query API: ``POST {scope}/providers/Microsoft.CostManagement/query`` (api 2023-11-01 ... 2025-03-01).

Request and response shapes: azure-rest-api-specs ``costmanagement.json`` (QueryDefinition, QueryResult) and its
examples (``MCABillingProfileQueryGrouping.json``: columns ``[{name, type}]``, ``rows``, ``properties.nextLink``;
the Daily form adds a ``UsageDate`` Number column such as 20261125, then the groupings, then ``Currency``).
Error texts: "Invalid query definition: Invalid dataset grouping: 'X'; valid values: ..." quoted in
azure-rest-api-specs#32810 / azure-sdk-for-java#23350 (code BadRequest, message ending "(Request ID: ...)").
"""

import base64
import calendar
import datetime as _dt
import json
import uuid

from ...core.errors import AzureError
from ...core.http import Response
from . import engine, prices

TIMEFRAMES = ("WeekToDate", "MonthToDate", "BillingMonthToDate", "TheLastWeek", "TheLastMonth", "TheLastBillingMonth",
              "TheCurrentMonth", "TheLast7Days", "Custom")  # swagger TimeframeType (+ TheLast7Days, accepted per spec issue 23707)
TYPES = ("Usage", "ActualCost", "AmortizedCost")
GRANULARITIES = ("Daily", "Monthly", "None")  # swagger GranularityType "Daily"; Monthly and None accepted by the service (unverified)
# The valid grouping dimensions quoted in azure-rest-api-specs#32810 (subscription scope).
DIMENSIONS = ("ResourceGroup", "ResourceGroupName", "ResourceLocation", "ConsumedService", "ResourceType", "ResourceId", "MeterId",
              "BillingMonth", "MeterCategory", "MeterSubcategory", "Meter", "AccountName", "DepartmentName", "SubscriptionId",
              "SubscriptionName", "ServiceName", "ServiceTier", "EnrollmentAccountName", "BillingAccountId", "ResourceGuid", "BillingPeriod",
              "InvoiceNumber", "ChargeType", "PublisherType", "ReservationId", "ReservationName", "Frequency", "PartNumber",
              "CostAllocationRuleName", "MarkupRuleName", "PricingModel", "BenefitId", "BenefitName")
COST_COLUMNS = ("Cost", "PreTaxCost", "CostUSD", "PreTaxCostUSD")
MAX_TOP = 5000


def bad(message, req):
    return AzureError(400, "BadRequest", f"{message} (Request ID: {req.context.get('request_id', uuid.uuid4())})")


def enum(value, allowed, what, req):
    hit = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None)
    if hit is None:
        valid = ",".join(f"'{a}'" for a in allowed)
        raise bad(f"Invalid query definition: Invalid {what}: '{value}'; valid values: {valid}.", req)  # shape of #32810; unverified wording
    return hit


def _dim_value(row, name, sub_name):
    rid = row["resourceId"]
    return {
        "resourcegroup": row["resourceGroup"], "resourcegroupname": row["resourceGroup"], "resourcelocation": row["location"],
        "consumedservice": row["resourceType"].split("/")[0], "resourcetype": row["resourceType"], "resourceid": rid,
        "metercategory": row["service"], "servicename": row["service"], "meter": row["meter"], "metersubcategory": row["meter"],
        "subscriptionid": row["subscription"], "subscriptionname": sub_name, "chargetype": "Usage", "pricingmodel": "OnDemand",
        "frequency": "UsageBased", "publishertype": "Azure", "billingmonth": row["date"][:8] + "01T00:00:00",
        "resourceguid": str(uuid.uuid5(uuid.NAMESPACE_URL, rid)), "meterid": str(uuid.uuid5(uuid.NAMESPACE_URL, row["meter"])),
    }.get(name.lower(), "")


def period(timeframe, body, today, req):
    """(first day, last day) as dates for a timeframe; calendar months stand for billing months (PAYG, unverified)."""
    first_of_month = today.replace(day=1)
    if timeframe in ("MonthToDate", "BillingMonthToDate"):
        return first_of_month, today
    if timeframe == "TheCurrentMonth":
        return first_of_month, today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if timeframe in ("TheLastMonth", "TheLastBillingMonth"):
        last = first_of_month - _dt.timedelta(days=1)
        return last.replace(day=1), last
    if timeframe == "WeekToDate":
        return today - _dt.timedelta(days=today.weekday()), today
    if timeframe == "TheLastWeek":
        monday = today - _dt.timedelta(days=today.weekday())
        return monday - _dt.timedelta(days=7), monday - _dt.timedelta(days=1)
    if timeframe == "TheLast7Days":
        return today - _dt.timedelta(days=6), today
    tp = body.get("timePeriod")
    if not isinstance(tp, dict) or not tp.get("from") or not tp.get("to"):
        raise bad("Invalid query definition: timePeriod is required when timeframe is Custom.", req)  # unverified text
    try:
        start = _dt.date.fromisoformat(str(tp["from"])[:10])
        end = _dt.date.fromisoformat(str(tp["to"])[:10])
    except ValueError:
        raise bad(f"Invalid query definition: Invalid timePeriod: '{tp}'.", req) from None  # unverified text
    if end < start:
        raise bad("Invalid query definition: timePeriod.from must be less than or equal to timePeriod.to.", req)  # unverified text
    if (end - start).days > 366:
        # Learn "Cost Management Query API": a custom range is limited to one year (text unverified).
        raise bad("Invalid query definition: The time period for pulling the data cannot exceed 1 year(s).", req)
    return start, end


def match(row, flt, sub_name):
    if not flt:
        return True
    if "and" in flt and flt["and"]:
        return all(match(row, f, sub_name) for f in flt["and"])
    if "or" in flt and flt["or"]:
        return any(match(row, f, sub_name) for f in flt["or"])
    if flt.get("not"):
        return not match(row, flt["not"], sub_name)
    if flt.get("dimensions"):
        d = flt["dimensions"]
        value = str(_dim_value(row, d.get("name", ""), sub_name)).lower()
        return value in [str(v).lower() for v in d.get("values") or []]
    if flt.get("tags"):
        t = flt["tags"]
        tags = {k.lower(): v for k, v in row.get("tags", {}).items()}
        return str(tags.get(str(t.get("name", "")).lower())) in [str(v) for v in t.get("values") or []]
    return True


def aggregations(dataset, req):
    """``[(alias, column)]`` of a dataset's ``aggregation`` (QueryAggregation / ForecastAggregation: Sum of a cost column)."""
    aggregation = dataset.get("aggregation") or {}
    if not isinstance(aggregation, dict):
        raise bad("Invalid query definition: the dataset aggregation must be an object.", req)  # unverified text
    aggs = []
    for alias, spec in aggregation.items():
        if not isinstance(spec, dict) or str(spec.get("function", "")).lower() != "sum":
            raise bad(f"Invalid query definition: Invalid aggregation function for '{alias}'; valid values: 'Sum'.", req)  # unverified
        aggs.append((alias, enum(spec.get("name"), COST_COLUMNS, "aggregation column", req)))
    if len(aggs) > 2:
        raise bad("Invalid query definition: At most 2 aggregations are allowed.", req)  # swagger: "maximum of 2 aggregation clauses"
    return aggs


def cost_cells(cost, aggs):
    """The value cells of one row: each aggregated column, in USD for the *USD columns."""
    return [cost * prices.USD_PER_EUR if name.endswith("USD") else cost for _alias, name in aggs]


def currency(aggs):
    return "USD" if aggs and all(n.endswith("USD") for _a, n in aggs) else prices.CURRENCY


def in_scope(row, scope_low):
    """Whether a cost row belongs to a subscription scope or a resource-group scope (lower-cased, no trailing slash)."""
    return "/resourcegroups/" not in scope_low or row["resourceId"].startswith(scope_low + "/")


def run(app, req, scope, sub_name):
    body = req.json()
    if not isinstance(body, dict):
        raise bad("Invalid query definition: the request body must be an object.", req)  # unverified text
    enum(body.get("type"), TYPES, "type", req)
    timeframe = enum(body.get("timeframe"), TIMEFRAMES, "timeframe", req)
    dataset = body.get("dataset") or body.get("dataSet") or {}
    granularity = enum(dataset.get("granularity") or "None", GRANULARITIES, "dataset granularity", req)
    aggs = aggregations(dataset, req)
    groups = []
    for g in dataset.get("grouping") or []:
        gtype = enum(g.get("type"), ("Dimension", "TagKey"), "grouping type", req)
        name = g.get("name") if gtype == "TagKey" else enum(g.get("name"), DIMENSIONS, "dataset grouping", req)
        groups.append((gtype, name))
    if len(groups) > 2:
        raise bad("Invalid query definition: At most 2 groupings are allowed.", req)  # swagger: "maximum of 2 group by clauses"
    eng = engine.get(app)
    eng.accrue()
    today = app.clock.utcnow().date()
    start, end = period(timeframe, body, today, req)
    low = scope.rstrip("/").lower()
    rows = [r for r in eng.rows(scope.split("/")[2], start.isoformat(), end.isoformat())
            if in_scope(r, low) and match(r, dataset.get("filter"), sub_name)]
    buckets = {}
    for r in rows:
        when = int(r["date"].replace("-", "")) if granularity == "Daily" else (r["date"][:8] + "01T00:00:00" if granularity == "Monthly" else None)
        keys = tuple((r.get("tags", {}).get(n, "") if t == "TagKey" else _dim_value(r, n, sub_name)) for t, n in groups)
        buckets[(when, keys)] = buckets.get((when, keys), 0.0) + r["cost"]
    # The service names the value column after the aggregated column ("Cost", "PreTaxCost") whatever the alias (spec examples).
    columns = [{"name": name, "type": "Number"} for _alias, name in aggs]
    if granularity == "Daily":
        columns.append({"name": "UsageDate", "type": "Number"})
    elif granularity == "Monthly":
        columns.append({"name": "BillingMonth", "type": "Datetime"})
    for _t, n in groups:
        columns.append({"name": n, "type": "String"})
    columns.append({"name": "Currency", "type": "String"})
    out = []
    for (when, keys), cost in sorted(buckets.items(), key=lambda kv: (kv[0][0] or 0, -kv[1])):
        row = cost_cells(cost, aggs)
        if when is not None:
            row.append(when)
        row.extend(keys)
        row.append(currency(aggs))
        out.append(row)
    return page(app, req, scope, columns, out)


def page(app, req, scope, columns, rows):
    top = req.query.get("$top")
    try:
        size = min(MAX_TOP, int(top)) if top else 1000  # Learn: up to 5000 rows a page with $top; default page unverified
        token = req.query.get("$skiptoken")
        offset = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"]) if token else 0
    except (ValueError, KeyError, TypeError):
        raise AzureError(400, "BadRequest", "Invalid query parameters.") from None  # unverified
    chunk = rows[offset:offset + size]
    next_link = None
    if offset + size < len(rows):
        tok = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode().rstrip("=")
        next_link = req.url(req.raw_path, {"api-version": req.api_version, "$top": str(size), "$skiptoken": tok})
    qid = str(uuid.uuid4())
    body = {"id": f"{scope}/providers/Microsoft.CostManagement/query/{qid}", "name": qid, "type": "Microsoft.CostManagement/query",
            "location": None, "sku": None, "eTag": None, "tags": None,
            "properties": {"nextLink": next_link, "columns": columns, "rows": chunk}}
    return Response(200, body)
