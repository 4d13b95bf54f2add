"""Entra ID as azure-identity sees it (discovery, tokens, AADSTS errors, certificate credentials) and
ARM's 401 answers to missing, malformed, forged, expired and wrong-audience tokens."""

import base64
import time
import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._core_helpers import error_of, jwt_parts, login_base, plain_session

ARM_SCOPE = "https://management.azure.com/.default"


def _cred(azsim, mode, client_id, secret, tenant=None):
    kw = {"authority": azsim.url, "disable_instance_discovery": True} if mode == "direct" else {}
    return ClientSecretCredential(tenant or azsim.tenant, client_id, secret, **kw)


# -- discovery ------------------------------------------------------------------------------------
def test_discovery_v2(azsim, mode):
    base = login_base(azsim, mode)
    r = plain_session(azsim, mode).get(f"{base}/{azsim.tenant}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200
    doc = r.json()
    assert doc["token_endpoint"] == f"{base}/{azsim.tenant}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{base}/{azsim.tenant}/oauth2/v2.0/authorize"
    assert doc["issuer"] == f"https://login.microsoftonline.com/{azsim.tenant}/v2.0"
    assert doc["jwks_uri"] == f"{base}/{azsim.tenant}/discovery/v2.0/keys"
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


def test_discovery_v1(azsim, mode):
    base = login_base(azsim, mode)
    doc = plain_session(azsim, mode).get(f"{base}/{azsim.tenant}/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{base}/{azsim.tenant}/oauth2/token"
    assert doc["issuer"] == f"https://sts.windows.net/{azsim.tenant}/"


def test_discovery_unknown_tenant(azsim, mode):
    r = plain_session(azsim, mode).get(f"{login_base(azsim, mode)}/{uuid.uuid4()}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 400
    assert r.json()["error_codes"] == [90002]


def test_jwks_verifies_issued_tokens(azsim, mode):
    s = plain_session(azsim, mode)
    base = login_base(azsim, mode)
    jwks_uri = s.get(f"{base}/{azsim.tenant}/v2.0/.well-known/openid-configuration").json()["jwks_uri"]
    keys = s.get(jwks_uri).json()["keys"]
    token = _cred(azsim, mode, azsim.principal()["client_id"], azsim.principal()["client_secret"]).get_token(ARM_SCOPE).token
    header, _unused = jwt_parts(token)
    key = next(k for k in keys if k["kid"] == header["kid"])
    assert key["kty"] == "RSA" and header["alg"] == "RS256"

    def num(v):
        return int.from_bytes(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)), "big")

    pub = rsa.RSAPublicNumbers(num(key["e"]), num(key["n"])).public_key()
    head, payload, sig = token.split(".")
    pub.verify(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())


# -- client secret ----------------------------------------------------------------------------------
def test_client_secret_token_and_claims(azsim, mode):
    p = azsim.principal("deployer")
    before = int(time.time())
    tok = _cred(azsim, mode, p["client_id"], p["client_secret"]).get_token(ARM_SCOPE)
    _unused, claims = jwt_parts(tok.token)
    assert claims["aud"] == "https://management.azure.com"
    assert claims["tid"] == azsim.tenant
    assert claims["oid"] == p["object_id"]
    assert claims["appid"] == p["client_id"]
    assert claims["iss"] == f"https://sts.windows.net/{azsim.tenant}/"
    assert before + 3500 <= claims["exp"] <= int(time.time()) + 3600
    assert abs(tok.expires_on - claims["exp"]) <= 5


def test_token_requests_are_logged_with_principal_and_audience(azsim, mode):
    """azsim's request log (not an Azure behaviour): what the collection's token-cache test counts, per principal and audience."""
    p = azsim.principal("deployer")
    seq = azsim.last_seq()
    cred = _cred(azsim, mode, p["client_id"], p["client_secret"])
    cred.get_token(ARM_SCOPE)
    cred.get_token("https://vault.azure.net/.default")
    with pytest.raises(ClientAuthenticationError):
        _cred(azsim, mode, p["client_id"], "wrong").get_token(ARM_SCOPE)
    rows = [r for r in azsim.requests_since(seq) if r["path"].endswith("/oauth2/v2.0/token")]
    assert [(r["principal"], r["audience"], r["status"]) for r in rows] == [
        ("deployer", "https://management.azure.com", 200), ("deployer", "https://vault.azure.net", 200), (None, None, 401)]


def test_bad_secret(azsim, mode):
    with pytest.raises(ClientAuthenticationError) as exc:
        _cred(azsim, mode, azsim.principal()["client_id"], "not-the-secret").get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(exc.value)
    assert "Invalid client secret provided" in str(exc.value)


def test_unknown_client(azsim, mode):
    with pytest.raises(ClientAuthenticationError) as exc:
        _cred(azsim, mode, str(uuid.uuid4()), "whatever").get_token(ARM_SCOPE)
    assert "AADSTS700016" in str(exc.value)


def test_unknown_tenant(azsim, mode):
    p = azsim.principal()
    with pytest.raises(ClientAuthenticationError) as exc:
        _cred(azsim, mode, p["client_id"], p["client_secret"], tenant=str(uuid.uuid4())).get_token(ARM_SCOPE)
    # MSAL's own wording for a failed OIDC discovery (the 400 AADSTS90002 above), as against Entra.
    assert "Unable to get authority configuration" in str(exc.value)
    # The token endpoint itself answers Entra's body.
    r = plain_session(azsim, mode).post(f"{login_base(azsim, mode)}/{uuid.uuid4()}/oauth2/v2.0/token",
                                        data={"grant_type": "client_credentials", "client_id": p["client_id"],
                                              "client_secret": p["client_secret"], "scope": ARM_SCOPE})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_request" and body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant ")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


@pytest.mark.parametrize("scope, code, error", [
    ("https://management.azure.com", 1002012, "invalid_scope"),
    ("https://management.azure.com/.default https://vault.azure.net/.default", 1002012, "invalid_scope"),
    ("https://nothing-here.example.com/.default", 500011, "invalid_resource"),
])
def test_bad_scopes(azsim, mode, scope, code, error):
    p = azsim.principal()
    r = plain_session(azsim, mode).post(f"{login_base(azsim, mode)}/{azsim.tenant}/oauth2/v2.0/token",
                                        data={"grant_type": "client_credentials", "client_id": p["client_id"],
                                              "client_secret": p["client_secret"], "scope": scope})
    assert r.status_code == 400
    assert r.json()["error"] == error
    assert r.json()["error_codes"] == [code]
    with pytest.raises(ClientAuthenticationError) as exc:
        _cred(azsim, mode, p["client_id"], p["client_secret"]).get_token(*scope.split())
    assert f"AADSTS{code}" in str(exc.value)


def test_v1_token_endpoint(azsim, mode):
    p = azsim.principal()
    r = plain_session(azsim, mode).post(f"{login_base(azsim, mode)}/{azsim.tenant}/oauth2/token",
                                        data={"grant_type": "client_credentials", "client_id": p["client_id"],
                                              "client_secret": p["client_secret"], "resource": "https://management.core.windows.net/"})
    assert r.status_code == 200
    body = r.json()
    assert body["resource"] == "https://management.core.windows.net/"
    assert int(body["expires_on"]) == jwt_parts(body["access_token"])[1]["exp"]


# -- certificate credential --------------------------------------------------------------------------
def test_certificate_credential(azsim, mode):
    p = azsim.principal("auditor")
    kw = {"authority": azsim.url, "disable_instance_discovery": True} if mode == "direct" else {}
    tok = CertificateCredential(azsim.tenant, p["client_id"], certificate_path=p["certificate_path"], **kw).get_token(ARM_SCOPE)
    _unused, claims = jwt_parts(tok.token)
    assert claims["appid"] == p["client_id"] and claims["oid"] == p["object_id"]
    # The token works against ARM.
    s = plain_session(azsim, mode)
    s.headers["Authorization"] = "Bearer " + tok.token
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={"api-version": "2025-04-01"})
    assert r.status_code == 200


def _assertion(azsim, mode, client_id, key_pem_path, *, aud=None, exp_delta=600, x5t_of=None, iss=None):
    """A client assertion as MSAL builds it (PS256, x5t#S256 of the certificate, aud = token endpoint)."""
    import json

    with open(key_pem_path, "rb") as f:
        data = f.read()
    key = serialization.load_pem_private_key(data, None)
    cert = x509.load_pem_x509_certificate(data if x5t_of is None else open(x5t_of, "rb").read())  # noqa: SIM115
    now = int(time.time())
    token_ep = f"{login_base(azsim, mode)}/{azsim.tenant}/oauth2/v2.0/token"
    header = {"alg": "PS256", "typ": "JWT", "x5t#S256": base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA256())).rstrip(b"=").decode()}
    claims = {"aud": aud or token_ep, "iss": iss or client_id, "sub": iss or client_id, "jti": str(uuid.uuid4()), "nbf": now - 10,
              "iat": now - 10, "exp": now + exp_delta}

    def enc(o):
        return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()

    signing_input = enc(header) + "." + enc(claims)
    sig = key.sign(signing_input.encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())
    return token_ep, signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


@pytest.mark.parametrize("case, code", [
    ("ok", None), ("other_key", 700027), ("wrong_aud", 700023), ("expired", 700024), ("wrong_issuer", 700021),
])
def test_client_assertion_validation(azsim, mode, case, code):
    """Entra checks the signature against a certificate registered on the app (found by thumbprint), the audience
    (its token endpoint), the validity window and that iss/sub name the client (Microsoft identity platform
    "certificate credentials" documentation; AADSTS codes from the Entra error-code reference)."""
    p = azsim.principal("deployer")
    other = azsim.principal("owner")["certificate_path"]
    kw = {}
    path = p["certificate_path"]
    if case == "other_key":
        path = other
    elif case == "wrong_aud":
        kw["aud"] = "https://login.microsoftonline.com/common/oauth2/v2.0/token/not-this"
    elif case == "expired":
        kw["exp_delta"] = -120
    elif case == "wrong_issuer":
        kw["iss"] = azsim.principal("owner")["client_id"]
    ep, assertion = _assertion(azsim, mode, p["client_id"], path, **kw)
    r = plain_session(azsim, mode).post(ep, data={"grant_type": "client_credentials", "client_id": p["client_id"], "scope": ARM_SCOPE,
                                                  "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                                  "client_assertion": assertion})
    if code is None:
        assert r.status_code == 200, r.text
        assert jwt_parts(r.json()["access_token"])[1]["appid"] == p["client_id"]
    else:
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "invalid_client"
        assert r.json()["error_codes"] == [code]


# -- ARM's 401s ------------------------------------------------------------------------------------
def _rg_list_url(azsim, mode):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups?api-version=2025-04-01"


def test_arm_missing_authorization(azsim, mode):
    r = plain_session(azsim, mode).get(_rg_list_url(azsim, mode))
    assert r.status_code == 401
    assert error_of(r) == ("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
    www = r.headers["WWW-Authenticate"]
    assert www.startswith(f'Bearer authorization_uri="https://login.microsoftonline.com/{azsim.tenant}"')
    assert 'error="invalid_token"' in www


def test_arm_malformed_authorization(azsim, mode):
    s = plain_session(azsim, mode)
    s.headers["Authorization"] = "Basic Zm9vOmJhcg=="
    r = s.get(_rg_list_url(azsim, mode))
    assert r.status_code == 401
    assert error_of(r) == ("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.")
    assert "WWW-Authenticate" in r.headers


def test_arm_forged_token(azsim, mode):
    real = azsim.session(mode).headers["Authorization"].split()[1]
    head, payload, sig = real.split(".")
    # Same claims, signature from another key: what a forger can do at best.
    forged = f"{head}.{payload}.{sig[:-8]}AAAAAAAA"
    for token in (forged, "not-a-jwt", f"{head}.{payload}."):
        s = plain_session(azsim, mode)
        s.headers["Authorization"] = "Bearer " + token
        r = s.get(_rg_list_url(azsim, mode))
        assert r.status_code == 401
        assert error_of(r) == ("InvalidAuthenticationToken", "The access token is invalid.")
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_arm_expired_token(azsim, mode):
    s = azsim.session(mode)
    assert s.get(_rg_list_url(azsim, mode)).status_code == 200
    azsim.admin("POST", "clock", {"advance_seconds": 7200})
    try:
        r = s.get(_rg_list_url(azsim, mode))
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -7200})
    assert r.status_code == 401
    code, message = error_of(r)
    assert code == "ExpiredAuthenticationToken"
    assert message.startswith("The access token expiry UTC time '") and "is earlier than current UTC time" in message
    assert "WWW-Authenticate" in r.headers
    # Back in time, the same token works again.
    assert s.get(_rg_list_url(azsim, mode)).status_code == 200


def test_arm_wrong_audience(azsim, mode):
    s = plain_session(azsim, mode)
    s.headers["Authorization"] = "Bearer " + azsim.token("deployer", "https://vault.azure.net/.default")
    r = s.get(_rg_list_url(azsim, mode))
    assert r.status_code == 401
    code, message = error_of(r)
    assert code == "InvalidAuthenticationTokenAudience"
    assert message.startswith("The access token has been obtained for wrong audience or resource 'https://vault.azure.net'.")
    assert "'https://management.azure.com/'" in message
