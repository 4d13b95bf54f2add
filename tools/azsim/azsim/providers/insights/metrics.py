"""Azure Monitor platform metrics: the load model other providers feed, and the Metrics API.

* Load model: a metric of a resource is a step function of *levels* (``set_level``, the admin knob
  ``POST /_azsim/load``) plus optional raw *samples* (``record``, real traffic).  Both live in the
  table ``insights.metrics`` keyed under the resource id, so a resource-group delete cascades.  Without
  a level a metric sits at an idle default (CPU 10 %...).  Platform metrics are sampled once a minute
  (Microsoft Learn "Azure Monitor Metrics overview": one-minute granularity), so a grain holds one
  sample per minute; a level of a counter metric (Requests, BytesSent...) is an amount per minute.
* Metrics API (azure-mgmt-monitor 7.0.0 ``metrics.list`` / ``metric_definitions.list``, api 2024-02-01;
  shapes from azure-rest-api-specs ``GetMetric.json`` / ``GetMetricDefinitionsMetricClass.json``).
  Its errors are a top-level ``{"code", "message"}`` body (quoted in Azure/azure-sdk-for-net#29584).
"""

import bisect
import datetime as _dt
import math
import re

from ...core import admin, ids, resource
from ...core.clock import iso as _iso
from ...core.clock import parse_iso
from ...core.errors import AzureError
from ...core.http import Response

TABLE = "insights.metrics"
RETENTION = 93 * 86400          # platform metrics are kept 93 days (metricAvailabilities "retention": "P93D")
MAX_SAMPLES = 5000              # raw samples kept per metric (azsim's own bound)
AGGREGATIONS = ("average", "minimum", "maximum", "total", "count")
# Time grains the Metrics API accepts, with the text of its refusal (quoted in Azure/azure-libraries-for-net#495).
GRAINS = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT6H": 21600, "PT12H": 43200, "P1D": 86400}
GRAIN_TEXT = "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,06:00:00,12:00:00,1.00:00:00"


class MonitorError(AzureError):
    """Azure Monitor's own error body: ``{"code": ..., "message": ...}`` without the ARM ``error`` wrapper
    (metrics: Azure/azure-sdk-for-net#29584; autoscale: Azure/azure-sdk-for-net#43948, Azure/Moodle#311)."""

    def body(self):
        return {"code": self.code, "message": self.message}


# -- the catalogue ------------------------------------------------------------------------------------
# (name, display name, unit, primary aggregation, idle default, description).  Names, units and primary
# aggregations from Microsoft Learn "Supported metrics for Microsoft.Web/serverfarms", ".../sites",
# "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Storage/storageAccounts"; idle defaults are azsim's.
def _m(name, display, unit, primary, default, desc):
    return {"name": name, "display": display, "unit": unit, "primary": primary, "default": default, "description": desc}


_PLAN = [
    _m("CpuPercentage", "CPU Percentage", "Percent", "Average", 10.0, "The average CPU used across all instances of the plan."),
    _m("MemoryPercentage", "Memory Percentage", "Percent", "Average", 35.0, "The average memory used across all instances of the plan."),
    _m("DiskQueueLength", "Disk Queue Length", "Count", "Average", 0.0, "The average number of read and write requests queued on storage."),
    _m("HttpQueueLength", "Http Queue Length", "Count", "Average", 0.0, "The average number of HTTP requests in the queue before being fulfilled."),
    _m("BytesReceived", "Data In", "Bytes", "Total", 0.0, "The average incoming bandwidth used across all instances of the plan."),
    _m("BytesSent", "Data Out", "Bytes", "Total", 0.0, "The average outgoing bandwidth used across all instances of the plan."),
    _m("TcpEstablished", "TCP Established", "Count", "Average", 4.0, "The average number of sockets in ESTABLISHED state."),
    _m("TcpCloseWait", "TCP Close Wait", "Count", "Average", 0.0, "The average number of sockets in CLOSE_WAIT state."),
    _m("TcpTimeWait", "TCP Time Wait", "Count", "Average", 0.0, "The average number of sockets in TIME_WAIT state."),
    _m("SocketInboundAll", "Socket Count for Inbound Requests", "Count", "Average", 2.0, "The average number of sockets used for incoming HTTP requests."),
    _m("SocketOutboundAll", "Socket Count of Outbound Requests", "Count", "Average", 2.0, "The average number of sockets used for outbound requests."),
]
_SITE = [
    _m("Requests", "Requests", "Count", "Total", 0.0, "The total number of requests regardless of their resulting HTTP status code."),
    _m("Http2xx", "Http 2xx", "Count", "Total", 0.0, "The count of requests resulting in an HTTP status code >= 200 but < 300."),
    _m("Http3xx", "Http 3xx", "Count", "Total", 0.0, "The count of requests resulting in an HTTP status code >= 300 but < 400."),
    _m("Http4xx", "Http 4xx", "Count", "Total", 0.0, "The count of requests resulting in an HTTP status code >= 400 but < 500."),
    _m("Http401", "Http 401", "Count", "Total", 0.0, "The count of requests resulting in HTTP 401 status code."),
    _m("Http403", "Http 403", "Count", "Total", 0.0, "The count of requests resulting in HTTP 403 status code."),
    _m("Http404", "Http 404", "Count", "Total", 0.0, "The count of requests resulting in HTTP 404 status code."),
    _m("Http5xx", "Http Server Errors", "Count", "Total", 0.0, "The count of requests resulting in an HTTP status code >= 500 but < 600."),
    _m("HttpResponseTime", "Response Time", "Seconds", "Average", 0.0, "The time taken for the app to serve requests, in seconds."),
    _m("AverageResponseTime", "Average Response Time (deprecated)", "Seconds", "Average", 0.0, "The average time taken for the app to serve requests."),
    _m("CpuTime", "CPU Time", "Seconds", "Total", 0.0, "The amount of CPU consumed by the app, in seconds."),
    _m("MemoryWorkingSet", "Memory working set", "Bytes", "Average", 157286400.0, "The current amount of memory used by the app, in MiB."),
    _m("AverageMemoryWorkingSet", "Average memory working set", "Bytes", "Average", 157286400.0, "The average amount of memory used by the app."),
    _m("BytesReceived", "Data In", "Bytes", "Total", 0.0, "The amount of incoming bandwidth consumed by the app, in MiB."),
    _m("BytesSent", "Data Out", "Bytes", "Total", 0.0, "The amount of outgoing bandwidth consumed by the app, in MiB."),
    _m("Handles", "Handle Count", "Count", "Average", 300.0, "The total number of handles currently open by the app process."),
    _m("Threads", "Thread Count", "Count", "Average", 30.0, "The number of threads currently active in the app process."),
    _m("AppConnections", "Connections", "Count", "Average", 0.0, "The number of bound sockets existing in the sandbox."),
    _m("HealthCheckStatus", "Health check status", "Count", "Average", 100.0, "Health check status."),
    _m("RequestsInApplicationQueue", "Requests In Application Queue", "Count", "Average", 0.0, "The number of requests in the application request queue."),
    _m("FileSystemUsage", "File System Usage", "Bytes", "Average", 1048576.0, "Percentage of filesystem quota consumed by the app."),
]
_PG = [
    _m("cpu_percent", "CPU percent", "Percent", "Average", 5.0, "Percent of CPU in use."),
    _m("memory_percent", "Memory percent", "Percent", "Average", 30.0, "Percent of memory in use."),
    _m("storage_percent", "Storage percent", "Percent", "Average", 3.0, "Percent of storage space used."),
    _m("storage_used", "Storage used", "Bytes", "Average", 1073741824.0, "Storage space used."),
    _m("storage_free", "Storage free", "Bytes", "Average", 33285996544.0, "Storage space available."),
    _m("active_connections", "Active Connections", "Count", "Average", 5.0, "Total number of connections to the database server."),
    _m("connections_failed", "Failed Connections", "Count", "Total", 0.0, "Failed connections."),
    _m("connections_succeeded", "Succeeded Connections", "Count", "Total", 0.0, "Succeeded connections."),
    _m("network_bytes_egress", "Network Out", "Bytes", "Total", 0.0, "Total sum of outgoing network traffic on the server."),
    _m("network_bytes_ingress", "Network In", "Bytes", "Total", 0.0, "Total sum of incoming network traffic on the server."),
    _m("iops", "IOPS", "Count", "Average", 3.0, "Number of I/O operations to disk per second."),
    _m("read_iops", "Read IOPS", "Count", "Average", 1.0, "Number of data disk I/O read operations per second."),
    _m("write_iops", "Write IOPS", "Count", "Average", 2.0, "Number of data disk I/O write operations per second."),
    _m("disk_queue_depth", "Disk Queue Depth", "Count", "Average", 0.0, "Number of outstanding I/O operations to the data disk."),
    _m("backup_storage_used", "Backup Storage Used", "Bytes", "Average", 0.0, "Amount of backup storage used."),
    _m("txlogs_storage_used", "Transaction Log Storage Used", "Bytes", "Average", 16777216.0, "Storage space used by transaction logs."),
    _m("maximum_used_transactionIDs", "Maximum Used Transaction IDs", "Count", "Average", 1000.0, "Maximum transaction ID in use."),
    _m("is_db_alive", "Database Is Alive", "Count", "Maximum", 1.0, "Indicates if the database is up or not."),
    _m("cpu_credits_remaining", "CPU Credits Remaining", "Count", "Average", 720.0, "Total number of credits available to burst (Burstable tier)."),
    _m("cpu_credits_consumed", "CPU Credits Consumed", "Count", "Average", 0.0, "Total number of credits consumed (Burstable tier)."),
]
_STORAGE = [
    _m("UsedCapacity", "Used capacity", "Bytes", "Average", 0.0, "The amount of storage used by the storage account."),
    _m("Transactions", "Transactions", "Count", "Total", 0.0, "The number of requests made to a storage service or the specified API operation."),
    _m("Ingress", "Ingress", "Bytes", "Total", 0.0, "The amount of ingress data, in bytes."),
    _m("Egress", "Egress", "Bytes", "Total", 0.0, "The amount of egress data."),
    _m("SuccessServerLatency", "Success Server Latency", "MilliSeconds", "Average", 0.0, "The average time used to process a successful request."),
    _m("SuccessE2ELatency", "Success E2E Latency", "MilliSeconds", "Average", 0.0, "The average end-to-end latency of successful requests."),
    _m("Availability", "Availability", "Percent", "Average", 100.0, "The percentage of availability for the storage service."),
]


# Application Insights components: the standard metrics (Learn "Supported metrics for Microsoft.Insights/components" and
# "Application Insights standard metrics": names, units, primary aggregations).  The availability tests feed
# availabilityResults/* (:mod:`.availability`), ingested telemetry the log-based requests/*, dependencies/*, exceptions/*,
# traces/count (:mod:`.ingestion`); the others (browser timings, page views, performance counters) stay without data.  A
# metric without an idle default (None) has no data until something is recorded: the Metrics API answers an empty point,
# as Azure does when nothing was reported ("the metric goes silent"); a Count metric counts 0.
def _ai(name, display, unit, primary, desc):
    return _m(name, display, unit, primary, 0.0 if primary == "Count" else None, desc)


_COMPONENT = [
    _ai("availabilityResults/availabilityPercentage", "Availability", "Percent", "Average", "Percentage of successfully completed availability tests"),
    _ai("availabilityResults/count", "Availability tests", "Count", "Count", "Count of availability tests"),
    _ai("availabilityResults/duration", "Availability test duration", "MilliSeconds", "Average", "Availability test duration"),
    _ai("browserTimings/networkDuration", "Page load network connect time", "MilliSeconds", "Average", "Time between user request and network connection."),
    _ai("browserTimings/processingDuration", "Client processing time", "MilliSeconds", "Average",
        "Time between receiving the last byte of a document until the DOM is loaded."),
    _ai("browserTimings/receiveDuration", "Receiving response time", "MilliSeconds", "Average",
        "Time between the first and last bytes, or until disconnection."),
    _ai("browserTimings/sendDuration", "Send request time", "MilliSeconds", "Average",
        "Time between network connection and receiving the first byte."),
    _ai("browserTimings/totalDuration", "Browser page load time", "MilliSeconds", "Average",
        "Time from user request until DOM, stylesheets, scripts and images are loaded."),
    _ai("dependencies/count", "Dependency calls", "Count", "Count", "Count of calls made by the application to external resources."),
    _ai("dependencies/duration", "Dependency duration", "MilliSeconds", "Average", "Duration of calls made by the application to external resources."),
    _ai("dependencies/failed", "Dependency call failures", "Count", "Count", "Count of failed dependency calls made by the application to external resources."),
    _ai("exceptions/browser", "Browser exceptions", "Count", "Count", "Count of uncaught exceptions thrown in the browser."),
    _ai("exceptions/count", "Exceptions", "Count", "Count", "Combined count of all uncaught exceptions."),
    _ai("exceptions/server", "Server exceptions", "Count", "Count", "Count of uncaught exceptions thrown in the server application."),
    _ai("pageViews/count", "Page views", "Count", "Count", "Count of page views."),
    _ai("pageViews/duration", "Page view load time", "MilliSeconds", "Average", "Page view load time"),
    _ai("performanceCounters/exceptionsPerSecond", "Exception rate", "CountPerSecond", "Average",
        "Count of handled and unhandled exceptions reported to windows, including .NET exceptions and unmanaged exceptions."),
    _ai("performanceCounters/memoryAvailableBytes", "Available memory", "Bytes", "Average", "Physical memory immediately available for allocation."),
    _ai("performanceCounters/processCpuPercentage", "Process CPU", "Percent", "Average",
        "The percentage of elapsed time that all process threads used the processor to execute instructions."),
    _ai("performanceCounters/processCpuPercentageTotal", "Process CPU (all cores)", "Percent", "Average",
        "The percentage of elapsed time that all process threads used the processor to execute instructions."),
    _ai("performanceCounters/processIOBytesPerSecond", "Process IO rate", "BytesPerSecond", "Average",
        "Total bytes per second read and written to files, network and devices."),
    _ai("performanceCounters/processPrivateBytes", "Process private bytes", "Bytes", "Average",
        "Memory exclusively assigned to the monitored application's processes."),
    _ai("performanceCounters/processorCpuPercentage", "Processor time", "Percent", "Average",
        "The percentage of time that the processor spends in non-idle threads."),
    _ai("performanceCounters/requestExecutionTime", "HTTP request execution time", "MilliSeconds", "Average",
        "Execution time of the most recent request."),
    _ai("performanceCounters/requestsInQueue", "HTTP requests in application queue", "Count", "Average",
        "Length of the application request queue."),
    _ai("performanceCounters/requestsPerSecond", "HTTP request rate", "CountPerSecond", "Average",
        "Rate of all requests to the application per second from ASP.NET."),
    _ai("requests/count", "Server requests", "Count", "Count", "Count of HTTP requests completed."),
    _ai("requests/duration", "Server response time", "MilliSeconds", "Average", "Time between receiving an HTTP request and finishing sending the response."),
    _ai("requests/failed", "Failed requests", "Count", "Count", "Count of HTTP requests marked as failed."),
    _ai("requests/rate", "Server request rate", "CountPerSecond", "Average", "Rate of server requests per second"),
    _ai("traces/count", "Traces", "Count", "Count", "Trace document count"),
]
CATALOGUE = {"microsoft.web/serverfarms": _PLAN, "microsoft.web/sites": _SITE, "microsoft.web/sites/slots": _SITE,
             "microsoft.dbforpostgresql/flexibleservers": _PG, "microsoft.storage/storageaccounts": _STORAGE,
             "microsoft.insights/components": _COMPONENT}


def type_of(resource_id):
    """``Microsoft.Web/serverfarms``-style type of an ARM id (casing as written), or None."""
    p = ids.parse(resource_id)
    if not p or not p["namespace"] or not p["types"]:
        return None
    return "/".join([p["namespace"], *(t for t, _n in p["types"])])


def definitions_for(resource_id):
    return CATALOGUE.get((type_of(resource_id) or "").lower(), [])


def find(resource_id, metric):
    """The catalogue entry of a metric (case-insensitive name), or None."""
    low = (metric or "").lower()
    return next((m for m in definitions_for(resource_id) if m["name"].lower() == low), None)


def unknown_metric(resource_id, metric):
    """The Metrics API's refusal of a metric the resource type does not emit (Azure/azure-sdk-for-net#29584)."""
    rtype = (type_of(resource_id) or "/").lower()
    ns, _sep, typ = rtype.partition("/")
    valid = ",".join(m["name"] for m in definitions_for(resource_id))
    return MonitorError(400, "BadRequest", f"Failed to find metric configuration for provider: {ns}, resource Type: {typ}, metric: {metric}, "
                        f"Valid metrics: {valid}")


# -- the load model --------------------------------------------------------------------------------------
def _key(resource_id, metric):
    return f"{resource_id.rstrip('/')}/providers/microsoft.insights/metrics/{metric}".lower()


def _doc(app, resource_id, metric):
    return app.store.get(TABLE, _key(resource_id, metric)) or {"resource": resource_id, "metric": metric, "levels": [], "samples": []}


def _canonical(resource_id, metric):
    entry = find(resource_id, metric)
    return entry["name"] if entry else metric


def set_level(app, resource_id, metric, value, at=None):
    """From ``at`` (simulated epoch seconds, default now) on, ``metric`` of the resource sits at ``value``."""
    at = app.clock.now() if at is None else float(at)
    metric = _canonical(resource_id, metric)
    doc = _doc(app, resource_id, metric)
    levels = [lv for lv in doc["levels"] if lv[0] < at and lv[0] >= at - RETENTION]
    levels.append([at, float(value)])
    doc["levels"] = levels
    app.store.put(TABLE, _key(resource_id, metric), doc)


def record(app, resource_id, metric, value, at=None):
    """One raw sample (real traffic): for a gauge an extra sample of its minute, for a counter an amount
    added to its minute's total."""
    at = app.clock.now() if at is None else float(at)
    metric = _canonical(resource_id, metric)
    doc = _doc(app, resource_id, metric)
    samples = doc["samples"]
    bisect.insort(samples, [at, float(value)])
    if len(samples) > MAX_SAMPLES or (samples and samples[0][0] < at - RETENTION):
        doc["samples"] = [s for s in samples[-MAX_SAMPLES:] if s[0] >= at - RETENTION]
    app.store.put(TABLE, _key(resource_id, metric), doc)


def record_traffic(app, resource_id, counters, gauges=None, at=None):
    """Real traffic of a resource (e.g. the requests the web front door served), merged into one sample per metric and
    minute so the stored series stays small: ``counters`` ({metric: amount}) add to the minute's total, ``gauges``
    ({metric: (mean, count)}) join the minute's weighted mean.  Call inside a store transaction."""
    at = app.clock.now() if at is None else float(at)
    minute = math.floor(at / 60.0) * 60.0
    for metric, (value, weight) in [*((m, (v, None)) for m, v in counters.items()), *((gauges or {}).items())]:
        metric = _canonical(resource_id, metric)
        doc = _doc(app, resource_id, metric)
        samples = doc["samples"]
        last = samples[-1] if samples else None
        if last is not None and last[0] == minute:
            if weight is None:
                last[1] += float(value)
            else:
                old_w = last[2] if len(last) > 2 else 1.0
                last[1] = (last[1] * old_w + float(value) * weight) / (old_w + weight)
                last[2:] = [old_w + weight]
        else:
            bisect.insort(samples, [minute, float(value)] if weight is None else [minute, float(value), float(weight)])
            if len(samples) > MAX_SAMPLES or samples[0][0] < at - RETENTION:
                doc["samples"] = [s for s in samples[-MAX_SAMPLES:] if s[0] >= at - RETENTION]
        app.store.put(TABLE, _key(resource_id, metric), doc)


def level_at(app, resource_id, metric, at=None):
    """The level in force at ``at`` (default now); None for a metric without data and without an idle default."""
    at = app.clock.now() if at is None else at
    entry = find(resource_id, metric)
    doc = app.store.peek(TABLE, _key(resource_id, _canonical(resource_id, metric)))
    default = entry["default"] if entry else 0.0
    levels = doc["levels"] if doc else []
    i = bisect.bisect_right([lv[0] for lv in levels], at) - 1
    return levels[i][1] if i >= 0 else default


def _grain_point(levels, times, samples, default, counter, g0, g1, counting=False):
    """Aggregates of one grain [g0, g1) already clipped to the present: one sample a minute of the level,
    plus the recorded samples.  ``default`` None: no value before the first level (None when the grain has no data);
    ``counting``: a metric whose primary aggregation is Count (its samples are events: count = their total)."""
    i = bisect.bisect_right(times, g0) - 1
    if default is None and i < 0:
        first = bisect.bisect_left(times, g0)
        if first < len(levels) and levels[first][0] < g1:
            g0 = levels[first][0]  # no data until the first level
            i = first
        elif not samples[bisect.bisect_left(samples, [g0]):bisect.bisect_left(samples, [g1])]:
            return None
        elif not counter:
            default = 0.0  # only samples: the gauge branch below measures them alone
    point = _grain_value(levels, times, samples, default, counter, g0, g1, i)
    if counting:
        point["count"] = point["total"]
    return point


def _grain_value(levels, times, samples, default, counter, g0, g1, i):
    minutes = max(1, math.ceil((g1 - g0) / 60.0 - 1e-9))
    value = levels[i][1] if i >= 0 else default
    t, area, lo, hi = g0, 0.0, value, value
    j = i + 1
    while j < len(levels) and levels[j][0] < g1:
        area += value * (levels[j][0] - t)
        t, value = levels[j][0], levels[j][1]
        lo, hi = min(lo, value), max(hi, value)
        j += 1
    area += value * (g1 - t)
    mean = area / (g1 - g0) if g1 > g0 else value
    rows = samples[bisect.bisect_left(samples, [g0]):bisect.bisect_left(samples, [g1])]
    extra = [s[1] for s in rows]
    if counter:
        total = mean * minutes + sum(extra)
        return {"total": total, "count": float(minutes), "average": total / minutes, "minimum": min([lo, *extra]), "maximum": max([hi, *extra])}
    if rows and i < 0 and j == i + 1:
        # A gauge measured from real traffic (record_traffic's weighted samples) and no level set: the measurements alone,
        # not diluted by the idle default (azsim's choice: the default stands for "no data").
        weights = [s[2] if len(s) > 2 else 1.0 for s in rows]
        total, count = sum(v * w for v, w in zip(extra, weights, strict=True)), sum(weights)
        return {"average": total / count, "minimum": min(extra), "maximum": max(extra), "total": total, "count": float(count)}
    total, count = mean * minutes + sum(extra), minutes + len(extra)
    return {"average": total / count, "minimum": min([lo, *extra]), "maximum": max([hi, *extra]), "total": total, "count": float(count)}


def series(app, resource_id, metric, start, end, grain_seconds, aggregation="average", clip=None):
    """``[(grain start, value)]`` for grains aligned on ``grain_seconds`` from ``start`` to ``end``; grains
    wholly in the future (after now, or after ``clip``) have the value None.  ``aggregation`` is
    average/minimum/maximum/total/count, or None for the dict of all five."""
    points = _points(app, resource_id, metric, start, end, grain_seconds, clip)
    return [(ts, (agg[aggregation] if agg is not None and aggregation else agg)) for ts, agg in points]


def window(app, resource_id, metric, start, end):
    """The five aggregates (average/minimum/maximum/total/count) of a metric over [start, end): the single point the
    Metrics API answers for ``interval=FULL`` over that timespan, clipped to the present.  Metric alerts read their
    window here, so they see the load model and real traffic exactly as a metrics query does.  None when the resource
    type emits no such metric and nothing was ever recorded for it (no data)."""
    if end <= start or (find(resource_id, metric) is None and app.store.peek(TABLE, _key(resource_id, _canonical(resource_id, metric))) is None):
        return None
    points = _points(app, resource_id, metric, start, end, end - start, clip=end, align=False)
    return points[0][1] if points else None


def _points(app, resource_id, metric, start, end, grain, clip=None, align=True):
    entry = find(resource_id, metric)
    default = entry["default"] if entry else 0.0
    counter = bool(entry) and entry["primary"] in ("Total", "Count")
    counting = bool(entry) and entry["primary"] == "Count"
    doc = app.store.peek(TABLE, _key(resource_id, _canonical(resource_id, metric)))
    levels = doc["levels"] if doc else []
    samples = doc["samples"] if doc else []
    times = [lv[0] for lv in levels]
    now = app.clock.now() if clip is None else min(clip, app.clock.now())
    out = []
    t = math.floor(start / grain) * grain if align else start
    while t < end:
        g1 = min(t + grain, now)
        out.append((t, _grain_point(levels, times, samples, default, counter, t, g1, counting) if g1 > t else None))
        t += grain
    return out


# -- durations --------------------------------------------------------------------------------------------
_DUR = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)


def parse_duration(text):
    """Seconds of an ISO 8601 duration (``PT5M``, ``P1D``, ``PT1H30M``), or None."""
    m = _DUR.match(text.strip()) if isinstance(text, str) else None
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        return None
    w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return w * 604800 + d * 86400 + h * 3600 + mi * 60 + s


def format_duration(seconds):
    """The ISO 8601 form .NET's XmlConvert writes (``PT5M``, ``PT1H30M``, ``P1D``, ``P7D``)."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    if h or m or s:
        out += "T" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return out if out != "P" else "PT0S"


# -- the Metrics API ------------------------------------------------------------------------------------------
def register(app):
    app.namespace("Microsoft.Insights", {"metrics": ["2024-02-01", "2023-10-01", "2021-05-01", "2019-07-01", "2018-01-01"],
                                         "metricDefinitions": ["2024-02-01", "2023-10-01", "2021-05-01", "2018-01-01"]})
    h = Handlers(app)
    app.router.add("GET", "/{scope*}/providers/Microsoft.Insights/metrics", h.metrics, action="Microsoft.Insights/metrics/read", check_rg=False)
    app.router.add("GET", "/{scope*}/providers/Microsoft.Insights/metricDefinitions", h.definitions,
                   action="Microsoft.Insights/metricDefinitions/read", check_rg=False)
    app.admin_routes[("POST", "load")] = h.admin_load
    app.admin_routes[("GET", "load")] = h.admin_levels


def _stamp(ts):
    return _dt.datetime.fromtimestamp(ts, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handlers:
    def __init__(self, app):
        self.app = app

    def _resource(self, scope):
        """The resource a metrics URL names: 404 as ARM answers for a missing group or resource."""
        p = ids.parse(scope)
        if not p or not p["types"]:
            raise MonitorError(400, "BadRequest", f"The resource id '{scope}' is not a valid resource id for metrics.")  # unverified text
        if p["resource_group"] and self.app.store.peek("resourceGroups", f"/subscriptions/{p['subscription']}/resourcegroups/{p['resource_group']}") is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{p['resource_group']}' could not be found.")
        doc = resource.peek(self.app, scope)
        if doc is None:
            typ = "/".join([p["namespace"], *(t for t, _n in p["types"])])
            name = "/".join(n for _t, n in p["types"])
            raise AzureError(404, "ResourceNotFound", f"The Resource '{typ}/{name}' under resource group '{p['resource_group']}' was not found. "
                             "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return doc

    def definitions(self, req, scope):
        doc = self._resource(scope)
        rid = doc["id"]
        ns = req.query.get("metricnamespace")
        rtype = (type_of(rid) or "").lower()
        if ns and ns.lower() != rtype:
            return Response(200, {"value": []})  # unverified: an unrelated namespace has no definitions
        grains = [{"timeGrain": g, "retention": "P93D"} for g in GRAINS]
        out = [{"id": f"{rid}/providers/microsoft.insights/metricdefinitions/{m['name']}", "resourceId": rid, "namespace": type_of(rid),
                "name": {"value": m["name"], "localizedValue": m["display"]}, "displayDescription": m["description"], "isDimensionRequired": False,
                "unit": m["unit"], "primaryAggregationType": m["primary"],
                "supportedAggregationTypes": ["None", "Average", "Minimum", "Maximum", "Total", "Count"], "metricAvailabilities": grains}
               for m in definitions_for(rid)]
        return Response(200, {"value": out})

    def metrics(self, req, scope):
        doc = self._resource(scope)
        rid = doc["id"]
        q = req.query
        ns = q.get("metricnamespace")
        if ns and ns.lower() != (type_of(rid) or "").lower():
            raise MonitorError(400, "BadRequest", f"Metric namespace: {ns} is not valid for resource: {rid}.")  # unverified text
        start, end = self._timespan(q.get("timespan"))
        interval = (q.get("interval") or "PT1M").upper()
        auto = (q.get("autoadjusttimegrain") or "").lower() == "true"
        if interval == "FULL":
            grain, interval_out = end - start, format_duration(end - start)
        else:
            secs = parse_duration(interval)
            if secs not in GRAINS.values():
                if not auto or secs is None:
                    raise MonitorError(400, "BadRequest", f"Invalid time grain duration: {q.get('interval')}, supported ones are: {GRAIN_TEXT}")
                secs = min(GRAINS.values(), key=lambda g: abs(g - secs))
            grain, interval_out = secs, format_duration(secs)
        names = [n.strip() for n in (q.get("metricnames") or "").split(",") if n.strip()]
        entries = []
        for n in names:
            entry = find(rid, n)
            if entry is None:
                raise unknown_metric(rid, n)
            entries.append(entry)
        if not names:
            entries = definitions_for(rid)[:1]  # unverified: without metricnames the first (default) metric answers
        wanted = [a.strip().lower() for a in (q.get("aggregation") or "").split(",") if a.strip()]
        for a in wanted:
            if a not in (*AGGREGATIONS, "none"):
                raise MonitorError(400, "BadRequest", f"Invalid aggregation type: {a}. Supported aggregation types are: "
                                   "None,Average,Count,Minimum,Maximum,Total")  # unverified text
        value, cost = [], 0
        for entry in entries:
            aggs = [a for a in wanted if a != "none"] or [entry["primary"].lower()]
            data = []
            for ts, point in _points(self.app, rid, entry["name"], start, end, grain, align=interval != "FULL"):
                row = {"timeStamp": _stamp(ts)}
                if point is not None:
                    row.update({a: point[a] for a in aggs})
                data.append(row)
            cost += len(data)
            value.append({"id": f"{rid}/providers/Microsoft.Insights/metrics/{entry['name']}", "type": "Microsoft.Insights/metrics",
                          "name": {"value": entry["name"], "localizedValue": entry["display"]}, "displayDescription": entry["description"],
                          "unit": entry["unit"], "timeseries": [{"metadatavalues": [], "data": data}], "errorCode": "Success"})
        loc = doc.get("location") or ""
        region = loc.replace(" ", "").lower()
        return Response(200, {"cost": cost, "timespan": f"{_stamp(start)}/{_stamp(end)}", "interval": interval_out, "value": value,
                              "namespace": (type_of(rid) or "").lower(), "resourceregion": region})

    def _timespan(self, text):
        """``start/end``, ``start/duration``, ``duration/end`` or ``duration`` (ending now); default the last hour.
        The refusal is quoted in Azure/azure-sdk-for-net#40047."""
        now = self.app.clock.now()
        if not text:
            return now - 3600, now
        bad = MonitorError(400, "BadRequest", f"Detected invalid time interval input: {text}, supported Iso 8601 time interval format: "
                           "(Datetime/Datetime, Datetime/Duration, Duration/Datetime, Duration)")
        parts = text.split("/")
        if len(parts) == 1:
            d = parse_duration(parts[0])
            if d is None:
                raise bad
            return now - d, now
        if len(parts) != 2:
            raise bad
        a, b = parts
        ta, tb, da, db = parse_iso(a), parse_iso(b), parse_duration(a), parse_duration(b)
        if ta is not None and tb is not None:
            start, end = ta, tb
        elif ta is not None and db is not None:
            start, end = ta, ta + db
        elif da is not None and tb is not None:
            start, end = tb - da, tb
        else:
            raise bad
        if end <= start:
            raise bad  # unverified: Azure's text for an empty or reversed interval
        return start, end

    # -- admin: the load knob ------------------------------------------------------------------------------
    def admin_load(self, req):
        """``POST /_azsim/load`` ``{"resource", "metric", "value"[, "at"]}`` or a list of them."""
        items, refusal = admin.json_items(req)
        if refusal is not None:
            return refusal
        out = []
        with self.app.store.transaction():
            for item in items:
                if not isinstance(item, dict) or not ids.parse(item.get("resource")) or not item.get("metric"):
                    return Response(400, {"error": "each item needs 'resource' (an ARM id), 'metric' and 'value'"})
                rid, metric = item["resource"], item["metric"]
                if definitions_for(rid) and find(rid, metric) is None:
                    return Response(400, {"error": unknown_metric(rid, metric).message})
                try:
                    value = float(item["value"])
                except (KeyError, TypeError, ValueError):
                    return Response(400, {"error": "'value' must be a number"})
                at = parse_iso(item["at"]) if item.get("at") else None
                set_level(self.app, rid, metric, value, at)
                out.append({"resource": rid, "metric": _canonical(rid, metric), "value": value, "from": _iso(at or self.app.clock.now())})
        return Response(200, {"levels": out})

    def admin_levels(self, req):
        """``GET /_azsim/load[?resource=...]``: every stored level series."""
        want = (req.query.get("resource") or "").lower()
        rows = [{"resource": d["resource"], "metric": d["metric"], "levels": [[_iso(t), v] for t, v in d["levels"]], "samples": len(d["samples"])}
                for k, d in self.app.store.items(TABLE) if not want or k.startswith(want.rstrip("/") + "/")]
        return Response(200, {"value": rows})
