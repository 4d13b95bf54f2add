"""The metric alert engine: every enabled ``Microsoft.Insights/metricAlerts`` rule is evaluated once per
``evaluationFrequency`` of simulated time over the last ``windowSize``, catching up after the admin clock jumps, like the
autoscale engine.  A rule that fires makes an alert instance (Microsoft.AlertsManagement), an activity-log ``Alert``
event and one recorded notification per action-group receiver; resolving does the same with ``Resolved``.

Semantics and their sources:
* a criterion aggregates its metric over the window with ``timeAggregation`` (Average/Minimum/Maximum/Total/Count) and
  compares it with ``threshold`` by ``operator``; the rule's condition is met when every ``allOf`` criterion is (Learn
  "Create or edit a metric alert rule"; MetricCriteria in azure-mgmt-monitor 7.0.0).  Values come from
  :func:`metrics.window`, the code that answers the Metrics API (load model, real traffic, telemetry and availability results);
* ``WebtestLocationAvailabilityCriteria``: the number of the web test's locations with a failed result in the window
  compared with ``failedLocationCount``, "the number of locations that must fail to activate the alert" (SDK docs of
  LocationThresholdRuleCondition / WebtestLocationAvailabilityCriteria);
* one alert per rule and monitored resource: a rule on several resources (MultipleResourceMultipleMetricCriteria, group or
  subscription scopes expanded to the resources of ``targetResourceType`` in ``targetResourceRegion``) "is evaluated
  separately for each of the resources, and alerts are fired for each resource separately" (Learn "Overview of Azure
  Monitor alerts");
* stateful rules (``autoMitigate`` true, the default): an alert fires once and "will not fire again or trigger any more
  actions until the conditions are resolved"; a metric alert "is resolved when the alert condition isn't met for three
  consecutive checks" (Learn "Overview of Azure Monitor alerts", Alerts and state).  A new alert instance fires when the
  condition is met again after that;
* stateless rules (``autoMitigate`` false): "fire each time the condition is met" and never resolve; while the condition
  stays met a notification is repeated "sometime between one and six minutes" (frequency under 5 minutes) or "between
  the configured frequency and double the frequency" (same source).  azsim repeats after 5 minutes, respectively after
  one frequency, each time as a new alert instance (unverified: whether Azure makes a new instance);
* no data (a metric nobody records, an availability metric without results) is neither a failing nor a healthy check
  (unverified);
* dynamic thresholds (``DynamicThresholdCriterion``) are accepted by the API but not evaluated: such a rule never fires
  (``GET /_azsim/alerts`` says so); dimension filters are not applied (azsim's metrics have no dimensions).
Engine state lives in ``insights.alertstate`` under the rule's id (deleted with the rule).
"""

import math
import traceback
import uuid

from ...core import ids, locations, resource
from ...core.http import Response
from ..alertsmanagement import models as fired
from . import alerts_model, alerts_notify, availability, metrics

STATE = "insights.alertstate"
HEALTHY_TO_RESOLVE = 3   # Learn: "isn't met for three consecutive checks"
MAX_STEPS = 240          # azsim's bound: a longer clock jump evaluates only the last 240 evaluation periods of a rule
EPS = 1e-6
_CMP = {"Equals": lambda v, t: v == t, "NotEquals": lambda v, t: v != t, "GreaterThan": lambda v, t: v > t,
        "GreaterThanOrEqual": lambda v, t: v >= t, "LessThan": lambda v, t: v < t, "LessThanOrEqual": lambda v, t: v <= t}


def _state_key(rule_id):
    return f"{rule_id}/alertengine"


def repeat_after(freq):
    """Seconds between repeated firings of a stateless rule whose condition stays met (see the module doc)."""
    return 300.0 if freq < 300 else float(freq)


class Engine:
    def __init__(self, app):
        self.app = app
        self.version = 0
        self.seen = -1
        self.next_due = 0.0
        self.last_run = None

    def touch(self):
        """A rule changed: evaluate at the next tick."""
        self.version += 1

    def rule_saved(self, doc, was_enabled):
        """A rule was created, replaced or patched (inside the handler's transaction): a new or re-enabled rule is first
        evaluated one frequency from now; an enabled rule keeps its fired alerts and schedule."""
        key = _state_key(doc["id"])
        state = self.app.store.get(STATE, key)
        if state is None or not was_enabled:
            state = {"lastEval": self.app.clock.now(), "targets": (state or {}).get("targets", {})}
            self.app.store.put(STATE, key, state)
        self.touch()

    def rules(self):
        return [d for d in self.app.store.values(resource.TABLE) if d.get("type", "").lower() == alerts_model.TYPE.lower()]

    # -- the loop ------------------------------------------------------------------------------------------------
    def tick(self):
        now = self.app.clock.now()
        if self.version == self.seen and now < self.next_due:
            return
        try:
            with self.app.store.transaction():
                self.run(now)
        except Exception:  # noqa: BLE001 - a bug in one evaluation must not stop azsim's tick loop; it is retried next minute
            traceback.print_exc()
            self.seen = self.version
            self.next_due = now + 60.0

    def run(self, now):
        self.seen = self.version
        due = math.inf
        for doc in self.rules():
            if not doc["properties"].get("enabled"):
                continue
            freq = alerts_model.FREQUENCIES[doc["properties"]["evaluationFrequency"]]
            state = self.evaluate(doc, now, freq)
            due = min(due, state["lastEval"] + freq)
        self.next_due = due
        self.last_run = now

    def evaluate(self, doc, now, freq):
        key = _state_key(doc["id"])
        state = self.app.store.get(STATE, key)
        if state is None:
            state = {"lastEval": now, "targets": {}}
            self.app.store.put(STATE, key, state)
            return state
        if state["lastEval"] > now + freq:  # the clock was moved back
            state["lastEval"] = now
        steps = int((now - state["lastEval"] + EPS) // freq)
        if steps <= 0:
            return state
        base = state["lastEval"]
        for k in range(max(1, steps - MAX_STEPS + 1), steps + 1):
            self.step(doc, state, base + k * freq, freq)
        state["lastEval"] = base + steps * freq
        self.app.store.put(STATE, key, state)
        return state

    # -- one evaluation -----------------------------------------------------------------------------------------
    def step(self, doc, state, t, freq):
        window = alerts_model.WINDOWS[doc["properties"]["windowSize"]]
        start = t - window
        for target in self.targets(doc):
            met, details = self.condition(doc, target, start, t)
            self.transition(doc, state, target, t, freq, met, details, start)

    def targets(self, doc):
        props = doc["properties"]
        crit = props["criteria"]
        odata = crit["odata.type"].lower()
        if odata == alerts_model.WEBTEST.lower():
            return [crit["componentId"]]  # the availability alert's target is the component (Learn "Sample alert payloads")
        if odata == alerts_model.SINGLE.lower():
            return [props["scopes"][0]]
        rtype = (props.get("targetResourceType") or "").lower()
        region = locations.normalize(props.get("targetResourceRegion") or "")
        out, seen = [], set()
        for scope in props["scopes"]:
            p = ids.parse(scope)
            if p is None:
                continue
            if p["namespace"]:
                found = [scope] if resource.peek(self.app, scope) is not None else []
            else:
                found = [d["id"] for d in resource.tracked_in(self.app, p["subscription"], p["resource_group"], rtype or None)
                         if region is None or locations.normalize(d.get("location") or "") == region]
            for rid in found:
                if rid.lower() not in seen:
                    seen.add(rid.lower())
                    out.append(rid)
        return out

    def condition(self, doc, target, start, end):
        """(met, details): met is True/False, None without data, or "dynamic" for a rule azsim does not evaluate;
        details are the payloads' ``allOf`` rows."""
        crit = doc["properties"]["criteria"]
        if crit["odata.type"].lower() == alerts_model.WEBTEST.lower():
            failed = availability.failed_locations(self.app, crit["webTestId"], crit["componentId"], start, end)
            count = int(crit["failedLocationCount"])
            name = crit["webTestId"].rstrip("/").rsplit("/", 1)[-1]
            # Payload samples: metricName "Failed Location", operator GreaterThan, timeAggregation Sum, metricNamespace null;
            # "fails in at least failedLocationCount locations" written as "GreaterThan failedLocationCount - 1" (inferred).
            row = {"metricName": "Failed Location", "metricNamespace": None, "operator": "GreaterThan", "threshold": str(count - 1),
                   "timeAggregation": "Sum", "dimensions": [], "metricValue": float(len(failed)) if failed is not None else None, "webTestName": name}
            return (None if failed is None else len(failed) >= count), [row]
        rows, met = [], True
        for c in crit["allOf"]:
            if c.get("criterionType") == "DynamicThresholdCriterion":
                return "dynamic", []
            value = self.value(target, c, start, end)
            rows.append({"metricName": c["metricName"], "metricNamespace": c.get("metricNamespace"), "operator": c["operator"],
                         "threshold": alerts_notify.threshold_text(c["threshold"]), "timeAggregation": c["timeAggregation"], "dimensions": [],
                         "metricValue": value, "webTestName": None})
            if value is None:
                met = None
            elif met is not None and not _CMP[c["operator"]](value, float(c["threshold"])):
                met = False
        return met, rows

    def value(self, target, c, start, end):
        agg = metrics.window(self.app, target, c["metricName"], start, end)
        if agg is None:
            return None
        return agg[c["timeAggregation"].lower()]

    # -- state changes ------------------------------------------------------------------------------------------
    def transition(self, doc, state, target, t, freq, met, details, start):
        ts = state["targets"].setdefault(target.lower(), {"target": target, "alert": None, "healthy": 0, "lastFire": None})
        ts["lastCheck"] = self.app.clock.iso(t)
        ts["lastResult"] = {True: "Met", False: "NotMet", None: "NoData", "dynamic": "NotEvaluated"}[met]
        ts["lastValues"] = [r["metricValue"] for r in details]
        if met is None or met == "dynamic":
            return
        if doc["properties"].get("autoMitigate", True):
            if met:
                ts["healthy"] = 0
                if ts["alert"] is None:
                    self.fire(doc, ts, target, t, details, start)
            elif ts["alert"] is not None:
                ts["healthy"] += 1
                if ts["healthy"] >= HEALTHY_TO_RESOLVE:
                    self.resolve(doc, ts, t, details, start)
            return
        if not met:
            ts["lastFire"] = None
        elif ts["lastFire"] is None or t + EPS >= ts["lastFire"] + repeat_after(freq):
            self.fire(doc, ts, target, t, details, start)
            ts["alert"] = None  # stateless: nothing to resolve

    def fire(self, doc, ts, target, t, details, start):
        props = doc["properties"]
        guid = str(uuid.uuid4())
        context = alerts_notify.alert_context(doc, details, start, t)
        alert = fired.fire(self.app, guid=guid, rule_id=doc["id"], rule_name=doc["name"], severity=props["severity"],
                           description=props.get("description"), target=target, at=t, context=context)
        ts.update({"alert": guid, "lastAlert": guid, "firedAt": t, "lastFire": t, "healthy": 0,
                   "origin": alert["essentials"]["sourceCreatedId"], "target": target})
        alerts_notify.log_event(self.app, doc, ts, "Fired", t, details)
        alerts_notify.notify(self.app, doc, ts, "Fired", t, details, start, t)

    def resolve(self, doc, ts, t, details, start):
        fired.resolve(self.app, ts["alert"], t)
        alerts_notify.log_event(self.app, doc, ts, "Resolved", t, details)
        alerts_notify.notify(self.app, doc, ts, "Resolved", t, details, start, t)
        ts.update({"alert": None, "healthy": 0, "resolvedAt": t})

    # -- admin --------------------------------------------------------------------------------------------------
    def admin_state(self, req):
        """``GET /_azsim/alerts``: each metric alert rule's engine state; ``POST`` evaluates now, then answers the same."""
        if req.method == "POST":
            with self.app.store.transaction():
                self.run(self.app.clock.now())
        rows = []
        for d in self.rules():
            st = self.app.store.peek(STATE, _state_key(d["id"])) or {}
            dynamic = any(c.get("criterionType") == "DynamicThresholdCriterion" for c in d["properties"]["criteria"].get("allOf") or [])
            rows.append({"id": d["id"], "enabled": d["properties"].get("enabled"), "autoMitigate": d["properties"].get("autoMitigate", True),
                         "evaluationFrequency": d["properties"]["evaluationFrequency"], "windowSize": d["properties"]["windowSize"],
                         "evaluatedUntil": self.app.clock.iso(st["lastEval"]) if st.get("lastEval") else None,
                         "notEvaluated": "dynamic thresholds are not evaluated by azsim" if dynamic else None,
                         "targets": [{"target": v["target"], "firing": v.get("alert") is not None, "alertId": v.get("alert") or v.get("lastAlert"),
                                      "healthyChecks": v.get("healthy", 0), "lastCheck": v.get("lastCheck"), "lastResult": v.get("lastResult"),
                                      "lastValues": v.get("lastValues")} for v in (st.get("targets") or {}).values()]})
        return Response(200, {"now": self.app.clock.iso(), "lastRun": self.app.clock.iso(self.last_run) if self.last_run else None, "value": rows})
