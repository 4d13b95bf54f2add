"""Durable state: SQLite in WAL mode under the state directory, mirrored in memory.

Every request that changes state runs inside ``Store.transaction()``; the commit happens
before the response is written, so an acknowledged write survives ``kill -9`` (WAL with
``synchronous=NORMAL`` is durable against a process crash: the commit is in the OS's
hands once ``write()`` returns).  Reads come from the in-memory mirror.

Tables are namespaces of JSON documents keyed by a lower-cased key (resource ids are
case-insensitive in ARM); each document keeps the casing it was created with.
"""

import contextlib
import copy
import json
import os
import sqlite3
import threading

_MISSING = object()


class Store:
    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (tbl TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tbl, key))")
        self._tables = {}
        for tbl, key, doc in self._db.execute("SELECT tbl, key, doc FROM docs ORDER BY rowid"):
            self._tables.setdefault(tbl, {})[key] = json.loads(doc)
        self._depth = 0
        self._undo = []
        self._pending = {}
        self.on_commit = []

    # -- transactions ---------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self):
        """Hold the state lock; commit every change made inside at the end, or undo them all."""
        with self.lock:
            self._depth += 1
            try:
                yield self
            except BaseException:
                if self._depth == 1:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
            if self._depth == 0:
                self._commit()

    def _commit(self):
        pending, self._pending, self._undo = self._pending, {}, []
        if not pending:
            return
        cur = self._db.cursor()
        cur.execute("BEGIN")
        try:
            for (tbl, key), doc in pending.items():
                if doc is _MISSING:
                    cur.execute("DELETE FROM docs WHERE tbl=? AND key=?", (tbl, key))
                else:
                    cur.execute("INSERT OR REPLACE INTO docs (tbl, key, doc) VALUES (?, ?, ?)", (tbl, key, json.dumps(doc, separators=(",", ":"))))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def _rollback(self):
        for tbl, key, old in reversed(self._undo):
            t = self._tables.setdefault(tbl, {})
            if old is _MISSING:
                t.pop(key, None)
            else:
                t[key] = old
        self._undo = []
        self._pending = {}

    def _touch(self, tbl, key, new):
        t = self._tables.setdefault(tbl, {})
        old = t.get(key, _MISSING)
        self._undo.append((tbl, key, old))
        if new is _MISSING:
            t.pop(key, None)
        else:
            t[key] = new
        self._pending[(tbl, key)] = new
        if self._depth == 0:
            self._commit()

    # -- documents ------------------------------------------------------------------
    def get(self, tbl, key, default=None):
        """A deep copy of the document (callers may mutate it freely)."""
        doc = self._tables.get(tbl, {}).get(key.lower(), _MISSING)
        return default if doc is _MISSING else copy.deepcopy(doc)

    def peek(self, tbl, key, default=None):
        """The stored document itself: read-only use, no copy."""
        return self._tables.get(tbl, {}).get(key.lower(), default)

    def exists(self, tbl, key):
        return key.lower() in self._tables.get(tbl, {})

    def put(self, tbl, key, doc):
        with self.lock:
            self._touch(tbl, key.lower(), copy.deepcopy(doc))

    def delete(self, tbl, key):
        with self.lock:
            if key.lower() in self._tables.get(tbl, {}):
                self._touch(tbl, key.lower(), _MISSING)
                return True
            return False

    def items(self, tbl, prefix=None):
        """(key, doc) pairs in insertion order, optionally under a lower-cased key prefix. Read-only docs."""
        t = self._tables.get(tbl, {})
        if prefix is None:
            return list(t.items())
        p = prefix.lower()
        return [(k, v) for k, v in t.items() if k.startswith(p)]

    def values(self, tbl, prefix=None):
        return [v for _key, v in self.items(tbl, prefix)]

    def tables(self):
        return sorted(self._tables)

    def wipe(self, keep=()):
        """Remove every table except those named in ``keep``."""
        with self.transaction():
            for tbl in list(self._tables):
                if tbl in keep:
                    continue
                for key in list(self._tables[tbl]):
                    self._touch(tbl, key, _MISSING)

    def dump(self):
        return {tbl: dict(rows) for tbl, rows in self._tables.items()}

    def close(self):
        with self.lock:
            self._db.close()


def open_store(state_dir):
    os.makedirs(state_dir, exist_ok=True)
    return Store(os.path.join(state_dir, "state.db"))
