"""Notifications azsim records instead of sending them (no mail leaves azsim, no SMS, no webhook call): the autoscale
engine's e-mail/webhook notifications and the action-group notifications of fired and resolved metric alerts.

Admin API: ``GET /_azsim/notifications[?kind=alert|autoscale][&rule=<alert rule id>]`` lists them oldest first;
``DELETE /_azsim/notifications[?kind=...]`` forgets them.  Every entry has ``id``, ``timestamp``, ``kind`` and
``delivered`` (always false).  Autoscale entries keep their fields (``autoscaleSetting``, ``operation``, ``email``,
``webhooks``); alert entries carry ``rule``, ``alertId``, ``actionGroup``, ``receiverType``, ``receiverName``,
``address``, ``monitorCondition``, ``schemaId`` and ``payload`` (see :mod:`alerts_notify`), plus ``autoscaleSetting``
null so readers of the autoscale format can filter on it.

Entries are kept under the id of what sent them (``{setting or rule id}/notifications/...``), so a resource-group
delete cascades; the same table holds the action groups' test-notification statuses (``.../notificationStatus/...``),
which are not notifications and never listed here.
"""

from ...core.http import Response

TABLE = "insights.notifications"
_MARK = "/notifications/"


def record(app, owner_id, at, rec):
    """Store one notification ``rec`` (it must have ``id`` and ``timestamp``) under ``owner_id``."""
    key = f"{owner_id}{_MARK}{int(at * 1000):015d}-{rec['id']}"
    app.store.put(TABLE, key, rec)


def entries(app, kind=None, rule=None):
    rows = [d for k, d in app.store.items(TABLE) if _MARK in k]
    if kind:
        rows = [d for d in rows if (d.get("kind") or "autoscale").lower() == kind.lower()]
    if rule:
        rows = [d for d in rows if (d.get("rule") or "").lower() == rule.lower()]
    return sorted(rows, key=lambda d: d["timestamp"])


def admin(app):
    def handler(req):
        kind = req.query.get("kind")
        if req.method == "DELETE":
            with app.store.transaction():
                for k, d in app.store.items(TABLE):
                    if _MARK in k and (not kind or (d.get("kind") or "autoscale").lower() == kind.lower()):
                        app.store.delete(TABLE, k)
            return Response(204)
        return Response(200, {"value": entries(app, kind, req.query.get("rule"))})
    return handler


def register(app):
    h = admin(app)
    app.admin_routes[("GET", "notifications")] = h
    app.admin_routes[("DELETE", "notifications")] = h
