"""The admin API under ``/_azsim/`` (loopback only, no auth): health, the request log, faults,
the long-running operations, reset, a state dump, the clock and the throttling limits.  Tests, benchmarks and later tools
depend on these exact shapes; the README documents them."""

import json

from .http import Response


def _body(req):
    if not req.body.strip():
        return None
    try:
        return json.loads(req.body)
    except ValueError as exc:
        raise _Bad(f"body is not JSON: {exc}") from None


class _Bad(Exception):
    pass


def json_items(req):
    """The body of an admin call that takes one JSON object or a list of them: (items, None), or (None, the 400 answer)."""
    try:
        body = json.loads(req.body or b"null")
    except ValueError as exc:
        return None, Response(400, {"error": f"body is not JSON: {exc}"})
    return (body if isinstance(body, list) else [body]), None


def handle(app, req, name):
    try:
        return _route(app, req, name)
    except (_Bad, ValueError, KeyError, TypeError) as exc:
        return Response(400, {"error": str(exc)})


def _route(app, req, name):
    m = req.method
    if name == "healthz" and m == "GET":
        return Response(200, {"status": "ok", "uptime_s": round(__import__("time").time() - app.started, 3),
                              "time_scale": app.clock.time_scale, "subscription_id": app.identity.subscription_id})
    if name == "requests":
        if m == "GET":
            return Response(200, app.log.since(int(req.query.get("since", 0))))
        if m == "DELETE":
            app.log.clear()
            return Response(204)
    if name == "faults":
        if m == "POST":
            return Response(201, {"rules": app.faults.add(_body(req))})
        if m == "GET":
            return Response(200, {"rules": app.faults.list()})
        if m == "DELETE":
            app.faults.clear()
            return Response(204)
    if name == "operations" and m == "GET":
        # Every long-running operation azsim accepted, oldest first, with its Azure duration (unscaled).
        ops = sorted(app.store.values("operations"), key=lambda o: (o["started"], o["id"]))
        return Response(200, [{"id": o["id"], "namespace": o["namespace"], "resource_id": o.get("resource_id"),
                               "duration_key": o.get("duration_key"), "azure_seconds": o.get("azure_seconds"), "status": o["status"],
                               "started": o["started"], "ended": o.get("ended")} for o in ops])
    if name == "reset" and m == "POST":
        app.reset()
        return Response(204)
    if name == "state" and m == "GET":
        dump = app.store.dump()
        dump.pop("principals", None)  # secrets stay in azsim.json, not in dumps
        return Response(200, dump)
    if name == "clock":
        if m == "POST":
            body = _body(req) or {}
            if "time_scale" in body:
                scale = float(body["time_scale"])
                if scale < 0:
                    raise _Bad("time_scale must be >= 0")
                app.clock.time_scale = scale
            if "advance_seconds" in body:
                app.clock.advance(float(body["advance_seconds"]))
            app.tick()  # operations and engines catch up before the answer
        if m in ("GET", "POST"):
            return Response(200, {"now": app.clock.iso(), "time_scale": app.clock.time_scale})
    if name == "throttling":
        if m == "PUT":
            body = _body(req) or {}
            app.throttle.configure(body.get("limits"), body.get("enabled"))
        if m in ("GET", "PUT"):
            return Response(200, app.throttle.describe())
    return Response(404, {"error": f"no admin endpoint {m} /_azsim/{name}"})
