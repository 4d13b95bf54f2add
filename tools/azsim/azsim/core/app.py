"""The dispatcher: what every request goes through, whichever listener it came in on.

Order for ARM requests follows what ARM's front door does before a resource provider sees a
request: authentication, subscription lookup, api-version, throttling, RBAC, resource-group
existence, then the provider's handler inside one state transaction.
"""

import base64
import json
import re
import time
import traceback
import urllib.parse

from . import auth as _auth
from .clock import Clock
from .errors import AzureError
from .faults import Faults
from .http import Response
from .ids import new_guid
from .lro import Operations
from .reqlog import RequestLog
from .router import Router, derive_action, scope_of
from .store import open_store
from .throttle import Throttle
from .tls import CertificateAuthority

ARM_HOSTS = ("management.azure.com", "management.core.windows.net")
LOGIN_HOSTS = ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com")
ARM_ROOTS = ("subscriptions", "providers", "tenants", "metadata")
API_VERSION_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-(preview|privatepreview|beta|alpha))?$", re.IGNORECASE)


class Settings:
    def __init__(self, state_dir, host="127.0.0.1", port=8443, proxy_port=8444, time_scale=0.01, page_size=10):
        self.state_dir = state_dir
        self.host = host
        self.port = port
        self.proxy_port = proxy_port
        self.time_scale = time_scale
        self.page_size = page_size


class App:
    def __init__(self, settings):
        self.settings = settings
        self.store = open_store(settings.state_dir)
        self.clock = Clock(settings.time_scale)
        self.ca = CertificateAuthority(settings.state_dir)
        self.identity = _auth.Identity(self.store, settings.state_dir, self.clock)
        self.lro = Operations(self.store, self.clock)
        self.router = Router()
        self.throttle = Throttle()
        self.faults = Faults()
        self.log = RequestLog()
        self.authorizer = None          # set by the Microsoft.Authorization provider
        # Actions any signed-in principal may call: the handler itself narrows its answer to what the caller may read
        # (Resource Graph's query answers only the resources the caller has read access to).
        self.open_actions = set()
        self.host_handlers = []         # (predicate(host) -> bool, handler(req) -> Response), data planes
        self.admin_routes = {}          # (method, name) -> fn(req) -> Response, added by providers
        self.reset_hooks = []
        self.tick_hooks = []
        self.tls_hooks = []             # fn(host) -> SSLContext | None: a certificate bound to that name (custom domains)
        self.after_write_hooks = []     # fn(req, resp) after each authorised ARM write (activity log)
        self.write_guards = []          # fn(req, action, target) before an authorised ARM write's handler (management locks)
        self.shutdown_hooks = []        # fn(): stop the real services a provider started (PostgreSQL, Azurite...)
        self.start_hooks = []           # fn(): start an engine that needs every provider registered (the web apps)
        self.started = time.time()
        self.direct_names = {settings.host.lower(), "127.0.0.1", "localhost"}
        self.identity.extra_audiences |= self.arm_audiences()
        # The principals a fresh azsim hands out (azsim.json); their roles are assigned by the
        # Microsoft.Authorization provider, which also re-creates them after a reset.
        self.builtin_principals = {"deployer": "Contributor", "auditor": "Reader", "owner": "Owner"}
        for name in self.builtin_principals:
            self.identity.ensure_principal(name)
        from ..providers import load_all
        load_all(self)
        # Engines start only now: what one provider starts may depend on another (a site process resolves flexible
        # servers through the PostgreSQL provider, registered after the web provider).
        for hook in self.start_hooks:
            hook()

    def tick(self):
        """Background progress: finish due operations, run provider engines."""
        self.lro.settle()
        for hook in self.tick_hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - one failing engine must not stop the others or the server
                traceback.print_exc()

    def shutdown(self):
        for hook in reversed(self.shutdown_hooks):
            try:
                hook()
            except Exception:  # noqa: BLE001 - stopping the rest matters more than one failure
                traceback.print_exc()
        self.store.close()

    def namespace(self, name, resource_types):
        """Declare (or extend) an ARM namespace and its resource types (``{type: [api-versions]}``) for routing
        errors and ``GET /subscriptions/{id}/providers``."""
        entry = self.router.namespaces.setdefault(name.lower(), {"name": name, "types": {}})
        entry["types"].update({t.lower(): (t, v) for t, v in resource_types.items()})

    # -- URLs and audiences ---------------------------------------------------------------------
    @property
    def direct_url(self):
        return f"https://{self.settings.host}:{self.settings.port}"

    def arm_audiences(self):
        d = self.direct_url
        return set(_auth.ARM_AUDIENCES) | {d, d + "/", f"https://localhost:{self.settings.port}", f"https://localhost:{self.settings.port}/"}

    def tls_context(self, host):
        """The TLS context the front door presents for ``host``: the certificate a provider bound to that
        name (e.g. an SNI binding on a custom domain), else one azsim's CA issues for exactly that name."""
        for hook in self.tls_hooks:
            ctx = hook(host)
            if ctx is not None:
                return ctx
        return self.ca.server_context(host)

    def is_simulated_host(self, host):
        host = host.lower()
        if host in ARM_HOSTS or host in LOGIN_HOSTS:
            return True
        return any(pred(host) for pred, _unused in self.host_handlers)

    # -- entry point ------------------------------------------------------------------------------
    def handle(self, req):
        req.context["request_id"] = new_guid()
        start = time.perf_counter()
        admin = req.listener == "direct" and req.path.startswith("/_azsim")
        try:
            if admin:
                resp = self._admin(req)
            else:
                resp = self._dispatch(req)
        except AzureError as exc:
            resp = Response(exc.status, exc.body(), exc.headers)
        except Exception:  # noqa: BLE001 - a bug in azsim must answer 500, as Azure would, and be visible
            traceback.print_exc()
            resp = Response(500, {"error": {"code": "InternalServerError", "message": "azsim hit an internal error; see its log."}})
        if not admin and self.after_write_hooks and req.method not in ("GET", "HEAD") and "action" in req.context:
            # After every authorised ARM write, failed ones included (the activity log records both).
            with self.store.transaction():
                for hook in self.after_write_hooks:
                    try:
                        hook(req, resp)
                    except Exception:  # noqa: BLE001 - a recorder must never change the answer
                        traceback.print_exc()
        if admin or req.context.get("kind") in ("arm", "login"):
            # ARM's front-door headers; data planes (blob, Kudu, sites) answer with their own.
            self._common_headers(req, resp)
        if not admin:
            p = req.principal
            self.log.add(self.clock.iso(), req.method, req.host, req.path, req.query_string, 0 if resp.drop else resp.status,
                         p["name"] if p else None, (time.perf_counter() - start) * 1000.0, audience=req.context.get("audience"))
        return resp

    def _common_headers(self, req, resp):
        h = resp.headers
        rid = req.context["request_id"]
        h.setdefault("x-ms-request-id", rid)
        h.setdefault("x-ms-correlation-request-id", req.headers.get("x-ms-correlation-request-id") or rid)
        h.setdefault("x-ms-routing-request-id", f"WESTEUROPE:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}:{rid}")
        if req.headers.get("x-ms-client-request-id"):
            h.setdefault("x-ms-client-request-id", req.headers.get("x-ms-client-request-id"))
        h.setdefault("Cache-Control", "no-cache")
        h.setdefault("Pragma", "no-cache")
        h.setdefault("Expires", "-1")
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        h.setdefault("X-Content-Type-Options", "nosniff")

    def _dispatch(self, req):
        kind = req.context["kind"] = self._kind(req)
        rule = self.faults.match(req)
        if rule is not None:
            # Faults fire before authentication; a throttling message still names the actor, as ARM's does.
            authz = req.headers.get("authorization") or ""
            claims = self.identity.verify(authz[7:].strip()) if authz[:7].lower() == "bearer " else None
            req.context["actor"] = claims.get("oid") if claims else None
            if rule.latency_ms:
                time.sleep(rule.latency_ms / 1000.0)
            if rule.action == "drop":
                r = Response(0)
                r.drop = True
                return r
            if rule.action == "fail_lro":
                req.fail_lro = {"status": rule.status if rule.status >= 400 else 500, "code": rule.code or "InternalServerError",
                                "message": rule.message or "An unexpected error occurred while processing the request."}
            elif rule.action == "respond":
                raise rule.error(req, self.identity.subscription_id)
        if kind == "arm":
            return self._arm(req)
        if kind == "login":
            return self.identity.handle(req)
        for pred, handler in self.host_handlers:
            if pred(req.host):
                return handler(req)
        return Response(404, {"error": {"code": "NotFound", "message": f"azsim does not simulate host '{req.host}'."}})

    def _kind(self, req):
        if req.host in ARM_HOSTS:
            return "arm"
        if req.host in LOGIN_HOSTS:
            return "login"
        if req.listener == "direct" and req.host in self.direct_names:
            first = req.segments[0].lower().lstrip("/").split("/")[0] if req.segments else ""
            return "arm" if first in ARM_ROOTS or not first else "login"
        return "data"

    # -- ARM ----------------------------------------------------------------------------------------
    def _arm(self, req):
        self.lro.settle()
        if any("/" in seg for seg in req.segments):
            # ARM names never hold a '/': a percent-encoded one is a separator. The TypeSpec-generated SDKs (azure-mgmt-resource-locks
            # 1.0.0, azure-mgmt-resource-policy 1.0.0) quote a ``{scope}`` parameter whole, sending "/%2Fsubscriptions%2F{id}/providers/...".
            split = [part for seg in req.segments for part in seg.split("/")]
            while split and not split[0]:
                split.pop(0)
            req.segments = split
        segs = req.segments
        req.principal = self.identity.authenticate_arm(req, self.arm_audiences())
        if not req.api_version:
            raise AzureError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
        if len(segs) >= 2 and segs[0].lower() == "subscriptions":
            sub = segs[1]
            if sub.lower() != self.identity.subscription_id.lower():
                raise AzureError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
            req.context["subscription"] = self.identity.subscription_id
        polled = self.lro.poll(req)
        if polled is not None:
            return polled
        route, params = self.router.match(req.method, segs)
        if route is None:
            raise self._no_route(req, params)
        self._check_api_version(req, segs)
        if "subscription" in req.context:
            hdrs = self.throttle.take(req.principal["object_id"], req.context["subscription"], req.method)
        else:
            hdrs = {}
        action = route.action or derive_action(segs, req.method)
        # ARM names the item itself as the scope of a denied write ("... over scope '/subscriptions/{s}/providers/
        # Microsoft.Authorization/roleAssignments/{guid}'"); a collection under {scope*} is checked at that scope.
        scope = params["scope"] if "scope" in params and route.parts[-1][0] == "lit" else scope_of(segs)
        if self.authorizer is not None:
            self.authorizer(req, action, scope)
        req.context["action"], req.context["scope"] = action, scope
        rg = params.get("resourceGroupName")
        with self.store.transaction():
            if rg is not None and route.check_rg:
                group = self.store.peek("resourceGroups", f"/subscriptions/{req.context['subscription']}/resourcegroups/{rg}")
                if group is None:
                    raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
                if group["properties"]["provisioningState"] == "Deleting" and req.method not in ("GET", "HEAD"):
                    raise AzureError(409, "ResourceGroupBeingDeleted",
                                     f"The resource group '{group['name']}' is in deprovisioning state and cannot perform this operation.")
            if req.method not in ("GET", "HEAD"):
                # After RBAC (a principal without the action gets 403, not 409), before the resource provider: ARM refuses
                # writes under a management lock itself (Learn "Lock your resources to protect your infrastructure").
                target = scope_of(segs)
                for guard in self.write_guards:
                    guard(req, action, target)
            resp = route.handler(req, **params)
        if req.method == "HEAD":
            resp.body = b""
        for k, v in hdrs.items():
            resp.headers.setdefault(k, v)
        return resp

    def _check_api_version(self, req, segs):
        m = API_VERSION_RE.match(req.api_version)
        ok = bool(m) and "2014-01-01" <= req.api_version[:10] <= time.strftime("%Y-%m-%d", time.gmtime(time.time() + 400 * 86400))
        if ok:
            return
        low = [s.lower() for s in segs]
        rtype = segs[low.index("providers") + 2] if "providers" in low and low.index("providers") + 2 < len(segs) else "resourceGroups"
        if not m:
            raise AzureError(400, "InvalidApiVersionParameter",
                             f"The api-version '{req.api_version}' is invalid. The supported versions are '2025-04-01,2024-11-01,2024-07-01,"
                             "2024-03-01,2023-07-01,2022-12-01,2022-09-01,2021-04-01,2021-01-01,2020-10-01,2020-06-01,2019-10-01,2019-08-01'.")
        raise AzureError(400, "NoRegisteredProviderFound",
                         f"No registered resource provider found for location 'westeurope' and API version '{req.api_version}' for type '{rtype}'. "
                         "The supported api-versions are '2025-05-01, 2024-11-01, 2024-04-01, 2023-12-01, 2023-01-01, 2022-09-01, 2022-03-01, "
                         "2021-03-01, 2021-02-01, 2021-01-15, 2020-12-01, 2020-10-01, 2020-09-01, 2020-06-01, 2019-08-01, 2018-11-01, "
                         "2018-02-01, 2016-08-01'. The supported locations are 'westeurope, northeurope, eastus, westus2'.")

    def _no_route(self, req, allowed):
        segs = req.segments
        low = [s.lower() for s in segs]
        if allowed:
            return AzureError(405, "MethodNotAllowed", f"The requested resource does not support http method '{req.method}'.")
        if "providers" in low:
            i = len(low) - 1 - low[::-1].index("providers")
            if i + 1 < len(segs):
                ns = segs[i + 1]
                known = self.router.namespaces.get(ns.lower())
                if known is None:
                    return AzureError(400, "InvalidResourceNamespace", f"The resource namespace '{ns}' is invalid.")
                if i + 2 < len(segs):
                    rtype = segs[i + 2]
                    if rtype.lower() not in known["types"]:
                        return AzureError(400, "InvalidResourceType",
                                          f"The resource type '{rtype}' could not be found in the namespace '{ns}' for api version '{req.api_version}'.")
        return AzureError(404, "NotFound", f"The requested resource '{req.path}' was not found.")

    # -- admin API ------------------------------------------------------------------------------------
    def _admin(self, req):
        ip = req.client_addr[0] if req.client_addr else ""
        if not (ip.startswith("127.") or ip == "::1"):
            return Response(403, {"error": "the admin API answers loopback clients only"})
        name = req.path[len("/_azsim"):].strip("/")
        fn = self.admin_routes.get((req.method, name))
        if fn is None:
            from .admin import handle as core_admin
            return core_admin(self, req, name)
        return fn(req)

    def reset(self):
        """Forget every resource, operation, fault and logged request; keep tenant, principals and their roles."""
        self.faults.clear()
        self.log.clear()
        with self.lro._heap_lock:
            self.lro._heap.clear()
        self.store.wipe(keep=("meta", "principals"))
        for hook in self.reset_hooks:
            hook()

    # -- helpers for providers ------------------------------------------------------------------------
    def page(self, req, items, page_size=None):
        """A list response with ARM's ``nextLink`` paging ($skiptoken), absolute on the caller's host."""
        size = page_size or self.settings.page_size
        start = 0
        token = req.query.get("$skiptoken")
        if token:
            try:
                start = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"])
            except (ValueError, KeyError, TypeError):
                raise AzureError(400, "InvalidSkipToken", f"The provided skip token '{token}' is not valid.") from None
        top = req.query.get("$top")
        if top is not None:
            try:
                top = int(top)
            except ValueError:
                raise AzureError(400, "InvalidTopParameter", f"The value '{top}' of query parameter '$top' is invalid.") from None
            items = items[:top]
        chunk = items[start:start + size]
        body = {"value": chunk}
        if start + size < len(items):
            nxt = base64.urlsafe_b64encode(json.dumps({"o": start + size}).encode()).decode().rstrip("=")
            q = {k: v for k, v in _query_pairs(req) if k.lower() != "$skiptoken"}
            q["$skiptoken"] = nxt
            body["nextLink"] = req.base_url + req.raw_path + "?" + urllib.parse.urlencode(q)
        return Response(200, body)


def _query_pairs(req):
    return urllib.parse.parse_qsl(req.query_string, keep_blank_values=True)
