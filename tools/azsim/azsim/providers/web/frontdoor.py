"""The App Service front end as seen through azsim's front door proxy: ``{site}[-{slot}].azurewebsites.net``,
their ``.scm.`` (Kudu) hosts, and every custom hostname bound to a site.

A running site with deployed content is reverse-proxied (HTTP/1.1, bodies buffered) to its process (:mod:`.runtime`);
one without content answers what App Service serves for an app without content, a stopped one its 403 page, a
crashed or unresponsive app App Service's 503 / 502 / 504 pages.  The ``.scm.`` hosts are Kudu (:mod:`.kudu`).
:func:`tls_context_for`, registered in ``app.tls_hooks``, chooses the certificate the front door presents for a custom
hostname.
"""

import contextlib
import http.client
import os
import socket
import ssl
import tempfile
import threading
import time
import uuid

from ...core import resource
from ...core.http import Response
from ...core.tls import server_ssl_context
from . import common
from . import hostname_models as hm

# The page App Service serves for an app without deployed content (observed on any new app; paraphrased).
DEFAULT_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Microsoft Azure App Service - Welcome</title></head>
<body>
<h1>Your web app is running and waiting for your content</h1>
<p>Your web app is live, but we don't have your content yet. If you've already deployed, it could take up to 5 minutes for your
content to show up, so come back soon.</p>
<p>{host}</p>
</body>
</html>
"""
# The page of a stopped app (observed: HTTP 403 "Error 403 - This web app is stopped.").
STOPPED_PAGE = """<!DOCTYPE html>
<html><head><title>Web App - Unavailable</title></head>
<body><h1>Error 403 - This web app is stopped.</h1>
<p>The web app you have attempted to reach is currently stopped and does not accept any requests. Please try to reload the page or
visit it again soon.</p></body></html>
"""
HTML = "text/html"

_contexts = {}
_lock = threading.Lock()
_resolved = {}  # (id(app), host) -> (resource id, "app" | "scm")
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


# The Linux front end's page for a container that is not running (observed ":( Application Error"; paraphrased), and the
# gateway answers for an app that breaks the connection (502) or does not answer in 230 s (504; status unverified).
APP_ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>Application Error</title></head>
<body><h1>:( Application Error</h1>
<p>If you are the application administrator, you can access the diagnostic resources.</p></body></html>
"""
BAD_GATEWAY_PAGE = """<!DOCTYPE html>
<html><head><title>502 - Web server received an invalid response while acting as a gateway or proxy server.</title></head>
<body><h1>502 - Web server received an invalid response while acting as a gateway or proxy server.</h1>
<p>There is a problem with the page you are looking for, and it cannot be displayed.</p></body></html>
"""
GATEWAY_TIMEOUT_PAGE = """<!DOCTYPE html>
<html><head><title>504 - Gateway Timeout</title></head>
<body><h1>504 - Gateway Timeout</h1><p>The app did not answer within 230 seconds.</p></body></html>
"""
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "trailers",
              "transfer-encoding", "upgrade", "content-length"}
FRONT_END_HEADERS = {"x-forwarded-proto", "x-appservice-proto", "x-client-ip", "x-client-port", "client-ip", "x-original-url",
                     "x-waws-unencoded-url", "disguised-host", "was-default-hostname", "x-arr-log-id", "x-site-deployment-id", "x-arr-ssl",
                     "x-forwarded-tlsversion", "max-forwards"}


def register(app, runtime=None, kudu=None, logs=None):
    fd = FrontDoor(app, runtime, kudu, logs)
    app.host_handlers.append((fd.accepts, fd.handle))
    app.tls_hooks.append(lambda host: tls_context_for(app, host))
    return fd


def resolve(app, host):
    """(site or slot document, "app" | "scm") serving ``host``, or (None, None).  A name seen before is checked against
    its last owner first (every request of a site passes here), a full scan otherwise."""
    host = host.lower().rstrip(".")
    hit = _resolved.get((id(app), host))
    if hit is not None:
        doc = resource.peek(app, hit[0])
        if doc is not None and _serves(app, doc, host, hit[1]):
            return doc, hit[1]
    doc, kind = _scan(app, host)
    if doc is not None:
        if len(_resolved) > 4096:
            _resolved.clear()
        _resolved[(id(app), host)] = (doc["id"], kind)
    return doc, kind


def _serves(app, doc, host, kind):
    if kind == "scm":
        return common.scm_host_of(doc) == host
    if host.endswith("." + common.DEFAULT_DOMAIN):
        return common.default_host_of(doc) == host
    return app.store.peek(resource.TABLE, hm.binding_id(doc, host)) is not None


def _scan(app, host):
    if host.endswith("." + common.DEFAULT_DOMAIN):
        with app.store.lock:
            sites = common.all_sites(app)
        for d in sites:
            if common.default_host_of(d) == host:
                return d, "app"
            if common.scm_host_of(d) == host:
                return d, "scm"
        return None, None
    owner = hm.owner_of(app, host)
    return (owner, "app") if owner is not None else (None, None)


# App Service enforces the site's (or slot's) minTlsVersion on every host name it serves, and scmMinTlsVersion on its SCM
# host (Microsoft Learn "Configure TLS/SSL settings" / "App Service TLS overview": "Minimum Inbound TLS Version" per app;
# SiteConfig.minTlsVersion / scmMinTlsVersion in azure-rest-api-specs web).  TLS 1.3 is offered whatever the minimum.
_MIN_TLS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def minimum_tls(site, kind="app"):
    """The lowest protocol version the front end accepts for a site or slot (its minTlsVersion, 1.2 by default)."""
    cfg = site.get("_siteConfig") or {}
    value = cfg.get("scmMinTlsVersion" if kind == "scm" else "minTlsVersion") or "1.2"
    return _MIN_TLS.get(str(value), ssl.TLSVersion.TLSv1_2)


def tls_context_for(app, host):
    """The SSLContext the front end presents for ``host``, or None to let the core issue one for the exact name.

    * a custom hostname with an SNI (or IP) SSL binding: the bound certificate (its stored PEM);
    * a custom hostname without one: App Service's ``*.azurewebsites.net`` certificate, so clients see
      the name mismatch they see in Azure (Microsoft Learn, "Secure a custom DNS name with a TLS/SSL binding");
    * a default host name of a site whose minimum TLS version is not 1.2: a certificate for that name, with that minimum;
    * anything else (ARM, login, ``*.azurewebsites.net`` at 1.2): None.
    Every context accepts the site's minimum TLS version and above (:func:`minimum_tls`).
    """
    host = host.lower().rstrip(".")
    if "." not in host:
        return None
    site, kind = resolve(app, host)
    if host.endswith("." + common.DEFAULT_DOMAIN):
        minimum = minimum_tls(site, kind) if site is not None else ssl.TLSVersion.TLSv1_2
        return None if minimum == ssl.TLSVersion.TLSv1_2 else app.ca.server_context(host, minimum_version=minimum)
    if site is None:
        return None
    minimum = minimum_tls(site)
    state = next((s for s in site["properties"].get("hostNameSslStates") or [] if s.get("name", "").lower() == host), None)
    thumb = state.get("thumbprint") if state and state.get("sslState") in ("SniEnabled", "IpBasedEnabled") else None
    cert = hm.certificate_for(app, site, thumb) if thumb else None
    if cert is None or not cert.get("_pem"):
        return app.ca.server_context("*." + common.DEFAULT_DOMAIN, minimum_version=minimum)
    key = (host, cert["properties"]["thumbprint"], minimum)
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None:
            ctx = server_ssl_context(minimum)
            fd, path = tempfile.mkstemp(prefix="sni-", suffix=".pem", dir=app.ca.dir)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(cert["_pem"])
                ctx.load_cert_chain(path)
            finally:
                os.unlink(path)
            _contexts[key] = ctx
    return ctx


class FrontDoor:
    """Routing of a front-door request: the SCM host to Kudu, an app host to the site's running process (or the
    platform's pages), with App Service's request headers and the site's traffic metrics."""

    def __init__(self, app, runtime=None, kudu=None, logs=None):
        self.app = app
        self.runtime = runtime
        self.kudu = kudu
        self.logs = logs
        self._traffic = {}
        self._traffic_lock = threading.Lock()
        self._last_flush = 0.0
        app.tick_hooks.append(self.flush_traffic)

    def accepts(self, host):
        return resolve(self.app, host)[0] is not None

    def handle(self, req):
        site, kind = resolve(self.app, req.host)
        if site is None:
            # Unknown name reached through a stale tunnel: what the front end says for a host it does not serve.
            return Response(404, f"<h1>404 Web Site not found.</h1><p>{req.host}</p>", content_type=HTML)
        if kind == "scm":
            return self._scm(req, site)
        started = time.perf_counter()
        resp, counted = self._serve(req, site)
        elapsed = time.perf_counter() - started
        if counted:
            self._count(site["id"], resp, len(req.body), elapsed)
        if self.logs is not None:
            self.logs.http(site, req, resp, elapsed)  # every answer the front end gave for the site, as its HTTP log has
        return resp

    def _serve(self, req, site):
        """(response, whether it counts in the site's traffic metrics)."""
        p = site["properties"]
        if req.scheme == "http" and p.get("httpsOnly"):
            # httpsOnly: plain HTTP is redirected with 301 (Microsoft Learn, "Enforce HTTPS").
            location = f"https://{req.host}{req.raw_path}" + (f"?{req.query_string}" if req.query_string else "")
            return Response(301, None, {"Location": location}), False
        if str(p.get("state", "Running")).lower() == "stopped" or p.get("enabled") is False:
            return Response(403, STOPPED_PAGE, content_type=HTML), False
        state, inst = self.runtime.route(site) if self.runtime is not None else ("default", None)
        if state == "stopped":
            return Response(403, STOPPED_PAGE, content_type=HTML), False
        if state == "default":
            return Response(200, DEFAULT_PAGE.format(host=req.host), content_type=HTML), True
        if state == "unavailable":
            return Response(503, APP_ERROR_PAGE, content_type=HTML), True
        return self._proxy(req, site, inst), True

    def _scm(self, req, site):
        if self.kudu is None:
            return Response(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="site"'}, content_type="text/plain")
        return self.kudu.handle(req, site)

    # -- reverse proxy ------------------------------------------------------------------------------------------------
    def _headers(self, req, site):
        """The request the app sees: the client's headers (Host kept) minus hop-by-hop ones, plus the front end's.
        X-Forwarded-Proto is documented (Learn "Configure a Linux Python app": TLS terminates at the front ends, the app
        inspects X-Forwarded-Proto); client-ip is added by the front end and cannot be spoofed (Azure/app-service-linux-docs
        Things_You_Should_Know/headers.md); X-ARR-SSL marks HTTPS requests (fusebit.io, "Secure by default with SSL in
        Windows Azure Web Sites"); the others and their formats (X-Forwarded-For with the client port, X-Original-URL,
        DISGUISED-HOST, WAS-DEFAULT-HOSTNAME, X-Client-IP/-Port, X-ARR-LOG-ID, X-Site-Deployment-Id,
        X-AppService-Proto, X-Forwarded-TlsVersion) are unverified."""
        ip, port = (req.client_addr or ("127.0.0.1", 0))[:2]
        out = [(k, v) for k, v in req.headers.items() if k not in HOP_BY_HOP and k not in FRONT_END_HEADERS]
        target = req.raw_path + (f"?{req.query_string}" if req.query_string else "")
        xff = req.headers.get("x-forwarded-for")
        out += [("X-Forwarded-Proto", req.scheme), ("X-AppService-Proto", req.scheme),
                ("X-Forwarded-For", (xff + ", " if xff else "") + f"{ip}:{port}"), ("X-Client-IP", ip), ("X-Client-Port", str(port)),
                ("Client-IP", f"{ip}:{port}"), ("X-Original-URL", target), ("X-WAWS-Unencoded-URL", target), ("DISGUISED-HOST", req.host),
                ("WAS-DEFAULT-HOSTNAME", common.default_host_of(site)), ("X-ARR-LOG-ID", str(uuid.uuid4())),
                ("X-Site-Deployment-Id", site["name"].replace("/", "__")), ("Max-Forwards", "10")]
        if req.scheme == "https":
            issuer = self.app.ca.cert.subject.rfc4514_string()
            out += [("X-ARR-SSL", f"2048|256|{issuer}|CN={req.host}"), ("X-Forwarded-TlsVersion", "1.3")]
        if "host" not in req.headers:
            out.append(("Host", req.host))
        return target, out

    def _proxy(self, req, site, inst):
        target, headers = self._headers(req, site)
        for attempt in range(2):
            conn, pooled = inst.connection()
            try:
                conn.request(req.method, target, body=req.body or None, headers=dict(headers))
                if _QUICKACK is not None and conn.sock is not None:
                    # An app writing its status line and body separately on a kept-alive connection would otherwise wait
                    # for our delayed ACK (~40 ms) before sending the body (the same trick as core.server's).
                    with contextlib.suppress(OSError):
                        conn.sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
                r = conn.getresponse()
                data = r.read()
            except TimeoutError:
                conn.close()
                return Response(504, GATEWAY_TIMEOUT_PAGE, content_type=HTML)
            except (OSError, http.client.HTTPException):
                conn.close()
                if pooled and attempt == 0:
                    continue  # a kept-alive connection the app had closed: once more on a new one
                return Response(502, BAD_GATEWAY_PAGE, content_type=HTML)
            inst.release(conn, not r.will_close)
            resp = Response(r.status, data, content_type=None)
            resp.header_list = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() not in ("date", "server")]
            if req.method == "HEAD" and r.getheader("content-length"):
                resp.headers["content-length"] = r.getheader("content-length")
            return resp
        return Response(502, BAD_GATEWAY_PAGE, content_type=HTML)

    # -- metrics from real traffic -------------------------------------------------------------------------------------------
    def _count(self, site_id, resp, bytes_in, seconds):
        status = resp.status
        with self._traffic_lock:
            t = self._traffic.setdefault(site_id, {"Requests": 0, "Http2xx": 0, "Http3xx": 0, "Http4xx": 0, "Http5xx": 0, "Http401": 0,
                                                   "Http403": 0, "Http404": 0, "BytesReceived": 0, "BytesSent": 0, "_time": 0.0})
            t["Requests"] += 1
            if 200 <= status < 600 and status // 100 != 1:
                t[f"Http{status // 100}xx"] += 1
            if status in (401, 403, 404):
                t[f"Http{status}"] += 1
            t["BytesReceived"] += bytes_in
            t["BytesSent"] += len(resp.body)
            t["_time"] += seconds

    def flush_traffic(self):
        """Once a second (tick hook): the counted requests into the insights provider's metrics (Requests, Http2xx...,
        HttpResponseTime, BytesReceived/BytesSent of Microsoft.Web/sites; Learn "Supported metrics for Microsoft.Web/sites")."""
        now = time.time()
        if now - self._last_flush < 1.0 or not self._traffic:
            return
        self._last_flush = now
        with self._traffic_lock:
            batch, self._traffic = self._traffic, {}
        try:
            from ..insights import metrics
        except ImportError:
            return
        with self.app.store.transaction():
            for rid, t in batch.items():
                if resource.peek(self.app, rid) is None:
                    continue
                n = t["Requests"]
                counters = {k: v for k, v in t.items() if not k.startswith("_") and v}
                mean = t["_time"] / n if n else 0.0
                metrics.record_traffic(self.app, rid, counters, {"HttpResponseTime": (mean, n), "AverageResponseTime": (mean, n)})
