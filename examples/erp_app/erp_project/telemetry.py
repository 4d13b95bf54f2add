"""Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set (nothing happens otherwise).

Two ways to get telemetry from this app on App Service, never both (they would send everything twice):

* App Service's autoinstrumentation: app settings APPLICATIONINSIGHTS_CONNECTION_STRING and
  ApplicationInsightsAgent_EXTENSION_VERSION=~3, no code. When it is on, this module does nothing.
* The Azure Monitor OpenTelemetry distro in code (``azure-monitor-opentelemetry``, in requirements.txt): set only the
  connection string; ``configure()`` (called by wsgi.py, before the middleware is loaded) then starts it. Its settings
  (batch delay, sampler, role name) come from the environment (OTEL_* and APPLICATIONINSIGHTS_* variables).

With the connection string set but neither available (an environment built without the distro), the app runs without
telemetry and says so in its log.
"""

import logging
import os

from django.conf import settings

logger = logging.getLogger(__name__)


def configure():
    """Start Application Insights if configured; returns what was done: off, autoinstrumentation, unavailable, distro."""
    connection_string = getattr(settings, "APPLICATIONINSIGHTS_CONNECTION_STRING", None)
    if not connection_string:
        return "off"
    agent = os.environ.get("ApplicationInsightsAgent_EXTENSION_VERSION", "").strip().lower()
    if agent and agent != "disabled":
        logger.info("Application Insights: App Service autoinstrumentation (%s) is on; no instrumentation in code", agent)
        return "autoinstrumentation"
    try:
        from azure.monitor.opentelemetry import configure_azure_monitor
    except ImportError:
        logger.warning("Application Insights: APPLICATIONINSIGHTS_CONNECTION_STRING is set but azure-monitor-opentelemetry "
                       "is not installed and autoinstrumentation is off; running without telemetry")
        return "unavailable"
    configure_azure_monitor(connection_string=connection_string)
    logger.info("Application Insights: Azure Monitor OpenTelemetry distro configured")
    return "distro"
