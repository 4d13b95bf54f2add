"""Availability tests really run: every enabled standard web test (:mod:`.webtests`) is probed from each of its locations
on its frequency, with a real HTTP(S) request to its URL through azsim's own front door, and each result lands where
Azure puts it: a row of AppAvailabilityResults in the workspace of the test's component (Learn "Application Insights
availability tests"; Learn "Workspace-based Application Insights resources") and the component's availability metrics
(``availabilityResults/availabilityPercentage``, ``/count``, ``/duration``: Learn "Supported metrics for
Microsoft.Insights/components"), which the Metrics API and metric alerts read through :mod:`.metrics`.

Schedule (azsim's clock): Learn "Availability tests": each location runs the test once per ``Frequency`` (5, 10 or 15
minutes) and the locations are spread over that period ("with a default frequency of five minutes and five test
locations, your site is tested on average every minute").  Location ``k`` of ``n`` runs at ``anchor + (k + 1) *
Frequency / n + m * Frequency`` (anchor: when azsim first saw the test; the stagger is azsim's choice).  When the clock
jumps past several slots a location runs once, not once per missed slot.

A probe (Learn "Availability standard tests"): ``Request`` (``RequestUrl``, ``HttpVerb``, ``Headers``, base64
``RequestBody``, ``FollowRedirects`` up to 10 hops), within ``Timeout`` seconds; ``ValidationRules``:
``ExpectedHttpStatusCode`` unless ``IgnoreHttpStatusCode``, ``ContentValidation`` (``ContentMatch``, ``IgnoreCase``,
``PassIfTextFound``), ``SSLCheck`` (a trusted, matching, unexpired certificate on azsim's clock; azsim's CA plays the
public roots) and ``SSLCertRemainingLifetimeCheck`` (days).  ``RetryEnabled``: "a failed test is retried immediately; a
failure is reported only if three successive attempts fail".  ``ParseDependentRequests`` is not emulated (the page's
images, scripts... are not fetched).  Result messages are azsim's wording (unverified).
"""

import base64
import concurrent.futures
import http.client
import socket
import ssl
import threading
import time
import traceback
import urllib.parse
import uuid

from ...core import resource
from . import availability
from .components import find as find_component
from .ingestion import bucket
from .webtests import TYPE as WEBTEST_TYPE
from .webtests import linked_components

STATE = "insights.webtestruns"  # keyed by web test id: a resource-group delete cascades to it
SCAN_S = 1.0
WORKERS = 4
MAX_REDIRECTS = 10
ATTEMPTS = 3
# Learn "Availability tests" > "Location population tags" (Azure public cloud): population name -> display name.
LOCATION_NAMES = {
    "emea-au-syd-edge": "Australia East", "latam-br-gru-edge": "Brazil South", "us-fl-mia-edge": "Central US", "apac-hk-hkn-azr": "East Asia",
    "us-va-ash-azr": "East US", "emea-ch-zrh-edge": "France South (Formerly France Central)", "emea-fr-pra-edge": "France Central",
    "apac-jp-kaw-edge": "Japan East", "emea-gb-db3-azr": "North Europe", "us-il-ch1-azr": "North Central US", "us-tx-sn1-azr": "South Central US",
    "apac-sg-sin-azr": "Southeast Asia", "emea-se-sto-edge": "UK West", "emea-nl-ams-azr": "West Europe", "us-ca-sjc-azr": "West US",
    "emea-ru-msa-edge": "UK South",
}
# The test agent's User-Agent and correlation headers (Learn "Troubleshooting availability tests" / availability
# telemetry: SyntheticTest-RunId and SyntheticTest-Location mark synthetic traffic; exact values unverified).
USER_AGENT = "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0; AppInsights)"


def register(app):
    prober = Prober(app)
    app.tick_hooks.append(prober.tick)
    app.shutdown_hooks.append(prober.shutdown)


class ProbeFailure(Exception):
    pass


class Prober:
    def __init__(self, app):
        self.app = app
        self._last = 0.0
        self._busy = set()
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="azsim-webtest")

    def shutdown(self):
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the schedule -------------------------------------------------------------------------------------------------
    def tick(self):
        if time.time() - self._last < SCAN_S:
            return
        self._last = time.time()
        now = self.app.clock.now()
        due = []
        with self.app.store.transaction():
            for _k, doc in list(self.app.store.items(resource.TABLE, "/subscriptions/")):
                if doc.get("type", "").lower() != WEBTEST_TYPE.lower():
                    continue
                p = doc.get("properties") or {}
                if not p.get("Enabled") or str(p.get("Kind") or "").lower() != "standard":
                    continue
                due += self._due(doc, now)
        for test_id, loc in due:
            with self._lock:
                if (test_id.lower(), loc) in self._busy:
                    continue
                self._busy.add((test_id.lower(), loc))
            self._pool.submit(self._run, test_id, loc, now)

    def _due(self, doc, now):
        p = doc["properties"]
        freq = float(p.get("Frequency") or 300)
        locs = [str(x.get("Id", "")).lower() for x in p.get("Locations") or [] if isinstance(x, dict)]
        state = self.app.store.get(STATE, doc["id"]) or {"anchor": now, "next": {}}
        nxt, out, changed = {}, [], "anchor" not in state
        for k, loc in enumerate(locs):
            offset = (k + 1) * freq / len(locs)
            first = state["anchor"] + offset
            at = state["next"].get(loc)
            if at is None:
                at = first if first > now else _after(first, freq, now)
                changed = True
            if now >= at:
                out.append((doc["id"], loc))
                at = _after(first, freq, now)  # the next slot: missed ones are not replayed
                changed = True
            nxt[loc] = at
        if changed or set(nxt) != set(state["next"]):
            self.app.store.put(STATE, doc["id"], {"anchor": state["anchor"], "next": nxt})
        return out

    # -- one run from one location ---------------------------------------------------------------------------------------
    def _run(self, test_id, loc, at):
        try:
            with self.app.store.lock:
                doc = resource.public(resource.peek(self.app, test_id))
                comp = next((c for c in (find_component(self.app, cid) for cid in linked_components((doc or {}).get("tags"))) if c), None)
                comp = resource.public(comp)
            if doc is None or comp is None:
                return
            p = doc["properties"]
            attempts = ATTEMPTS if p.get("RetryEnabled") else 1
            for _attempt in range(attempts):
                result = self.probe(p)
                if result["success"]:
                    break
            self._record(doc, comp, loc, at, result)
        except Exception:  # noqa: BLE001 - a probe must never stop the engine
            traceback.print_exc()
        finally:
            with self._lock:
                self._busy.discard((test_id.lower(), loc))

    def _record(self, doc, comp, loc, at, result):
        from ..operationalinsights import workspace_customer_id

        p = doc["properties"]
        run_id = str(uuid.uuid4())
        cp = comp["properties"]
        with self.app.store.transaction():
            cid = workspace_customer_id(self.app, cp.get("WorkspaceResourceId") or "")
            # The result per location (metric alerts' web-test location rules) and the component's availability metrics.
            availability.record_availability(self.app, comp["id"], result["success"], result["duration_ms"], loc, at=at,
                                             webtest_id=doc["id"], webtest_name=p.get("SyntheticMonitorId") or doc["name"],
                                             message=result["message"])
        if cid is None:
            return
        row = {"TimeGenerated": at, "_ResourceId": comp["id"].lower(), "_SubscriptionId": comp["id"].split("/")[2],
               "Id": run_id, "Name": p.get("Name") or doc["name"], "Location": LOCATION_NAMES.get(loc, loc), "Success": result["success"],
               "Message": result["message"], "DurationMs": result["duration_ms"], "Size": float(result["size"]) if result["size"] is not None else None,
               "PerformanceBucket": bucket(result["duration_ms"]), "ItemCount": 1, "IKey": cp.get("InstrumentationKey", ""),
               "ResourceGUID": cp.get("AppId", ""), "OperationId": run_id, "OperationName": p.get("Name") or doc["name"],
               "ClientIP": "0.0.0.0",  # noqa: S104 - the masked address Application Insights stores, not a bind
               # Properties the availability pane and alerts use (names unverified).
               "Properties": {"SyntheticMonitorId": p.get("SyntheticMonitorId") or "", "WebtestArmResourceName": doc["name"],
                              "WebtestLocationId": loc, "FullTestResultAvailable": "false"}}
        self.app.logs.append(cid, "AppAvailabilityResults", [row])

    # -- the HTTP request ----------------------------------------------------------------------------------------------
    def probe(self, p):
        """{"success", "message", "duration_ms", "size"} of one attempt of a standard test's request."""
        request = p.get("Request") or {}
        rules = p.get("ValidationRules") or {}
        timeout = float(p.get("Timeout") or 30)
        verb = str(request.get("HttpVerb") or "GET").upper()
        headers = {"User-Agent": USER_AGENT, "SyntheticTest-RunId": str(uuid.uuid4()), "SyntheticTest-Location": "azsim"}
        for h in request.get("Headers") or []:
            if isinstance(h, dict):
                name, value = h.get("key") or h.get("headerFieldName"), h.get("value") or h.get("headerFieldValue")
                if name:
                    headers[str(name)] = str(value or "")
        body = None
        if request.get("RequestBody"):
            try:
                body = base64.b64decode(request["RequestBody"])
            except ValueError:
                body = str(request["RequestBody"]).encode()
        url = str(request.get("RequestUrl") or "")
        started = time.monotonic()
        size = None
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                status, resp_headers, data, cert = self._request(url, verb, headers, body, timeout, bool(rules.get("SSLCheck")))
                location = resp_headers.get("location")
                if request.get("FollowRedirects", True) and status in (301, 302, 303, 307, 308) and location:
                    url = urllib.parse.urljoin(url, location)
                    if status == 303:
                        verb, body = "GET", None
                    continue
                break
            else:
                raise ProbeFailure(f"Too many redirects (more than {MAX_REDIRECTS}).")
            size = len(data)
            elapsed = (time.monotonic() - started) * 1000.0
            if elapsed > timeout * 1000.0:
                raise ProbeFailure(f"The test timed out after {timeout:g} seconds.")
            self._validate(url, status, data, cert, rules)
            return {"success": True, "message": "Passed", "duration_ms": elapsed, "size": size}
        except ProbeFailure as exc:
            message = str(exc)
        except ssl.SSLCertVerificationError as exc:
            message = f"The SSL certificate is not valid: {exc.verify_message or exc}."
        except (OSError, http.client.HTTPException) as exc:
            message = "The request timed out." if isinstance(exc, (socket.timeout, TimeoutError)) else f"The request failed: {exc}"
        return {"success": False, "message": message, "duration_ms": (time.monotonic() - started) * 1000.0, "size": size}

    def _validate(self, url, status, data, cert, rules):
        expected = rules.get("ExpectedHttpStatusCode", 200)
        if not rules.get("IgnoreHttpStatusCode") and expected and status != int(expected):
            raise ProbeFailure(f"Response status code {status} does not match the expected status code {expected}.")
        content = rules.get("ContentValidation") or {}
        match = content.get("ContentMatch")
        if match:
            text = data.decode("utf-8", "replace")
            found = (match.lower() in text.lower()) if content.get("IgnoreCase") else (match in text)
            want = content.get("PassIfTextFound", True) is not False
            if found != want:
                raise ProbeFailure(f"Content validation failed: the response {'does not contain' if want else 'contains'} '{match}'.")
        if urllib.parse.urlsplit(url).scheme.lower() == "https" and rules.get("SSLCheck") and cert:
            from cryptography import x509

            c = x509.load_der_x509_certificate(cert)
            now = self.app.clock.now()
            if c.not_valid_after_utc.timestamp() <= now or c.not_valid_before_utc.timestamp() > now:
                raise ProbeFailure("The SSL certificate is not valid: certificate has expired.")
            days = rules.get("SSLCertRemainingLifetimeCheck")
            left = (c.not_valid_after_utc.timestamp() - now) / 86400.0
            if days and left < float(days):
                raise ProbeFailure(f"The SSL certificate expires in {left:.0f} days, sooner than the {days} days required.")

    def _request(self, url, verb, headers, body, timeout, verify):
        """One request through azsim's front door proxy (CONNECT for https, absolute form for http), as any client outside
        Azure reaches the site.  Returns (status, {lower-case header: value}, body, DER certificate or None)."""
        u = urllib.parse.urlsplit(url)
        if u.scheme.lower() not in ("http", "https") or not u.hostname:
            raise ProbeFailure(f"The URL '{url}' is not a valid http or https URL.")
        host = self.app.settings.host
        phost = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - comparing, not binding
        target = (u.path or "/") + ("?" + u.query if u.query else "")
        if u.scheme.lower() == "https":
            if verify:
                ctx = ssl.create_default_context(cafile=self.app.ca.ca_path)
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(phost, self.app.settings.proxy_port, timeout=timeout, context=ctx)
            conn.set_tunnel(u.hostname, u.port or 443)
        else:
            conn = http.client.HTTPConnection(phost, self.app.settings.proxy_port, timeout=timeout)
            target = urllib.parse.urlunsplit((u.scheme, u.netloc, u.path or "/", u.query, ""))
        try:
            hdrs = dict(headers)
            hdrs.setdefault("Host", u.netloc)
            conn.request(verb, target, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            cert = conn.sock.getpeercert(binary_form=True) if isinstance(conn.sock, ssl.SSLSocket) else None
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, cert
        finally:
            conn.close()


def _after(first, freq, now):
    """The first slot ``first + m * freq`` strictly after ``now``."""
    if first > now:
        return first
    return first + (int((now - first) // freq) + 1) * freq
