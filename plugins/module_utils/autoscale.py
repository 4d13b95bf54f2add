# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What autoscale and autoscale_info share: ISO 8601 durations and the rules said in the guide's words."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SYMBOLS = {"GreaterThan": ">", "GreaterThanOrEqual": ">=", "LessThan": "<", "LessThanOrEqual": "<=", "Equals": "==", "NotEquals": "!="}
DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


def seconds(iso):
    """Seconds of an ISO 8601 duration (PT5M, PT1H, P1D), or None."""
    m = DURATION_RE.match(iso or "") if isinstance(iso, str) else None
    if not m:
        return None
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + int(float(s or 0))


def minutes_text(iso_text):
    secs = seconds(iso_text)
    return "%g min" % (secs / 60.0) if secs is not None else str(iso_text)


def capacity_line(props, profile, label=""):
    cap = profile.get("capacity") or {}
    state = "enabled" if props.get("enabled") else "disabled"
    return "%s%s, instances: minimum %s, maximum %s, default %s" % (state, label, cap.get("minimum"), cap.get("maximum"), cap.get("default"))


def rule_line(rule):
    """``increase by 1 when CpuPercentage (Average over 5 min) > 70, cooldown 5 min``."""
    trig, act = rule.get("metricTrigger") or {}, rule.get("scaleAction") or {}
    kind = str(act.get("type"))
    amount = {"PercentChangeCount": "by %s%%" % act.get("value"), "ExactCount": "to %s" % act.get("value")}.get(kind, "by %s" % act.get("value"))
    return "%s %s when %s (%s over %s) %s %g, cooldown %s" % (
        str(act.get("direction", "")).lower(), amount, trig.get("metricName"), trig.get("timeAggregation"), minutes_text(trig.get("timeWindow")),
        SYMBOLS.get(trig.get("operator"), trig.get("operator")), float(trig.get("threshold", 0)), minutes_text(act.get("cooldown")))
