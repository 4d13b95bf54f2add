"""The work behind the flexible-server LROs: worker threads drive the real clusters (outside the request lock) and the tick
hook finishes an operation once both its scaled Azure duration has passed and the cluster work is done.

The operations are the core's, created with ``external=True`` (so the core poller answers the ``azureAsyncOperation`` /
``operationResults`` URLs but never finishes them on its timer): this engine calls ``app.lro.run_now`` itself.
A restarted azsim re-runs the (idempotent) work of every operation still InProgress and restarts the clusters of
acknowledged servers.
"""

import os
import shutil
import threading
import time
import traceback

from ...core import resource
from ...core.errors import AzureError
from ...core.ids import new_guid
from ...core.lro import TERMINAL
from . import backups, configurations, models
from .cluster import Cluster, ClusterError, free_port, installed_majors, link_root, minor_version, storage_root, sweep_orphans, sweep_sockets

DONE_HOOK = "postgresql.done"
FAIL_HOOK = "postgresql.failed"


class Job:
    def __init__(self, op_id, server_key, fn):
        self.op_id = op_id
        self.server_key = server_key
        self.fn = fn
        self.done = False
        self.error = None
        self.result = None


class Engine:
    def __init__(self, app):
        self.app = app
        self.root = storage_root(app.settings.state_dir)
        sweep_orphans()
        sweep_sockets()
        self.majors = installed_majors()
        self._minors = {}
        self.jobs = {}
        self.results = {}
        self._locks = {}
        self._guard = threading.Lock()
        self._busy_bg = set()
        self._last_scan = 0.0
        self._stopping = False

    # -- clusters ------------------------------------------------------------------------------------
    def lock_for(self, key):
        with self._guard:
            return self._locks.setdefault(key.lower(), threading.Lock())

    def cluster(self, doc):
        major = doc["_major"]
        return Cluster(doc["_dir"], major, self.majors.get(major) or next(iter(self.majors.values())), doc["_port"],
                       doc["properties"]["administratorLogin"])

    def minor(self, major):
        """The minor release azsim runs for ``major`` (cached: the binaries do not change while azsim runs)."""
        if major not in self._minors:
            bindir = self.majors.get(major)
            self._minors[major] = minor_version(bindir) if bindir else None
        return self._minors[major]

    def allocate(self, doc):
        """Private fields of a new server: its cluster directory, major version and loopback port."""
        from .cluster import closest_major
        doc["_major"] = closest_major(doc["properties"]["version"], self.majors)
        doc["_dir"] = os.path.join(self.root, f"{doc['name'].lower()}-{new_guid()[:8]}")
        doc["_port"] = free_port()
        link_root(self.app.settings.state_dir, self.root)

    def networks(self, server_id):
        """(pg_hba networks, TLS-only) for a server from its firewall rules and require_secure_transport, read under the lock."""
        with self.app.store.lock:
            rules = [r for r in resource.children(self.app, server_id, "firewallRules") if not r.get("_deleting")]
            o = resource.peek(self.app, f"{server_id}/configurations/require_secure_transport")
        secure = (o["properties"]["value"] if o else configurations.CATALOGUE["require_secure_transport"][1]) == "on"
        return models.hba_networks(rules), secure

    def overrides(self, server_id):
        with self.app.store.lock:
            return {d["name"]: d["properties"]["value"] for d in resource.children(self.app, server_id, "configurations")}

    def configure(self, cl, doc):
        cert, key, _unused = self.app.ca.issue([models.fqdn(doc["name"])])
        nets, secure = self.networks(doc["id"])
        cl.configure(cert, key, nets, secure)

    # -- operations ------------------------------------------------------------------------------------
    def start_op(self, req, server, kind, duration_key, resource_id, args=None, result=None):
        """Store an InProgress operation (core shape) and start its work; the caller answers with app.lro.accepted."""
        now = self.app.clock.now()
        scaled = self.app.lro.duration(duration_key)
        op = self.app.lro.create(
            req, namespace=models.NS, location=server["location"], duration_key=duration_key, on_done=DONE_HOOK, on_fail=FAIL_HOOK,
            args={"kind": kind, "server_id": server["id"], "ready_at": now + scaled, "prev_state": server["properties"].get("state"), **(args or {})},
            resource_id=resource_id, result=result, poll_hint=max(1, min(10, int(scaled / 5) or 1)), external=True)
        self.submit(op)
        return op

    def pending(self, server_id, kinds=None):
        sid = server_id.lower()
        return [op for op in self.app.store.values("operations")
                if op.get("namespace") == models.NS and op["status"] not in TERMINAL and op["args"].get("server_id", "").lower() == sid
                and (kinds is None or op["args"].get("kind") in kinds)]

    def submit(self, op):
        job = Job(op["id"], op["args"]["server_id"], None)
        self.jobs[op["id"]] = job
        args = dict(op["args"])
        t = threading.Thread(target=self._run, args=(job, args), name=f"pg-{args['kind']}", daemon=True)
        t.start()

    def _run(self, job, args):
        try:
            with self.lock_for(job.server_key):
                job.result = self.work(args)
        except Exception as exc:  # noqa: BLE001 - any failure of the real work fails the operation
            if not isinstance(exc, ClusterError):
                traceback.print_exc()
            job.error = str(exc)
        job.done = True

    def work(self, args):
        """The real work of one operation kind (idempotent: re-run after an azsim restart)."""
        with self.app.store.lock:
            doc = resource.get(self.app, args["server_id"])
        if doc is None:
            return None
        cl = self.cluster(doc)
        kind = args["kind"]
        if kind == "create":
            cl.init(args["_password"])
            self.configure(cl, doc)
            cl.start()
            for db in ("azure_maintenance", "azure_sys"):
                if not cl.sql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):  # noqa: S608 - constant names
                    cl.sql(f"CREATE DATABASE {db}")
            return self._first_backup(cl)
        if kind == "restore":
            src = Cluster(args["source_dir"], doc["_major"], cl.bindir, args["source_port"], doc["properties"]["administratorLogin"])
            if src.running():
                src.switch_wal()
            cl.restore_from(args["backup_dir"], src, args["target_wall"])
            self.configure(cl, doc)
            cl.start()
            cl.wait_promoted()
            return self._first_backup(cl)
        if kind == "update":
            if args.get("_password"):
                cl.set_password(args["_password"])
            if args.get("restart"):
                cl.restart()
        elif kind == "start":
            self.configure(cl, doc)
            cl.start()
        elif kind == "stop":
            cl.stop()
        elif kind == "restart":
            cl.restart()
        elif kind == "delete":
            cl.destroy()
        elif kind == "hba":
            nets, secure = self.networks(doc["id"])
            cl.write_hba(nets, secure)
            cl.reload()
        elif kind == "config":
            name = args["name"]
            if configurations.applied(name):
                cl.alter_system({name: self.overrides(doc["id"]).get(name)})
            if name == "require_secure_transport":
                nets, secure = self.networks(doc["id"])
                cl.write_hba(nets, secure)
                cl.reload()
        elif kind == "db_create":
            self._create_database(cl, args)
        elif kind == "db_delete":
            cl.sql(f"DROP DATABASE IF EXISTS {_ident(args['name'])} WITH (FORCE)")
        return None

    def _first_backup(self, cl):
        name = backups.backup_name(self.app.clock.now())
        wall = cl.base_backup(name)
        return {"backup": name, "wall": wall}

    @staticmethod
    def _create_database(cl, args):
        if cl.sql(f"SELECT 1 FROM pg_database WHERE datname = {_literal(args['name'])}"):  # noqa: S608 - quoted literal
            return
        enc = args.get("charset") or "UTF8"
        coll = args.get("collation") or "en_US.utf8"
        # Only the C.UTF-8 locale may exist on the host: a collation it lacks falls back to C.UTF-8 (the ARM resource keeps
        # the requested one).
        try:
            cl.sql(f"CREATE DATABASE {_ident(args['name'])} TEMPLATE template0 ENCODING {_literal(enc)} LC_COLLATE {_literal(coll)} "
                   f"LC_CTYPE {_literal(coll)}")
        except ClusterError as exc:
            if "invalid locale name" not in str(exc) and "locale" not in str(exc):
                raise
            cl.sql(f"CREATE DATABASE {_ident(args['name'])} TEMPLATE template0 ENCODING {_literal(enc)} LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")

    # -- finishing -----------------------------------------------------------------------------------------
    def tick(self):
        now = self.app.clock.now()
        for op_id, job in list(self.jobs.items()):
            if not job.done:
                continue
            op = self.app.store.peek("operations", op_id)
            if op is None or op["status"] in TERMINAL:
                self.jobs.pop(op_id, None)
                continue
            if now < op["args"]["ready_at"]:
                continue
            self.jobs.pop(op_id, None)
            self.results[op_id] = job
            try:
                self.app.lro.run_now(op)
            finally:
                self.results.pop(op_id, None)
        if time.time() - self._last_scan >= 1.0:
            self._last_scan = time.time()
            self._background()

    def job_result(self, op):
        """The finished job of ``op`` (raises the Azure error its failure maps to)."""
        job = self.results.get(op["id"])
        if job is None:
            raise AzureError(500, "InternalServerError", "The operation was interrupted.")
        if job.error:
            # The RP's generic failure of an operation (text unverified); the PostgreSQL message is kept for diagnosis.
            raise AzureError(500, "InternalServerError", f"An unexpected error occured while processing the request. {job.error}")
        return job.result

    # -- background engines: daily backups, orphan clusters, recovery at start ----------------------------------
    def _background(self):
        with self.app.store.lock:
            servers = [d for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/") if d.get("type") == models.SERVER_TYPE]
            busy = {op["args"].get("server_id", "").lower() for op in self.app.store.values("operations")
                    if op.get("namespace") == models.NS and op["status"] not in TERMINAL}
        known = {os.path.basename(d["_dir"]) for d in servers if d.get("_dir")}
        if os.path.isdir(self.root):
            for entry in os.listdir(self.root):
                if entry not in known and entry not in self._busy_bg:
                    self._bg(entry, self._drop_orphan, entry)
        for doc in servers:
            if doc["id"].lower() in busy or doc["properties"]["state"] != "Ready" or doc["id"] in self._busy_bg or not doc.get("_dir"):
                continue
            # The service restarts a server's PostgreSQL when it dies; the server stays Ready under the same name and
            # address (Microsoft Learn, "Overview of business continuity with Azure Database for PostgreSQL - Flexible
            # Server": unplanned downtime, "the service automatically restarts the database server").
            cl = self.cluster(doc)
            if cl.initialized() and not cl.postmaster_alive():
                self._bg(doc["id"], self._restart_cluster, doc)
            elif backups.due(self.app, doc):
                self._bg(doc["id"], self._daily_backup, doc)

    def _bg(self, key, fn, arg):
        self._busy_bg.add(key)

        def run():
            try:
                fn(arg)
            except Exception:  # noqa: BLE001 - a failed background backup is retried at the next scan
                traceback.print_exc()
            finally:
                self._busy_bg.discard(key)
        threading.Thread(target=run, name="pg-bg", daemon=True).start()

    def _drop_orphan(self, entry):
        path = os.path.join(self.root, entry)
        cl = Cluster(path, "", next(iter(self.majors.values()), ""), 0, "")
        if self.majors:
            cl.bindir = max(self.majors.items())[1]
        cl.destroy()
        shutil.rmtree(path, ignore_errors=True)

    def _daily_backup(self, doc):
        with self.lock_for(doc["id"]):
            cl = self.cluster(doc)
            if not cl.running():
                return
            name = backups.backup_name(self.app.clock.now())
            wall = cl.base_backup(name)
        with self.app.store.transaction():
            if resource.peek(self.app, doc["id"]) is not None:
                backups.record(self.app, doc, name, wall, cl.backups)

    def recover(self):
        """At start: restart the clusters of acknowledged servers and re-run the work of unfinished operations."""
        with self.app.store.lock:
            servers = [resource.get(self.app, d["id"]) for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/")
                       if d.get("type") == models.SERVER_TYPE]
            ops = [dict(op) for op in self.app.store.values("operations")
                   if op.get("namespace") == models.NS and op["status"] not in TERMINAL and op.get("on_done") == DONE_HOOK]
        pending = {op["args"]["server_id"].lower() for op in ops}
        for doc in servers:
            if doc["id"].lower() in pending or doc["properties"]["state"] in ("Stopped", "Dropping") or not doc.get("_dir"):
                continue
            self._bg(doc["id"], self._restart_cluster, doc)
        for op in ops:
            self.submit(op)

    def _restart_cluster(self, doc):
        with self.lock_for(doc["id"]):
            cl = self.cluster(doc)
            if cl.initialized():
                cl.start()

    def shutdown(self):
        self._stopping = True
        with self.app.store.lock:
            servers = [d for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/") if d.get("type") == models.SERVER_TYPE]
        for doc in servers:
            if doc.get("_dir"):
                try:
                    self.cluster(doc).stop()
                except (ClusterError, OSError):
                    traceback.print_exc()

    def reset(self):
        """After POST /_azsim/reset the store is empty: the orphan scan removes every cluster."""
        self._last_scan = 0.0


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def _literal(value):
    return "'" + str(value).replace("'", "''") + "'"
