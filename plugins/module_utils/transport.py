# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An azure-core ``HttpTransport`` on the standard library's ``http.client``, for ARM's JSON requests.

azure-core's default transport is built on requests and urllib3, which every module task would import for about 40 ms
(half of what azure-core itself costs) to send a handful of small JSON requests. azure-core lets a client bring its own
transport (``PipelineClient(transport=...)``, the ``HttpTransport`` contract), and the pipeline's policies (retries with
Retry-After, redirects, authentication, logging) stay azure-core's: this transport only moves bytes, the way
``RequestsTransport`` does with ``trust_env``:

- TLS trust: ``connection_verify`` (a CA file or a boolean), else ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, else
  certifi's bundle when installed, else the system's store; host names are verified.
- Proxies: the ``proxies`` the pipeline passes (ProxyPolicy), else ``HTTPS_PROXY``/``HTTP_PROXY`` and ``NO_PROXY`` from the
  environment; HTTPS goes through a CONNECT tunnel, with the proxy URL's credentials as Basic proxy authorisation.
- Errors as azure-core classifies them: no connection (refused, DNS, TLS handshake, connect timeout) is
  ``ServiceRequestError`` (the request never left: any method may be retried); a connection lost or timed out once the
  request was sent is ``ServiceResponseError`` (only idempotent methods are retried, by RetryPolicy).
- One kept-alive connection per origin and proxy; an idle connection the server has closed is detected before reuse, as
  urllib3 does. Answers are read whole (no ``stream``); redirects are left to RedirectPolicy.

``ANSIBLE_AZURE_TRANSPORT=requests`` makes the modules use azure-core's ``RequestsTransport`` instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import select
import socket
import ssl

try:  # Python 3
    import http.client as httplib
    from urllib.parse import quote, unquote, urlsplit
    from urllib.request import proxy_bypass_environment
except ImportError:  # pragma: no cover - Python 2 is not supported by azure-core; keeps sanity's compile test happy
    httplib = None

try:
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceRequestTimeoutError, ServiceResponseError, ServiceResponseTimeoutError
    from azure.core.pipeline.transport import HttpTransport
    from azure.core.rest import HttpResponse
    from azure.core.utils import case_insensitive_dict
except ImportError:  # the modules report the missing azure-core themselves (module.py), before any request
    HttpTransport = HttpResponse = object

DEFAULT_TIMEOUT = 300  # seconds, azure-core's ConnectionConfiguration default for both the connection and the read


def transport_from_environment(environ=None, streaming=False):
    """The transport the modules' pipelines use: this one, or requests' when ``ANSIBLE_AZURE_TRANSPORT=requests`` or for
    a client that streams (bodies from files, answers read in chunks: blobs, Kudu packages)."""
    environ = os.environ if environ is None else environ
    if streaming or (environ.get("ANSIBLE_AZURE_TRANSPORT") or "").strip().lower() == "requests":
        from azure.core.pipeline.transport import RequestsTransport
        return RequestsTransport()
    return HttpClientTransport(environ=environ)


def _ca_file(verify, environ):
    if isinstance(verify, str) and verify:
        return verify
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if environ.get(name):
            return environ[name]
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


class HttpClientTransport(HttpTransport):
    def __init__(self, environ=None, connection_timeout=DEFAULT_TIMEOUT, read_timeout=DEFAULT_TIMEOUT):
        self._environ = os.environ if environ is None else environ
        self._connection_timeout = connection_timeout
        self._read_timeout = read_timeout
        self._pool = {}
        self._contexts = {}

    # -- HttpTransport contract ---------------------------------------------------------------------
    def open(self):
        pass

    def close(self):
        for conn in self._pool.values():
            conn.close()
        self._pool.clear()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def send(self, request, **kwargs):
        if kwargs.get("stream"):
            raise ValueError("HttpClientTransport reads answers whole; use ANSIBLE_AZURE_TRANSPORT=requests to stream")
        parts = urlsplit(request.url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ServiceRequestError("unsupported URL scheme in %s" % request.url)
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = _requote(parts.path or "/")
        if parts.query:
            target += "?" + _requote(parts.query)
        proxy = self._proxy_for(scheme, host, kwargs.get("proxies"))
        connect_timeout = kwargs.get("connection_timeout") or self._connection_timeout
        read_timeout = kwargs.get("read_timeout") or self._read_timeout
        verify = kwargs.get("connection_verify", True)
        key = (scheme, host, port, proxy, str(verify))
        body = _body(request)
        headers = dict(request.headers)
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif request.method.upper() in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        if scheme == "http" and proxy:
            target = "%s://%s%s" % (scheme, parts.netloc, target)  # an HTTP proxy takes the absolute URL
            auth = _proxy_auth(proxy)
            if auth:
                headers["Proxy-Authorization"] = auth

        conn = self._reuse(key)
        fresh = conn is None
        if fresh:
            conn = self._connect(scheme, host, port, proxy, verify, connect_timeout)
        try:
            conn.sock.settimeout(read_timeout)
            conn.request(request.method, target, body=body, headers=headers)
            raw = conn.getresponse()
            content = raw.read()
        except socket.timeout as exc:
            conn.close()
            raise ServiceResponseTimeoutError(exc, error=exc)  # noqa: B904 (module_utils keep Python 2 syntax)
        except (httplib.HTTPException, OSError) as exc:
            conn.close()
            raise ServiceResponseError(exc, error=exc)  # noqa: B904 (module_utils keep Python 2 syntax)
        if raw.will_close:
            conn.close()
        else:
            self._pool[key] = conn
        return _Response(request, raw.status, raw.reason, list(raw.getheaders()), content)

    # -- connections ----------------------------------------------------------------------------
    def _proxy_for(self, scheme, host, proxies):
        if proxies:
            return proxies.get(scheme) or proxies.get("all") or None
        env = _environment_proxies(self._environ)
        url = env.get(scheme) or env.get("all")
        if not url or proxy_bypass_environment(host, env):
            return None
        return url

    def _reuse(self, key):
        conn = self._pool.pop(key, None)
        if conn is None or conn.sock is None:
            return None
        # A kept-alive connection the server has closed reads as ready (EOF): open a new one instead, as urllib3 does.
        try:
            readable = select.select([conn.sock], [], [], 0)[0]
        except (OSError, ValueError):
            readable = True
        if readable:
            conn.close()
            return None
        return conn

    def _context(self, verify):
        key = str(verify)
        ctx = self._contexts.get(key)
        if ctx is None:
            if verify is False:
                ctx = ssl._create_unverified_context()  # noqa: S323 - only when the caller asks connection_verify=False
            else:
                ctx = ssl.create_default_context(cafile=_ca_file(verify, self._environ))
            self._contexts[key] = ctx
        return ctx

    def _connect(self, scheme, host, port, proxy, verify, timeout):
        try:
            if proxy:
                p = urlsplit(proxy if "://" in proxy else "http://" + proxy)
                phost, pport = p.hostname, p.port or (443 if p.scheme == "https" else 80)
                if scheme == "https":
                    conn = httplib.HTTPSConnection(phost, pport, timeout=timeout, context=self._context(verify))
                    auth = _proxy_auth(proxy)
                    conn.set_tunnel(host, port, headers={"Proxy-Authorization": auth} if auth else None)
                else:
                    conn = httplib.HTTPConnection(phost, pport, timeout=timeout)
            elif scheme == "https":
                conn = httplib.HTTPSConnection(host, port, timeout=timeout, context=self._context(verify))
            else:
                conn = httplib.HTTPConnection(host, port, timeout=timeout)
            conn.connect()
        except socket.timeout as exc:
            raise ServiceRequestTimeoutError(exc, error=exc)  # noqa: B904 (module_utils keep Python 2 syntax)
        except (httplib.HTTPException, OSError, ssl.SSLError) as exc:
            raise ServiceRequestError(exc, error=exc)  # noqa: B904 (module_utils keep Python 2 syntax)
        return conn


def _environment_proxies(environ):
    """``{scheme: proxy URL, 'no': bypass list}`` from ``<scheme>_proxy`` variables, the lower-case name first (as
    urllib's getproxies_environment reads them, which requests uses)."""
    out = {}
    for name, value in environ.items():
        low = name.lower()
        if value and low.endswith("_proxy") and (name == low or low not in environ):
            out[low[:-len("_proxy")]] = value
    return out


def _requote(text):
    """Percent-encode what a URL may not carry as is (spaces in an OData ``$filter``, say), keeping the escapes already
    there, as requests does with every URL azure-core gives it (``requote_uri``)."""
    return quote(text, safe="!#$%&'()*+,/:;=?@[]~")


def _proxy_auth(proxy):
    p = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    if not p.username:
        return None
    pair = "%s:%s" % (unquote(p.username), unquote(p.password or ""))
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _body(request):
    content = request.content
    if content is None:
        return None
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, (bytes, bytearray)):
        return bytes(content)
    if hasattr(content, "read"):
        return content.read()
    return bytes(content)


class _Response(HttpResponse):
    """An answer read whole: the azure.core.rest.HttpResponse interface the pipeline and its policies use."""

    def __init__(self, request, status, reason, header_items, content):
        self._request = request
        self._status = status
        self._reason = reason
        self._headers = case_insensitive_dict(header_items)
        self._content = content
        self._encoding = None
        self._closed = True

    @property
    def request(self):
        return self._request

    @property
    def url(self):
        return self._request.url

    @property
    def status_code(self):
        return self._status

    @property
    def reason(self):
        return self._reason

    @property
    def headers(self):
        return self._headers

    @property
    def content_type(self):
        return self._headers.get("Content-Type")

    @property
    def encoding(self):
        if self._encoding is None:
            params = (self.content_type or "").split(";")[1:]
            for param in params:
                name, _sep, value = param.partition("=")
                if name.strip().lower() == "charset" and value.strip():
                    self._encoding = value.strip().strip('"')
                    break
        return self._encoding

    @encoding.setter
    def encoding(self, value):
        self._encoding = value

    @property
    def is_closed(self):
        return self._closed

    @property
    def is_stream_consumed(self):
        return True

    @property
    def content(self):
        return self._content

    def read(self):
        return self._content

    def text(self, encoding=None):
        encoding = encoding or self.encoding or "utf-8-sig"
        return self._content.decode(encoding, "replace")

    def json(self):
        return json.loads(self.text()) if self._content else None

    def raise_for_status(self):
        if self._status >= 400:
            raise HttpResponseError(response=self)

    def iter_bytes(self, **kwargs):
        yield self._content

    def iter_raw(self, **kwargs):
        yield self._content

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def __repr__(self):
        return "<HttpResponse: %s %s>" % (self._status, self._reason)
