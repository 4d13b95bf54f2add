# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key Vault's data plane (secrets, API 7.4) through an azure-core pipeline of its own: ARM's client is ARM-only.

One client for every module that reads or writes a vault's secrets (key_vault_secret, redis_cache's key store)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.erpops.azure.plugins.module_utils.arm import CheckModeWrite
from ansible_collections.erpops.azure.plugins.module_utils.dataplane import pipeline_client
from ansible_collections.erpops.azure.plugins.module_utils.errors import from_response

API_VERSION = "7.4"
# Learn "Azure Key Vault DNS suffixes" per cloud; the token audience is https://<suffix>.
DNS_SUFFIX = {"AzureCloud": "vault.azure.net", "AzureChinaCloud": "vault.azure.cn", "AzureUSGovernment": "vault.usgovcloudapi.net"}


def vault_url(vault_name, cloud):
    return "https://%s.%s" % (vault_name.lower(), DNS_SUFFIX[cloud or "AzureCloud"])


class VaultClient:
    """Raw REST on one vault's data plane: ``request(method, path)`` -> (status, parsed body or None).

    Writes are refused in check mode before anything is sent; an answer not in ``expect`` raises AzureApiError, whose
    text is Key Vault's error (which names a secret, never its value)."""

    def __init__(self, az, vault_name, cloud):
        self.az = az
        self.base = vault_url(vault_name, cloud)
        self.scope = "https://%s/.default" % DNS_SUFFIX[cloud or "AzureCloud"]
        self._client = None

    def _pipeline(self):
        if self._client is None:
            from azure.core.pipeline import policies
            self._client = pipeline_client(self.base, self.az.arm.auth.credential(), self.scope,
                                           policies.RetryPolicy(retry_total=6, retry_backoff_factor=0.8),
                                           decode_and_redirect=True, http_logging=True)
        return self._client

    def request(self, method, path, body=None, expect=(200,)):
        if self.az.check_mode and method not in ("GET", "HEAD"):
            raise CheckModeWrite("%s %s attempted in check mode" % (method, path))
        from azure.core.rest import HttpRequest
        resp = self._pipeline().send_request(HttpRequest(method, self.base + path, params={"api-version": API_VERSION}, json=body))
        raw = resp.read()
        if resp.status_code not in expect:
            raise from_response(resp.status_code, resp.headers, raw, method, self.base + path)
        return resp.status_code, json.loads(raw) if raw else None
