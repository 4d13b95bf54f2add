"""Microsoft Entra ID, as far as service principals need it.

Endpoints follow the Microsoft identity platform docs ("OpenID Connect on the Microsoft
identity platform", "client credentials flow"): the v2.0 discovery document, the v2.0 and v1
token endpoints, JWKS, and MSAL's instance-discovery call.  Tokens are RS256 JWTs carrying
``aud``, ``iss``, ``tid``, ``oid``, ``appid``, ``exp`` like Entra's v1 access tokens for ARM.
Failures use the AADSTS error body (error, error_description, error_codes, trace_id...).
"""

import base64
import hashlib
import json
import os
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import AzureError
from .http import Response
from .ids import new_guid

TOKEN_LIFETIME = 3599
MISSING_CREDENTIAL = "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."

# Audiences ARM accepts for its own tokens (the InvalidAuthenticationTokenAudience message lists them).
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                 "https://management.azure.com/", "https://management.azure.com")

# Resources a token can be requested for: Entra answers AADSTS500011 for anything else.
KNOWN_RESOURCES = set(ARM_AUDIENCES) | {
    "https://vault.azure.net", "https://storage.azure.com", "https://ossrdbms-aad.database.windows.net",
    "https://graph.microsoft.com", "https://monitor.azure.com", "https://api.loganalytics.io",
    "https://database.windows.net", "https://redis.azure.com",
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AadError(Exception):
    """A token-endpoint failure in Entra's shape."""

    def __init__(self, status, error, code, description):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def response(self, clock):
        trace, corr = new_guid(), new_guid()
        ts = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(clock.now()))
        body = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}",
            "error_codes": [self.code], "timestamp": ts, "trace_id": trace, "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        return Response(self.status, body)


class Identity:
    """Tenant, principals and the token signing key of one azsim state directory."""

    def __init__(self, store, state_dir, clock):
        self.store = store
        self.clock = clock
        self.extra_audiences = set()
        self._cache = {}
        self._cache_lock = threading.Lock()
        meta = store.get("meta", "identity")
        if meta is None:
            meta = {"tenant_id": new_guid(), "subscription_id": new_guid(), "tenant_domain": "azsim.onmicrosoft.com"}
            store.put("meta", "identity", meta)
        self.tenant_id = meta["tenant_id"]
        self.subscription_id = meta["subscription_id"]
        self.tenant_domain = meta["tenant_domain"]
        keydir = os.path.join(state_dir, "tls")
        os.makedirs(keydir, exist_ok=True)
        self._key = _load_or_create_rsa(os.path.join(keydir, "token-signing-key.pem"))
        pub = self._key.public_key().public_numbers()
        self.kid = b64url(hashlib.sha1(self._key.public_key().public_bytes(  # noqa: S324 - a key id, not a security hash
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).digest())
        self.jwk = {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
                    "n": b64url(pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")), "e": b64url(pub.e.to_bytes(3, "big"))}
        self.principals_dir = os.path.join(state_dir, "principals")

    # -- principals -----------------------------------------------------------------
    def ensure_principal(self, name, display_name=None):
        """Create (once) a service principal with a secret and a certificate credential."""
        for p in self.store.values("principals"):
            if p["name"] == name:
                return p
        client_id, object_id = new_guid(), new_guid()
        secret = b64url(os.urandom(30)).replace("-", "~")[:40]
        os.makedirs(self.principals_dir, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _self_signed(key, f"CN={name}")
        cert_path = os.path.join(self.principals_dir, f"{name}.pem")
        fd = os.open(cert_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        p = {"name": name, "display_name": display_name or f"azsim-{name}", "client_id": client_id, "object_id": object_id,
             "client_secret": secret, "certificate_path": cert_path,
             "certificate_thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - Entra's x5t is SHA-1
             "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode()}
        self.store.put("principals", client_id, p)
        return p

    def principal_by_client(self, client_id):
        return self.store.get("principals", client_id or "")

    def principal_by_object(self, object_id):
        for p in self.store.values("principals"):
            if p["object_id"].lower() == (object_id or "").lower():
                return p
        return None

    def known_tenant(self, tenant):
        return tenant.lower() in (self.tenant_id.lower(), self.tenant_domain.lower())

    # -- tokens ---------------------------------------------------------------------
    def mint(self, principal, audience, lifetime=TOKEN_LIFETIME):
        now = int(self.clock.now())
        claims = {
            "aud": audience, "iss": f"https://sts.windows.net/{self.tenant_id}/", "iat": now, "nbf": now - 300,
            "exp": now + lifetime, "aio": b64url(os.urandom(24)), "appid": principal["client_id"], "appidacr": "1",
            "idp": f"https://sts.windows.net/{self.tenant_id}/", "idtyp": "app", "oid": principal["object_id"],
            "rh": b64url(os.urandom(16)), "sub": principal["object_id"], "tid": self.tenant_id,
            "uti": b64url(os.urandom(16)), "ver": "1.0", "xms_tcdt": now - 86400,
        }
        header = {"typ": "JWT", "alg": "RS256", "x5t": self.kid, "kid": self.kid}
        signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig), claims

    def verify(self, token):
        """Claims of a token azsim signed, or None when it is not one (forged, malformed)."""
        with self._cache_lock:
            claims = self._cache.get(token)
        if claims is not None:
            return claims
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            return None
        if header.get("alg") != "RS256":
            return None
        try:
            self._key.public_key().verify(sig, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return None
        with self._cache_lock:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[token] = claims
        return claims

    def authenticate_arm(self, req, arm_audiences):
        """The principal behind an ARM request, or the 401 ARM answers (ARM RPC, common API errors)."""
        authz = req.headers.get("authorization")
        challenge = (f'Bearer authorization_uri="https://login.microsoftonline.com/{self.tenant_id}", '
                     'error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."')
        if not authz:
            raise AzureError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                             headers={"WWW-Authenticate": challenge})
        scheme, _sep, token = authz.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AzureError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                             headers={"WWW-Authenticate": challenge.replace("missing", "invalid")})
        claims = self.verify(token.strip())
        invalid = {"WWW-Authenticate": (f'Bearer authorization_uri="https://login.microsoftonline.com/{self.tenant_id}", '
                                        'error="invalid_token", error_description="The access token is invalid."')}
        if claims is None:
            raise AzureError(401, "InvalidAuthenticationToken", "The access token is invalid.", headers=invalid)
        now = self.clock.now()
        if claims.get("exp", 0) <= now:
            raise AzureError(401, "ExpiredAuthenticationToken",
                             f"The access token expiry UTC time '{_net_time(claims.get('exp', 0))}' is earlier than current UTC time '{_net_time(now)}'.",
                             headers={"WWW-Authenticate": invalid["WWW-Authenticate"].replace("is invalid", "expiry is earlier than current time")})
        aud = claims.get("aud", "")
        if aud not in arm_audiences:
            allowed = ",".join(f"'{a}'" for a in ARM_AUDIENCES)
            raise AzureError(401, "InvalidAuthenticationTokenAudience",
                             f"The access token has been obtained for wrong audience or resource '{aud}'. "
                             f"It should exactly match with one of the allowed audiences {allowed}.", headers=invalid)
        if claims.get("tid", "").lower() != self.tenant_id.lower():
            raise AzureError(401, "InvalidAuthenticationTokenTenant",
                             f"The access token is from the wrong issuer '{claims.get('iss')}'. It must match the tenant "
                             f"'https://sts.windows.net/{self.tenant_id}/' associated with this subscription.", headers=invalid)
        p = self.principal_by_object(claims.get("oid"))
        if p is None:
            raise AzureError(401, "InvalidAuthenticationToken", "The access token is invalid.", headers=invalid)
        return p

    # -- the Entra endpoints ----------------------------------------------------------
    def handle(self, req):
        segs = req.segments
        if not segs:
            return Response(404, {"error": "not_found"})
        tenant = segs[0]
        rest = [s.lower() for s in segs[1:]]
        authority = req.base_url
        if tenant.lower() == "common" and rest == ["discovery", "instance"]:
            # MSAL's instance discovery (msal/authority.py) for authorities it does not know.
            ep = urllib.parse.urlsplit(req.query.get("authorization_endpoint", "")) if req.query.get("authorization_endpoint") else None
            tenant_part = ep.path.strip("/").split("/")[0] if ep else "common"
            host = f"{ep.scheme}://{ep.netloc}" if ep else authority
            return Response(200, {"tenant_discovery_endpoint": f"{host}/{tenant_part}/v2.0/.well-known/openid-configuration",
                                  "api-version": "1.1", "metadata": [{"preferred_network": urllib.parse.urlsplit(host).netloc,
                                                                      "preferred_cache": urllib.parse.urlsplit(host).netloc,
                                                                      "aliases": [urllib.parse.urlsplit(host).netloc]}]})
        if rest in (["discovery", "v2.0", "keys"], ["discovery", "keys"]) and req.method == "GET":
            return Response(200, {"keys": [self.jwk]})
        if rest in (["v2.0", ".well-known", "openid-configuration"], [".well-known", "openid-configuration"]) and req.method == "GET":
            if not self.known_tenant(tenant) and tenant.lower() not in ("common", "organizations"):
                return AadError(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct "
                                "tenant ID and are signing into the correct cloud. Check with your subscription administrator, "
                                "this may happen if there are no active subscriptions for the tenant.").response(self.clock)
            v2 = rest[0] == "v2.0"
            tid = self.tenant_id if self.known_tenant(tenant) else "{tenantid}"
            base = f"{authority}/{tenant}"
            doc = {
                "token_endpoint": f"{base}/oauth2/v2.0/token" if v2 else f"{base}/oauth2/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": f"{authority}/{tenant}/discovery/v2.0/keys" if v2 else f"{authority}/common/discovery/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"], "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"https://login.microsoftonline.com/{tid}/v2.0" if v2 else f"https://sts.windows.net/{tid}/",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize" if v2 else f"{base}/oauth2/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode" if v2 else f"{base}/oauth2/devicecode",
                "http_logout_supported": True, "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout" if v2 else f"{base}/oauth2/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
                "tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com",
            }
            return Response(200, doc)
        if rest in (["oauth2", "v2.0", "token"], ["oauth2", "token"]) and req.method == "POST":
            try:
                return self._token(req, tenant, v2=(rest[1] == "v2.0"))
            except AadError as exc:
                return exc.response(self.clock)
        wrong_method = {"error": "invalid_request",
                        "error_description": f"AADSTS900561: The endpoint only accepts POST, OPTIONS requests. Received a {req.method} request."}
        return Response(404, wrong_method if rest and rest[-1] == "token" else {"error": "not_found"})

    def _token(self, req, tenant, v2):
        form = dict(urllib.parse.parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        if not self.known_tenant(tenant):
            raise AadError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                           "and are signing into the correct cloud.")
        grant = form.get("grant_type")
        if grant != "client_credentials":
            raise AadError(400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'.")
        client_id = form.get("client_id")
        basic = req.headers.get("authorization", "")
        secret = form.get("client_secret")
        if basic.lower().startswith("basic "):
            try:
                cid, _sep, secret = base64.b64decode(basic[6:]).decode().partition(":")
                client_id = urllib.parse.unquote_plus(cid)
                secret = urllib.parse.unquote_plus(secret)
            except (ValueError, UnicodeDecodeError):
                raise AadError(401, "invalid_client", 7000216, MISSING_CREDENTIAL) from None
        if not client_id:
            raise AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        p = self.principal_by_client(client_id)
        if p is None:
            raise AadError(400, "unauthorized_client", 700016,
                           f"Application with identifier '{client_id}' was not found in the directory '{self.tenant_domain}'. This can happen if "
                           "the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. "
                           "You may have sent your authentication request to the wrong tenant.")
        assertion = form.get("client_assertion")
        if assertion:
            self._check_assertion(p, assertion, req, tenant)
        elif secret is not None:
            if secret != p["client_secret"]:
                raise AadError(401, "invalid_client", 7000215,
                               "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                               f"not the client secret ID, for a secret added to app '{client_id}'.")
        else:
            raise AadError(401, "invalid_client", 7000216, MISSING_CREDENTIAL)
        if v2:
            scope = form.get("scope", "")
            scopes = scope.split()
            if not scopes:
                raise AadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                raise AadError(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. Client credential flows must "
                               "have a scope value with /.default suffixed to the resource identifier (application ID URI).")
            resource = scopes[0][: -len("/.default")]
        else:
            resource = form.get("resource", "")
        if resource.rstrip("/") not in {r.rstrip("/") for r in KNOWN_RESOURCES | self.extra_audiences}:
            raise AadError(400, "invalid_resource", 500011,
                           f"The resource principal named {resource} was not found in the tenant named {self.tenant_domain}. This can happen if the "
                           "application has not been installed by the administrator of the tenant or consented to by any user in the tenant. "
                           "You might have sent your authentication request to the wrong tenant.")
        token, claims = self.mint(p, resource)
        # For the request log: who got a token for which audience (tests count token requests per principal and audience).
        req.principal = p
        req.context["audience"] = resource
        body = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME, "access_token": token}
        if not v2:
            body.update({"expires_on": str(claims["exp"]), "not_before": str(claims["nbf"]), "resource": resource})
        return Response(200, body)

    def _check_assertion(self, p, assertion, req, tenant):
        """Validate a client assertion the way Entra does (Microsoft identity platform, "certificate credentials"):
        the certificate named by ``x5t#S256``/``x5t`` must be registered on the app and have signed the JWT (RS256 or
        PS256), ``aud`` must be the tenant's token endpoint, ``iss`` and ``sub`` the client id, ``exp``/``nbf`` current."""
        if p.get("certificate_pem") is None:
            raise AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.")
        parts = assertion.split(".")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, IndexError):
            raise AadError(401, "invalid_client", 50027, "JWT token is invalid or malformed.") from None
        cert = x509.load_pem_x509_certificate(p["certificate_pem"].encode())
        registered = {b64url(cert.fingerprint(hashes.SHA256())): "x5t#S256", b64url(cert.fingerprint(hashes.SHA1())): "x5t"}  # noqa: S303
        presented = header.get("x5t#S256") or header.get("x5t")  # MSAL keeps the base64 padding, others strip it
        if presented is not None and registered.get(presented.rstrip("=")) not in ("x5t#S256" if "x5t#S256" in header else "x5t",):
            raise AadError(401, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on "
                           f"application. [Reason - The key was not found., Thumbprint of key used by client: '{presented}']")
        pub = cert.public_key()
        data = (parts[0] + "." + parts[1]).encode()
        try:
            if header.get("alg") == "PS256":
                pub.verify(sig, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())
            elif header.get("alg") == "RS256":
                pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise InvalidSignature()
        except InvalidSignature:
            raise AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.") from None
        if claims.get("iss") != p["client_id"] or claims.get("sub") != p["client_id"]:
            raise AadError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. "
                           "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .")
        tenants = {tenant.lower(), self.tenant_id.lower(), self.tenant_domain.lower()}
        hosts = {req.base_url.lower(), "https://login.microsoftonline.com"}
        audiences = {f"{h}/{t}/{ep}" for h in hosts for t in tenants for ep in ("oauth2/v2.0/token", "oauth2/token", "v2.0")}
        if str(claims.get("aud", "")).rstrip("/").lower() not in audiences:
            raise AadError(401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer. Review the documentation at "
                           "https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .")
        now = self.clock.now()
        if claims.get("exp", 0) < now or claims.get("nbf", 0) > now + 300:
            raise AadError(401, "invalid_client", 700024, "Client assertion is not within its valid time range. "
                           f"Current time: {self.clock.iso()}, assertion valid from {claims.get('nbf')}, expiry time of assertion {claims.get('exp')}.")


def _net_time(ts):
    """The .NET-style timestamp ARM prints in ExpiredAuthenticationToken messages."""
    t = time.gmtime(ts)
    hour = t.tm_hour % 12 or 12
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year} {hour}:{t.tm_min:02d}:{t.tm_sec:02d} {'PM' if t.tm_hour >= 12 else 'AM'}"


def _load_or_create_rsa(path):
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return key


def _self_signed(key, subject):
    import datetime as _dt

    from cryptography.x509.oid import NameOID
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject.split("=", 1)[1])])
    now = _dt.datetime.now(_dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=730)).sign(key, hashes.SHA256()))
