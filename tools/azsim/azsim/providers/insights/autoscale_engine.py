"""The autoscale engine: every enabled setting is evaluated once a simulated minute against its rules' metrics
(the load model of :mod:`metrics`), over simulated time, catching up after the admin clock jumps.

Semantics (Microsoft Learn "Best practices for Autoscale", "Understand autoscale settings", "Autoscale flapping"):

* the active profile is a fixed-date profile in force, else the recurrence profile that started last, else the
  default (plain) profile;
* the instance count is brought into [minimum, maximum] first;
* a rule aggregates its metric per ``timeGrain`` with ``statistic`` and those grains over ``timeWindow`` with
  ``timeAggregation`` (divided by the instance count with ``dividePerInstance``), then compares with ``threshold``;
* scale-out happens if ANY scale-out rule fires (the rule giving the largest capacity wins); scale-in only if ALL
  scale-in rules fire (the largest resulting capacity wins), and never when the projected metric after the
  scale-in would trigger a scale-out (flapping guard: value x current / new);
* a rule may act only once its ``cooldown`` has passed since the last scale action;
* each action is one write of the plan (``sku.capacity`` and ``properties.numberOfWorkers``), two activity-log
  events (Started, Succeeded) and the setting's notifications.
"""

import datetime as _dt
import json
import math
import traceback
import uuid

from ...core import ids, resource
from ...core.clock import parse_iso
from ...core.http import Response
from ..web import common as web_common
from . import activitylog, autoscale_model, metrics, notifications

STEP = 60.0                 # evaluation period, simulated seconds (unverified: "every 30 to 60 seconds")
MAX_CATCHUP = 2 * 86400     # a longer clock jump evaluates only the last two days
EPS = 1e-6
_STAT = {"Average": "average", "Min": "minimum", "Max": "maximum", "Sum": "total", "Count": "count"}
_CMP = {"Equals": lambda v, t: v == t, "NotEquals": lambda v, t: v != t, "GreaterThan": lambda v, t: v > t,
        "GreaterThanOrEqual": lambda v, t: v >= t, "LessThan": lambda v, t: v < t, "LessThanOrEqual": lambda v, t: v <= t}


def _aggregate(values, how):
    if not values:
        return None
    if how == "Average":
        return sum(values) / len(values)
    if how == "Minimum":
        return min(values)
    if how == "Maximum":
        return max(values)
    if how == "Total":
        return sum(values)
    if how == "Count":
        return float(len(values))
    return values[-1]  # Last


class Engine:
    def __init__(self, app):
        self.app = app
        self.version = 0
        self.seen = -1
        self.next_due = 0.0
        self.last_run = None

    def touch(self):
        """A setting changed: evaluate at the next tick."""
        self.version += 1

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
            self.next_due = now + STEP

    def run(self, now):
        self.seen = self.version
        due = math.inf
        for doc in self.settings():
            if not doc["properties"].get("enabled"):
                continue
            state = self.evaluate(doc, now)
            due = min(due, state["last_eval"] + STEP)
        self.next_due = due
        self.last_run = now

    def settings(self):
        return [d for d in self.app.store.values(resource.TABLE) if d.get("type") == autoscale_model.TYPE]

    # -- evaluation ---------------------------------------------------------------------------------------
    def evaluate(self, doc, now):
        state = dict(doc.get("_engine") or {"last_eval": now, "last_action": None})
        if state["last_eval"] > now + STEP:  # the clock was moved back
            state["last_eval"] = now
        base = max(state["last_eval"], now - MAX_CATCHUP)
        k = 1
        changed = False
        while base + k * STEP <= now + EPS:
            changed |= self.step(doc, state, base + k * STEP)
            k += 1
        if k > 1:
            state["last_eval"] = base + (k - 1) * STEP
            doc = self.app.store.get(resource.TABLE, doc["id"]) or doc
            doc["_engine"] = state
            self.app.store.put(resource.TABLE, doc["id"], doc)
        return state

    def clamp_now(self, doc):
        """At create/enable time: bring the instance count into the active profile's [min, max] at once."""
        now = self.app.clock.now()
        state = {"last_eval": now, "last_action": (doc.get("_engine") or {}).get("last_action")}
        self.step(doc, state, now, clamp_only=True)
        doc["_engine"] = state
        self.touch()

    def step(self, doc, state, t, clamp_only=False):
        target_id = doc["properties"]["targetResourceUri"]
        plan = resource.get(self.app, target_id)
        if plan is None or self.app.lro.pending_for(plan["id"]):
            return False  # target gone or busy: Azure's action would fail; try again next time
        profile = active_profile(doc, t)
        lo, hi = int(profile["capacity"]["minimum"]), int(profile["capacity"]["maximum"])
        current = int(plan["sku"].get("capacity") or 1)
        new = None
        if current < lo or current > hi:
            new = min(max(current, lo), hi)
        elif not clamp_only:
            new = self.decide(profile, state, t, current, lo, hi)
        if new is None or new == current:
            return False
        self.apply(doc, plan, profile, state, t, current, new)
        return True

    def rule_value(self, rule, t, current):
        trig = rule["metricTrigger"]
        grain = metrics.parse_duration(trig["timeGrain"])
        window = metrics.parse_duration(trig["timeWindow"])
        points = metrics.series(self.app, trig["metricResourceUri"], trig["metricName"], t - window, t, grain, _STAT[trig["statistic"]], clip=t)
        value = _aggregate([v for _ts, v in points if v is not None], trig["timeAggregation"])
        if value is not None and trig.get("dividePerInstance"):
            value /= max(current, 1)
        return value

    def fires(self, rule, value):
        return value is not None and _CMP[rule["metricTrigger"]["operator"]](value, rule["metricTrigger"]["threshold"])

    def decide(self, profile, state, t, current, lo, hi):
        last = state.get("last_action")

        def cooled(rule):
            return last is None or t + EPS >= last + metrics.parse_duration(rule["scaleAction"]["cooldown"])

        outs = [r for r in profile["rules"] if r["scaleAction"]["direction"] == "Increase"]
        ins = [r for r in profile["rules"] if r["scaleAction"]["direction"] == "Decrease"]
        values = {id(r): self.rule_value(r, t, current) for r in outs + ins}
        grow = [target_count(r, current, lo, hi) for r in outs if cooled(r) and self.fires(r, values[id(r)])]
        grow = [n for n in grow if n > current]
        if grow:
            return max(grow)
        if not ins or not all(cooled(r) and self.fires(r, values[id(r)]) for r in ins):
            return None
        shrink = max(target_count(r, current, lo, hi) for r in ins)
        # Flapping guard: scale in only as far as the projected metrics stay clear of every scale-out rule.
        for n in range(shrink, current):
            if not any(self.fires(r, values[id(r)] * current / n) for r in outs if values[id(r)] is not None):
                return n
        return None

    def apply(self, doc, plan, profile, state, t, old, new):
        plan["sku"]["capacity"] = new
        plan["properties"]["numberOfWorkers"] = new
        web_common.save(self.app, plan)  # one write of the serverfarm document
        state["last_action"] = t
        up = new > old
        verb = "Scaleup" if up else "Scaledown"
        target = doc["properties"]["targetResourceUri"]
        desc = f"The autoscale engine attempting to scale resource '{target}' from {old} instances count to {new} instances count."
        props = {"Description": desc, "ResourceName": target, "OldInstancesCount": old, "NewInstancesCount": new,
                 "ActiveAutoscaleProfile": json.dumps({"Name": profile["name"], "Capacity": {"Minimum": profile["capacity"]["minimum"],
                                                       "Maximum": profile["capacity"]["maximum"], "Default": profile["capacity"]["default"]},
                                                       "Rules": [r["metricTrigger"]["metricName"] for r in profile["rules"]]}),
                 "LastScaleActionTime": self.app.clock.iso(t)}
        corr = str(uuid.uuid4())
        common = {"resource_id": doc["id"], "operation": f"Microsoft.Insights/AutoscaleSettings/{verb}/Action", "category": "Autoscale",
                  "caller": "Microsoft.Insights/autoscaleSettings", "event_name": "AutoscaleAction", "correlation_id": corr,
                  "claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/spn": "Microsoft.Insights/autoscaleSettings"}}
        label = "Autoscale scale up" if up else "Autoscale scale down"
        activitylog.record_event(self.app, status="Started", description=desc, properties=props, operation_label=f"{label} initiated", at=t, **common)
        done = desc.replace("attempting to scale", "successfully scaled")  # unverified wording of the completion event
        activitylog.record_event(self.app, status="Succeeded", description=done, properties={**props, "Description": done},
                                 operation_label=f"{label} completed", at=t, **common)
        self.notify(doc, plan, t, old, new)

    def notify(self, doc, plan, t, old, new):
        """Email and webhook notifications, recorded (azsim sends no mail and calls no webhook).  Webhook payload
        as documented in Microsoft Learn "Use autoscale actions to send email and webhook alert notifications"."""
        p = ids.parse(plan["id"])
        operation = "Scale Out" if new > old else "Scale In"
        context = {"timestamp": self.app.clock.iso(t), "id": doc["id"], "name": doc["name"],
                   "details": f"Autoscale successfully started scale operation for resource '{plan['name']}' from capacity '{old}' to capacity '{new}'",
                   "subscriptionId": p["subscription"], "resourceGroupName": p["resource_group"], "resourceName": plan["name"],
                   "resourceType": "microsoft.web/serverfarms", "resourceId": plan["id"], "resourceRegion": plan.get("location"),
                   "portalLink": f"https://portal.azure.com/#resource{plan['id']}", "oldCapacity": str(old), "newCapacity": str(new)}
        for n in doc["properties"].get("notifications") or []:
            email = n.get("email") or {}
            hooks = [{"serviceUri": w["serviceUri"], "payload": {"version": "1.0", "status": "Activated", "operation": operation, "context": context,
                                                                 "properties": w.get("properties") or {}}} for w in n.get("webhooks") or []]
            rec = {"id": str(uuid.uuid4()), "timestamp": self.app.clock.iso(t), "kind": "autoscale", "autoscaleSetting": doc["id"], "operation": operation,
                   "email": {"sendToSubscriptionAdministrator": bool(email.get("sendToSubscriptionAdministrator")),
                             "sendToSubscriptionCoAdministrators": bool(email.get("sendToSubscriptionCoAdministrators")),
                             "customEmails": list(email.get("customEmails") or []),
                             "subject": f"Autoscale {operation.lower()} of {plan['name']} from {old} to {new} instances"},
                   "webhooks": hooks, "delivered": False}
            notifications.record(self.app, doc["id"], t, rec)

    # -- admin ------------------------------------------------------------------------------------------------
    def admin_state(self, req):
        """``GET /_azsim/autoscale``: each setting's engine state; ``POST`` evaluates now, then answers the same."""
        if req.method == "POST":
            with self.app.store.transaction():
                self.run(self.app.clock.now())
        rows = []
        for d in self.settings():
            st = d.get("_engine") or {}
            plan = resource.peek(self.app, d["properties"]["targetResourceUri"])
            rows.append({"id": d["id"], "enabled": d["properties"].get("enabled"), "target": d["properties"]["targetResourceUri"],
                         "capacity": (plan or {}).get("sku", {}).get("capacity"),
                         "evaluatedUntil": self.app.clock.iso(st["last_eval"]) if st.get("last_eval") else None,
                         "lastScaleAction": self.app.clock.iso(st["last_action"]) if st.get("last_action") else None})
        return Response(200, {"now": self.app.clock.iso(), "lastRun": self.app.clock.iso(self.last_run) if self.last_run else None, "value": rows})


def target_count(rule, current, lo, hi):
    """The instance count a rule's action asks for, clamped to [lo, hi] (ScaleType semantics from the SDK docs;
    PercentChangeCount rounds up and moves at least one instance, unverified)."""
    act = rule["scaleAction"]
    n = int(act["value"])
    sign = 1 if act["direction"] == "Increase" else -1
    kind = act["type"]
    if kind == "ExactCount":
        want = n
    elif kind == "PercentChangeCount":
        want = current + sign * max(1, math.ceil(current * n / 100.0))
    elif kind == "ServiceAllowedNextValue":
        want = current + sign  # App Service plans move one instance at a time (unverified)
    else:
        want = current + sign * n
    return min(max(want, lo), hi)


def active_profile(doc, t):
    """Fixed-date profile in force, else the recurrence profile that started most recently, else the default one."""
    profiles = doc["properties"]["profiles"]
    for p in profiles:
        fixed = p.get("fixedDate")
        if fixed:
            start, end = parse_iso(fixed["start"]), parse_iso(fixed["end"])
            if start is not None and end is not None and start <= t < end:
                return p
    best, best_start = None, -math.inf
    for p in profiles:
        if p.get("recurrence"):
            started = _last_occurrence(p, t)
            if started is not None and started > best_start:
                best, best_start = p, started
    if best is not None:
        return best
    plain = [p for p in profiles if not p.get("fixedDate") and not p.get("recurrence")]
    return plain[0] if plain else profiles[0]


def _last_occurrence(profile, t):
    """Epoch seconds of the latest scheduled start at or before ``t`` within the past week."""
    sch = profile["recurrence"]["schedule"]
    tz = autoscale_model.zone(sch["timeZone"]) or _dt.UTC
    now = _dt.datetime.fromtimestamp(t, tz=tz)
    days = profile.get("_days") or []
    best = None
    for back in range(8):
        day = now - _dt.timedelta(days=back)
        if (day.weekday() + 1) % 7 not in days:  # Sunday = 0 in the schedule, 6 in Python
            continue
        for h in sch["hours"]:
            for m in sch["minutes"]:
                start = day.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()
                if start <= t and (best is None or start > best):
                    best = start
        if best is not None:
            return best
    return best
