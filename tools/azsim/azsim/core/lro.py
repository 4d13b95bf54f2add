"""Long-running operations, the way ARM RPs run them (ARM RPC "Asynchronous operations";
azure-mgmt-core ARMPolling):

* ``Azure-AsyncOperation``: a status resource ``{id, name, status, startTime, endTime, error}``
  answering 200 with status InProgress/Succeeded/Failed/Canceled;
* ``Location``: 202 while running, then the final status (200 + body, or 204);
* body polling: a PUT answered 201/200 with a non-terminal ``provisioningState``.

``Retry-After`` is always sent and never 0 (azure-core treats 0 as absent and then waits its
30 s default).  Durations come from :data:`DURATIONS` multiplied by the time scale; each
operation is persisted, so a restarted azsim finishes what it acknowledged.
"""

import heapq
import math
import threading
import urllib.parse

from .errors import AzureError
from .http import Response
from .ids import new_guid

# Realistic durations (seconds of Azure time) of the operations azsim simulates.  One table,
# so the critical path of a deployment can be reasoned about (and benchmarked) in one place.
DURATIONS = {
    "resources.resource_group.delete": 15,
    "web.serverfarm.create": 10,
    "web.serverfarm.update": 5,
    "web.site.create": 20,
    "web.site.update": 5,
    "web.slot.create": 20,
    "web.slot.swap": 60,
    "web.site.restore": 120,
    "web.backup": 30,
    "web.certificate.managed": 180,
    "storage.account.create": 20,
    "keyvault.vault.create": 15,  # RegisteringDns -> Succeeded: 10-60 s (arm-data.md §7)
    "keyvault.vault.purge": 30,   # purge of a deleted vault (unverified figure)
    "network.dns_zone.delete": 5,
    "domain.purchase": 60,
    "postgresql.server.create": 480,
    "postgresql.server.update": 120,
    "postgresql.server.delete": 60,
    "postgresql.server.start": 90,
    "postgresql.server.stop": 60,
    "postgresql.server.restart": 60,
    "postgresql.child": 30,  # firewall rule / database / configuration PUT-DELETE: 10 s - 2 min (arm-data §2.6)
    "operationalinsights.workspace.create": 15,
    "redis.create": 1080,  # Basic C0: ~15-20 min (arm-data §8)
    "redis.update": 600,  # a scale (Scaling state) takes minutes; unverified
    "redis.delete": 300,  # unverified
    "cdn.profile.create": 30,  # Front Door profile: seconds to a minute (unverified)
    "cdn.endpoint.create": 60,  # AFD endpoint / route deployment: about a minute to propagate (unverified)
}

# The last-but-one path segment of the status monitors and result URLs RPs hand out (Microsoft.Network's
# DNS uses its own ``dnsOperationStatuses`` / ``dnsOperationResults`` operation types).
STATUS_SEGMENTS = ("operationstatuses", "azureasyncoperation", "operationresults", "asyncoperations", "operationstatus",
                   "dnsoperationstatuses", "dnsoperationresults")
RESULT_SEGMENTS = ("operationresults", "dnsoperationresults")
TERMINAL = ("Succeeded", "Failed", "Canceled")


class Operations:
    def __init__(self, store, clock):
        self.store = store
        self.clock = clock
        self.hooks = {}
        self._heap = []
        self._heap_lock = threading.Lock()
        for op in store.values("operations"):
            if op["status"] not in TERMINAL and not op.get("external"):
                self._push(op)

    def register(self, name, fn):
        """``fn(op) -> result or None``: runs once when an operation's time is up (or, for an operation created
        with ``external=True``, when its provider calls :meth:`run_now` because real work outside the lock is done).

        It may raise :class:`AzureError`, which makes the operation Failed with that error.
        A returned dict ``{"status": int, "body": obj}`` is the final result of Location polling.
        """
        self.hooks[name] = fn

    def _push(self, op):
        with self._heap_lock:
            heapq.heappush(self._heap, (op["due"], op["id"]))

    def duration(self, key):
        return self.clock.scaled(DURATIONS[key])

    # -- starting -------------------------------------------------------------------------
    def create(self, req, *, namespace, location, duration_key=None, seconds=None, on_done=None, on_fail=None, args=None,
               resource_id=None, result=None, poll_hint=10, external=False):
        wall = self.clock.scaled(DURATIONS[duration_key]) if duration_key else self.clock.scaled(seconds or 0)
        now = self.clock.now()
        op = {
            "id": new_guid(), "namespace": namespace, "location": (location or "global").replace(" ", "").lower(),
            "subscription": req.context.get("subscription") or "", "resource_id": resource_id, "status": "InProgress",
            "started": now, "due": now + wall, "ended": None, "on_done": on_done, "on_fail": on_fail, "args": args or {},
            "result": result, "error": None, "error_status": None, "poll_hint": poll_hint, "api_version": req.api_version,
            "injected_failure": req.fail_lro, "external": bool(external),
            # Unscaled, for the admin listing: what the operation would take in Azure (benchmarks derive critical paths).
            "duration_key": duration_key, "azure_seconds": DURATIONS[duration_key] if duration_key else (seconds or 0),
        }
        self.store.put("operations", op["id"], op)
        if not external:
            self._push(op)
        return op

    def instant(self, op):
        return op["due"] <= self.clock.now()

    def run_now(self, op):
        """Finish an operation whose time is already up (used for synchronous completion)."""
        self._finish(op["id"])
        return self.store.get("operations", op["id"])

    def accepted(self, req, op, *, status=202, body=None, async_header=True, location_header=True, status_path=None,
                 result_path=None, headers=None):
        """The initial response of an LRO: 202 (or 201/200) with the polling headers."""
        sub = op["subscription"]
        base = f"/subscriptions/{sub}/providers/{op['namespace']}/locations/{op['location']}"
        q = {"api-version": op["api_version"] or "2022-09-01"}
        h = dict(headers or {})
        status_path = status_path or f"{base}/operationStatuses/{op['id']}"
        result_path = result_path or f"{base}/operationResults/{op['id']}"
        if async_header:
            h["Azure-AsyncOperation"] = _url(req, status_path, q)
        if location_header:
            h["Location"] = _url(req, result_path, q)
        h["Retry-After"] = str(self.retry_after(op))
        # Remember which role each URL plays: some RPs hand out an ``operationResults`` URL as the
        # Azure-AsyncOperation status monitor (Microsoft.Web plans and sites do), so the role cannot
        # be inferred from the path alone.  A URL used for both is served as a status monitor.
        monitors = {}
        if location_header:
            monitors[_path_key(result_path)] = "result"
        if async_header:
            monitors[_path_key(status_path)] = "status"
        stored = self.store.get("operations", op["id"])  # the caller's copy may predate run_now()
        if stored is not None and monitors != stored.get("monitors"):
            stored["monitors"] = monitors
            self.store.put("operations", op["id"], stored)
        return Response(status, body, h)

    def retry_after(self, op):
        remaining = op["due"] - self.clock.now()
        return max(1, min(int(op.get("poll_hint") or 10), math.ceil(remaining) if remaining > 0 else 1))

    # -- progress ---------------------------------------------------------------------------
    def settle(self):
        """Finish every operation whose time has come (cheap when nothing is due)."""
        now = self.clock.now()
        while True:
            with self._heap_lock:
                if not self._heap or self._heap[0][0] > now:
                    return
                _unused, op_id = heapq.heappop(self._heap)
            self._finish(op_id)

    def _finish(self, op_id):
        with self.store.transaction():
            op = self.store.get("operations", op_id)
            if op is None or op["status"] in TERMINAL:
                return
            failure = op.get("injected_failure")
            try:
                if failure:
                    raise AzureError(failure.get("status", 500), failure.get("code", "InternalServerError"),
                                     failure.get("message", "An unexpected error occurred while processing the request."))
                hook = self.hooks.get(op["on_done"]) if op.get("on_done") else None
                result = hook(op) if hook else None
                if result is not None:
                    op["result"] = result
                op["status"] = "Succeeded"
            except AzureError as exc:
                op["status"] = "Failed"
                op["error"] = {"code": exc.code, "message": exc.message}
                op["error_status"] = exc.status if exc.status >= 400 else 500
                fail_hook = self.hooks.get(op["on_fail"]) if op.get("on_fail") else None
                if fail_hook:
                    fail_hook(op)
            op["ended"] = self.clock.now()
            self.store.put("operations", op_id, op)

    def pending_for(self, resource_id):
        """Operations still running against ``resource_id`` (for 409 busy answers)."""
        rid = (resource_id or "").lower()
        return [op for op in self.store.values("operations")
                if op["status"] not in TERMINAL and (op.get("resource_id") or "").lower() == rid]

    # -- polling endpoints ------------------------------------------------------------------
    def poll(self, req):
        """Answer a status/result URL if the path names a known operation; None otherwise."""
        segs = req.segments
        if len(segs) < 4 or segs[-2].lower() not in STATUS_SEGMENTS or req.method != "GET":
            return None
        op = self.store.get("operations", segs[-1])
        if op is None or op["subscription"].lower() != segs[1].lower():
            return None
        self.settle()
        op = self.store.get("operations", segs[-1])
        role = (op.get("monitors") or {}).get(_path_key("/" + "/".join(segs)))
        if role == "result" or (role is None and segs[-2].lower() in RESULT_SEGMENTS):
            return self._result(req, op)
        body = {"id": req.raw_path, "name": op["id"], "status": op["status"], "startTime": self.clock.iso(op["started"])}
        if op["ended"] is not None:
            body["endTime"] = self.clock.iso(op["ended"])
        if op["status"] == "Failed":
            body["error"] = op["error"]
        if op["status"] == "Succeeded" and op.get("resource_id"):
            body["resourceId"] = op["resource_id"]
        headers = {} if op["status"] in TERMINAL else {"Retry-After": str(self.retry_after(op))}
        return Response(200, body, headers)

    def _result(self, req, op):
        if op["status"] not in TERMINAL:
            return Response(202, None, {"Location": req.base_url + req.raw_path + ("?" + req.query_string if req.query_string else ""),
                                        "Retry-After": str(self.retry_after(op))})
        if op["status"] == "Failed":
            return Response(op["error_status"] or 500, {"error": op["error"]})
        result = op.get("result") or {"status": 204}
        return Response(result.get("status", 200), result.get("body"), result.get("headers"))


def _path_key(path):
    return "/" + path.split("?", 1)[0].strip("/").lower()


def _url(req, path, query):
    """An absolute URL on the caller's host; a path may carry its own query (Storage's ``?monitor=true``)."""
    path, _sep, extra = path.partition("?")
    q = dict(urllib.parse.parse_qsl(extra))
    q.update(query)
    return req.url(path, q)
