"""The ``sitecustomize`` azsim puts on the ``PYTHONPATH`` of every site process (and of Kudu commands): the few things
that make an unmodified Python app behave on this shared machine as it does on App Service.  :mod:`.runtime` copies
this file to ``<state>/web/pyhook/sitecustomize.py``; it must stay importable on its own (standard library only).

1. Name resolution of ``<server>.postgres.database.azure.com``: in Azure the app resolves the server's name in public
   DNS and connects from an Azure address.  Here the name answers with the loopback address of the forwarder azsim's
   PostgreSQL provider runs for that server (``AZSIM_AZURE_HOSTS``, a JSON map re-read when it changes); the forwarder
   connects to the cluster from 127.0.0.2, the address the server's "allow Azure services" rule admits.  psycopg 3
   resolves the host itself with ``socket.getaddrinfo`` and hands libpq the address (``hostaddr``) and the name (for TLS
   checks), so the hook covers it.  Other names resolve normally; an unknown ``*.postgres.database.azure.com`` name
   fails like an NXDOMAIN answer.
2. The listening port (difference from Azure, documented in the README): App Service routes to the container port
   (``WEBSITES_PORT``, 8000 by default for Python; Microsoft Learn "Configure a Linux Python app") and every app has its
   own container.  Sites here share one machine, so each gets its own loopback port (``PORT``); a gunicorn command's
   ``--bind``/``-b`` values are rewritten to ``127.0.0.1:$PORT``, and any other server binding the container port (or
   ``$PORT`` on all interfaces) is moved to ``127.0.0.1:$PORT``.
"""

import json
import os
import socket
import sys

_HOSTS_FILE = os.environ.get("AZSIM_AZURE_HOSTS", "")
_SUFFIX = ".postgres.database.azure.com"
_cache = {"mtime": None, "hosts": {}}
_real_getaddrinfo = socket.getaddrinfo


def _azure_hosts():
    try:
        mtime = os.stat(_HOSTS_FILE).st_mtime_ns
    except OSError:
        return {}
    if mtime != _cache["mtime"]:
        try:
            with open(_HOSTS_FILE, encoding="utf-8") as f:
                _cache["hosts"] = {k.lower(): v for k, v in json.load(f).items()}
        except (OSError, ValueError):
            _cache["hosts"] = {}
        _cache["mtime"] = mtime
    return _cache["hosts"]


def _getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - the standard library's signature
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name.lower().rstrip(".").endswith(_SUFFIX):
        addr = _azure_hosts().get(name.lower().rstrip("."))
        if addr is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if family not in (0, socket.AF_INET):
            raise socket.gaierror(socket.EAI_ADDRFAMILY, "Address family for hostname not supported")
        port = int(port) if port not in (None, "") else 0
        kinds = [type] if type else [socket.SOCK_STREAM, socket.SOCK_DGRAM]
        out = []
        for kind in kinds:
            pr = proto or (socket.IPPROTO_TCP if kind == socket.SOCK_STREAM else socket.IPPROTO_UDP)
            out.append((socket.AF_INET, kind, pr, "", (addr, port)))
        return out
    return _real_getaddrinfo(host, port, family, type, proto, flags)


def _gethostbyname(host):
    if isinstance(host, str) and host.lower().rstrip(".").endswith(_SUFFIX):
        return _getaddrinfo(host, 0, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    return _real_gethostbyname(host)


_real_gethostbyname = socket.gethostbyname
if _HOSTS_FILE:
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname

_PORT = os.environ.get("AZSIM_SITE_PORT")
if _PORT:
    _real_port = int(_PORT)
    _container_port = int(os.environ.get("AZSIM_CONTAINER_PORT") or 8000)
    _real_bind = socket.socket.bind

    def _bind(self, address):
        if self.family == socket.AF_INET and isinstance(address, tuple) and len(address) == 2 and address[1] in (_container_port, _real_port):
            address = ("127.0.0.1", _real_port)
        return _real_bind(self, address)

    socket.socket.bind = _bind

    def _rewrite_gunicorn_argv(argv):
        """``--bind X``, ``--bind=X``, ``-b X``, ``-bX`` of a gunicorn command line -> 127.0.0.1:$PORT."""
        out, i, target = [], 0, f"127.0.0.1:{_real_port}"
        while i < len(argv):
            a = argv[i]
            if a in ("--bind", "-b") and i + 1 < len(argv):
                out += [a, target]
                i += 2
                continue
            if a.startswith("--bind="):
                a = "--bind=" + target
            elif a.startswith("-b") and len(a) > 2 and not a.startswith("--"):
                a = "-b" + target
            out.append(a)
            i += 1
        return out

    # ``gunicorn ...`` runs the console script (argv[0] names it); ``python -m gunicorn ...`` leaves "-m" in argv[0] here
    # and the module name in sys.orig_argv.
    _argv = getattr(sys, "argv", None) or []
    _orig = getattr(sys, "orig_argv", None) or []
    _module = _orig[_orig.index("-m") + 1] if "-m" in _orig[:-1] else None
    if _argv and (os.path.basename(_argv[0]).startswith("gunicorn") or (_argv[0] == "-m" and _module == "gunicorn")):
        sys.argv[:] = _rewrite_gunicorn_argv(_argv)
