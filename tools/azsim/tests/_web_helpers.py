"""Helpers for the Microsoft.Web custom-domain, certificate, backup and front-door tests: plans,
sites and DNS records made through the official SDKs, a PFX maker, and a raw TLS probe."""

import base64
import datetime as _dt
import hashlib
import json
import socket
import ssl
import time

from azure.core.exceptions import HttpResponseError
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.web import WebSiteManagementClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def web_client(azsim, mode):
    return azsim.client(WebSiteManagementClient, mode)


def dns_client(azsim, mode):
    return azsim.client(DnsManagementClient, mode)


def make_plan(web, rg, name, sku="S1"):
    return web.app_service_plans.begin_create_or_update(rg, name, {"location": "westeurope", "kind": "linux", "sku": {"name": sku},
                                                                   "properties": {"reserved": True}}).result()


def make_site(web, rg, name, plan_id, **props):
    return web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {"serverFarmId": plan_id, **props}}).result()


def web_error(exc):
    """The raw Microsoft.Web PascalCase body of an HttpResponseError (what a user reads in its text)."""
    return json.loads(exc.response.text())


def expect_web_error(call, status, code, message, extended=None):
    try:
        call()
    except HttpResponseError as exc:
        assert exc.status_code == status, exc.response.text()
        body = web_error(exc)
        assert body["Code"] == code and body["Message"] == message, body
        if extended is not None:
            assert body["Details"][2]["ErrorEntity"]["ExtendedCode"] == extended
        return body
    raise AssertionError("the call succeeded")


class Dns:
    """A public zone in azsim's DNS with the records App Service checks."""

    def __init__(self, client, rg, zone):
        self.c, self.rg, self.zone = client, rg, zone
        client.zones.create_or_update(rg, zone, {"location": "global"})

    def rel(self, fqdn):
        return "@" if fqdn == self.zone else fqdn[: -len(self.zone) - 1]

    def txt(self, fqdn, value):
        self.c.record_sets.create_or_update(self.rg, self.zone, self.rel(fqdn), "TXT", {"ttl": 3600, "txt_records": [{"value": [value]}]})

    def cname(self, fqdn, target):
        self.c.record_sets.create_or_update(self.rg, self.zone, self.rel(fqdn), "CNAME", {"ttl": 3600, "cname_record": {"cname": target}})

    def a(self, fqdn, ip):
        self.c.record_sets.create_or_update(self.rg, self.zone, self.rel(fqdn), "A", {"ttl": 3600, "a_records": [{"ipv4_address": ip}]})

    def caa(self, fqdn, value):
        record = {"flags": 0, "tag": "issue", "value": value}
        self.c.record_sets.create_or_update(self.rg, self.zone, self.rel(fqdn), "CAA", {"ttl": 3600, "caa_records": [record]})

    def verify(self, site, host):
        """asuid TXT + CNAME to the app, as Microsoft Learn's custom-domain tutorial has them."""
        self.txt("asuid." + host, site.properties.custom_domain_verification_id)
        self.cname(host, site.properties.default_host_name)


def bind(web, rg, site_name, host, **props):
    return web.web_apps.create_or_update_host_name_binding(rg, site_name, host, {"properties": {"siteName": site_name, **props}})


def make_pfx(names, password, days=90):
    """A self-signed certificate for ``names`` as a PFX (base64) and its SHA-1 thumbprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _dt.datetime.now(_dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    blob = pkcs12.serialize_key_and_certificates(b"azsim-test", key, cert, None, enc)
    thumb = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # noqa: S324
    return base64.b64encode(blob).decode(), thumb, cert


def _tunnel(azsim, host):
    """A socket tunnelled to ``host``:443 through azsim's front door proxy (CONNECT)."""
    proxy = azsim.info["proxy"].split("//", 1)[1]
    phost, pport = proxy.rsplit(":", 1)
    sock = socket.create_connection((phost, int(pport)), timeout=10)
    sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 200 " in head.split(b"\r\n", 1)[0], head
    return sock


def negotiated(azsim, host, version):
    """The protocol the front door negotiates for ``host`` with a client pinned to ``version`` (an ssl.TLSVersion), or None
    when it refuses.  TLS 1.0/1.1 are offered at @SECLEVEL=0 (Debian's OpenSSL refuses them otherwise)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with _tunnel(azsim, host) as sock:
        try:
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                return tls.version()
        except (ssl.SSLError, ConnectionError):
            return None


def presented_thumbprint(azsim, host):
    """SHA-1 of the certificate the front door presents for ``host`` (CONNECT through the proxy, no verification)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with _tunnel(azsim, host) as sock, ctx.wrap_socket(sock, server_hostname=host) as tls:
        return hashlib.sha1(tls.getpeercert(binary_form=True)).hexdigest().upper()  # noqa: S324


def poll_location(session, url, timeout=60):
    """GET an LRO Location until it stops answering 202 (what az CLI does for managed certificates)."""
    deadline = time.time() + timeout
    while True:
        r = session.get(url)
        if r.status_code != 202 or time.time() > deadline:
            return r
        time.sleep(min(float(r.headers.get("Retry-After", "1")), 1.0))
