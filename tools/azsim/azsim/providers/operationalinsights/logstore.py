"""The rows of every workspace's tables: what the query API reads.

Rows arrive from the providers that produce them (the front door's HTTP log, the sites' console output, the activity
log, PostgreSQL's server log, metrics, Application Insights ingestion) through :func:`..operationalinsights.emit`, which
asks the diagnostic settings where each category goes, as Azure Monitor does.  They are kept in memory per
(workspace, table) as lists in the table's column order, so a query hands the KQL engine the stored rows without
copying, and appended to ``<state>/logs.db`` (SQLite, one JSON object per row), so a restart keeps them.  Rows older
than the workspace's ``retentionInDays`` on azsim's clock are dropped (Learn "Manage data retention in a Log Analytics
workspace": 30 days by default, 4 to 730 days interactive retention).
"""

import json
import os
import sqlite3
import threading

from . import schemas

# Suffix of an AzureDiagnostics service field -> its type (Learn "AzureDiagnostics table": ``_s`` string, ``_d`` real,
# ``_b`` bool, ``_g`` guid, ``_t`` datetime).
_SUFFIX_TYPES = {"_s": "string", "_d": "real", "_b": "bool", "_g": "guid", "_t": "datetime"}


class _Table:
    __slots__ = ("columns", "index", "rows")

    def __init__(self, columns):
        self.columns = list(columns)
        self.index = {name: i for i, (name, _type) in enumerate(self.columns)}
        self.rows = []

    def add_column(self, name):
        kind = _SUFFIX_TYPES.get(name[-2:], "string")
        self.index[name] = len(self.columns)
        self.columns.append((name, kind))

    def to_list(self, row):
        for name in row:
            if name not in self.index:
                self.add_column(name)
        width = len(self.columns)
        out = [None] * width
        for name, value in row.items():
            out[self.index[name]] = value
        for i, (_name, kind) in enumerate(self.columns):
            if kind == "string" and out[i] is None:
                out[i] = ""  # KQL strings have no null (Learn "Null values")
        return out


class LogStore:
    def __init__(self, state_dir):
        self.path = os.path.join(state_dir, "logs.db")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS rows (ws TEXT NOT NULL, tbl TEXT NOT NULL, t REAL NOT NULL, doc TEXT NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS rows_by_time ON rows (ws, t)")
        self._tables = {}
        for ws, tbl, doc in self._db.execute("SELECT ws, tbl, doc FROM rows ORDER BY rowid"):
            t = self._table(ws, tbl)
            if t is not None:
                t.rows.append(t.to_list(json.loads(doc)))

    def _table(self, ws, table):
        key = (ws.lower(), table)
        t = self._tables.get(key)
        if t is None:
            cols = schemas.columns(table)
            if cols is None:
                return None
            t = self._tables[key] = _Table(cols)
        return t

    def append(self, ws, table, rows):
        """Store ``rows`` (dicts, datetimes as epoch seconds) in ``table`` of workspace ``ws`` (its customer id)."""
        if not rows:
            return
        with self._lock:
            t = self._table(ws, table)
            if t is None:
                raise ValueError(f"azsim has no schema for the table {table}")
            records = []
            for row in rows:
                row = dict(row)
                row["TenantId"] = ws
                row["Type"] = table
                row.setdefault("SourceSystem", "Azure")
                row.setdefault("_IsBillable", "True")
                row.setdefault("_BilledSize", float(len(json.dumps(row, default=str))))
                t.rows.append(t.to_list(row))
                records.append((ws.lower(), table, float(row["TimeGenerated"]), json.dumps(row, default=str)))
            self._db.executemany("INSERT INTO rows (ws, tbl, t, doc) VALUES (?, ?, ?, ?)", records)

    def table(self, ws, table, start=None, end=None):
        """(columns, rows) of a known table in ``ws``, rows within [start, end) of TimeGenerated when given; None for a name
        that is no table.  The rows are the stored lists (a snapshot of the table): callers must not change them."""
        with self._lock:
            t = self._table(ws, table)
            if t is None:
                return None
            columns, rows = list(t.columns), t.rows[:]
            width = len(columns)
        if start is not None or end is not None:
            lo = float("-inf") if start is None else start
            hi = float("inf") if end is None else end
            tg = t.index["TimeGenerated"]
            rows = [r for r in rows if lo <= r[tg] < hi]
        if any(len(r) < width for r in rows):  # AzureDiagnostics rows stored before a later row added a column
            rows = [r if len(r) == width else r + [("" if k == "string" else None) for _n, k in columns[len(r):]] for r in rows]
        return columns, rows

    def prune(self, ws, cutoff):
        """Drop the rows of ``ws`` older than ``cutoff`` (epoch seconds); returns how many went."""
        gone = 0
        with self._lock:
            for (w, _name), t in self._tables.items():
                if w != ws.lower():
                    continue
                tg = t.index["TimeGenerated"]
                keep = [r for r in t.rows if r[tg] >= cutoff]
                gone += len(t.rows) - len(keep)
                t.rows = keep
            if gone:
                self._db.execute("DELETE FROM rows WHERE ws = ? AND t < ?", (ws.lower(), cutoff))
        return gone

    def workspaces(self):
        with self._lock:
            return sorted({w for w, _t in self._tables})

    def wipe(self):
        with self._lock:
            self._tables.clear()
            self._db.execute("DELETE FROM rows")

    def close(self):
        with self._lock:
            self._db.close()
