"""The token cache the module processes of a run share (issue 14: one token per principal and audience per run)."""

import io
import json
import multiprocessing
import os
import stat
import sys
import time

import pytest
import requests
import urllib3
from ansible_collections.erpops.azure.plugins.module_utils import auth
from ansible_collections.erpops.azure.plugins.module_utils.arm import ArmClient
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._requests_basic import RestRequestsTransportResponse

SECRET = "s3cr3t-Value~that-must-never-be-stored"
SCOPE = "https://management.azure.com/.default"


class FakeCredential:
    """azure-identity's part: counts token requests, each answering a new token valid for ``lifetime`` seconds."""

    def __init__(self, lifetime=3600, log=None, delay=0.0, refresh_in=None):
        self.lifetime = lifetime
        self.calls = []
        self.log = log
        self.delay = delay
        self.refresh_in = refresh_in

    def get_token_info(self, *scopes, options=None):
        time.sleep(self.delay)
        self.calls.append((scopes, options))
        if self.log:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")
        now = int(time.time())
        return AccessTokenInfo(f"tok-{os.getpid()}-{len(self.calls)}-{now}", now + self.lifetime,
                               refresh_on=now + self.refresh_in if self.refresh_in else None)

    def get_token(self, *scopes, **kwargs):
        info = self.get_token_info(*scopes, options=kwargs)
        return AccessToken(info.token, info.expires_on)


def _auth(tmp_path, source="env", secret=SECRET, client_id="app-1", token_cache=True, environ=None):
    env = {"TMPDIR": str(tmp_path)} if environ is None else environ
    params = {"auth_source": source, "subscription_id": "sub", "client_id": client_id, "secret": secret, "tenant": "tenant-1",
              "cloud_environment": "AzureCloud", "token_cache": token_cache}
    return auth.resolve(params, environ=env)


def _cached(tmp_path, inner, **kw):
    a = _auth(tmp_path, **kw)
    cred = a.credential()
    assert isinstance(cred, auth.CachedCredential)
    cred._factory = lambda: inner
    return cred


def _cache_files(tmp_path):
    d = tmp_path / f"erpops-azure-tokens-{os.getuid()}"
    return sorted(p for p in d.iterdir() if p.suffix == ".json") if d.exists() else []


def test_second_task_gets_the_first_tasks_token_without_building_a_credential(tmp_path):
    first = FakeCredential()
    token = _cached(tmp_path, first).get_token_info(SCOPE).token
    # A later task (a new process): its credential factory must never run, so azure-identity is never imported.
    second = _auth(tmp_path).credential()
    second._factory = lambda: pytest.fail("the cache missed: azure-identity was built")
    assert second.get_token_info(SCOPE).token == token
    assert second.get_token(SCOPE).token == token
    assert len(first.calls) == 1 and second.fetched == 0


def test_keys_separate_principal_secret_audience_and_authority(tmp_path):
    inner = FakeCredential()
    _cached(tmp_path, inner).get_token_info(SCOPE)
    _cached(tmp_path, inner).get_token_info("https://vault.azure.net/.default")  # another audience
    _cached(tmp_path, inner, client_id="app-2").get_token_info(SCOPE)  # another principal
    _cached(tmp_path, inner, secret="rotated").get_token_info(SCOPE)  # the secret rotated: a new key, not the old token
    _cached(tmp_path, inner).get_token_info(SCOPE)  # the first again: a hit
    assert len(inner.calls) == 4 and len(_cache_files(tmp_path)) == 4


def test_expiry_margin(tmp_path):
    inner = FakeCredential(lifetime=3600)
    cred = _cached(tmp_path, inner)
    cred.get_token_info(SCOPE)
    entry = json.loads(_cache_files(tmp_path)[0].read_text())
    now = entry["expires_on"] - 301
    cred.cache.clock = lambda: now  # 301 s left: still used
    assert cred.get_token_info(SCOPE).token == entry["token"] and len(inner.calls) == 1
    cred.cache.clock = lambda: now + 2  # 299 s left: fetched again
    assert cred.get_token_info(SCOPE).token != entry["token"] and len(inner.calls) == 2


def test_refresh_on_is_honoured(tmp_path):
    inner = FakeCredential(lifetime=86400, refresh_in=3600)
    cred = _cached(tmp_path, inner)
    first = cred.get_token_info(SCOPE)
    assert first.refresh_on and cred.get_token_info(SCOPE).token == first.token
    cred.cache.clock = lambda: first.refresh_on + 1  # azure-identity would refresh now: so does the cache
    assert cred.get_token_info(SCOPE).token != first.token and len(inner.calls) == 2


def test_permissions_and_no_secret_on_disk(tmp_path):
    old = os.umask(0)  # the most permissive umask must not leak into the cache
    try:
        _cached(tmp_path, FakeCredential()).get_token_info(SCOPE)
    finally:
        os.umask(old)
    d = tmp_path / f"erpops-azure-tokens-{os.getuid()}"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    files = list(d.iterdir())
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    for p in files:
        assert SECRET not in p.name and SECRET.encode() not in p.read_bytes()
    entry = json.loads(_cache_files(tmp_path)[0].read_text())
    assert set(entry) == {"token", "expires_on", "token_type", "refresh_on"}


def test_a_loose_directory_is_tightened_and_a_readable_file_is_ignored(tmp_path):
    d = tmp_path / f"erpops-azure-tokens-{os.getuid()}"
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    inner = FakeCredential()
    _cached(tmp_path, inner).get_token_info(SCOPE)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    path = _cache_files(tmp_path)[0]
    path.chmod(0o644)  # not written by us as we write: never trusted
    _cached(tmp_path, inner).get_token_info(SCOPE)
    assert len(inner.calls) == 2


def test_a_symlinked_directory_turns_the_cache_off(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / f"erpops-azure-tokens-{os.getuid()}").symlink_to(elsewhere)
    inner = FakeCredential()
    for _attempt in range(2):
        assert _cached(tmp_path, inner).get_token_info(SCOPE).token
    assert len(inner.calls) == 2 and not list(elsewhere.iterdir())


def test_token_cache_off_uses_the_credential_itself(tmp_path):
    a = _auth(tmp_path, token_cache=False)
    assert not isinstance(a.credential(), auth.CachedCredential)
    spec = auth.auth_argument_spec()["token_cache"]
    assert spec["default"] is True and spec["fallback"][1] == ["ANSIBLE_AZURE_TOKEN_CACHE"]


def test_the_env_switch_reaches_the_option():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.module_utils.common.parameters import env_fallback  # noqa: F401 - the fallback the spec names

    validator = ArgumentSpecValidator(auth.auth_argument_spec())
    for value, expected in (("off", False), ("false", False), ("on", True)):
        os.environ["ANSIBLE_AZURE_TOKEN_CACHE"] = value
        try:
            assert validator.validate({}).validated_parameters["token_cache"] is expected
        finally:
            del os.environ["ANSIBLE_AZURE_TOKEN_CACHE"]
    assert validator.validate({}).validated_parameters["token_cache"] is True


def test_cli_tokens_are_keyed_by_the_signed_in_account(tmp_path):
    config = tmp_path / "azcfg"
    config.mkdir()
    env = {"TMPDIR": str(tmp_path), "AZURE_CONFIG_DIR": str(config)}
    params = {"auth_source": "cli", "subscription_id": "sub", "tenant": None, "client_id": None, "secret": None, "cloud_environment": "AzureCloud"}
    assert not isinstance(auth.resolve(params, environ=env).credential(), auth.CachedCredential)  # not signed in: no cache
    (config / "azureProfile.json").write_text('{"subscriptions": [{"user": {"name": "a@example.com"}}]}')
    inner = FakeCredential()
    first = auth.resolve(params, environ=env).credential()
    first._factory = lambda: inner
    token = first.get_token_info(SCOPE).token
    again = auth.resolve(params, environ=env).credential()
    assert again.get_token_info(SCOPE).token == token
    (config / "azureProfile.json").write_text('{"subscriptions": [{"user": {"name": "b@example.com"}}]}')  # `az login` as someone else
    other = auth.resolve(params, environ=env).credential()
    other._factory = lambda: inner
    assert other.get_token_info(SCOPE).token != token and len(inner.calls) == 2


def _worker(tmp, log, start):
    inner = FakeCredential(log=log, delay=0.5)
    cred = auth.resolve({"auth_source": "env", "subscription_id": "sub", "client_id": "app-1", "secret": SECRET, "tenant": "tenant-1",
                         "cloud_environment": "AzureCloud"}, environ={"TMPDIR": tmp}).credential()
    cred._factory = lambda: inner
    while time.time() < start:
        time.sleep(0.005)
    token = cred.get_token_info(SCOPE).token
    with open(log + ".tokens", "a", encoding="utf-8") as f:
        f.write(token + "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock")
def test_two_processes_make_one_token_request(tmp_path):
    log = str(tmp_path / "fetches")
    ctx = multiprocessing.get_context("fork")
    start = time.time() + 0.5
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), log, start)) for _worker_no in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    with open(log, encoding="utf-8") as f:
        assert len(f.read().split()) == 1  # one fetch between them (each waited on the lock, then found the token)
    with open(log + ".tokens", encoding="utf-8") as f:
        assert len(set(f.read().split())) == 1


class FakeTransport(HttpTransport):
    """Answers ARM requests from a list; records the bearer token each request carried."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None

    def open(self):
        return None

    def close(self):
        return None

    def send(self, request, **kwargs):
        self.sent.append((request.headers.get("Authorization") or "")[len("Bearer "):])
        status, body = self.answers.pop(0)
        resp = requests.Response()
        resp.status_code = status
        data = json.dumps(body).encode()
        resp.raw = urllib3.HTTPResponse(body=io.BytesIO(data), status=status, preload_content=False)
        resp.headers["Content-Type"] = "application/json"
        if status == 401:
            # ARM's challenge on an invalid token (ARM RPC, common API details: 401 carries WWW-Authenticate).
            resp.headers["WWW-Authenticate"] = 'Bearer authorization_uri="https://login.microsoftonline.com/t", error="invalid_token"'
        return RestRequestsTransportResponse(request=request, internal_response=resp)


UNAUTHORIZED = {"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}}


def _arm(tmp_path, inner, answers):
    a = _auth(tmp_path)
    a.credential()._factory = lambda: inner
    client = ArmClient(a)
    client.transport = FakeTransport(answers)
    return client


def test_a_refused_cached_token_is_dropped_and_the_request_sent_again(tmp_path):
    inner = FakeCredential()
    stale = _cached(tmp_path, inner).get_token_info(SCOPE).token  # an earlier task cached it; then it was revoked
    client = _arm(tmp_path, inner, [(401, UNAUTHORIZED), (200, {"name": "rg"})])
    assert client.get("/subscriptions/sub/resourcegroups/rg", "2021-04-01") == {"name": "rg"}
    fresh = json.loads(_cache_files(tmp_path)[0].read_text())["token"]
    assert client.transport.sent == [stale, fresh] and fresh != stale and len(inner.calls) == 2
    # The next task uses the new token straight away.
    nxt = _arm(tmp_path, inner, [(200, {"name": "rg"})])
    nxt.get("/subscriptions/sub/resourcegroups/rg", "2021-04-01")
    assert nxt.transport.sent == [fresh] and len(inner.calls) == 2


def test_a_refused_fresh_token_is_not_retried(tmp_path):
    inner = FakeCredential()
    client = _arm(tmp_path, inner, [(401, UNAUTHORIZED), (200, {})])
    with pytest.raises(AzureApiError) as err:
        client.get("/subscriptions/sub/resourcegroups/rg", "2021-04-01")
    assert err.value.status == 401 and len(client.transport.sent) == 1 and len(inner.calls) == 1


def test_a_second_401_after_the_refetch_is_the_answer(tmp_path):
    inner = FakeCredential()
    _cached(tmp_path, inner).get_token_info(SCOPE)
    client = _arm(tmp_path, inner, [(401, UNAUTHORIZED), (401, UNAUTHORIZED), (200, {})])
    with pytest.raises(AzureApiError):
        client.get("/subscriptions/sub/resourcegroups/rg", "2021-04-01")
    assert len(client.transport.sent) == 2 and len(inner.calls) == 2
