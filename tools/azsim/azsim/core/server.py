"""The listeners: the direct HTTPS endpoint and the HTTPS forward proxy (the "front door").

The proxy answers ``CONNECT host:443`` only for names azsim simulates, then terminates TLS
itself with a certificate its CA issued for exactly that name and serves the tunnel's
requests; anything else gets 403 and no outbound connection is ever made beyond loopback (the
sites azsim runs are reached on 127.0.0.1).  A response may carry ``header_list`` (a reverse-
proxied site's own headers, repeated ones kept) and ``stream`` (a body sent chunked as produced).
"""

import http.server
import socket
import socketserver
import ssl
import sys
import threading

from .http import Headers, Request

MAX_BODY = 512 * 1024 * 1024
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "azsim"
    sys_version = ""
    timeout = 120

    def setup(self):
        super().setup()
        self.tunnel_host = None
        self.tunnel_port = None

    def log_message(self, format, *args):  # noqa: A002 - signature from the standard library
        pass

    # -- proxy ----------------------------------------------------------------------------
    def do_CONNECT(self):
        app = self.server.app
        host, _sep, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        if self.server.listener != "proxy" or not host or port != "443" or not app.is_simulated_host(host):
            app.log.add(app.clock.iso(), "CONNECT", host or self.path, "", "", 403, None, 0.0)
            self._plain(403, f"azsim refuses to tunnel to {self.path}: it is not a host azsim simulates.\n")
            self.close_connection = True
            return
        self.send_response_only(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = app.tls_context(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = tls
        self.rfile = tls.makefile("rb", -1)
        self.wfile = socketserver._SocketWriter(tls)  # noqa: SLF001 - the same writer StreamRequestHandler uses
        self.tunnel_host = host
        self.tunnel_port = 443
        self.close_connection = False

    # -- every other method ----------------------------------------------------------------
    def _serve(self):
        app = self.server.app
        headers = Headers(self.headers.items())
        body = self._read_body(headers)
        if body is None:
            return
        target = self.path
        if self.tunnel_host:
            scheme, host, port = "https", self.tunnel_host, self.tunnel_port
        elif self.server.listener == "direct":
            scheme, port = "https", self.server.server_address[1]
            host = _strip_port(headers.get("host") or self.server.server_address[0])
        else:
            # A plain-HTTP proxy request (absolute form): only simulated hosts, never forwarded.
            from urllib.parse import urlsplit
            u = urlsplit(self.path)
            host = (u.hostname or "").lower()
            if u.scheme != "http" or not host or not app.is_simulated_host(host):
                self._plain(403, f"azsim refuses to proxy {self.path}: it is not a host azsim simulates.\n")
                self.close_connection = True
                return
            scheme, port = "http", u.port or 80
            target = u.path + ("?" + u.query if u.query else "")
        req = Request(self.command, target, headers, body, self.client_address, scheme, host, port, self.server.listener)
        resp = app.handle(req)
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        # The Date header is the origin server's clock (RFC 9110 section 6.6.1): Azure's, so azsim's simulated clock.  A handler
        # that dates its answer itself (the storage data plane) sends its own Date instead, never a second one.
        self.log_request(resp.status)
        self.send_response_only(resp.status)
        self.send_header("Server", self.version_string())
        self.send_header("Date", resp.headers.get("date") or self.date_time_string(app.clock.now()))
        for k, v in resp.headers.items():
            if k not in ("content-length", "transfer-encoding", "connection", "date"):
                self.send_header(k, v)
        # Headers a reverse-proxied site sent, in their order and casing, repeated ones (Set-Cookie) included.
        for k, v in getattr(resp, "header_list", None) or ():
            self.send_header(k, v)
        if getattr(resp, "stream", None) is not None:
            self._stream(resp.stream)
            return
        # A HEAD answer describes the body a GET would get (e.g. a blob's size) when the handler says so.
        length = resp.headers.get("content-length") if self.command == "HEAD" and resp.headers.get("content-length") else len(resp.body)
        self.send_header("Content-Length", str(length))
        if headers.get("connection", "").lower() == "close":
            self.close_connection = True
        # Status line, headers and body leave in one write: with separate writes, Nagle's algorithm held the body
        # until the client's delayed ACK of the headers (~40 ms per request).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD" and resp.body:
            self._headers_buffer.append(resp.body)
        self.flush_headers()

    def _stream(self, chunks):
        """A body produced as it goes (Kudu's log stream): chunked transfer coding, each chunk flushed; the producer is
        closed when the client goes away."""
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            if self.command != "HEAD":
                for chunk in chunks:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            self.close_connection = True
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _read_body(self, headers):
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(headers.get("content-length") or 0)
        if length and _QUICKACK is not None:
            # Clients that send the head and the body in two writes without TCP_NODELAY (requests through a proxy
            # tunnel) wait for the ACK of the head: acknowledge it now, not after the 40 ms delayed-ACK timer.
            try:
                self.connection.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:
                pass
        if length > MAX_BODY:
            self._plain(413, "request body too large\n")
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _plain(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


def _strip_port(authority):
    if authority.startswith("["):
        return authority[1:authority.index("]")]
    return authority.rsplit(":", 1)[0] if ":" in authority else authority


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, addr, app, listener, tls_context=None):
        self.app = app
        self.listener = listener
        self.tls_context = tls_context
        super().__init__(addr, _Handler)

    def finish_request(self, request, client_address):
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.tls_context is not None:
            # The handshake runs in the connection's own thread, never in the accept loop.
            try:
                request.settimeout(30)
                request = self.tls_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                try:
                    request.close()
                except OSError:
                    pass
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class Listeners:
    def __init__(self, app):
        s = app.settings
        names = sorted(app.direct_names)
        ctx = app.ca.server_context(s.host, extra_names=[n for n in names if n != s.host.lower()])
        self.direct = _Server((s.host, s.port), app, "direct", ctx)
        self.proxy = _Server((s.host, s.proxy_port), app, "proxy")
        self._threads = []

    def start(self):
        for srv in (self.direct, self.proxy):
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self):
        for srv in (self.direct, self.proxy):
            srv.shutdown()
            srv.server_close()
