# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who the modules are and which Azure they talk to.

Options and environment variables follow what AWX's Azure credential injects (AZURE_SUBSCRIPTION_ID,
AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT), azure-identity's names
(AZURE_CLIENT_SECRET, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE) and
azure.azcollection's ``~/.azure/credentials`` profiles.  azure-identity is imported only when a
credential is built, and only the credential class that is needed.

Every Ansible task is a separate Python process: without help each would ask Entra for its own token.  The credential
is therefore wrapped in ``CachedCredential``, which keeps each token in an owner-only file of the controller's
temporary directory (``$TMPDIR/erpops-azure-tokens-<uid>/``, one file per principal, authority, tenant and scope,
named by a hash that never contains the secret) and shares it between the tasks of a run, honouring its expiry.  On a
cache hit azure-identity and MSAL are not imported at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import json
import os
import stat
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the cache is off
    fcntl = None

try:
    from ansible.module_utils.six.moves import configparser
except ImportError:  # pragma: no cover
    import configparser  # type: ignore

from ansible.module_utils.basic import env_fallback

# Public clouds: ARM endpoint and Entra authority host (Microsoft Learn, "National clouds").
CLOUDS = {
    "AzureCloud": ("https://management.azure.com", "login.microsoftonline.com"),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "login.chinacloudapi.cn"),
    "AzureUSGovernment": ("https://management.usgovcloudapi.net", "login.microsoftonline.us"),
}
# MSAL's own list of authorities that need no instance discovery (msal/authority.py).
KNOWN_AUTHORITIES = ("login.microsoftonline.com", "login.chinacloudapi.cn", "login-us.microsoftonline.com", "login.microsoftonline.us")
AUTH_SOURCES = ("auto", "env", "credential_file", "cli", "msi", "workload_identity")


def auth_argument_spec():
    return dict(
        auth_source=dict(type="str", default="auto", choices=list(AUTH_SOURCES), fallback=(env_fallback, ["ANSIBLE_AZURE_AUTH_SOURCE"])),
        subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
        client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
        secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_SECRET", "AZURE_CLIENT_SECRET"])),
        tenant=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT", "AZURE_TENANT_ID"])),
        profile=dict(type="str", fallback=(env_fallback, ["AZURE_PROFILE"])),
        cloud_environment=dict(type="str", default="AzureCloud", choices=list(CLOUDS), fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"])),
        arm_endpoint=dict(type="str", fallback=(env_fallback, ["AZURE_ARM_ENDPOINT"])),
        authority_host=dict(type="str", fallback=(env_fallback, ["AZURE_AUTHORITY_HOST"])),
        token_cache=dict(type="bool", default=True, fallback=(env_fallback, ["ANSIBLE_AZURE_TOKEN_CACHE"])),
    )


class AuthError(Exception):
    pass


class Auth:
    """The resolved identity: a credential factory, the subscription, the ARM endpoint and token scope."""

    def __init__(self, source, subscription_id, arm_endpoint, authority_host, kwargs, token_cache=True, environ=None):
        self.source = source
        self.subscription_id = subscription_id
        self.arm_endpoint = arm_endpoint.rstrip("/")
        self.authority_host = authority_host
        self._kwargs = kwargs
        self._credential = None
        self.token_cache = token_cache
        self._environ = os.environ if environ is None else environ

    @property
    def scope(self):
        return self.arm_endpoint + "/.default"

    def credential(self):
        """The credential the pipelines use: azure-identity's, behind the shared token cache unless it is off."""
        if self._credential is None:
            identity = _identity(self.source, self.authority_host, self._kwargs, self._environ) if self.token_cache else None
            if identity is None:
                self._credential = _build(self.source, self.authority_host, self._kwargs)
            else:
                self._credential = CachedCredential(lambda: _build(self.source, self.authority_host, self._kwargs), identity,
                                                    TokenCache(cache_dir(self._environ)))
        return self._credential


def _profile(path, name):
    parser = configparser.ConfigParser()
    if not parser.read(path):
        return None
    if not parser.has_section(name):
        raise AuthError("profile '%s' not found in %s (sections: %s)" % (name, path, ", ".join(parser.sections()) or "none"))
    return dict(parser.items(name))


def resolve(params, environ=None):
    """Choose the credential the way the documentation of the ``erpops.azure.azure`` fragment says."""
    environ = os.environ if environ is None else environ
    source = params.get("auth_source") or "auto"
    client_id, secret, tenant = params.get("client_id"), params.get("secret"), params.get("tenant")
    subscription_id = params.get("subscription_id")
    cloud = params.get("cloud_environment") or "AzureCloud"
    arm_default, authority_default = CLOUDS[cloud]
    token_file = environ.get("AZURE_FEDERATED_TOKEN_FILE")
    cred_path = os.path.join(os.path.expanduser("~"), ".azure", "credentials")

    if source == "auto":
        if client_id and secret and tenant:
            source = "env"
        elif client_id and tenant and token_file:
            source = "workload_identity"
        elif params.get("profile") or os.path.exists(cred_path):
            source = "credential_file"
        elif environ.get("IDENTITY_ENDPOINT") or environ.get("MSI_ENDPOINT"):
            source = "msi"
        else:
            source = "cli"
    if source == "credential_file":
        prof = _profile(cred_path, params.get("profile") or "default")
        if prof is None:
            raise AuthError("auth_source=credential_file but %s does not exist" % cred_path)
        client_id, secret, tenant = prof.get("client_id"), prof.get("secret"), prof.get("tenant")
        subscription_id = subscription_id or prof.get("subscription_id")
        if prof.get("cloud_environment") in CLOUDS and not params.get("arm_endpoint"):
            arm_default, authority_default = CLOUDS[prof["cloud_environment"]]
        if not (client_id and secret and tenant):
            raise AuthError("profile '%s' in %s needs client_id, secret and tenant" % (params.get("profile") or "default", cred_path))
        source = "env"
    if source == "env":
        missing = [n for n, v in (("client_id", client_id), ("secret", secret), ("tenant", tenant)) if not v]
        if missing:
            raise AuthError("service principal authentication needs %s (options, or AZURE_CLIENT_ID / AZURE_SECRET / AZURE_TENANT)"
                            % ", ".join(missing))
    if source == "workload_identity" and not (client_id and tenant and token_file):
        raise AuthError("workload identity needs client_id, tenant and AZURE_FEDERATED_TOKEN_FILE")
    if not subscription_id:
        raise AuthError("subscription_id is required (option subscription_id or AZURE_SUBSCRIPTION_ID)")
    arm = params.get("arm_endpoint") or arm_default
    authority = params.get("authority_host") or authority_default
    if "://" not in authority:
        authority = "https://" + authority
    kwargs = {"client_id": client_id, "secret": secret, "tenant": tenant, "token_file": token_file}
    cache = params.get("token_cache")
    return Auth(source, subscription_id, arm, authority, kwargs, token_cache=True if cache is None else bool(cache), environ=environ)


def _build(source, authority, kw):
    host = authority.split("://", 1)[-1].split("/", 1)[0].lower()
    common = {"authority": authority}
    if host not in KNOWN_AUTHORITIES:
        # A custom authority (a sovereign stack, azsim's direct endpoint): MSAL would otherwise ask
        # login.microsoftonline.com to validate it first.
        common["disable_instance_discovery"] = True
    if source == "env":
        from azure.identity import ClientSecretCredential
        return ClientSecretCredential(kw["tenant"], kw["client_id"], kw["secret"], **common)
    if source == "workload_identity":
        from azure.identity import WorkloadIdentityCredential
        return WorkloadIdentityCredential(tenant_id=kw["tenant"], client_id=kw["client_id"], token_file_path=kw["token_file"], **common)
    if source == "msi":
        from azure.identity import ManagedIdentityCredential
        return ManagedIdentityCredential(client_id=kw["client_id"]) if kw["client_id"] else ManagedIdentityCredential()
    from azure.identity import AzureCliCredential
    return AzureCliCredential(tenant_id=kw["tenant"]) if kw["tenant"] else AzureCliCredential()


# -- the token cache the module processes of a run share ----------------------------------------------------------------
# A cached token is used only while it has more than this left (azure-core's own refresh margin, DEFAULT_REFRESH_OFFSET):
# a task that starts with it still has five minutes before Azure refuses it.
EXPIRY_MARGIN = 300


def cache_dir(environ=None):
    """``$TMPDIR/erpops-azure-tokens-<uid>`` on the controller (``/tmp`` without TMPDIR)."""
    environ = os.environ if environ is None else environ
    # The directory is created 0700 and checked to be ours before any use (TokenCache._dir).
    return os.path.join(environ.get("TMPDIR") or "/tmp", "erpops-azure-tokens-%d" % os.getuid())  # noqa: S108


def _sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _identity(source, authority, kw, environ):
    """What a cached token belongs to, without any secret (a list that feeds the cache key); None: not cacheable."""
    authority = authority.rstrip("/").lower()
    if source == "env":
        return ["env", authority, kw["tenant"], kw["client_id"], _sha256(kw["secret"])]
    if source == "workload_identity":
        return ["workload_identity", authority, kw["tenant"], kw["client_id"], kw["token_file"]]
    if source == "msi":
        # The machine's identity: system-assigned, or the user-assigned one named by client_id, behind this endpoint.
        return ["msi", kw["client_id"] or "", environ.get("IDENTITY_ENDPOINT") or environ.get("MSI_ENDPOINT") or "imds"]
    # The Azure CLI's signed-in account: `az login` / `az account set` rewrite azureProfile.json, which changes the key, so
    # a token of the previous account is never served after a switch.  No profile file: no cache.
    profile = os.path.join(environ.get("AZURE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".azure"), "azureProfile.json")
    try:
        with open(profile, "rb") as f:
            fingerprint = hashlib.sha256(f.read()).hexdigest()
    except (IOError, OSError):
        return None
    return ["cli", kw["tenant"] or "", fingerprint]


def _entry(token):
    """The cached form of an azure-core ``AccessToken`` / ``AccessTokenInfo``."""
    refresh_on = getattr(token, "refresh_on", None)
    return {"token": token.token, "expires_on": int(token.expires_on), "token_type": getattr(token, "token_type", None) or "Bearer",
            "refresh_on": int(refresh_on) if refresh_on else None}


class _Lock:
    """An exclusive ``flock`` on ``path`` (held until exit), or nothing when there is no path."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def __enter__(self):
        if self.path and fcntl is not None:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except (IOError, OSError):
                self.__exit__()
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None
        return False


class TokenCache:
    """One JSON file per key in an owner-only directory: ``{"token", "expires_on", "token_type", "refresh_on"}``.

    Nothing is trusted that another user could have written: the directory must be ours and is kept at 0700, a file is
    read only when it is ours and unreadable to others.  An unusable directory turns the cache off, never the module."""

    def __init__(self, directory, clock=time.time, margin=EXPIRY_MARGIN):
        self.directory = directory
        self.clock = clock
        self.margin = margin
        self._checked = None

    def _dir(self):
        if self._checked is None:
            self._checked = False
            try:
                try:
                    os.mkdir(self.directory, 0o700)
                except OSError as exc:
                    if exc.errno != errno.EEXIST:
                        raise
                st = os.lstat(self.directory)
                if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
                    if stat.S_IMODE(st.st_mode) != 0o700:
                        os.chmod(self.directory, 0o700)
                    self._checked = True
            except (IOError, OSError):
                pass
        return self.directory if self._checked else None

    def path(self, key):
        d = self._dir()
        return os.path.join(d, key + ".json") if d else None

    def valid(self, entry):
        now = self.clock()
        return (isinstance(entry, dict) and isinstance(entry.get("token"), str) and isinstance(entry.get("expires_on"), int)
                and entry["expires_on"] - now > self.margin and not (entry.get("refresh_on") and entry["refresh_on"] <= now))

    def read(self, key):
        """The cached entry for ``key`` when it is still good for more than the margin, else None."""
        path = self.path(key)
        if not path:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (IOError, OSError):
            return None
        with os.fdopen(fd, "r") as f:
            st = os.fstat(f.fileno())
            if st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
            try:
                entry = json.load(f)
            except ValueError:
                return None
        return entry if self.valid(entry) else None

    def write(self, key, entry):
        """Replace the entry atomically: a reader sees the old file or the new one, never half of one."""
        path = self.path(key)
        if not path:
            return
        import tempfile  # only on a miss: a hit need not pay for it

        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".%s." % key[:12], suffix=".tmp")  # created 0600
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(entry, f)
            os.replace(tmp, path)
        except (IOError, OSError):
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def drop(self, key, token):
        """Forget the entry of ``key`` if it still holds ``token`` (another task may have replaced it already)."""
        path = self.path(key)
        if not path:
            return
        with self.lock(key):
            try:
                with open(path, "r") as f:
                    held = json.load(f).get("token")
            except (IOError, OSError, ValueError, AttributeError):
                return
            if held == token:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def lock(self, key):
        d = self._dir()
        return _Lock(os.path.join(d, key + ".lock") if d else None)


class CachedCredential:
    """An azure-core token credential (``get_token`` and ``get_token_info``) that asks the file cache first.

    On a miss it takes the key's lock, looks again (another task may just have fetched it), and only then builds the
    azure-identity credential and asks Entra: concurrent tasks of one run make one token request between them.  A claims
    challenge (CAE) always goes to Entra.  ``invalidate`` is called with a token a service refused with 401."""

    def __init__(self, factory, identity, cache):
        self._factory = factory
        self._inner = None
        self._inner_lock = threading.Lock()  # the audit's collectors ask for tokens from several threads
        self._identity = identity
        self.cache = cache
        self.fetched = 0  # token requests this credential made (the cache's misses)
        self._served = {}  # token served from the cache file -> its key

    @property
    def inner(self):
        with self._inner_lock:
            if self._inner is None:
                self._inner = self._factory()
        return self._inner

    def key(self, scopes, tenant_id=None, enable_cae=False):
        return _sha256(json.dumps([self._identity, sorted(scopes), tenant_id or "", bool(enable_cae)]))

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        entry = self._get(scopes, kwargs.get("claims"), kwargs.get("tenant_id"), kwargs.get("enable_cae"),
                          lambda: self.inner.get_token(*scopes, **kwargs))
        return AccessToken(entry["token"], entry["expires_on"])

    def get_token_info(self, *scopes, **kwargs):
        from azure.core.credentials import AccessTokenInfo

        options = kwargs.get("options") or {}

        def fetch():
            inner = self.inner
            if hasattr(inner, "get_token_info"):
                return inner.get_token_info(*scopes, options=options)
            return inner.get_token(*scopes, **options)

        entry = self._get(scopes, options.get("claims"), options.get("tenant_id"), options.get("enable_cae"), fetch)
        return AccessTokenInfo(entry["token"], entry["expires_on"], token_type=entry.get("token_type") or "Bearer", refresh_on=entry.get("refresh_on"))

    def _get(self, scopes, claims, tenant_id, enable_cae, fetch):
        key = self.key(scopes, tenant_id, enable_cae)
        if not claims:
            entry = self.cache.read(key)
            if entry:
                self._served[entry["token"]] = key
                return entry
        with self.cache.lock(key):
            if not claims:
                entry = self.cache.read(key)
                if entry:
                    self._served[entry["token"]] = key
                    return entry
            entry = _entry(fetch())
            self.fetched += 1
            self.cache.write(key, entry)
        return entry

    def invalidate(self, token):
        """A service answered 401 to ``token``.  When it came from the cache file (revoked, or its principal's secret
        rotated since), the entry is dropped and True says a fresh token is worth one more try; a token this process
        fetched itself was refused for a reason a new one would not cure."""
        key = self._served.pop(token, None)
        if key is None:
            return False
        self.cache.drop(key, token)
        return True

    def close(self):
        if self._inner is not None and hasattr(self._inner, "close"):
            self._inner.close()


_POLICY_CLASSES = {}


def bearer_policy(credential, scope, arm=False):
    """azure-core's bearer-token policy (azure-mgmt-core's ARM variant when ``arm``), which also answers a 401 to a token
    served from the cache: the entry is dropped and the request is sent once more with a freshly fetched token."""
    cls = _POLICY_CLASSES.get(arm)
    if cls is None:
        if arm:
            from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy as base
        else:
            from azure.core.pipeline.policies import BearerTokenCredentialPolicy as base

        class CachedTokenPolicy(base):
            def on_challenge(self, request, response):
                if super(CachedTokenPolicy, self).on_challenge(request, response):
                    return True
                invalidate = getattr(self._credential, "invalidate", None)
                sent = request.http_request.headers.get("Authorization") or ""
                if invalidate is None or not sent.lower().startswith("bearer ") or not invalidate(sent[7:]):
                    return False
                self.authorize_request(request, *self._scopes)
                return True

        CachedTokenPolicy.__name__ = "Cached" + base.__name__
        cls = _POLICY_CLASSES[arm] = CachedTokenPolicy
    return cls(credential, scope)
