"""The App Service front end as seen through azsim's front door proxy: ``{site}[-{slot}].azurewebsites.net``,
their ``.scm.`` (Kudu) hosts, and every custom hostname bound to a site.

Until apps really run (a later issue), a running site answers what App Service serves for an app
without content; a stopped one its 403 page.  :func:`tls_context_for`, registered in ``app.tls_hooks``,
chooses the certificate the front door presents for a custom hostname.
"""

import base64
import os
import ssl
import tempfile
import threading

from ...core.http import Response
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


def register(app):
    fd = FrontDoor(app)
    app.host_handlers.append((fd.accepts, fd.handle))
    app.tls_hooks.append(lambda host: tls_context_for(app, host))


def resolve(app, host):
    """(site or slot document, "app" | "scm") serving ``host``, or (None, None)."""
    host = host.lower().rstrip(".")
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


def tls_context_for(app, host):
    """The SSLContext the front end presents for ``host``, or None to let the core issue one for the exact name.

    * a custom hostname with an SNI (or IP) SSL binding: the bound certificate (its stored PEM);
    * a custom hostname without one: App Service's ``*.azurewebsites.net`` certificate, so clients see
      the name mismatch they see in Azure (Microsoft Learn, "Secure a custom DNS name with a TLS/SSL binding");
    * anything else (ARM, login, ``*.azurewebsites.net``): None.
    """
    host = host.lower().rstrip(".")
    if host.endswith("." + common.DEFAULT_DOMAIN) or "." not in host:
        return None
    site = resolve(app, host)[0]
    if site is None:
        return None
    state = next((s for s in site["properties"].get("hostNameSslStates") or [] if s.get("name", "").lower() == host), None)
    thumb = state.get("thumbprint") if state and state.get("sslState") in ("SniEnabled", "IpBasedEnabled") else None
    cert = hm.certificate_for(app, site, thumb) if thumb else None
    if cert is None or not cert.get("_pem"):
        return app.ca.server_context("*." + common.DEFAULT_DOMAIN)
    key = (host, cert["properties"]["thumbprint"])
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
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
    def __init__(self, app):
        self.app = app

    def accepts(self, host):
        return resolve(self.app, host)[0] is not None

    def handle(self, req):
        site, kind = resolve(self.app, req.host)
        if site is None:
            # Unknown name reached through a stale tunnel: what the front end says for a host it does not serve.
            return Response(404, f"<h1>404 Web Site not found.</h1><p>{req.host}</p>", content_type=HTML)
        if kind == "scm":
            return self._scm(req, site)
        p = site["properties"]
        if req.scheme == "http" and p.get("httpsOnly"):
            # httpsOnly: plain HTTP is redirected with 301 (Microsoft Learn, "Enforce HTTPS").
            return Response(301, None, {"Location": f"https://{req.host}{req.raw_path}" + (f"?{req.query_string}" if req.query_string else "")})
        if str(p.get("state", "Running")).lower() == "stopped" or p.get("enabled") is False:
            return Response(403, STOPPED_PAGE, content_type=HTML)
        return Response(200, DEFAULT_PAGE.format(host=req.host), content_type=HTML)

    def _scm(self, req, site):
        auth = req.headers.get("authorization") or ""
        if not auth:
            # Kudu without credentials: 401 + Basic challenge (arm-web.md §7).
            return Response(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="site"'}, content_type="text/plain")
        if auth.lower().startswith("basic "):
            try:
                base64.b64decode(auth[6:], validate=True)
            except ValueError:
                return Response(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="site"'}, content_type="text/plain")
        # Credentials are checked by the Kudu simulation (a later issue); until then the API is absent.
        return Response(404, "azsim does not simulate the Kudu (SCM) API yet.", content_type="text/plain")
