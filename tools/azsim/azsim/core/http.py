"""Request and response objects shared by the server, the dispatcher and the providers."""

import json
import urllib.parse

from .errors import invalid_content


class Headers(dict):
    """Case-insensitive header map (keys stored lower-case; :meth:`original` gives a name as it was sent)."""

    def __init__(self, pairs=()):
        super().__init__()
        self._names = {}
        for k, v in pairs:
            self[k] = v

    def __setitem__(self, key, value):
        self._names[key.lower()] = key
        super().__setitem__(key.lower(), value)

    def original(self, key):
        """The name with the casing it was set with (blob metadata names keep their case: ``x-ms-meta-Owner``)."""
        return self._names.get(key.lower(), key)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def get(self, key, default=None):
        return super().get(key.lower(), default)

    def __contains__(self, key):
        return super().__contains__(key.lower())


class Request:
    def __init__(self, method, target, headers, body, client_addr, scheme, host, port, listener):
        self.method = method.upper()
        self.headers = headers
        self.body = body or b""
        self.client_addr = client_addr
        self.scheme = scheme
        self.host = host.lower()
        self.port = port
        self.listener = listener  # "direct" or "proxy"
        if target.startswith("//"):
            # An origin-form target is a path, never an authority: the SDKs' *_by_scope operations send "/{scope}/..." with a scope
            # that is an id ("//subscriptions/..."), and ARM serves it (the request quoted in Azure/azure-rest-api-specs#10337).
            target = "/" + target.lstrip("/")
        parsed = urllib.parse.urlsplit(target)
        self.raw_path = parsed.path or "/"
        self.path = self.raw_path
        self.query_string = parsed.query
        self.query = {}
        for k, v in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True):
            self.query.setdefault(k.lower(), v)
        # Segments are decoded one by one: a percent-encoded '/' never splits a name.
        self.segments = [urllib.parse.unquote(s) for s in self.raw_path.strip("/").split("/")] if self.raw_path.strip("/") else []
        self.principal = None
        self.api_version = self.query.get("api-version")
        self.fail_lro = None  # set by fault injection: the next LRO this request starts ends Failed
        self.context = {}

    @property
    def base_url(self):
        """Scheme and authority exactly as the client called them (for nextLink, Location...)."""
        default = 443 if self.scheme == "https" else 80
        if self.port and self.port != default:
            return f"{self.scheme}://{self.host}:{self.port}"
        return f"{self.scheme}://{self.host}"

    def url(self, path, query=None):
        q = ""
        if query:
            q = "?" + urllib.parse.urlencode(query, safe="/:")
        return self.base_url + urllib.parse.quote(path, safe="/@:,()=!$'*+;~") + q

    def json_object(self, required=True):
        """The JSON body, which must be an object (ARM's InvalidRequestContent otherwise); ``{}`` when absent and not required."""
        body = self.json(required=required)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise invalid_content("expected an object")
        return body

    def json(self, required=True):
        """The JSON body; ARM's InvalidRequestContent when it is not JSON."""
        if not self.body.strip():
            if required:
                raise invalid_content("The request content was empty")
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise invalid_content(str(exc)) from None


class Response:
    def __init__(self, status=200, body=None, headers=None, content_type="application/json; charset=utf-8"):
        self.status = status
        self.headers = Headers((headers or {}).items())
        if body is None:
            self.body = b""
        elif isinstance(body, (bytes, bytearray)):
            self.body = bytes(body)
        elif isinstance(body, str):
            self.body = body.encode()
        else:
            self.body = json.dumps(body, separators=(",", ":")).encode()
        if self.body and "content-type" not in self.headers and content_type:
            self.headers["Content-Type"] = content_type
        self.drop = False  # close the connection without answering (fault injection)


def json_response(obj, status=200, headers=None):
    return Response(status, obj, headers)


def empty(status=200, headers=None):
    return Response(status, None, headers)
