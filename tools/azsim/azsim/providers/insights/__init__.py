"""Microsoft.Insights (Azure Monitor): autoscale settings and their engine, metrics and the load
model, the activity log, metric alerts, action groups, web tests, diagnostic settings, and
Application Insights components (azure-mgmt-monitor, azure-mgmt-applicationinsights), their telemetry ingestion and
the availability tests' probes.

Split by concern; each module exposes ``register(app)``.
"""

import importlib

MODULES = ("metrics", "autoscale", "activitylog", "actiongroups", "alerts", "webtests", "diagnostics", "components", "metricexport",
           "ingestion", "availability")


def register(app):
    for name in MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        mod.register(app)
