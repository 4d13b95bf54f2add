# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM requests through the official Azure SDK pipeline (azure-core / azure-mgmt-core).

Every module talks REST through one ``ARMPipelineClient`` — authentication, proxies, TLS trust,
redirects, provider auto-registration and azure-core's retry policy (408/429/5xx on idempotent
methods, honouring ``Retry-After``) — instead of importing a service SDK: a task pays for
azure-core and azure-identity only, and sees the exact wire format the REST specs document.
On top: a bounded retry of 429 / 409-busy answers for PATCH and for POSTs that are safe to
repeat (azure-core never retries those), a hard guard that makes any write impossible in check
mode, and the ARM long-running-operation algorithm with persistable operation handles.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

from ansible_collections.erpops.azure.plugins.module_utils.auth import bearer_policy
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError, from_response

BUSY_CODES = ("ServerBusy", "AnotherOperationInProgress", "OperationNotAllowed", "Conflict")
MAX_SAFE_RETRIES = 5
MAX_RETRY_AFTER = 60
# Cost Management and Consumption answer 429 with their wait in their own headers, often without Retry-After (Learn
# "Manage costs with automation", response headers; the four costmanagement headers listed in Azure/azqr#745; the
# consumption one in the azure-mgmt-costmanagement error docs). The longest wait named is the one to honour.
THROTTLE_HEADERS = ("retry-after", "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
                    "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
                    "x-ms-ratelimit-microsoft.costmanagement-client-retry-after", "x-ms-ratelimit-microsoft.consumption-retry-after")
TERMINAL = ("succeeded", "failed", "canceled", "cancelled")
USER_AGENT = "erpops-azure/0.1"


class AzureConnectionError(Exception):
    """No answer from Azure after the retries: the connection failed or was dropped."""


class CheckModeWrite(Exception):
    """A write was attempted while Ansible runs in check mode: a bug in the module, never sent."""


class ArmClient:
    def __init__(self, auth, check_mode=False, sleep=time.sleep, clock=time.time):
        self.auth = auth
        self.check_mode = check_mode
        self._client = None
        self._sleep = sleep
        self._clock = clock
        self.calls = []  # (method, path, status): what this task did, for tests and debugging
        # Called with every HTTP answer the pipeline receives, the 429s azure-core's retry policy absorbs included:
        # fn(method, url, status, headers).  Readers use it to count throttling and to pace themselves.
        self.response_hook = None
        self._init_lock = threading.Lock()
        self.transport = None  # an azure-core HttpTransport to use instead of transport.transport_from_environment() (tests)

    @property
    def base(self):
        return self.auth.arm_endpoint

    @property
    def subscription_id(self):
        return self.auth.subscription_id

    def _raw_response(self, pipeline_response):
        hook = self.response_hook
        if hook is not None:
            req, resp = pipeline_response.http_request, pipeline_response.http_response
            hook(req.method, req.url, resp.status_code, resp.headers)

    def _pipeline(self):
        if self._client is not None:
            return self._client
        with self._init_lock:
            return self._build_pipeline()

    def _build_pipeline(self):
        if self._client is None:
            from azure.core.pipeline import policies
            from azure.mgmt.core import ARMPipelineClient
            from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy, ARMHttpLoggingPolicy

            pipeline_policies = [
                policies.RequestIdPolicy(),
                policies.HeadersPolicy(),
                policies.UserAgentPolicy(sdk_moniker=USER_AGENT),
                policies.ProxyPolicy(),
                policies.ContentDecodePolicy(),
                ARMAutoResourceProviderRegistrationPolicy(),
                policies.RedirectPolicy(),
                policies.RetryPolicy(retry_total=6, retry_backoff_factor=0.8, retry_backoff_max=MAX_RETRY_AFTER),
                # ARM's challenge policy; a 401 to a token from the shared cache drops it and retries once with a new one.
                bearer_policy(self.auth.credential(), self.auth.scope, arm=True),
                policies.CustomHookPolicy(raw_response_hook=self._raw_response),
                policies.NetworkTraceLoggingPolicy(),
                ARMHttpLoggingPolicy(),
            ]
            from ansible_collections.erpops.azure.plugins.module_utils.transport import transport_from_environment

            transport = self.transport if self.transport is not None else transport_from_environment()
            self._client = ARMPipelineClient(base_url=self.base, policies=pipeline_policies, transport=transport)
        return self._client

    # -- requests ----------------------------------------------------------------------------------
    def url(self, path):
        return path if path.startswith("https://") or path.startswith("http://") else self.base + path

    def request(self, method, path, api_version=None, body=None, params=None, expect=(200, 201, 202, 204), read_only=False, safe=False,
                headers=None):
        """Send one request; returns (status, headers, parsed body or None).

        ``read_only``: a POST that changes nothing (``.../list``, ``listKeys``, ``checkNameAvailability``),
        allowed in check mode and safe to retry.  ``safe``: a POST that may be repeated after a 429/busy answer.
        """
        method = method.upper()
        if self.check_mode and method not in ("GET", "HEAD") and not read_only:
            raise CheckModeWrite("%s %s attempted in check mode" % (method, path))
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest

        query = dict(params or {})
        if api_version and "api-version=" not in path:
            query["api-version"] = api_version
        retry_busy = method in ("GET", "HEAD", "PUT", "PATCH", "DELETE") or read_only or safe
        attempt = 0
        while True:
            req = HttpRequest(method, self.url(path), params=query, headers=dict(headers or {}),
                              json=body if body is not None else None)
            try:
                resp = self._pipeline().send_request(req)
            except (ServiceRequestError, ServiceResponseError) as exc:
                # azure-core's RetryPolicy has already retried what it may: a connection that failed (any method) and a
                # dropped answer to GET, HEAD, PUT, DELETE, OPTIONS or TRACE (RetryPolicy._is_method_retryable). ARM's PATCH
                # sends the same body again to the same effect, and a read-only or safe POST may be repeated, so a dropped
                # answer to those is retried here.
                if isinstance(exc, ServiceResponseError) and method in ("PATCH", "POST") and retry_busy and attempt < MAX_SAFE_RETRIES:
                    attempt += 1
                    self._sleep(min(2 ** attempt, MAX_RETRY_AFTER))
                    continue
                raise AzureConnectionError("%s %s: %s" % (method, path.split("?", 1)[0], exc))  # noqa: B904 (module_utils keep Python 2 syntax)
            status = resp.status_code
            raw = resp.read()
            self.calls.append((method, path.split("?", 1)[0], status))
            if status in expect:
                return status, resp.headers, _json(raw)
            err = from_response(status, resp.headers, raw, method, self.url(path))
            if retry_busy and attempt < MAX_SAFE_RETRIES and (status == 429 or (status == 409 and err.code.split("/")[0] in BUSY_CODES
                                                                                and _busy(err))):
                attempt += 1
                self._sleep(_retry_after(resp.headers, attempt))
                continue
            raise err

    def get(self, path, api_version, params=None):
        """The resource, or None when Azure answers 404."""
        status, _hdrs, body = self.request("GET", path, api_version, params=params, expect=(200, 404))
        return None if status == 404 else body

    def list(self, path, api_version, params=None):
        """Every item of a list, following ``nextLink``."""
        items = []
        status, _hdrs, body = self.request("GET", path, api_version, params=params, expect=(200,))
        while True:
            items.extend((body or {}).get("value") or [])
            link = (body or {}).get("nextLink")
            if not link:
                return items
            status, _hdrs, body = self.request("GET", link, expect=(200,))
            del status

    # -- long-running operations --------------------------------------------------------------------
    def start(self, method, path, api_version, body=None, params=None, expect=(200, 201, 202, 204), safe=False):
        """Send a mutation and return an operation handle (a plain dict, safe to register and pass to operation_wait)."""
        status, hdrs, out = self.request(method, path, api_version, body=body, params=params, expect=expect, safe=safe)
        op = {"method": method.upper(), "resource_url": self.url(path.split("?", 1)[0]) + "?api-version=" + (api_version or ""),
              "status_code": status, "async_url": hdrs.get("azure-asyncoperation"), "location_url": hdrs.get("location"),
              "retry_after": _header_seconds(hdrs), "done": False}
        state = ((out or {}).get("properties") or {}).get("provisioningState") if isinstance(out, dict) else None
        if not op["async_url"] and not op["location_url"]:
            if status == 202 or (state and state.lower() not in TERMINAL and method.upper() in ("PUT", "PATCH")):
                op["poll"] = "body"
            else:
                op["done"] = True
                op["result"] = out
        return op

    def wait(self, op, timeout):
        """Poll an operation to its end; returns the final resource (or result) body. Raises AzureApiError on failure."""
        deadline = self._clock() + timeout
        while not op.get("done"):
            self.poll_once(op)
            if op.get("done"):
                break
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise TimeoutError("still running after %d s (%s %s); run again, or await it with erpops.azure.operation_wait"
                                   % (timeout, op["method"], op["resource_url"].split("?", 1)[0]))
            self._sleep(max(1, min(op.get("retry_after") or 5, MAX_RETRY_AFTER, remaining)))
        return op.get("result")

    def poll_once(self, op):
        """One polling step (ARM RPC: Azure-AsyncOperation, then Location, then provisioningState)."""
        if op.get("done"):
            return op
        if op.get("async_url"):
            status, hdrs, body = self.request("GET", op["async_url"], expect=(200, 201, 202))
            op["retry_after"] = _header_seconds(hdrs) or op.get("retry_after")
            state = str((body or {}).get("status", "")).lower()
            if state not in TERMINAL:
                return op
            if state != "succeeded":
                raise _operation_error(body, op)
            op["done"] = True
            if op["method"] in ("PUT", "PATCH"):
                op["result"] = self.get(op["resource_url"], None)
            elif op["method"] == "POST" and op.get("location_url"):
                st, _h, final = self.request("GET", op["location_url"], expect=(200, 201, 204))
                op["result"] = final
                del st
            else:
                op["result"] = body.get("properties") if op["method"] == "POST" else None
            return op
        if op.get("location_url"):
            status, hdrs, body = self.request("GET", op["location_url"], expect=(200, 201, 202, 204))
            op["retry_after"] = _header_seconds(hdrs) or op.get("retry_after")
            if status == 202:
                return op
            op["done"] = True
            op["result"] = body if op["method"] not in ("PUT", "PATCH") or body else self.get(op["resource_url"], None)
            return op
        # Body polling: GET the resource until provisioningState is terminal (or it is gone, for a DELETE).
        body = self.get(op["resource_url"], None)
        if body is None:
            if op["method"] == "DELETE":
                op["done"], op["result"] = True, None
                return op
            raise AzureApiError(404, "ResourceNotFound", "the resource disappeared while its operation was running", url=op["resource_url"])
        state = str((body.get("properties") or {}).get("provisioningState") or "Succeeded").lower()
        if op["method"] == "DELETE" or state not in TERMINAL:
            return op
        if state != "succeeded":
            raise AzureApiError(200, "ProvisioningFailed", "provisioningState is %s" % state, url=op["resource_url"])
        op["done"], op["result"] = True, body
        return op


def _busy(err):
    text = (err.message or "").lower()
    return err.code.startswith(("ServerBusy", "AnotherOperationInProgress")) or "busy" in text or "in progress" in text


def _json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def _header_seconds(headers, name="retry-after"):
    value = headers.get(name) if headers else None
    try:
        return max(1, int(float(value))) if value else None
    except ValueError:
        return None


def _retry_after(headers, attempt):
    named = [s for s in (_header_seconds(headers, h) for h in THROTTLE_HEADERS) if s]
    return min(MAX_RETRY_AFTER, max(named) if named else min(2 ** attempt, MAX_RETRY_AFTER))


def _operation_error(body, op):
    err = (body or {}).get("error") or {}
    return AzureApiError(200, err.get("code") or "OperationFailed", err.get("message") or "the operation ended %s" % body.get("status"),
                         url=op["resource_url"])
