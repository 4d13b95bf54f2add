"""Platform metrics exported by diagnostic settings: a resource whose setting enables the metric category ``AllMetrics``
for a workspace gets one AzureMetrics row per metric and minute (Learn "Azure Monitor Logs reference - AzureMetrics":
Average, Count, Maximum, Minimum, Total, MetricName, UnitName, TimeGrain ``PT1M``, Resource, ResourceGroup, ResourceId,
ResourceProvider, SubscriptionId; Learn "Diagnostic settings in Azure Monitor": metrics sent to Logs are the one-minute
aggregates).  The values are the ones the Metrics API answers (the load model and real traffic).  Azure upper-cases
Resource, ResourceGroup, ResourceId and ResourceProvider in this table (the reference's sample rows; casing of the
subscription id unverified).  A jump of azsim's clock exports at most the last hour of minutes.
"""

import math
import time
import traceback

from . import diagnostics, metrics

CATCH_UP_MINUTES = 60
SCAN_S = 1.0


class MetricExport:
    def __init__(self, app):
        self.app = app
        self._done = {}  # resource id (lower) -> the start of the next minute to export
        self._last = 0.0

    def tick(self):
        if time.time() - self._last < SCAN_S:
            return
        self._last = time.time()
        now = self.app.clock.now()
        minute = math.floor(now / 60) * 60  # the last complete minute ends here
        for rid in self._exported_resources():
            try:
                self._export(rid, minute)
            except Exception:  # noqa: BLE001 - one resource must not stop the export of the others
                traceback.print_exc()

    def _exported_resources(self):
        """Resources with a diagnostic setting that enables AllMetrics for a workspace."""
        out = set()
        with self.app.store.lock:
            for key, doc in self.app.store.items(diagnostics.TABLE, "diag:"):
                props = doc["properties"]
                if props.get("workspaceId") and any(m["enabled"] and (m.get("category") or "").lower() == "allmetrics" for m in props["metrics"]):
                    out.add(key[len("diag:"):].rsplit("/providers/microsoft.insights/diagnosticsettings/", 1)[0])
        return out

    def _export(self, rid, minute):
        start = self._done.get(rid)
        if start is None:
            self._done[rid] = minute  # from the first complete minute after the setting was seen
            return
        start = max(start, minute - CATCH_UP_MINUTES * 60)
        if start >= minute:
            return
        self._done[rid] = minute
        definitions = metrics.definitions_for(rid)
        if not definitions:
            return
        parts = rid.split("/")
        provider = (parts[6] if len(parts) > 6 else "").upper()
        name = parts[-1].upper()

        def rows():
            out = []
            for d in definitions:
                with self.app.store.lock:
                    points = metrics.series(self.app, rid, d["name"], start, minute, 60, aggregation=None)
                for ts, agg in points:
                    if agg is None:
                        continue
                    out.append({"TimeGenerated": ts, "MetricName": d["name"], "Average": agg["average"], "Minimum": agg["minimum"],
                                "Maximum": agg["maximum"], "Total": agg["total"], "Count": agg["count"], "UnitName": d["unit"],
                                "TimeGrain": "PT1M", "Resource": name, "ResourceGroup": parts[4].upper(), "ResourceId": rid.upper(),
                                "ResourceProvider": provider, "SubscriptionId": parts[2]})
            return out
        from ..operationalinsights import emit

        emit(self.app, rid, "AllMetrics", "AzureMetrics", rows)


def register(app):
    app.tick_hooks.append(MetricExport(app).tick)
