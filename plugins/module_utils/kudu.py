# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kudu, the SCM site of an App Service app or slot (``https://<app>[-<slot>].scm.azurewebsites.net``), reached with the
module's own Entra credential: the same azure-core pipeline as Resource Manager (proxies, TLS trust from the environment,
retries of idempotent calls), a bearer token for Resource Manager's audience, which Kudu accepts from a principal holding
``Microsoft.Web/sites/publish/Action`` (Website Contributor, Contributor, Owner) - so basic publishing credentials can stay
off.  Sources: the Kudu wiki "REST API" and "Deploying from a zip file"; Microsoft Learn "Deploy files to App Service"
(``/api/zipdeploy``, ``isAsync``), "Disable basic authentication in App Service deployments".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.erpops.azure.plugins.module_utils.arm import CheckModeWrite
from ansible_collections.erpops.azure.plugins.module_utils.dataplane import pipeline_client
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError

API_VERSION = "2024-11-01"


def site_path(subscription_id, resource_group, web_app, slot=None):
    path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (subscription_id, resource_group, web_app)
    return path + "/slots/%s" % slot if slot else path


def scm_host(site, web_app, slot=None):
    """The Kudu host of a site or slot document: its C(Repository) host name (apps created with a unique default host
    name have ``<name>-<hash>.scm.<region>-01.azurewebsites.net``), else the classic ``<app>[-<slot>].scm.azurewebsites.net``."""
    props = (site or {}).get("properties") or {}
    for state in props.get("hostNameSslStates") or []:
        if str(state.get("hostType", "")).lower() == "repository" and state.get("name"):
            return state["name"].lower()
    for host in props.get("enabledHostNames") or []:
        if ".scm." in host.lower():
            return host.lower()
    return ("%s-%s" % (web_app, slot) if slot else web_app).lower() + ".scm.azurewebsites.net"


def read_site(az, p):
    """(path, site or slot document) from Resource Manager; a clear failure when it does not exist, except in check mode
    (a run on a new deployment, where the app is only predicted), where the document is None."""
    path = site_path(az.subscription_id, p["resource_group"], p["web_app"], p.get("slot"))
    site = az.arm.get(path, API_VERSION)
    if site is None and not az.check_mode:
        what = "slot %s of web app %s" % (p["slot"], p["web_app"]) if p.get("slot") else "web app %s" % p["web_app"]
        az.fail("%s not found in resource group %s" % (what, p["resource_group"]))
    return path, site


class KuduClient:
    """Requests to one SCM site.  Anything but GET raises CheckModeWrite in check mode (never sent)."""

    def __init__(self, auth, host, check_mode=False):
        self.auth = auth
        self.host = host
        self.base = "https://" + host
        self.check_mode = check_mode
        self._client = None
        self.calls = []

    def _pipeline(self):
        if self._client is None:
            from azure.core.pipeline import policies

            # Resource Manager's audience: Kudu accepts it, and the module already holds that credential.
            self._client = pipeline_client(self.base, self.auth.credential(), self.auth.scope,
                                           policies.RetryPolicy(retry_total=4, retry_backoff_factor=0.8, retry_on_methods=["GET"]), streaming=True)
        return self._client

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, expect=(200,), timeout=300):
        """(status, headers, body): the body parsed as JSON when it is JSON, else text."""
        method = method.upper()
        if self.check_mode and method not in ("GET", "HEAD"):
            raise CheckModeWrite("%s %s%s attempted in check mode" % (method, self.base, path))
        from azure.core.rest import HttpRequest

        hdrs = dict(headers or {})
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        elif data is not None:
            content = data
        req = HttpRequest(method, self.base + path, params=dict(params or {}), headers=hdrs, content=content)
        # azure-core retries a POST answered 500/503/504; a deployment or a command must never be sent twice.
        retries = {} if method in ("GET", "HEAD") else {"retry_total": 0}
        resp = self._pipeline().send_request(req, connection_timeout=30, read_timeout=timeout, **retries)
        raw = resp.read()
        self.calls.append((method, path, resp.status_code))
        body = _parse(raw, resp.headers.get("content-type"))
        if resp.status_code not in expect:
            text = body if isinstance(body, str) else json.dumps(body)
            raise AzureApiError(resp.status_code, "Kudu", (text or resp.reason or "").strip()[:2000], method=method, url=self.base + path)
        return resp.status_code, resp.headers, body


def _parse(raw, content_type):
    if not raw:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "json" in (content_type or "").lower() or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text
