"""Automatic backups of a flexible server and the point-in-time-restore window.

Azure takes one full backup a day and keeps backups for ``backupRetentionDays``; the ``backups`` list shows them as
``daily_YYYYMMDDTHHMMSS`` with ``backupType: Full``, ``source: Automatic`` and ``completedTime`` (REST spec example
BackupListByServer.json). ``earliestRestoreDate`` is the first restorable point: the oldest backup in the window
(ServerCreate.json example: five minutes after creation, when the first backup completed).

Each listed backup is a real ``pg_basebackup`` of the cluster; WAL is archived continuously, so a restore replays from
the newest base backup taken before the requested time. Documents live in the ``resources`` table under the server
(``.../backups/{name}``) with the wall-clock time and directory in private fields.
"""

import datetime as _dt
import os

from ...core import resource
from ...core.clock import iso
from ...core.errors import AzureError

DAY = 86400


def backup_name(sim_ts):
    return "daily_" + _dt.datetime.fromtimestamp(sim_ts, tz=_dt.UTC).strftime("%Y%m%dT%H%M%S")


def all_backups(app, server_id):
    return sorted(resource.children(app, server_id, "backups"), key=lambda d: d["_sim"])


def record(app, server, name, wall, backup_root):
    """Store a completed base backup and prune those outside the retention window (keeping the newest one before the
    window edge, which restores to the window's first instants)."""
    sim = wall + (app.clock.now() - _wall_now())
    doc = {"id": f"{server['id']}/backups/{name}", "name": name, "type": server["type"] + "/backups",
           "properties": {"backupType": "Full", "source": "Automatic", "completedTime": _completed(sim)},
           "_sim": sim, "_wall": wall, "_path": os.path.join(backup_root, name)}
    resource.put(app, doc)
    days = resource.peek(app, server["id"])["properties"]["backup"]["backupRetentionDays"]
    edge = app.clock.now() - days * DAY
    old = [b for b in all_backups(app, server["id"]) if b["_sim"] < edge]
    for b in old[:-1]:
        app.store.delete(resource.TABLE, b["id"])
        _remove(b["_path"])


def listed(app, server):
    """The backups Azure lists: those completed within the retention window."""
    days = server["properties"]["backup"]["backupRetentionDays"]
    edge = app.clock.now() - days * DAY
    return [b for b in all_backups(app, server["id"]) if b["_sim"] >= edge]


def earliest_restore(app, server):
    """Epoch seconds of ``earliestRestoreDate`` or None before the first backup completed."""
    items = all_backups(app, server["id"])
    if not items:
        return None
    days = server["properties"]["backup"]["backupRetentionDays"]
    return max(items[0]["_sim"], app.clock.now() - days * DAY)


def due(app, server):
    items = all_backups(app, server["id"])
    return bool(items) and app.clock.now() - items[-1]["_sim"] >= DAY


def pick_for_restore(app, source, point):
    """Validate ``pointInTimeUTC`` against the source's window and choose the base backup to start from.

    Returns (backup doc, target wall-clock time). Error codes and texts are unverified (arm-data §2.3: the time must lie
    between earliestRestoreDate and now)."""
    now = app.clock.now()
    if point > now + 1:
        raise AzureError(400, "InvalidPointInTimeRestoreTime",
                         f"The point in time '{iso(point)}' for restore is in the future. Specify a time between the earliest restore "
                         "date and the current time.")
    earliest = earliest_restore(app, source)
    if earliest is None or point < earliest - 1:
        raise AzureError(400, "InvalidPointInTimeRestoreTime",
                         f"The point in time '{iso(point)}' for restore is earlier than the earliest restore date "
                         f"'{iso(earliest) if earliest else 'none'}' of server '{source['name']}'.")
    offset = now - _wall_now()
    target_wall = min(point, now) - offset
    candidates = [b for b in all_backups(app, source["id"]) if b["_wall"] <= target_wall]
    backup = candidates[-1] if candidates else all_backups(app, source["id"])[0]
    return backup, max(target_wall, backup["_wall"])


def _completed(ts):
    d = _dt.datetime.fromtimestamp(ts, tz=_dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}+00:00"


def _wall_now():
    import time
    return time.time()


def _remove(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)
