# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arithmetic of the periodic reviews (weekly and monthly performance, costs) that Jinja cannot do readably: a period
compared with the one before it, day by day; the direction of a change; the cumulative cost of a month against its
forecast."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math
import time

from ansible.errors import AnsibleFilterError

DAY = 86400.0


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _epoch(text):
    """Epoch seconds of an ISO 8601 date-time ("2026-12-06T20:00:00Z", "+00:00", 7 fraction digits as ARM writes them)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = str(text or "").strip()
    if not s:
        return None
    if s[-1] in "Zz":
        s = s[:-1] + "+00:00"
    head, sep, tail = s.partition(".")
    if sep:  # Python 3.10 parses at most 6 fraction digits; ARM writes 7
        digits = "".join(c for c in tail if c.isdigit())
        s = head + "." + (digits[:6] or "0") + tail[len(digits):]
    try:
        d = datetime.datetime.fromisoformat(s)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def nearest_rank(values, percent):
    """The smallest value with at least ``percent`` % of the values at or below it (KQL's percentile(), exact)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, int(math.ceil(percent / 100.0 * len(ordered))))
    return ordered[min(rank, len(ordered)) - 1]


def _stats(values, daily, reduce):
    out = {"count": len(values), "mean": None, "p95": None, "max": None, "total": None, "daily": []}
    if values:
        out.update(mean=sum(values) / len(values), p95=nearest_rank(values, 95), max=max(values), total=sum(values))
    for bucket in daily:
        if not bucket:
            out["daily"].append(None)
        elif reduce == "sum":
            out["daily"].append(sum(bucket))
        elif reduce == "max":
            out["daily"].append(max(bucket))
        else:
            out["daily"].append(sum(bucket) / len(bucket))
    return out


def period_stats(points, end, days, value="average", time="timeStamp", days_ago=None, daily="mean"):
    """Split ``points`` into the ``days`` days before ``end`` (current) and the ``days`` days before those (previous).

    A point belongs to the period by its ``time`` (an ISO date-time; a grain that starts at or after ``end`` counts in the
    last day) or, with ``days_ago``, by that field (0 = the 24 hours before ``end``), as a KQL query computes it with
    ``toint((now() - TimeGenerated) / 1d)``. Each period gives the mean, the 95th percentile (nearest rank), the maximum,
    the total and the number of the points' ``value``, and one value per day, oldest first (``daily``: mean, sum or max of
    the day's points; null for a day without any). ``labels`` name the current period's days (MM-DD) by the date of their
    middle: a day is the 24 hours before a multiple of 24 hours before ``end``.
    """
    if not isinstance(points, list):
        raise AnsibleFilterError("period_stats: points must be a list of dictionaries, not %s" % type(points).__name__)
    days = int(days)
    if days < 1:
        raise AnsibleFilterError("period_stats: days must be at least 1, not %d" % days)
    if daily not in ("mean", "sum", "max"):
        raise AnsibleFilterError("period_stats: daily must be mean, sum or max, not %r" % daily)
    stop = _epoch(end)
    if stop is None:
        raise AnsibleFilterError("period_stats: end must be an ISO 8601 date-time, not %r" % (end,))
    buckets = [[] for _unused in range(2 * days)]  # index: days ago
    for point in points:
        if not isinstance(point, dict):
            continue
        v = _number(point.get(value))
        if v is None:
            continue
        if days_ago is not None:
            k = _number(point.get(days_ago))
            k = None if k is None else int(k)
        else:
            t = _epoch(point.get(time))
            k = None if t is None else max(0, int(math.ceil((stop - t) / DAY)) - 1)
        if k is not None and 0 <= k < 2 * days:
            buckets[k].append(v)
    current = buckets[:days][::-1]
    previous = buckets[days:][::-1]
    # A day is the 24 hours before a run time, not a calendar day: it is named after the date its middle falls on.
    labels = [datetime.datetime.fromtimestamp(stop - (days - i - 0.5) * DAY, tz=datetime.timezone.utc).strftime("%m-%d") for i in range(days)]
    return {"current": _stats([v for b in current for v in b], current, daily),
            "previous": _stats([v for b in previous for v in b], previous, daily),
            "labels": labels}


def trend(current, previous, tolerance=5.0):
    """How ``current`` compares with ``previous``: ``arrow`` (↑ more, ↓ less, → within ``tolerance`` percent, empty when
    either is unknown), ``percent`` (the change in percent of ``previous``; null when it is 0 or unknown) and ``delta``."""
    cur, prev = _number(current), _number(previous)
    if cur is None or prev is None:
        return {"arrow": "", "percent": None, "delta": None}
    delta = cur - prev
    if prev == 0:
        return {"arrow": "→" if cur == 0 else "↑", "percent": 0.0 if cur == 0 else None, "delta": delta}
    percent = delta * 100.0 / abs(prev)
    arrow = "→" if abs(percent) <= float(tolerance) else ("↑" if percent > 0 else "↓")
    return {"arrow": arrow, "percent": percent, "delta": delta}


def cost_curve(daily, start, end):
    """The month's cost day by day from ``start`` to ``end`` (ISO dates), as cost_info's ``daily`` gives it (each day's
    ``cost`` with ``status`` Actual or Forecast; today can be both): ``labels`` (MM-DD), ``actual`` (the cumulative
    actual cost, null after the last day with an actual cost) and ``forecast`` (from that day on, the cumulative actual
    cost plus the forecast up to each day; null before it)."""
    try:
        first = datetime.date.fromisoformat(str(start)[:10])
        last = datetime.date.fromisoformat(str(end)[:10])
    except ValueError:
        raise AnsibleFilterError("cost_curve: start and end must be dates as YYYY-MM-DD, not %r and %r" % (start, end)) from None
    actual, forecast = {}, {}
    for row in daily or []:
        if not isinstance(row, dict):
            continue
        cost = _number(row.get("cost")) or 0.0
        day = str(row.get("date") or "")[:10]
        target = actual if row.get("status") == "Actual" else forecast
        target[day] = target.get(day, 0.0) + cost
    last_actual = max(actual) if actual else None
    labels, acc, fut = [], [], []
    total, projected = 0.0, None
    day = first
    while day <= last:
        iso = day.isoformat()
        labels.append(day.strftime("%m-%d"))
        total += actual.get(iso, 0.0)
        acc.append(round(total, 2) if last_actual is not None and iso <= last_actual else None)
        if last_actual is None or iso >= last_actual:
            projected = (total if projected is None else projected) + forecast.get(iso, 0.0)
            fut.append(round(projected, 2))
        else:
            fut.append(None)
        day += datetime.timedelta(days=1)
    return {"labels": labels, "actual": acc, "forecast": fut}


def age_hours(timestamp, now=None):
    """Hours from ``timestamp`` (an ISO 8601 date-time as Azure writes it) to ``now`` (another, or the controller's clock);
    null when ``timestamp`` is not a date-time."""
    then = _epoch(timestamp)
    if then is None:
        return None
    ref = time.time() if now is None else _epoch(now)
    if ref is None:
        raise AnsibleFilterError("age_hours: now must be an ISO 8601 date-time, not %r" % (now,))
    return (ref - then) / 3600.0


class FilterModule(object):
    def filters(self):
        return {"period_stats": period_stats, "trend": trend, "cost_curve": cost_curve, "age_hours": age_hours}
