"""The Azure-side path to a flexible server: what an app running in Azure reaches at ``<server>.postgres.database.azure.com:5432``.

For every server with a cluster, a small TCP forwarder listens on a loopback address of its own (``127.x.y.z:5432``, chosen
per state directory and server so several azsims can share a machine) and relays to the cluster.  The sites azsim runs
resolve the server's name to that address (the web provider's ``sitecustomize`` reads :attr:`AzurePath.hosts_file`).
The forwarder opens its side of the connection FROM 127.0.0.2 when the client is an Azure service (a process of a site
azsim runs, told by the checks other providers register in :attr:`AzurePath.azure_clients`), else from 127.0.0.1, so the
server's firewall rules still decide: "allow Azure services" (0.0.0.0-0.0.0.0) admits the apps, a local operator needs a
rule of its own (Microsoft Learn, "Firewall rules in Azure Database for PostgreSQL - Flexible Server": the 0.0.0.0 rule
allows connections from any Azure service).  Nothing here holds the state lock while relaying.
"""

import hashlib
import json
import os
import socket
import threading
import time
import traceback

from ...core import resource
from . import models

PG_PORT = 5432                       # the port Azure publishes for a flexible server
AZURE_SERVICES_ADDR = "127.0.0.2"    # the source the "allow Azure services" rule admits (models.hba_networks)
OPERATOR_ADDR = "127.0.0.1"


class _Forwarder:
    def __init__(self, path, fqdn, addr, target_port):
        self.path = path
        self.fqdn = fqdn
        self.addr = addr
        self.target_port = target_port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, PG_PORT))
        self.sock.listen(64)
        self.closed = False
        threading.Thread(target=self._accept, name=f"pg-fwd-{fqdn}", daemon=True).start()

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while not self.closed:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(conn, peer), daemon=True).start()

    def _relay(self, conn, peer):
        source = AZURE_SERVICES_ADDR if self.path.is_azure_client(peer, (self.addr, PG_PORT)) else OPERATOR_ADDR
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10, source_address=(source, 0))
        except OSError:
            conn.close()  # the cluster is down (stopped server): the client sees the connection closed, as with no listener
            return
        upstream.settimeout(None)
        for s in (conn, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_pipe, args=(upstream, conn), daemon=True).start()
        _pipe(conn, upstream)


def _pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    src.close()


class AzurePath:
    """Forwarders for every server and the ``{fqdn: address}`` file the sites resolve with."""

    def __init__(self, app):
        self.app = app
        self.hosts_file = os.path.join(app.settings.state_dir, "postgresql-azure-hosts.json")
        self.azure_clients = []      # fn((peer_ip, peer_port), (local_ip, local_port)) -> bool, registered by providers
        self._forwarders = {}
        self._last = 0.0
        self._written = None
        self._lock = threading.Lock()

    def is_azure_client(self, peer, local):
        for check in list(self.azure_clients):
            try:
                if check(peer, local):
                    return True
            except Exception:  # noqa: BLE001 - a failing check must not break the connection
                traceback.print_exc()
        return False

    def _address(self, fqdn, attempt):
        h = hashlib.sha256(f"{os.path.realpath(self.app.settings.state_dir)}|{fqdn}|{attempt}".encode()).digest()
        return f"127.{64 + h[0] % 128}.{h[1]}.{1 + h[2] % 254}"

    def tick(self):
        """Once a second: a forwarder for each server with a cluster, none for deleted ones; rewrite the hosts file."""
        now = time.time()
        if now - self._last < 1.0:
            return
        self._last = now
        with self.app.store.lock:
            servers = {models.fqdn(d["name"]): d["_port"] for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/")
                       if d.get("type") == models.SERVER_TYPE and d.get("_port")}
        with self._lock:
            for fqdn in list(self._forwarders):
                fw = self._forwarders[fqdn]
                if servers.get(fqdn) != fw.target_port:
                    fw.close()
                    del self._forwarders[fqdn]
            for fqdn, port in servers.items():
                if fqdn in self._forwarders:
                    continue
                for attempt in range(8):
                    try:
                        self._forwarders[fqdn] = _Forwarder(self, fqdn, self._address(fqdn, attempt), port)
                        break
                    except OSError:
                        continue  # address taken (another azsim on this machine): next candidate
            mapping = {f: fw.addr for f, fw in sorted(self._forwarders.items())}
        if mapping != self._written:
            tmp = self.hosts_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(mapping, f)
            os.replace(tmp, self.hosts_file)
            self._written = mapping

    def shutdown(self):
        with self._lock:
            for fw in self._forwarders.values():
                fw.close()
            self._forwarders.clear()
