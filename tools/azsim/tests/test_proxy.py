"""The HTTPS front door: it tunnels only to simulated host names, terminates TLS with a certificate for exactly
that name from azsim's CA, never forwards anywhere, listens on loopback only; and the ``serve``/``stop`` CLI."""

import os
import socket
import ssl
import subprocess
import sys
import time

import requests
from azsim.testing import AZSIM_ROOT, Azsim, free_port
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec


def _connect(azsim, target):
    s = socket.create_connection(("127.0.0.1", azsim.proxy_port), timeout=5)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return s, data


def _tcp_sockets_of(pid):
    """(local, remote, state) of the process's TCP sockets, from /proc (IPv4 and IPv6)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    out = []
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}", encoding="ascii") as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[9] in inodes:
                    out.append((cols[1], cols[2], cols[3]))
    return out


def _is_loopback(hexaddr):
    ip = hexaddr.split(":")[0]
    if len(ip) == 8:
        return ip.endswith("7F")  # little-endian 127.x.x.x
    return ip in ("00000000000000000000000001000000",) or ip.startswith("0000000000000000FFFF0000") and ip[-2:] == "7F"


def test_connect_to_other_hosts_is_refused_fast(azsim):
    seq = azsim.last_seq()
    for target in ("example.com:443", "pypi.org:443", "203.0.113.7:443"):
        t0 = time.monotonic()
        s, data = _connect(azsim, target)
        s.close()
        assert data.startswith(b"HTTP/1.1 403"), data
        assert time.monotonic() - t0 < 0.5  # no DNS lookup, no outbound connection attempt
    rows = [r for r in azsim.requests_since(seq) if r["method"] == "CONNECT"]
    assert [(r["host"], r["status"]) for r in rows] == [("example.com", 403), ("pypi.org", 403), ("203.0.113.7", 403)]
    # azsim listens on loopback only and holds no connection to anything else.
    socks = _tcp_sockets_of(azsim.proc.pid)
    listening = [loc for loc, _sep, st in socks if st == "0A"]
    assert len(listening) == 2 and all(_is_loopback(loc) for loc in listening)
    assert all(_is_loopback(rem) for _key, rem, st in socks if st != "0A")


def test_connect_to_port_80_is_refused(azsim):
    s, data = _connect(azsim, "management.azure.com:80")
    s.close()
    assert data.startswith(b"HTTP/1.1 403")


def test_plain_http_proxying_is_refused(azsim):
    r = requests.get("http://example.com/", proxies={"http": azsim.info["proxy"]}, timeout=5)
    assert r.status_code == 403
    assert "refuses" in r.text


def test_certificate_for_exactly_the_requested_name(azsim):
    with open(azsim.ca, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    for name in ("management.azure.com", "login.microsoftonline.com"):
        s, data = _connect(azsim, f"{name}:443")
        assert data.startswith(b"HTTP/1.1 200")
        ctx = ssl.create_default_context(cafile=azsim.ca)
        with ctx.wrap_socket(s, server_hostname=name) as tls:
            der = tls.getpeercert(binary_form=True)
        cert = x509.load_der_x509_certificate(der)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == [name]
        assert sans.get_values_for_type(x509.IPAddress) == []
        assert cert.issuer == ca.subject
        ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    # A client checking names refuses azsim's certificate for a name it was not issued for.
    s, _unused = _connect(azsim, "management.azure.com:443")
    ctx = ssl.create_default_context(cafile=azsim.ca)
    try:
        ctx.wrap_socket(s, server_hostname="management.core.windows.net")
        raise AssertionError("hostname mismatch accepted")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        s.close()


def test_serve_refuses_a_taken_port(azsim, tmp_path):
    env = dict(os.environ, PYTHONPATH=AZSIM_ROOT)
    p = subprocess.run([sys.executable, "-m", "azsim", "serve", "--state-dir", str(tmp_path), "--port", str(azsim.port),
                        "--proxy-port", str(free_port())], capture_output=True, text=True, timeout=30, env=env, check=False)
    assert p.returncode != 0
    assert f"port {azsim.port} on 127.0.0.1 is already in use" in p.stderr
    p = subprocess.run([sys.executable, "-m", "azsim", "serve", "--state-dir", str(tmp_path), "--port", str(free_port()),
                        "--proxy-port", str(azsim.proxy_port)], capture_output=True, text=True, timeout=30, env=env, check=False)
    assert p.returncode != 0 and f"port {azsim.proxy_port}" in p.stderr


def test_stop_command(tmp_path):
    sim = Azsim(str(tmp_path)).start()
    try:
        env = dict(os.environ, PYTHONPATH=AZSIM_ROOT)
        p = subprocess.run([sys.executable, "-m", "azsim", "stop", "--state-dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=30, env=env, check=False)
        assert p.returncode == 0
        assert f"stopped (pid {sim.proc.pid})" in p.stdout
        assert sim.proc.wait(timeout=10) == 0
        assert not os.path.exists(os.path.join(str(tmp_path), "azsim.pid"))
        p = subprocess.run([sys.executable, "-m", "azsim", "stop", "--state-dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=30, env=env, check=False)
        assert p.returncode == 0 and "not running" in p.stderr
    finally:
        sim.stop()
