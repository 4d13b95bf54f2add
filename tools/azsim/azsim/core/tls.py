"""azsim's own certificate authority.

The CA is created once per state directory (``ca.pem``; clients trust it through
``REQUESTS_CA_BUNDLE``).  Each simulated name gets a leaf certificate for that exact
name, issued on first use and cached, so TLS name checks stay honest.
"""

import datetime as _dt
import ipaddress
import os
import ssl
import threading
import warnings

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "azsim"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class CertificateAuthority:
    def __init__(self, state_dir):
        self.dir = os.path.join(state_dir, "tls")
        os.makedirs(self.dir, exist_ok=True)
        self.ca_path = os.path.join(self.dir, "ca.pem")
        key_path = os.path.join(self.dir, "ca-key.pem")
        self._lock = threading.Lock()
        self._contexts = {}
        if os.path.exists(self.ca_path) and os.path.exists(key_path):
            with open(self.ca_path, "rb") as f:
                self.cert = x509.load_pem_x509_certificate(f.read())
            with open(key_path, "rb") as f:
                self.key = serialization.load_pem_private_key(f.read(), None)
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            now = _dt.datetime.now(_dt.UTC)
            self.cert = (
                x509.CertificateBuilder()
                .subject_name(_name("azsim local root CA"))
                .issuer_name(_name("azsim local root CA"))
                .public_key(self.key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - _dt.timedelta(days=1))
                .not_valid_after(now + _dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                .sign(self.key, hashes.SHA256())
            )
            _write_private(key_path, self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
            with open(self.ca_path, "wb") as f:
                f.write(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, names, days=397, not_before=None):
        """A leaf certificate and key (PEM bytes) for ``names`` (DNS names or IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = not_before or _dt.datetime.now(_dt.UTC)
        sans = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        cert = (
            x509.CertificateBuilder()
            # X.509 caps a CN at 64 characters (RFC 5280 ub-common-name); clients check the SAN anyway, so a
            # longer name (a 63-character server label + .postgres.database.azure.com) keeps only its first label.
            .subject_name(_name(names[0] if len(names[0]) <= 64 else names[0].split(".", 1)[0][:64]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_pem = cert.public_bytes(serialization.Encoding.PEM) + self.cert.public_bytes(serialization.Encoding.PEM)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cert_pem, key_pem, cert

    def server_context(self, name, extra_names=(), minimum_version=ssl.TLSVersion.TLSv1_2):
        """An SSLContext presenting a certificate for exactly ``name`` (cached per name and minimum protocol version)."""
        key = name.lower()
        ctx = self._contexts.get((key, minimum_version))
        if ctx is not None:
            return ctx
        with self._lock:
            ctx = self._contexts.get((key, minimum_version))
            if ctx is None:
                path = os.path.join(self.dir, f"leaf-{key.replace('*', '_')}.pem")
                if not any(k == key for k, _v in self._contexts):
                    cert_pem, key_pem, _unused = self.issue([key, *extra_names])
                    _write_private(path, key_pem + cert_pem)
                ctx = server_ssl_context(minimum_version)
                ctx.load_cert_chain(path)
                self._contexts[(key, minimum_version)] = ctx
        return ctx

    def pem(self):
        with open(self.ca_path, encoding="ascii") as f:
            return f.read()


def server_ssl_context(minimum_version=ssl.TLSVersion.TLSv1_2):
    """A server context accepting ``minimum_version`` and above.  OpenSSL at security level 2 (Debian's default) refuses
    TLS 1.0/1.1 handshakes whatever the minimum: a front end configured to accept them (App Service's minTlsVersion
    1.0/1.1) needs ``@SECLEVEL=0`` to actually do so."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum_version
        if minimum_version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx
