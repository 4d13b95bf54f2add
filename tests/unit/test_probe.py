"""The verdict on a live service's answer: the status first, then the body; and the bounded wait over several URLs."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import probe


def answer(status, body=None, text=None, **extra):
    raw = json.dumps(body) if body is not None else (text or "")
    return dict({"status": status, "json": body, "body": raw, "error": None, "location": None}, **extra)


def test_the_status_is_judged_before_the_body():
    bad = answer(503, {"status": "error", "database": "unavailable", "version": "a1b2"})
    assert probe.verdict(bad, 200, {"version": "a1b2"}) == (False, "HTTP 503 (status: error, database: unavailable, version: a1b2)")


def test_expected_fields_of_a_200():
    good = answer(200, {"status": "ok", "database": "ok", "version": "a1b2", "products": 3})
    assert probe.verdict(good, 200, {"version": "a1b2", "database": "ok"}) == (True, "HTTP 200")
    assert probe.verdict(good, 200, {"version": "ffff"}) == (False, 'HTTP 200 but version is "a1b2", expected "ffff"')
    assert probe.verdict(answer(200, {"version": "a1b2"}), 200, {"database": "ok"}) == (False, 'HTTP 200 but database is null, expected "ok"')
    # Values compare as text: 3 and "3" are the same answer.
    assert probe.verdict(good, 200, {"products": "3"})[0]


def test_a_200_that_is_not_json_is_not_healthy_when_fields_are_expected():
    page = answer(200, text="<html><body><h1>Your web app is running and waiting for your content</h1></body></html>")
    healthy, reason = probe.verdict(page, 200, {"version": "a1b2"})
    assert not healthy and reason == "HTTP 200 but the body is not a JSON object (Your web app is running and waiting for your content)"
    assert probe.verdict(page, 200, {}) == (True, "HTTP 200")


def test_no_answer_and_redirects():
    assert probe.verdict(dict(answer(None), error="TLS: hostname mismatch"), 200) == (False, "no answer (TLS: hostname mismatch)")
    moved = answer(301, location="https://erp.example.com/health/")
    assert probe.verdict(moved, 200) == (False, "HTTP 301 to https://erp.example.com/health/")


def test_long_text_bodies_are_cut():
    reason = probe.body_reason(answer(502, text="x" * 500))
    assert len(reason) == 203 and reason.endswith("...")


class _Sequence(BaseHTTPRequestHandler):
    """Answers each path with the statuses of its queue, then repeats the last one."""

    queues = {}

    def do_GET(self):  # noqa: N802 - the standard library's name
        queue = self.queues[self.path]
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        body = json.dumps({"status": "ok" if status == 200 else "error", "version": "v1"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Sequence)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_each_url_is_waited_for_until_healthy_fatal_or_out_of_time(server):
    _Sequence.queues = {"/cold": [503, 503, 200], "/broken": [500], "/down": [503]}
    urls = [server + p for p in ("/cold", "/broken", "/down")]
    results = probe.probe_until(urls, None, expect_json={"version": "v1"}, timeout=1, delay=0.05, fatal_statuses=(500,))
    cold, broken, down = results
    assert (cold["healthy"], cold["attempts"], cold["status"]) == (True, 3, 200)
    assert (broken["healthy"], broken["attempts"], broken["reason"]) == (False, 1, "HTTP 500 (status: error, version: v1)")
    assert not down["healthy"] and 5 <= down["attempts"] <= 21 and down["latency_ms"] > 0


def test_timeout_zero_asks_once(server):
    _Sequence.queues = {"/down": [503]}
    (result,) = probe.probe_until([server + "/down"], None, timeout=0, delay=5)
    assert result["attempts"] == 1 and result["status"] == 503
