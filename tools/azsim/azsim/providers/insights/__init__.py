"""Microsoft.Insights (Azure Monitor): autoscale settings and their engine, metrics and the load
model, the activity log, metric alerts and their engine, activity log alerts, action groups and the
notifications azsim records, web tests and availability results, diagnostic settings, and
Application Insights components (azure-mgmt-monitor, azure-mgmt-applicationinsights) with their telemetry ingestion.

Split by concern; each module exposes ``register(app)``.
"""

import importlib

MODULES = ("metrics", "notifications", "autoscale", "activitylog", "actiongroups", "alerts", "activitylogalerts", "availability", "webtests",
           "webtestprobes", "diagnostics", "components", "metricexport", "ingestion")


def register(app):
    for name in MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        mod.register(app)
