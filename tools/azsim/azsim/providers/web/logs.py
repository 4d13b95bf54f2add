"""What App Service sends to Azure Monitor as resource logs of a site or slot: the categories AppServiceHTTPLogs (each
request the front end served), AppServiceConsoleLogs (the container's standard output and error, line by line) and
AppServicePlatformLogs (container starts, exits, restarts, swaps), each into its resource-specific table when a diagnostic
setting of that site or slot routes the category to a workspace (Learn "Enable diagnostic logging for apps in Azure App
Service", "Supported categories for Azure Monitor resource logs: Microsoft.Web/sites"; columns from the table reference).

Producers only queue entries (the front door serves requests, pump threads read the containers' output); once a second
the queue is turned into rows and routed, so a request never waits for Azure Monitor, as in Azure (logs arrive minutes
late there).  App Service exports to resource-specific tables only: a setting in AzureDiagnostics mode gets the same
tables (unverified: Learn documents no AzureDiagnostics shape for these categories).
"""

import collections
import hashlib
import threading
import time
import traceback

from . import common

FLUSH_S = 1.0
MAX_QUEUED = 100_000  # a burst beyond this is dropped rather than holding memory (the oldest go first)


def platform_event(app, doc, message, operation):
    """An AppServicePlatformLogs event for an operation the management API asked for (restart, stop, start, swap); the
    message texts are azsim's (Azure's wording for these events is unverified)."""
    logs = getattr(app, "site_logs", None)
    if logs is not None:
        logs.platform(doc, message, operation=operation)


def _computer(doc):
    """A stable worker name per plan (App Service's ComputerName looks like ``RD0003FF...``; the format is unverified)."""
    plan = (doc.get("properties") or {}).get("serverFarmId") or doc["id"]
    return "RD" + hashlib.sha256(plan.lower().encode()).hexdigest()[:12].upper()


class SiteLogs:
    def __init__(self, app):
        self.app = app
        self._queue = collections.deque(maxlen=MAX_QUEUED)
        self._lock = threading.Lock()
        self._last = 0.0
        app.tick_hooks.append(self.flush)
        app.site_logs = self

    # -- producers ---------------------------------------------------------------------------------------------------------
    def http(self, site, req, resp, seconds):
        ip, port = (req.client_addr or ("127.0.0.1", 0))[:2]
        row = {"TimeGenerated": self.app.clock.now(), "CIp": ip, "ComputerName": _computer(site), "Cookie": req.headers.get("cookie") or "",
               "CsBytes": len(req.body) + sum(len(k) + len(v) + 4 for k, v in req.headers.items()), "CsHost": req.host,
               "CsMethod": req.method, "CsUriQuery": req.query_string or "", "CsUriStem": req.raw_path, "CsUsername": "",
               "Referer": req.headers.get("referer") or "", "Result": "Success" if resp.status < 400 else "Failure",
               "ScBytes": len(resp.body or b""), "ScStatus": resp.status, "ScSubStatus": "0", "ScWin32Status": "0",
               "SPort": "443" if req.scheme == "https" else "80", "TimeTaken": int(round(seconds * 1000)),
               "UserAgent": req.headers.get("user-agent") or ""}
        self._queue.append((site["id"], "AppServiceHTTPLogs", row, port))

    def console(self, doc, line, stderr):
        """One line the container wrote: STDERR lines are Level Error, STDOUT lines Informational (the table reference)."""
        row = {"TimeGenerated": self.app.clock.now(), "Category": "AppServiceConsoleLogs", "ContainerId": self.container(doc),
               "Host": _computer(doc), "Level": "Error" if stderr else "Informational", "OperationName": "Microsoft.Web/sites/log",
               "ResultDescription": line}
        self._queue.append((doc["id"], "AppServiceConsoleLogs", row, None))

    def platform(self, doc, message, level="Informational", operation="ContainerLifecycle", deployment=""):
        row = {"TimeGenerated": self.app.clock.now(), "ActivityId": "", "Category": "AppServicePlatformLogs",
               "ContainerId": self.container(doc), "DeploymentId": deployment, "Exception": "", "Host": _computer(doc), "Level": level,
               "Message": message, "OperationName": operation, "StackTrace": ""}
        self._queue.append((doc["id"], "AppServicePlatformLogs", row, None))

    @staticmethod
    def container(doc):
        site, slot = common.site_and_slot(doc)
        return f"{site}{'__' + slot if slot else ''}_{hashlib.sha256(doc['id'].lower().encode()).hexdigest()[:8]}".lower()

    # -- routing, once a second ----------------------------------------------------------------------------------------------
    def flush(self):
        now = time.time()
        if now - self._last < FLUSH_S or not self._queue:
            return
        self._last = now
        batch = collections.defaultdict(list)
        while self._queue:
            try:
                rid, category, row, _port = self._queue.popleft()
            except IndexError:
                break
            batch[(rid, category)].append(row)
        from ..operationalinsights import emit

        for (rid, category), rows in batch.items():
            try:
                emit(self.app, rid, category, category, lambda rows=rows: rows)
            except Exception:  # noqa: BLE001 - logging must never stop the engines
                traceback.print_exc()
