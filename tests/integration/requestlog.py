"""What in azsim's request log a playbook wrote: its ARM and data-plane writes, not token requests, not the read-only list
actions, and not the traffic of the deployed app itself (its Application Insights telemetry, which the running ERP sends
on its own while a playbook runs)."""

import re

APP_TRAFFIC = re.compile(r"(\.in\.applicationinsights\.azure\.com|\.livediagnostics\.monitor\.azure\.com|^dc\.services\.visualstudio\.com"
                         r"|^settings\.sdk\.monitor\.azure\.com)$")
# The Log Analytics query API takes its (read-only) queries as POST bodies.
QUERY_API = re.compile(r"^api\.loganalytics\.(io|azure\.com)$")


def writes(rows, exempt):
    """The rows that are writes of the playbook; ``exempt`` is a compiled pattern of paths that only read."""
    return [r for r in rows if r["method"] not in ("GET", "HEAD", "CONNECT") and not r["host"].startswith("login.")
            and not APP_TRAFFIC.search(r["host"]) and not QUERY_API.search(r["host"]) and not exempt.search(r["path"])]
