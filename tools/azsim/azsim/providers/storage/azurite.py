"""The one Azurite blob service behind every simulated storage account.

Azurite (the official Azure Storage emulator, npm package ``azurite``) reads its accounts and keys from
``AZURITE_ACCOUNTS`` (``name:key1:key2;...``) when it starts (Azurite ``AccountDataStore``: the variable is
re-read from its own process environment only, so a running Azurite never learns a new account): when an
account is created or a key regenerated, Azurite is restarted with the new list; blob data persists in
``--location``.  Restarts and every call to Azurite run in a worker thread, never under azsim's state lock;
data-plane requests wait while the worker is busy and never run during a restart.

Besides accounts, the worker converges Azurite onto what the management plane says: containers created,
changed or deleted through ``blobServices/default/containers`` (queued by :meth:`Azurite.touch`), and the
data of accounts that no longer exist (deleted directly or with their resource group) is removed, so a
name taken again starts empty as on Azure.
"""

import base64
import contextlib
import hashlib
import hmac
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from email.utils import formatdate
from xml.etree import ElementTree

from ...core import children, resource
from . import models

INTERNAL_VERSION = "2021-12-02"   # x-ms-version of azsim's own calls to Azurite
KNOWN = "storageAzurite"          # private table: what Azurite holds (not keyed by resource id: no cascade)


def find_binary():
    """``AZSIM_AZURITE`` or the first ``node_modules/.bin/azurite-blob`` walking up from this package."""
    env = os.environ.get("AZSIM_AZURITE")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    d = os.path.dirname(os.path.abspath(__file__))
    while True:
        cand = os.path.join(d, "node_modules", ".bin", "azurite-blob")
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_shared_key(method, account, key, path, query, headers):
    """A Shared Key ``Authorization`` value (Learn "Authorize with Shared Key", version 2009-09-19 and later),
    for azsim's own calls to Azurite only; client requests are forwarded with their own signatures."""
    h = {k.lower(): v for k, v in headers.items()}
    length = h.get("content-length", "")
    parts = [method, h.get("content-encoding", ""), h.get("content-language", ""), "" if length == "0" else length,
             h.get("content-md5", ""), h.get("content-type", ""), "", h.get("if-modified-since", ""), h.get("if-match", ""),
             h.get("if-none-match", ""), h.get("if-unmodified-since", ""), h.get("range", "")]
    canon = "".join(f"{k}:{h[k].strip()}\n" for k in sorted(h) if k.startswith("x-ms-"))
    res = f"/{account}{path}" + "".join(f"\n{k.lower()}:{v}" for k, v in sorted(query.items()))
    sts = "\n".join(parts) + "\n" + canon + res
    sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
    return f"SharedKey {account}:{sig}"


class Azurite:
    def __init__(self, app):
        self.app = app
        self.binary = find_binary()
        self.location = os.path.join(app.settings.state_dir, "azurite")
        self.pid_file = os.path.join(app.settings.state_dir, "azurite.pid")
        self.proc = None
        self.port = None
        self.running_accounts = {}     # name -> (key1, key2) Azurite was started with
        self.cv = threading.Condition()
        self.inflight = 0
        self.busy = False
        self.dirty = True              # accounts may differ from what Azurite knows
        self.touched = set()           # (account name, container name) to converge
        self.stopping = False
        self.last_check = 0.0
        self.error = None               # why Azurite could not be started (answered as 503 on the data plane)
        self.thread = None
        # Azurite serves HTTPS with a certificate from azsim's CA: it judges SAS ``spr=https`` and secure transfer by the
        # protocol it is called with (Express req.protocol, no proxy trust), so plain HTTP would refuse https-only SAS.
        self.client_tls = ssl.create_default_context(cafile=app.ca.ca_path)

    @property
    def available(self):
        return self.binary is not None

    # -- called by the management plane (under the state lock: never block) ----------------------
    def kick(self):
        with self.cv:
            self.dirty = True
            self.cv.notify_all()
        self._ensure_thread()

    def touch(self, account, container):
        with self.cv:
            self.touched.add((account.lower(), container.lower()))
            self.cv.notify_all()
        self._ensure_thread()

    def tick(self):
        """Notice accounts that vanished with their resource group (about once a second, cheap)."""
        now = time.monotonic()
        if now - self.last_check < 1.0:
            return
        self.last_check = now
        known = self.app.store.peek(KNOWN, "accounts") or {}
        live = {d["name"].lower() for d in models.all_accounts(self.app)}
        if set(known) != live:
            self.kick()

    def _ensure_thread(self):
        if not self.available:
            return
        with self.cv:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="azurite-sync", daemon=True)
                self.thread.start()

    # -- called by the data plane ---------------------------------------------------------------
    def acquire(self, timeout=60.0):
        """Wait until Azurite is converged and running; returns its port (the caller must :meth:`release`)."""
        self._ensure_thread()
        deadline = time.monotonic() + timeout
        with self.cv:
            self.cv.notify_all()
            if self.proc is None or self.proc.poll() is not None:
                self.dirty = True
            while self.busy or self.dirty or self.touched:
                left = deadline - time.monotonic()
                if left <= 0 or self.stopping:
                    return None
                self.cv.wait(min(left, 0.5))
            if self.proc is None:
                return None
            self.inflight += 1
            return self.port

    def try_acquire(self):
        """Like :meth:`acquire` without waiting (for callers holding the state lock): the port, or None while Azurite
        is starting, restarting or converging."""
        if not self.available:
            return None
        with self.cv:
            if self.busy or self.dirty or self.touched or self.proc is None or self.proc.poll() is not None:
                return None
            self.inflight += 1
            return self.port

    def release(self):
        with self.cv:
            self.inflight -= 1
            self.cv.notify_all()

    # -- the worker -------------------------------------------------------------------------------
    def _run(self):
        while True:
            with self.cv:
                while not (self.dirty or self.touched) and not self.stopping:
                    self.cv.wait(5.0)
                if self.stopping:
                    return
                self.busy = True
                while self.inflight:
                    self.cv.wait(0.5)
                self.dirty = False
                touched, self.touched = self.touched, set()
            try:
                self._converge(touched)
                self.error = None
            except Exception as exc:  # noqa: BLE001 - reported on the data plane as 503, retried on the next change
                self.error = f"{type(exc).__name__}: {exc}"
                self._stop_process()
            finally:
                with self.cv:
                    self.busy = False
                    self.cv.notify_all()

    def _snapshot(self):
        with self.app.store.lock:
            desired = {}
            for d in models.all_accounts(self.app):
                keys = d["_keys"]
                desired[d["name"].lower()] = {"keys": [keys[0]["value"], keys[1]["value"]], "incarnation": d["_incarnation"]}
            known = self.app.store.get(KNOWN, "accounts") or {}
        return desired, known

    def _converge(self, touched):
        desired, known = self._snapshot()
        stale = {n: k for n, k in known.items() if n not in desired or desired[n]["incarnation"] != k["incarnation"]}
        if stale:
            # Azure removes an account's data with the account: purge it with the keys Azurite knows it by.
            self._ensure_process({**{n: tuple(v["keys"]) for n, v in desired.items()}, **{n: tuple(k["keys"]) for n, k in stale.items()}})
            for name, k in stale.items():
                self._purge(name, k["keys"][0])
        want = {n: tuple(v["keys"]) for n, v in desired.items()}
        self._ensure_process(want)
        with self.app.store.transaction():
            self.app.store.put(KNOWN, "accounts", desired)
        for account, container in sorted(touched):
            if account in desired:
                self._sync_container(account, desired[account]["keys"][0], container)

    def _ensure_process(self, want):
        """Run Azurite knowing at least ``want`` (restart only when an account is new or its keys changed)."""
        if self.proc is not None and self.proc.poll() is None:
            if all(self.running_accounts.get(n) == k for n, k in want.items()):
                return
        accounts = dict(want)
        if not accounts:
            accounts = {"devstoreaccount1": (base64.b64encode(b"azsim-placeholder" * 4).decode(),) * 2}
        self._stop_process()
        # An Azurite a killed azsim left running still holds acknowledged writes in memory: let it save them first.
        children.stop_previous(self.pid_file, self.location)
        os.makedirs(self.location, exist_ok=True)
        cert, key = self._tls_files()
        env = dict(os.environ)
        env["AZURITE_ACCOUNTS"] = ";".join(f"{n}:{k[0]}:{k[1]}" for n, k in sorted(accounts.items()))
        port = _free_port()
        log = open(os.path.join(self.app.settings.state_dir, "azurite.log"), "ab")  # noqa: SIM115 - owned by the child
        try:
            # Under the supervisor: when azsim dies, even by SIGKILL, Azurite gets one SIGTERM and saves its metadata.
            self.proc = subprocess.Popen(  # noqa: S603 - the configured Azurite binary
                children.guarded([self.binary, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", self.location,
                                  "--skipApiVersionCheck", "--disableTelemetry", "--loose", "--cert", cert, "--key", key], forward_once=True),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        finally:
            log.close()
        children.record(self.pid_file, self.proc.pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Azurite exited with {self.proc.returncode}; see azurite.log in the state directory")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("Azurite did not listen within 30 s")
        self.port = port
        self.running_accounts = accounts

    def _tls_files(self):
        d = os.path.join(self.app.settings.state_dir, "azurite-tls")
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        if not (os.path.exists(cert) and os.path.exists(key)):
            os.makedirs(d, mode=0o700, exist_ok=True)
            cert_pem, key_pem, _cert = self.app.ca.issue(["127.0.0.1", "localhost"], days=3650)
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key_pem)
            with open(cert, "wb") as f:
                f.write(cert_pem)
        return cert, key

    def connection(self, timeout=300):
        """An HTTPS connection to Azurite (the caller sends the real blob host name in ``Host``)."""
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.client_tls)

    def _stop_process(self):
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)   # Azurite saves its metadata on SIGTERM before exiting
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            os.unlink(self.pid_file)

    # -- azsim's own calls to Azurite ---------------------------------------------------------------
    def call(self, method, account, key, path, query=None, headers=None, body=b""):
        status, _headers, data = self.request(method, account, key, path, query, headers, body)
        return status, data

    def request(self, method, account, key, path, query=None, headers=None, body=b""):
        """One Shared Key request of azsim's own to Azurite: (status, headers with lower-case names, body)."""
        query = dict(query or {})
        h = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": INTERNAL_VERSION, "Content-Length": str(len(body)), **(headers or {})}
        # Shared Key signs the path as sent, percent-encoded (what azure-storage-blob signs: the request URL's path).
        wire = urllib.parse.quote(path, safe="/~")
        h["Authorization"] = sign_shared_key(method, account, key, wire, query, h)
        h["Host"] = models.blob_host(account)
        conn = self.connection(timeout=30)
        try:
            qs = urllib.parse.urlencode(query)
            conn.request(method, wire + ("?" + qs if qs else ""), body=body, headers=h)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def list_blobs(self, account, key, container, prefix="", include=()):
        """Every ``<Blob>`` element of a container (all pages), as ElementTree elements."""
        marker = None
        while True:
            q = {"restype": "container", "comp": "list"}
            if prefix:
                q["prefix"] = prefix
            if include:
                q["include"] = ",".join(include)
            if marker:
                q["marker"] = marker
            status, body = self.call("GET", account, key, f"/{container}", q)
            if status != 200:
                return
            root = ElementTree.fromstring(body)  # noqa: S314 - the answer of our own Azurite child
            yield from root.iter("Blob")
            marker = root.findtext("NextMarker")
            if not marker:
                return

    def list_containers(self, account, key):
        marker = None
        while True:
            q = {"comp": "list"}
            if marker:
                q["marker"] = marker
            status, body = self.call("GET", account, key, "/", q)
            if status != 200:
                return
            root = ElementTree.fromstring(body)  # noqa: S314 - the answer of our own Azurite child
            for c in root.iter("Container"):
                yield c.findtext("Name")
            marker = root.findtext("NextMarker")
            if not marker:
                return

    def _purge(self, account, key):
        for name in list(self.list_containers(account, key)):
            self.call("DELETE", account, key, f"/{name}", {"restype": "container"})

    def _sync_container(self, account, key, container):
        with self.app.store.lock:
            doc = next((c for c in models.all_containers(self.app, account) if c["name"].lower() == container), None)
            doc = resource.public(doc)
        if doc is None:
            self.call("DELETE", account, key, f"/{container}", {"restype": "container"})
            return
        access = models.DATA_PLANE_ACCESS.get(doc["properties"].get("publicAccess") or "None")
        h = {"x-ms-blob-public-access": access} if access else {}
        h.update({f"x-ms-meta-{k}": v for k, v in (doc["properties"].get("metadata") or {}).items()})
        status, _body = self.call("PUT", account, key, f"/{doc['name']}", {"restype": "container"}, h)
        if status == 409:
            self.call("PUT", account, key, f"/{doc['name']}", {"restype": "container", "comp": "acl"},
                      {"x-ms-blob-public-access": access} if access else {})

    # -- lifecycle ------------------------------------------------------------------------------------
    def shutdown(self):
        with self.cv:
            self.stopping = True
            self.cv.notify_all()
        self._stop_process()

    def reset(self):
        """After ``POST /_azsim/reset``: forget every account and blob."""
        with self.cv:
            while self.busy or self.inflight:
                self.cv.wait(0.5)
            self._stop_process()
            self.running_accounts = {}
            shutil.rmtree(self.location, ignore_errors=True)
            self.dirty = True
            self.touched = set()
