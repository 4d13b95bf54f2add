"""Budgets: ``{scope}/providers/Microsoft.Consumption/budgets/{name}`` (api 2021-10-01 ... 2024-08-01) and the same
budgets through ``Microsoft.CostManagement/budgets`` (api 2023-11-01+), at subscription and resource-group scope.

Sources: azure-mgmt-consumption 11.0 / azure-mgmt-costmanagement 5.0 models (``BudgetProperties``, ``Notification``:
required fields, enums, "up to five notifications", threshold "between 0 and 1000", "start date must be first of the
month", "on or after June 1, 2017", "future start date should not be more than twelve months", "past start date
should be selected within the timegrain period", "at least one contact email or contact group ... at the Subscription
or Resource Group scopes"), Learn REST "Budgets - Create Or Update" (eTag concurrency, endDate defaults to ten years,
name pattern ``^[a-zA-Z0-9_-]+$``), spec examples ``CreateOrUpdateBudget.json`` (response shape, ``currentSpend``;
``forecastSpend`` from api-version 2021-10-01, computed by Cost Management's forecast, costmanagement/forecast.py).
The two namespaces are taken to share one store (one budget seen through both APIs; unverified).
Budgets are kept in table ``budgets`` keyed under their scope, so deleting a resource group deletes its budgets
(extension resources go with their parent scope).
"""

import calendar
import datetime as _dt
import hashlib
import re

from ...core.clock import iso, parse_iso
from ...core.errors import AzureError
from ...core.http import Response
from ..costmanagement import engine, prices

TABLE = "budgets"
ALERTS = "budgetalerts"
GRAINS = ("Monthly", "Quarterly", "Annually", "BillingMonth", "BillingQuarter", "BillingAnnual")
OPERATORS = ("EqualTo", "GreaterThan", "GreaterThanOrEqualTo")
THRESHOLD_TYPES = ("Actual", "Forecasted")
LOCALES = ("en-us", "ja-jp", "zh-cn", "de-de", "es-es", "fr-fr", "it-it", "ko-kr", "pt-br", "ru-ru", "zh-tw", "cs-cz", "pl-pl",
           "tr-tr", "da-dk", "en-gb", "hu-hu", "nb-no", "nl-nl", "pt-pt", "sv-se")
NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,63}$")  # Learn REST pattern ^[a-zA-Z0-9_-]+$; the 63-character cap is unverified
GRAIN_MONTHS = {"Monthly": 1, "BillingMonth": 1, "Quarterly": 3, "BillingQuarter": 3, "Annually": 12, "BillingAnnual": 12}


def _bad(message, code="BadRequest"):
    # The service answers 400 with its own texts; those quoted in public issues are used where known, else unverified.
    return AzureError(400, code, message)


def _enum(value, allowed, field):
    hit = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None)
    if hit is None:
        raise _bad(f"Invalid {field}: '{value}'. Valid values are: {', '.join(allowed)}.")  # unverified text
    return hit


def _date(value, field):
    ts = parse_iso(value) if isinstance(value, str) else None
    if ts is None:
        raise _bad(f"The {field} '{value}' is not a valid date.")  # unverified text
    return _dt.datetime.fromtimestamp(ts, tz=_dt.UTC)


def _add_months(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1, day=min(d.day, calendar.monthrange(d.year + y, m + 1)[1]))


def _fmt(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_scope(app, scope):
    """(subscription, resource group or None) of a supported scope; 404 for a missing group."""
    parts = scope.strip("/").split("/")
    if len(parts) == 2 and parts[0].lower() == "subscriptions":
        return parts[1], None
    if len(parts) == 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups":
        if app.store.peek("resourceGroups", f"/subscriptions/{parts[1]}/resourcegroups/{parts[3]}") is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found.")
        return parts[1], parts[3]
    # Billing-account, management-group and other scopes are not simulated (azsim has one PAYG subscription).
    raise _bad(f"The scope '{scope}' is not supported by azsim's budgets.")


def validate(app, body, existing, scope_rg, namespace):
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
    p = body["properties"]
    category = _enum(p.get("category"), ("Cost",) if namespace == "Microsoft.CostManagement" else ("Cost", "Usage"), "category")
    amount = p.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
        raise _bad("Budget amount must be greater than 0.")  # unverified text
    grain = _enum(p.get("timeGrain"), GRAINS, "timeGrain")
    tp = p.get("timePeriod")
    if not isinstance(tp, dict) or not tp.get("startDate"):
        raise _bad("TimePeriod.StartDate is required.")  # unverified text
    start = _date(tp["startDate"], "startDate")
    now = app.clock.utcnow()
    if existing is not None:
        if _fmt(start) != existing["properties"]["timePeriod"]["startDate"]:
            # Quoted in Azure/CanadaPubSecALZ#317 and azure-quickstart-templates#7095.
            raise _bad("Start date of budgets cannot be updated. Please delete and create a new budget.")
    else:
        if start.day != 1 or (start.hour, start.minute, start.second) != (0, 0, 0):
            raise _bad("The start date must be the first of the month.")  # rule: SDK docstring; text unverified
        if start < _dt.datetime(2017, 6, 1, tzinfo=_dt.UTC):
            raise _bad("Budget start date must be on or after June 1, 2017.")  # SDK docstring
        this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if start > _add_months(this_month, 12):
            raise _bad("Future start date should not be more than twelve months.")  # SDK docstring wording
        if start < _add_months(this_month, 1 - GRAIN_MONTHS[grain]):
            # "Past start date should be selected within the timegrain period" (SDK docstring); text unverified.
            raise _bad(f"Start date for {grain.lower()} time grain should not be prior to the current {_period_word(grain)}.")
    end = _date(tp["endDate"], "endDate") if tp.get("endDate") else _add_months(start, 120)  # Learn: defaults to 10 years
    if end <= start:
        raise _bad("The end date must be greater than the start date.")  # unverified text
    notes = _notifications(p.get("notifications") or {}, namespace, scope_rg)
    flt = p.get("filter")
    if flt is not None and not isinstance(flt, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'filter'.")
    return {"category": category, "amount": amount, "timeGrain": grain, "timePeriod": {"startDate": _fmt(start), "endDate": _fmt(end)},
            "filter": flt or {}, "notifications": notes}


def _period_word(grain):
    return {1: "month", 3: "quarter", 12: "year"}[GRAIN_MONTHS[grain]]


def _notifications(notes, namespace, scope_rg):
    if not isinstance(notes, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'notifications'.")
    out = {}
    counts = {"Actual": 0, "Forecasted": 0}
    for key, n in notes.items():
        if not isinstance(n, dict):
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: 'notifications.{key}'.")
        for req_field in ("enabled", "operator", "threshold"):
            if n.get(req_field) is None:
                raise _bad(f"Notification '{key}' is missing the required property '{req_field}'.")  # unverified text
        operator = _enum(n["operator"], OPERATORS, "operator")
        threshold = n["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1000:
            raise _bad(f"Threshold value for notification '{key}' must be between 0 and 1000.")  # SDK: "between 0 and 1000"; text unverified
        ttype = _enum(n.get("thresholdType") or "Actual", THRESHOLD_TYPES, "thresholdType")
        counts[ttype] += 1
        emails = n.get("contactEmails") or []
        groups = n.get("contactGroups") or []
        if not emails and not groups:
            # SDK Notification.contact_emails: at least one contact email or contact group at subscription / resource-group scope.
            raise _bad(f"Notification '{key}' must have at least one contact email or contact group specified.")  # text unverified
        for e in emails:
            if not isinstance(e, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", e):
                raise _bad(f"The contact email '{e}' is not a valid email address.")  # unverified text
        entry = {"enabled": bool(n["enabled"]), "operator": operator, "threshold": threshold, "contactEmails": list(emails),
                 "contactRoles": list(n.get("contactRoles") or []), "contactGroups": list(groups), "thresholdType": ttype,
                 "locale": _enum(n["locale"], LOCALES, "locale") if n.get("locale") else "en-us"}
        out[key] = entry
    # Consumption: "Budget can have up to five notifications"; Cost Management: 5 Actual + 5 Forecasted (SDK docstrings).
    too_many = (counts["Actual"] > 5 or counts["Forecasted"] > 5) if namespace == "Microsoft.CostManagement" else len(out) > 5
    if too_many:
        raise _bad("A budget can have up to 5 notifications.")  # unverified text
    return out


def etag_for(doc):
    h = hashlib.sha1(repr((doc["properties"], doc.get("_version"))).encode()).hexdigest()[:15]  # noqa: S324 - not security
    return f'"{h}"'


# -- spend ------------------------------------------------------------------------------------------------
def current_period(budget, now):
    """(first day, last day) of the budget's current grain period, as ISO dates."""
    start = _dt.datetime.fromisoformat(budget["properties"]["timePeriod"]["startDate"].replace("Z", "+00:00"))
    months = GRAIN_MONTHS[budget["properties"]["timeGrain"]]
    begin = start
    while _add_months(begin, months) <= now:
        begin = _add_months(begin, months)
    end = _add_months(begin, months) - _dt.timedelta(days=1)
    return begin.date().isoformat(), end.date().isoformat()


def spend(app, budget, now_dt):
    """Actual cost of the budget's scope (and filter) in its current period, from the cost engine."""
    from ..costmanagement import query
    start, end = current_period(budget, now_dt)
    scope = budget["_scope"].rstrip("/").lower()
    sub = budget["_scope"].split("/")[2]
    total = 0.0
    for r in engine.get(app).rows(sub, start, end):
        if "/resourcegroups/" in scope and not r["resourceId"].startswith(scope + "/"):
            continue
        if query.match(r, budget["properties"].get("filter"), None):  # the one filter evaluator
            total += r["cost"]
    return total, start, end


def forecast(app, budget, total, end, now_dt):
    """The period's forecast: the spend so far plus what Cost Management's forecast (the accrual model run forward,
    costmanagement/forecast.py) adds until the period ends, for the budget's scope and filter."""
    from ..costmanagement import forecast as cm_forecast
    return total + cm_forecast.remaining(app, budget["_scope"], budget["properties"].get("filter"), now_dt.timestamp(), end)


def render(app, doc, namespace, api_version=None):
    now_dt = app.clock.utcnow()
    total, _start, end = spend(app, doc, now_dt)
    props = dict(doc["properties"])
    props["currentSpend"] = {"amount": round(total, 2), "unit": prices.CURRENCY}
    if namespace != "Microsoft.Consumption" or (api_version or "9999")[:10] >= "2021-10-01":
        # Microsoft.Consumption BudgetProperties has forecastSpend from api-version 2021-10-01 (earlier swaggers lack it).
        props["forecastSpend"] = {"amount": round(forecast(app, doc, total, end, now_dt), 2), "unit": prices.CURRENCY}
    rtype = f"{namespace}/budgets"
    return {"id": f"{doc['_scope']}/providers/{rtype}/{doc['name']}", "name": doc["name"], "type": rtype, "eTag": doc["eTag"], "properties": props}


def evaluate(app, now):
    """Record a threshold crossing once per notification and budget period (Azure e-mails; azsim lists them
    at ``GET /_azsim/budget-alerts``)."""
    now_dt = _dt.datetime.fromtimestamp(now, tz=_dt.UTC)
    for key, doc in app.store.items(TABLE):
        total, start, end = spend(app, doc, now_dt)
        amount = doc["properties"]["amount"]
        fc = forecast(app, doc, total, end, now_dt)
        for nkey, n in doc["properties"]["notifications"].items():
            if not n["enabled"]:
                continue
            value = total if n["thresholdType"] == "Actual" else fc
            limit = amount * n["threshold"] / 100.0
            hit = {"EqualTo": abs(value - limit) < 0.005 or value >= limit, "GreaterThan": value > limit,
                   "GreaterThanOrEqualTo": value >= limit}[n["operator"]]
            alert_key = f"{key}|{start}|{nkey.lower()}"
            if hit and app.store.peek(ALERTS, alert_key) is None:
                app.store.put(ALERTS, alert_key, {
                    "budgetId": f"{doc['_scope']}/providers/Microsoft.Consumption/budgets/{doc['name']}", "notification": nkey,
                    "thresholdType": n["thresholdType"], "operator": n["operator"], "threshold": n["threshold"], "amount": amount,
                    "spend": round(value, 2), "unit": prices.CURRENCY, "periodStart": start, "periodEnd": end, "time": iso(now),
                    "contactEmails": n["contactEmails"], "contactRoles": n["contactRoles"], "contactGroups": n["contactGroups"],
                    "locale": n["locale"]})


# -- HTTP ---------------------------------------------------------------------------------------------------
class Handlers:
    def __init__(self, app, namespace):
        self.app = app
        self.namespace = namespace

    def _key(self, scope, name):
        return f"{scope.rstrip('/')}/providers/Microsoft.Consumption/budgets/{name}"

    def _get(self, scope, name):
        check_scope(self.app, scope)
        doc = self.app.store.get(TABLE, self._key(scope, name))
        if doc is None:
            # Unverified text: the budgets RP's 404 for a missing budget.
            raise AzureError(404, "NotFound", f"Budget '{name}' was not found under the scope '{scope.strip('/')}'.")
        return doc

    def get(self, req, scope, budgetName):
        engine.get(self.app).accrue()
        return Response(200, render(self.app, self._get(scope, budgetName), self.namespace, req.api_version))

    def list(self, req, scope):
        check_scope(self.app, scope)
        engine.get(self.app).accrue()
        prefix = scope.rstrip("/").lower() + "/providers/microsoft.consumption/budgets/"
        docs = [d for k, d in self.app.store.items(TABLE, prefix) if "/" not in k[len(prefix):]]
        return self.app.page(req, [render(self.app, d, self.namespace, req.api_version) for d in docs])

    def put(self, req, scope, budgetName):
        _sub, rg = check_scope(self.app, scope)
        if not NAME_RE.match(budgetName):
            raise _bad(f"The budget name '{budgetName}' is invalid. It can contain only letters, numbers, underscores and hyphens.")  # unverified
        body = req.json()
        existing = self.app.store.get(TABLE, self._key(scope, budgetName))
        sent_etag = body.get("eTag") if isinstance(body, dict) else None
        if existing is not None and sent_etag and sent_etag.strip('"') != existing["eTag"].strip('"'):
            # Learn "Budgets - Create Or Update": the eTag is the concurrency control; 412 on a stale one (text unverified).
            raise AzureError(412, "PreconditionFailed",
                             "The budget has been modified since it was last read. Get the budget again to obtain the latest eTag.")
        props = validate(self.app, body, existing, rg, self.namespace)
        engine.get(self.app).accrue()
        doc = {"name": budgetName, "_scope": scope.rstrip("/"), "properties": props, "_version": (existing or {}).get("_version", 0) + 1}
        doc["eTag"] = etag_for(doc)
        self.app.store.put(TABLE, self._key(scope, budgetName), doc)
        evaluate(self.app, self.app.clock.now())
        # Swagger Budgets_CreateOrUpdate: 200 on update, 201 on create.
        return Response(200 if existing else 201, render(self.app, doc, self.namespace, req.api_version))

    def delete(self, req, scope, budgetName):
        check_scope(self.app, scope)
        key = self._key(scope, budgetName)
        if not self.app.store.delete(TABLE, key):
            # Unverified: deleting an absent budget (swagger lists 200 only).
            raise AzureError(404, "NotFound", f"Budget '{budgetName}' was not found under the scope '{scope.strip('/')}'.")
        for k, _unused in self.app.store.items(ALERTS, key.lower() + "|"):
            self.app.store.delete(ALERTS, k)
        return Response(200)


def register_routes(app, namespace, api_versions):
    app.namespace(namespace, {"budgets": api_versions})
    h = Handlers(app, namespace)
    base = "{scope*}/providers/" + namespace + "/budgets"
    app.router.add("GET", base, h.list, action=f"{namespace}/budgets/read")
    app.router.add("GET", base + "/{budgetName}", h.get, action=f"{namespace}/budgets/read")
    app.router.add("PUT", base + "/{budgetName}", h.put, action=f"{namespace}/budgets/write")
    app.router.add("DELETE", base + "/{budgetName}", h.delete, action=f"{namespace}/budgets/delete")
