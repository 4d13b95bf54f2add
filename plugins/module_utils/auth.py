# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who the modules are and which Azure they talk to.

Options and environment variables follow what AWX's Azure credential injects (AZURE_SUBSCRIPTION_ID,
AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT), azure-identity's names
(AZURE_CLIENT_SECRET, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE) and
azure.azcollection's ``~/.azure/credentials`` profiles.  azure-identity is imported only when a
credential is built, and only the credential class that is needed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

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
    )


class AuthError(Exception):
    pass


class Auth:
    """The resolved identity: a credential factory, the subscription, the ARM endpoint and token scope."""

    def __init__(self, source, subscription_id, arm_endpoint, authority_host, kwargs):
        self.source = source
        self.subscription_id = subscription_id
        self.arm_endpoint = arm_endpoint.rstrip("/")
        self.authority_host = authority_host
        self._kwargs = kwargs
        self._credential = None

    @property
    def scope(self):
        return self.arm_endpoint + "/.default"

    def credential(self):
        if self._credential is None:
            self._credential = _build(self.source, self.authority_host, self._kwargs)
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
    return Auth(source, subscription_id, arm, authority, kwargs)


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
