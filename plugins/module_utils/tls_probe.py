# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS as served: the certificate a host presents on 443 and the protocol versions it accepts, seen by a client.

The connection goes through the system's resolution, or through the HTTPS proxy of the environment when one applies
(E(HTTPS_PROXY)/E(NO_PROXY), as :mod:`.probe` and azure-core do).  One handshake with chain verification (the trust store
is O(ca_path), else E(REQUESTS_CA_BUNDLE), else the system's) and no name check gives the chain verdict; the name match is
computed from the certificate's names; then one handshake per protocol version, pinned with minimum = maximum.

OpenSSL builds at security level 2 (Debian's default) refuse to offer TLS 1.0 and 1.1 at all: the pinned handshakes for
those run with ``@SECLEVEL=0`` ciphers so the question reaches the server; when the local library still cannot offer the
version, the answer is ``"untestable here"``, never a false "refused".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import socket
import ssl
import warnings
from datetime import datetime, timezone

from ansible_collections.erpops.azure.plugins.module_utils.probe import _proxy_for

UNTESTABLE = "untestable here"
PROTOCOLS = (("TLSv1", "TLSv1"), ("TLSv1.1", "TLSv1_1"), ("TLSv1.2", "TLSv1_2"), ("TLSv1.3", "TLSv1_3"))
# Errors OpenSSL raises before a ClientHello leaves this machine: the version cannot be offered here.
LOCAL_REFUSALS = ("NO_PROTOCOLS_AVAILABLE", "UNSUPPORTED_PROTOCOL", "NO_CIPHERS_AVAILABLE", "NO_SUITABLE_SIGNATURE_ALGORITHM")


def _tunnel(host, port, timeout):
    """A connected TCP socket to host:port, directly or through a CONNECT tunnel of the environment's HTTPS proxy."""
    proxy = _proxy_for(host)
    if proxy is None:
        return socket.create_connection((host, port), timeout=timeout)
    sock = socket.create_connection((proxy.hostname, proxy.port or 80), timeout=timeout)
    lines = ["CONNECT %s:%d HTTP/1.1" % (host, port), "Host: %s:%d" % (host, port)]
    if proxy.username:
        token = base64.b64encode(("%s:%s" % (proxy.username, proxy.password or "")).encode()).decode()
        lines.append("Proxy-Authorization: Basic " + token)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        sock.close()
        raise OSError("the proxy refused CONNECT %s:%d (%s)" % (host, port, head.split(b"\r\n", 1)[0].decode("latin-1")))
    return sock


def handshake(host, ctx, port=443, timeout=10):
    """(negotiated version, DER certificate) of one TLS handshake with ``ctx``; raises ssl.SSLError/OSError."""
    sock = _tunnel(host, port, timeout)
    try:
        tls = ctx.wrap_socket(sock, server_hostname=host)
    except Exception:
        sock.close()
        raise
    try:
        return tls.version(), tls.getpeercert(binary_form=True)
    finally:
        tls.close()


def _pinned(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1/TLSv1_1 are deprecated: that is the point.
        version = getattr(ssl.TLSVersion, name)
        ctx.minimum_version = version
        ctx.maximum_version = version
    if name in ("TLSv1", "TLSv1_1"):
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def accepts(host, name, port=443, timeout=10, connect=handshake):
    """True (the server completed a handshake pinned to that version), False (it refused), or UNTESTABLE."""
    try:
        ctx = _pinned(name)
    except (ValueError, ssl.SSLError, AttributeError):
        return UNTESTABLE
    try:
        connect(host, ctx, port, timeout)
        return True
    except ssl.SSLError as exc:
        if (getattr(exc, "reason", None) or "") in LOCAL_REFUSALS:
            return UNTESTABLE
        return False
    except (ConnectionError, socket.timeout):
        # A server that refuses a version may drop the connection instead of sending an alert.
        return False


def name_matches(host, names):
    """RFC 6125: exact match, or one left-most wildcard label covering exactly one label."""
    host = host.lower().rstrip(".")
    for name in names or []:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def describe(der, host, now=None):
    """The certificate's subject, issuer, SANs, expiry, days left, SHA-1 thumbprint (App Service's) and name match."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    now = now or datetime.now(timezone.utc)

    def cn(name):
        attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME) or name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return attrs[0].value if attrs else name.rfc4514_string()

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        san = []
    not_after = cert.not_valid_after_utc if hasattr(cert, "not_valid_after_utc") else cert.not_valid_after.replace(tzinfo=timezone.utc)
    return {"subject": cn(cert.subject), "issuer": cn(cert.issuer), "san": list(san), "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": int((not_after - now).total_seconds() // 86400), "name_match": name_matches(host, san or [cn(cert.subject)]),
            "thumbprint": hashlib.sha1(der).hexdigest().upper()}  # noqa: S324 - App Service names certificates by SHA-1 thumbprint


def trust_context(ca_path=None):
    """Chain verification against the trust store, without the name check (the name is judged separately)."""
    ctx = ssl.create_default_context(cafile=ca_path or os.environ.get("REQUESTS_CA_BUNDLE") or None)
    ctx.check_hostname = False
    return ctx


def probe_host(host, ca_path=None, port=443, timeout=10, connect=handshake, now=None):
    """What ``host`` serves: {"certificate": {...}, "protocols": {...}, "error": None or text}."""
    out = {"certificate": None, "protocols": {}, "error": None}
    chain_ok, chain_error, der = True, None, None
    try:
        der = connect(host, trust_context(ca_path), port, timeout)[1]
    except ssl.SSLCertVerificationError as exc:
        chain_ok, chain_error = False, exc.verify_message or str(exc)
    except (OSError, ssl.SSLError) as exc:
        out["error"] = "%s: %s" % (type(exc).__name__, exc)
    if der is None and out["error"] is None:
        try:
            der = connect(host, _pinned_any(), port, timeout)[1]
        except (OSError, ssl.SSLError) as exc:
            out["error"] = "%s: %s" % (type(exc).__name__, exc)
    if der:
        out["certificate"] = describe(der, host, now)
        out["certificate"]["chain_ok"] = chain_ok
        if chain_error:
            out["certificate"]["chain_error"] = chain_error
    if out["error"] is None:
        out["protocols"] = dict((label, accepts(host, name, port, timeout, connect)) for label, name in PROTOCOLS)
    return out


def _pinned_any():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
