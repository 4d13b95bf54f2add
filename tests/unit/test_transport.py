"""The http.client transport (module_utils/transport.py) under azure-core's pipeline, against real local servers: TLS
trust from REQUESTS_CA_BUNDLE, kept-alive connections and a closed idle one, azure-core's error classes for a refused
connection, a dropped answer and a read timeout, HTTPS through an authenticated CONNECT proxy and NO_PROXY, retries
with Retry-After and redirects by azure-core's own policies, and the switch back to requests."""

import base64
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import transport as tr
from azsim.core.tls import CertificateAuthority
from azure.core import PipelineClient
from azure.core.exceptions import ServiceRequestError, ServiceResponseError, ServiceResponseTimeoutError
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body, headers=None, close=False):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _handle(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        srv.seen.append((self.command, self.path, dict(self.headers), body, self.client_address[1]))
        path = self.path.split("?")[0]
        if path == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if path == "/slow":
            time.sleep(1.5)
        if path == "/busy":
            srv.busy += 1
            if srv.busy < 3:
                return self._answer(503, {"error": {"code": "ServerBusy"}}, {"Retry-After": "0"})
        if path == "/moved":
            return self._answer(307, {}, {"Location": "/echo"})
        if path == "/then-close":
            self._answer(200, {"n": len(srv.seen)})
            self.close_connection = True
            return
        return self._answer(200, {"method": self.command, "path": self.path, "body": body.decode(), "n": len(srv.seen),
                                  "content_type": self.headers.get("Content-Type")})

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ctx=None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen, self.busy, self.connections, self.ctx = [], 0, 0, ctx

    def get_request(self):
        sock, addr = super().get_request()
        self.connections += 1
        if self.ctx is not None:
            sock = self.ctx.wrap_socket(sock, server_side=True)
        return sock, addr


class _Proxy(socketserver.ThreadingTCPServer):
    """A CONNECT proxy that records what it was asked and pipes bytes both ways."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.asked = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        lines = []
        while True:
            line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            lines.append(line)
        self.server.asked.append(lines)
        host, port = lines[0].split()[1].rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()

        def pipe(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        t = threading.Thread(target=pipe, args=(upstream, self.connection), daemon=True)
        t.start()
        pipe(self.connection, upstream)
        t.join(5)


def _serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return CertificateAuthority(str(tmp_path_factory.mktemp("ca")))


@pytest.fixture
def tls_server(ca):
    srv = _serve(_Server(ca.server_context("localhost")))
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def plain_server():
    srv = _serve(_Server())
    yield srv
    srv.shutdown()
    srv.server_close()


def _pipeline(env, **kw):
    chain = [policies.HeadersPolicy(), policies.ProxyPolicy(), policies.ContentDecodePolicy(), policies.RedirectPolicy(),
             policies.RetryPolicy(retry_total=3, retry_backoff_factor=0.01)]
    return PipelineClient(base_url="", policies=chain, transport=tr.HttpClientTransport(environ=env, **kw))


def test_https_with_the_ca_bundle_keeps_one_connection_alive(tls_server, ca):
    client = _pipeline({"REQUESTS_CA_BUNDLE": ca.ca_path})
    url = f"https://localhost:{tls_server.server_address[1]}"
    first = client.send_request(HttpRequest("GET", url + "/echo", params={"api-version": "2024-04-01"}))
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    assert first.json()["path"] == "/echo?api-version=2024-04-01"
    assert first.encoding == "utf-8"
    second = client.send_request(HttpRequest("PUT", url + "/echo", json={"location": "westeurope"}))
    assert second.json()["body"] == '{"location": "westeurope"}'
    assert second.json()["content_type"] == "application/json"
    assert tls_server.connections == 1, "the second request should reuse the kept-alive connection"


def test_query_values_are_percent_encoded_once(plain_server):
    client = _pipeline({})
    url = f"http://127.0.0.1:{plain_server.server_address[1]}"
    filtered = client.send_request(HttpRequest("GET", url + "/echo", params={"$filter": "roleName eq 'Key Vault Secrets Officer'"}))
    assert filtered.json()["path"] == "/echo?$filter=roleName%20eq%20'Key%20Vault%20Secrets%20Officer'"
    escaped = client.send_request(HttpRequest("GET", url + "/echo/a%20b c?x=1%2F2"))
    assert escaped.json()["path"] == "/echo/a%20b%20c?x=1%2F2"


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(tls_server, tmp_path):
    other = CertificateAuthority(str(tmp_path))
    client = _pipeline({"REQUESTS_CA_BUNDLE": other.ca_path})
    with pytest.raises(ServiceRequestError) as err:
        client.send_request(HttpRequest("GET", f"https://localhost:{tls_server.server_address[1]}/echo"), retry_total=0)
    assert not isinstance(err.value, ServiceResponseError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
    assert tls_server.seen == []


def test_a_connection_the_server_closed_while_idle_is_replaced(plain_server):
    client = _pipeline({})
    url = f"http://127.0.0.1:{plain_server.server_address[1]}"
    assert client.send_request(HttpRequest("GET", url + "/then-close")).status_code == 200
    time.sleep(0.2)
    assert client.send_request(HttpRequest("POST", url + "/echo", json={})).json()["method"] == "POST"
    assert plain_server.connections == 2
    assert [s[0] for s in plain_server.seen] == ["GET", "POST"], "the POST must be sent once, on the new connection"


def test_azure_core_error_classes(plain_server):
    t = tr.HttpClientTransport(environ={}, read_timeout=0.5)
    port = plain_server.server_address[1]
    with pytest.raises(ServiceResponseError) as dropped:
        t.send(HttpRequest("POST", f"http://127.0.0.1:{port}/drop", json={}))
    assert not isinstance(dropped.value, ServiceResponseTimeoutError)
    with pytest.raises(ServiceResponseTimeoutError):
        t.send(HttpRequest("GET", f"http://127.0.0.1:{port}/slow"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(ServiceRequestError) as refused:
        t.send(HttpRequest("GET", f"http://127.0.0.1:{closed}/echo"))
    assert not isinstance(refused.value, ServiceResponseError)
    with pytest.raises(ValueError):
        t.send(HttpRequest("GET", f"http://127.0.0.1:{port}/echo"), stream=True)


def test_retry_after_and_redirects_stay_azure_cores(plain_server):
    client = _pipeline({})
    url = f"http://127.0.0.1:{plain_server.server_address[1]}"
    assert client.send_request(HttpRequest("GET", url + "/busy")).status_code == 200
    assert plain_server.busy == 3
    moved = client.send_request(HttpRequest("GET", url + "/moved"))
    assert moved.status_code == 200 and moved.json()["path"] == "/echo"


def test_https_through_the_environments_proxy_and_no_proxy(tls_server, ca):
    proxy = _serve(_Proxy())
    try:
        port = tls_server.server_address[1]
        env = {"REQUESTS_CA_BUNDLE": ca.ca_path, "HTTPS_PROXY": f"http://ops:s3cr%40t@127.0.0.1:{proxy.server_address[1]}"}
        client = _pipeline(env)
        assert client.send_request(HttpRequest("GET", f"https://localhost:{port}/echo")).status_code == 200
        assert proxy.asked and proxy.asked[0][0].startswith(f"CONNECT localhost:{port} HTTP/1.")
        auth = [h for h in proxy.asked[0] if h.lower().startswith("proxy-authorization:")]
        assert auth == ["Proxy-Authorization: Basic " + base64.b64encode(b"ops:s3cr@t").decode()]
        bypass = _pipeline(dict(env, NO_PROXY="localhost"))
        assert bypass.send_request(HttpRequest("GET", f"https://localhost:{port}/echo")).status_code == 200
        assert len(proxy.asked) == 1, "NO_PROXY names the host: no tunnel"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_the_requests_transport_on_demand():
    from azure.core.pipeline.transport import RequestsTransport

    assert isinstance(tr.transport_from_environment({"ANSIBLE_AZURE_TRANSPORT": "requests"}), RequestsTransport)
    assert isinstance(tr.transport_from_environment({}), tr.HttpClientTransport)
    assert isinstance(tr.transport_from_environment({}, streaming=True), RequestsTransport)
