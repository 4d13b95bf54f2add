"""A flexible server's PostgreSQL log as the resource log category ``PostgreSQLLogs``: the real server's log lines
(connections, disconnections, failed authentications, errors), read as the cluster writes them and sent where the
server's diagnostic settings route the category - the resource-specific table PGSQLServerLogs (``Dedicated``) or
AzureDiagnostics (the default collection mode).

Sources: Microsoft Learn "Configure and access logs in Azure Database for PostgreSQL - Flexible Server" (category
PostgreSQLLogs, the two collection modes, its sample queries on ``errorLevel_s``, ``Message``, ``LogicalServerName_s``),
"Logs in Azure Database for PostgreSQL - Flexible Server" (OperationName ``LogEvent``, ResourceProvider
``MICROSOFT.DBFORPOSTGRESQL``, ResourceType ``FlexibleServers``, the fields ``errorLevel_s``, ``processId_d``,
``sqlerrcode_s``, ``Message``, ``Detail``), the PGSQLServerLogs table reference (ErrorLevel, LogicalServerName, Message,
ProcessId, Detail, Hint, Statement...).  The server's ``log_line_prefix`` is Azure's default ``%t-%c-`` (Learn "Server
parameters": log_line_prefix), so ``Message`` reads like Azure's: ``2026-12-06 17:02:12 UTC-6aaae7b4.1dc3-LOG:  connection
authorized: user=...``.  The stored case of AzureDiagnostics' ResourceType and whether ``Message`` keeps the prefix are
unverified; ``sqlerrcode_s`` is filled only for the SQLSTATEs of messages azsim recognises (the stderr log has none).
"""

import os
import re
import threading
import time
import traceback
from datetime import UTC, datetime

from ...core import resource
from . import models

_SEVERITIES = "DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION"
# '%t-%c-' (Azure) or '%m [%p] ' (PostgreSQL's default), then "SEVERITY:  text".
_LINE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+)(?:-(?P<session>[0-9a-f]+)\.(?P<pidhex>[0-9a-f]+)-| \[(?P<pid>\d+)\] )"
                   rf"(?P<sev>{_SEVERITIES}):\s+(?P<text>.*)$")
# SQLSTATEs of the messages an operator looks for (PostgreSQL "Appendix A. Error Codes").
_SQLSTATES = (("password authentication failed", "28P01"), ("no pg_hba.conf entry", "28000"), ("does not exist", "3D000"),
              ("too many connections", "53300"), ("syntax error", "42601"), ("permission denied", "42501"),
              ("canceling statement due to", "57014"), ("terminating connection due to administrator command", "57P01"))
_ATTACHED = {"DETAIL": "Detail", "HINT": "Hint", "STATEMENT": "Statement", "CONTEXT": "Context", "QUERY": "Query", "LOCATION": "Location"}
SCAN_S = 1.0
READ_LIMIT = 1 << 20


def _sqlstate(severity, text):
    if severity not in ("ERROR", "FATAL", "PANIC"):
        return "00000"
    low = text.lower()
    return next((code for needle, code in _SQLSTATES if needle in low), "XX000")


class ServerLogs:
    """Once a second: the new lines of every cluster's log, parsed into entries and emitted for their server."""

    def __init__(self, app, engine):
        self.app = app
        self.engine = engine
        self._offsets = {}   # server id -> (log path, offset): lines written before azsim started are not sent again
        self._last = 0.0
        self._busy = threading.Lock()

    def tick(self):
        now = time.time()
        if now - self._last < SCAN_S or not self._busy.acquire(blocking=False):
            return
        self._last = now
        try:
            with self.app.store.lock:
                servers = [resource.public(d) | {"_dir": d["_dir"], "_major": d.get("_major"), "_port": d.get("_port")}
                           for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/")
                           if d.get("type") == models.SERVER_TYPE and d.get("_dir")]
            for doc in servers:
                try:
                    self._scan(doc)
                except Exception:  # noqa: BLE001 - one server's log must not stop the others
                    traceback.print_exc()
        finally:
            self._busy.release()

    def _scan(self, doc):
        path = os.path.join(doc["_dir"], "postgres.log")
        key = doc["id"].lower()
        try:
            size = os.path.getsize(path)
        except OSError:
            return
        known = self._offsets.get(key)
        if known is None or known[0] != path or size < known[1]:
            self._offsets[key] = (path, size if known is None else 0)  # first sight: from the end; a new or rotated file: from 0
            if known is None:
                return
        offset = self._offsets[key][1]
        if size == offset:
            return
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(min(size - offset, READ_LIMIT))
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            return
        self._offsets[key] = (path, offset + cut)
        entries = self._parse(data[:cut].decode("utf-8", "replace"))
        if entries:
            from ..operationalinsights import emit

            emit(self.app, doc["id"], "PostgreSQLLogs", "PGSQLServerLogs", lambda: [self._row(doc, e) for e in entries],
                 as_diagnostics=lambda r: self._diagnostics(doc, r))

    def _parse(self, text):
        entries = []
        skew = self.app.clock.now() - time.time()  # the log's wall time on azsim's clock
        for line in text.splitlines():
            m = _LINE.match(line)
            if m is None:
                if entries and line.startswith(("\t", " ")):
                    entries[-1]["message"] += "\n" + line.strip()
                continue
            sev, body = m.group("sev"), m.group("text")
            if sev in _ATTACHED and entries:
                entries[-1][_ATTACHED[sev]] = body
                continue
            pid = int(m.group("pidhex"), 16) if m.group("pidhex") else int(m.group("pid") or 0)
            entries.append({"at": _wall(m.group("ts")) + skew, "severity": sev, "pid": pid, "message": line, "text": body})
        return entries

    @staticmethod
    def _row(doc, e):
        return {"TimeGenerated": e["at"], "Category": "PostgreSQLLogs", "OperationName": "LogEvent", "LogicalServerName": doc["name"],
                "ErrorLevel": e["severity"], "Message": e["message"], "ProcessId": e["pid"], "SqlErrorCode": _sqlstate(e["severity"], e["text"]),
                "Detail": e.get("Detail", ""), "Hint": e.get("Hint", ""), "Statement": e.get("Statement", ""), "Context": e.get("Context", ""),
                "Query": e.get("Query", ""), "Location": e.get("Location", ""), "BackendType": "", "ReplicaRole": "Primary"}

    @staticmethod
    def _diagnostics(doc, row):
        rid = doc["id"]
        parts = rid.split("/")
        return {"TimeGenerated": row["TimeGenerated"], "OperationName": "LogEvent", "Resource": doc["name"].upper(),
                "ResourceGroup": parts[4].upper(), "ResourceId": rid.upper(), "ResourceProvider": "MICROSOFT.DBFORPOSTGRESQL",
                "ResourceType": "FLEXIBLESERVERS", "SubscriptionId": parts[2].upper(), "Message": row["Message"],
                "errorLevel_s": row["ErrorLevel"], "processId_d": float(row["ProcessId"]), "sqlerrcode_s": row["SqlErrorCode"],
                "LogicalServerName_s": doc["name"], "Detail_s": row["Detail"], "Hint_s": row["Hint"], "Statement_s": row["Statement"]}


def _wall(stamp):
    text, _sep, _zone = stamp.rpartition(" ")  # log_timezone is UTC
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return time.time()
