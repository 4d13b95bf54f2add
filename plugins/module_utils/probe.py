# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS probes of a live service, judged the way a user would: the status first, then the body.

A probe opens its own TLS connection (through the HTTPS proxy of the environment, E(HTTPS_PROXY)/E(NO_PROXY), like
azure-core) so that it can report what the server presented - protocol and certificate - next to the answer.  The
verdict never reads a body field of an answer whose status is wrong: a 503 that carries a version is not healthy.
Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import ssl
import threading
import time
from datetime import datetime, timezone
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

BODY_LIMIT = 65536
REASON_FIELDS = 6
USER_AGENT = "erpops-azure-probe/0.1"


def ssl_context(ca_path=None, validate_certs=True):
    """The CA bundle: O(ca_path), else E(REQUESTS_CA_BUNDLE) (what the Azure SDKs trust), else the system's."""
    if not validate_certs:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    cafile = ca_path or os.environ.get("REQUESTS_CA_BUNDLE") or None
    return ssl.create_default_context(cafile=cafile)


def _proxy_for(host):
    proxies = getproxies_environment()
    proxy = proxies.get("https")
    if not proxy or proxy_bypass_environment(host, proxies):
        return None
    return urlsplit(proxy if "://" in proxy else "http://" + proxy)


def _certificate(cert):
    if not cert:
        return None
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), timezone.utc)
    subject = dict(x[0] for x in cert.get("subject", ()))
    issuer = dict(x[0] for x in cert.get("issuer", ()))
    return {"subject": subject.get("commonName", ""), "issuer": issuer.get("commonName") or issuer.get("organizationName", ""),
            "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": int((not_after - datetime.now(timezone.utc)).total_seconds() // 86400),
            "names": [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]}


def fetch(url, ctx, timeout=15):
    """One GET of ``url``, redirects not followed. Returns a dict: status, body (text, at most 64 KiB), json (or None),
    latency_ms, tls_version, certificate, error (a connection or TLS failure, with status None)."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    out = {"url": url, "status": None, "body": "", "json": None, "latency_ms": None, "tls_version": None, "certificate": None,
           "error": None}
    proxy = _proxy_for(host)
    started = time.monotonic()
    conn = None
    try:
        if proxy is not None:
            headers = {}
            if proxy.username:
                token = base64.b64encode(("%s:%s" % (proxy.username, proxy.password or "")).encode()).decode()
                headers["Proxy-Authorization"] = "Basic " + token
            if parts.scheme == "https":
                conn = HTTPSConnection(proxy.hostname, proxy.port or 80, context=ctx, timeout=timeout)
            else:
                conn = HTTPConnection(proxy.hostname, proxy.port or 80, timeout=timeout)
            conn.set_tunnel(host, port, headers=headers)
        elif parts.scheme == "https":
            conn = HTTPSConnection(host, port, context=ctx, timeout=timeout)
        else:
            conn = HTTPConnection(host, port, timeout=timeout)
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Cache-Control": "no-cache"})
        resp = conn.getresponse()
        raw = resp.read(BODY_LIMIT)
        out["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        out["status"] = resp.status
        out["location"] = resp.getheader("Location")
        if isinstance(conn.sock, ssl.SSLSocket):
            out["tls_version"] = conn.sock.version()
            out["certificate"] = _certificate(conn.sock.getpeercert())
        out["body"] = raw.decode("utf-8", "replace")
        if "json" in (resp.getheader("Content-Type") or "").lower() or out["body"][:1] in ("{", "["):
            try:
                out["json"] = json.loads(out["body"])
            except ValueError:
                pass
    except ssl.SSLCertVerificationError as exc:
        out["error"] = "TLS: %s" % (exc.verify_message or exc)
    except (OSError, HTTPException, ssl.SSLError) as exc:
        out["error"] = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    finally:
        if conn is not None:
            conn.close()
    return out


def _scalar(value):
    return value if isinstance(value, (str, int, float, bool)) or value is None else json.dumps(value)[:60]


def body_reason(answer):
    """What the body says, short: the first scalar fields of a JSON object, else the text without tags."""
    data = answer.get("json")
    if isinstance(data, dict) and data:
        fields = ["%s: %s" % (k, _scalar(v)) for k, v in list(data.items())[:REASON_FIELDS]]
        return ", ".join(fields)
    text = re.sub(r"<[^>]+>", " ", answer.get("body") or "")
    text = re.sub(r"\s+", " ", text).strip()
    return text[:200] + ("..." if len(text) > 200 else "")


def verdict(answer, status_code=200, expect_json=None):
    """(healthy, reason): the status first, then (only on the expected status) the JSON fields of ``expect_json``."""
    if answer.get("error"):
        return False, "no answer (%s)" % answer["error"]
    status = answer["status"]
    if status != status_code:
        said = body_reason(answer)
        where = " to %s" % answer["location"] if answer.get("location") and 300 <= status < 400 else ""
        return False, "HTTP %s%s%s" % (status, where, " (%s)" % said if said else "")
    if expect_json:
        data = answer.get("json")
        if not isinstance(data, dict):
            return False, "HTTP %s but the body is not a JSON object (%s)" % (status, body_reason(answer) or "empty")
        wrong = ["%s is %s, expected %s" % (k, json.dumps(data.get(k)), json.dumps(v)) for k, v in expect_json.items()
                 if str(data.get(k)) != str(v) or k not in data]
        if wrong:
            return False, "HTTP %s but %s" % (status, "; ".join(wrong))
    return True, "HTTP %s" % status


def probe_until(urls, ctx, status_code=200, expect_json=None, timeout=60, delay=3, request_timeout=15, fatal_statuses=(),
                sleep=time.sleep, clock=time.monotonic):
    """Probe every URL in parallel until each is healthy, answers a fatal status, or ``timeout`` seconds have passed.
    Returns one result per URL, in order: the last answer with ``healthy``, ``reason`` and ``attempts``."""
    deadline = clock() + max(0, timeout)
    results = [None] * len(urls)

    def run(i, url):
        attempts = 0
        while True:
            attempts += 1
            answer = fetch(url, ctx, request_timeout)
            healthy, reason = verdict(answer, status_code, expect_json)
            if healthy or answer["status"] in fatal_statuses or clock() + delay > deadline:
                break
            sleep(delay)
        answer.update(healthy=healthy, reason=reason, attempts=attempts)
        results[i] = answer

    threads = [threading.Thread(target=run, args=(i, u), name="probe-%d" % i) for i, u in enumerate(urls)]
    for t in threads:
        t.daemon = True
        t.start()
    for t in threads:
        t.join()
    return results
