"""Availability results of Application Insights components: what availability tests (web tests) report, and the
``availabilityResults/*`` metrics metric alerts read from them.

One entry point, :func:`record_availability`, once per test run and location: the probes of :mod:`.webtestprobes` call
it, and ``POST /_azsim/availability`` records results from outside (tests, demos).  A result is kept in
``insights.availability`` under the component's id (a resource-group delete cascades) for 90 days (azsim's bound,
Application Insights' default retention) - per location, for the web-test location rules of metric alerts - and feeds
the component's ``availabilityResults/*`` metrics in :mod:`.metrics`, which the Metrics API and the alert engine read.

Metric names, units and aggregations from Microsoft Learn "Supported metrics for microsoft.insights/components":
``availabilityResults/availabilityPercentage`` (Percent, Average), ``availabilityResults/count`` (Count, Count),
``availabilityResults/duration`` (MilliSeconds, Average).  A window without results has no data (None), never 0 %.
"""

import uuid

from ...core import admin, ids
from ...core.clock import parse_iso
from ...core.http import Response
from . import metrics

TABLE = "insights.availability"
RETENTION = 90 * 86400
PERCENTAGE = "availabilityResults/availabilityPercentage"
COUNT = "availabilityResults/count"
DURATION = "availabilityResults/duration"


def _prefix(component_id):
    return f"{component_id.rstrip('/')}/availabilityresults/".lower()


def record_availability(app, component_id, success, duration_ms, location, at=None, webtest_id=None, webtest_name=None, message=None):
    """Record one availability test result of ``component_id`` (an Application Insights component id): ``success``
    (bool), ``duration_ms``, ``location`` (a test location id such as ``emea-nl-ams-azr``), ``at`` (simulated epoch
    seconds, default now) and, when known, the web test that ran (``webtest_id``; ``webtest_name`` is its
    ``SyntheticMonitorId``/name as the results carry it).  Call it inside a store transaction (a handler or an engine
    tick); returns the stored result."""
    at = app.clock.now() if at is None else float(at)
    row = {"id": str(uuid.uuid4()), "at": at, "timestamp": app.clock.iso(at), "component": component_id, "success": bool(success),
           "durationMs": float(duration_ms or 0.0), "location": str(location or "").lower(), "webtest": webtest_id,
           "webtestName": webtest_name, "message": message}
    app.store.put(TABLE, f"{_prefix(component_id)}{int(at * 1000):015d}-{row['id']}", row)
    # One event per result (count), its success as 100 or 0 (so the average is the percentage of successful runs) and
    # its duration in milliseconds.
    metrics.record_traffic(app, component_id, {COUNT: 1.0}, {PERCENTAGE: (100.0 if success else 0.0, 1.0), DURATION: (float(duration_ms or 0.0), 1.0)},
                           at=at)
    for k, old in app.store.items(TABLE, _prefix(component_id)):
        if old["at"] >= at - RETENTION:
            break
        app.store.delete(TABLE, k)
    return row


def results(app, component_id, start, end, webtest_id=None):
    """Results of a component in [start, end), oldest first, optionally of one web test."""
    rows = [r for _k, r in app.store.items(TABLE, _prefix(component_id)) if start <= r["at"] < end]
    if webtest_id:
        rows = [r for r in rows if (r.get("webtest") or "").lower() == webtest_id.lower()]
    return rows


def failed_locations(app, webtest_id, component_id, start, end):
    """Locations of a web test with at least one failed result in [start, end) (unverified: Azure's exact rule for a
    location that both failed and succeeded in the window), or None when the test reported nothing."""
    rows = results(app, component_id, start, end, webtest_id)
    if not rows:
        return None
    return sorted({r["location"] for r in rows if not r["success"]})


# -- admin: results from outside -----------------------------------------------------------------------------
def admin_record(app):
    def handler(req):
        """``POST /_azsim/availability`` ``{"component", "success", "duration_ms", "location"[, "webtest", "at"]}`` or a list."""
        items, refusal = admin.json_items(req)
        if refusal is not None:
            return refusal
        out = []
        with app.store.transaction():
            for item in items:
                if not isinstance(item, dict) or not ids.parse(item.get("component")) or not isinstance(item.get("success"), bool):
                    return Response(400, {"error": "each item needs 'component' (an ARM id), 'success' (a boolean) and 'location'"})
                at = parse_iso(item["at"]) if item.get("at") else None
                if item.get("at") and at is None:
                    return Response(400, {"error": f"'at' is not an ISO 8601 time: {item['at']}"})
                webtest = item.get("webtest")
                name = webtest.rstrip("/").rsplit("/", 1)[-1] if isinstance(webtest, str) else None
                out.append(record_availability(app, item["component"], item["success"], item.get("duration_ms", 0), item.get("location"), at=at,
                                               webtest_id=webtest, webtest_name=name, message=item.get("message")))
        return Response(200, {"value": out})
    return handler


def register(app):
    app.admin_routes[("POST", "availability")] = admin_record(app)
