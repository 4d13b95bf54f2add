"""A local package index and a local advisory service for the monthly update check, on loopback only.

* ``pypiserver`` serves a directory of tiny wheels and sdists written here (real archives: a ``.dist-info`` with METADATA,
  WHEEL and RECORD, or a ``PKG-INFO`` sdist), named like the release's requirements, with versions newer than theirs.
  It answers the simple API in PEP 503 HTML whatever the Accept header asks (pypiserver 2.4 has no PEP 691 JSON), which
  is what pip, and the role, fall back to.
* An OSV query service (``POST /v1/query``, https://google.github.io/osv.dev/post-v1-query/): pip-audit's ``--osv-url``
  points at it. Ranges are judged as OSV defines them (an ECOSYSTEM range: introduced <= version < fixed, PEP 440 order).
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from azsim.testing import free_port
from packaging.utils import canonicalize_name
from packaging.version import Version


def _metadata(name, version):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: A stand-in of {name} for the update check's tests\n"


def write_wheel(directory, name, version):
    dist = f"{name.replace('-', '_')}-{version}"
    path = os.path.join(directory, f"{dist}-py3-none-any.whl")
    files = {f"{dist}.dist-info/METADATA": _metadata(name, version),
             f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: erpops-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files[f"{dist}.dist-info/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{dist}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for n, text in files.items():
            z.writestr(n, text)
    return path


def write_sdist(directory, name, version):
    dist = f"{name.replace('-', '_')}-{version}"
    path = os.path.join(directory, f"{dist}.tar.gz")
    data = _metadata(name, version).encode()
    with tarfile.open(path, "w:gz") as t:
        info = tarfile.TarInfo(f"{dist}/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return path


@contextlib.contextmanager
def pypiserver(directory, releases):
    """``releases``: {name: [(version, "wheel"|"sdist"), ...]}. Yields the simple API's URL."""
    for name, versions in releases.items():
        for version, kind in versions:
            (write_wheel if kind == "wheel" else write_sdist)(directory, name, version)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("https_proxy", "http_proxy")}
    log = open(os.path.join(directory, "..", "pypiserver.log"), "ab")  # noqa: SIM115 - open for the server's lifetime
    # No authentication, no fallback to pypi.org for unknown projects (a 404 instead), loopback only.
    proc = subprocess.Popen([sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".",  # noqa: S603
                             "--disable-fallback", directory], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/simple/"
    try:
        deadline = time.time() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"pypiserver exited with {proc.returncode}; see {log.name}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise RuntimeError("pypiserver did not answer in 30 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def osv_record(osv_id, name, introduced, fixed, summary, aliases=()):
    """An OSV 1.x record of a PyPI package (the fields pip-audit reads)."""
    return {"schema_version": "1.6.0", "id": osv_id, "aliases": list(aliases), "summary": summary, "published": "2025-06-04T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}]}]}


def _affects(record, name, version):
    for affected in record["affected"]:
        if affected["package"]["ecosystem"] != "PyPI" or canonicalize_name(affected["package"]["name"]) != name:
            continue
        for rng in affected.get("ranges", []):
            events = rng["events"]
            start = next((Version(e["introduced"]) for e in events if "introduced" in e and e["introduced"] != "0"), None)
            end = next((Version(e["fixed"]) for e in events if "fixed" in e), None)
            if (start is None or version >= start) and (end is None or version < end):
                return True
    return False


@contextlib.contextmanager
def osv_service(records):
    """Yields (url of POST /v1/query, the queries received)."""
    queries = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802 - http.server's naming
            query = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            queries.append(query)
            if self.path != "/v1/query" or query.get("package", {}).get("ecosystem") != "PyPI":
                self.send_error(400)
                return
            name, version = canonicalize_name(query["package"]["name"]), Version(query["version"])
            vulns = [r for r in records if _affects(r, name, version)]
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()  # OSV answers {} when nothing is known
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query", queries
    finally:
        server.shutdown()
        server.server_close()
