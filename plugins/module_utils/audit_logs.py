# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's security logs of the window, summarised (never raw dumps): the Log Analytics queries the collector runs
(failed PostgreSQL logins, bursts of HTTP 401/403) and the activity log reduced to ARM writes by principal, role
assignment changes and firewall rule changes.  Pure functions; the collector sends the requests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Failed PostgreSQL logins: the server log lines the deploy's diagnostic settings send (category PostgreSQLLogs), in the
# resource-specific table (PGSQLServerLogs, "Dedicated") or in AzureDiagnostics; "password authentication failed" /
# "no pg_hba.conf entry" (SQLSTATE 28P01 / 28000).  Bursts of 401/403 at the front end: per client IP and 5-minute bucket.
_PG_SUMMARY = ("| extend User = extract('user \"([^\"]+)\"', 1, Message) "
               "| summarize failures = count(), first = min(TimeGenerated), last = max(TimeGenerated) by Server, User "
               "| order by failures desc | take 100")
LOG_QUERIES = (
    ("postgresql_failed_logins:dedicated",
     "PGSQLServerLogs | where Message has 'authentication failed' or Message has 'no pg_hba.conf entry' "
     "| extend Server = LogicalServerName " + _PG_SUMMARY),
    ("postgresql_failed_logins:azurediagnostics",
     "AzureDiagnostics | where Category == 'PostgreSQLLogs' and (Message has 'authentication failed' or Message has 'no pg_hba.conf entry') "
     "| extend Server = Resource " + _PG_SUMMARY),
    ("http_401_403_bursts",
     "AppServiceHTTPLogs | where ScStatus in (401, 403) | summarize requests = count() by CIp, CsHost, bin(TimeGenerated, 5m) "
     "| where requests >= {threshold} | order by requests desc | take 100"),
)


def compact_events(events):
    """Activity log events reduced to what the audit reads, one per operation (its last status wins)."""
    by_op = {}
    for e in events:
        op = (e.get("operationName") or {}).get("value") or ""
        key = (e.get("correlationId") or e.get("eventDataId"), op.lower(), (e.get("resourceId") or "").lower())
        item = {"time": e.get("eventTimestamp"), "caller": e.get("caller"), "operation": op,
                "status": (e.get("status") or {}).get("value"), "resource_id": e.get("resourceId"),
                "category": (e.get("category") or {}).get("value")}
        prev = by_op.get(key)
        if prev is None or (item["time"] or "") >= (prev["time"] or ""):
            by_op[key] = item
    return sorted(by_op.values(), key=lambda x: x["time"] or "")


def summarize_activity(events):
    writes = [e for e in events if (e.get("category") or "Administrative") == "Administrative"
              and re.search(r"/(write|delete|action)$", e.get("operation") or "", re.I)]
    by_caller = {}
    for e in writes:
        who = e.get("caller") or "unknown"
        entry = by_caller.setdefault(who, {"caller": who, "writes": 0, "deletes": 0, "actions": 0, "failed": 0, "last": None})
        verb = e["operation"].rsplit("/", 1)[-1].lower()
        entry[{"write": "writes", "delete": "deletes"}.get(verb, "actions")] += 1
        if (e.get("status") or "").lower() == "failed":
            entry["failed"] += 1
        entry["last"] = max(entry["last"] or "", e.get("time") or "")
    roles = [e for e in writes if (e.get("operation") or "").lower().startswith("microsoft.authorization/roleassignments/")]
    firewall = [e for e in writes if "/firewallrules/" in (e.get("operation") or "").lower()
                or (e.get("operation") or "").lower().endswith("/firewallrules/write")]
    return {"arm_writes_by_principal": sorted(by_caller.values(), key=lambda x: -(x["writes"] + x["deletes"] + x["actions"])),
            "role_assignment_changes": roles, "firewall_rule_changes": firewall}
