"""The storage engine on azsim's simulated clock: lifecycle management runs and the purge of soft-deleted blobs.

Azure runs a lifecycle policy at least once a day and a change can take up to 24 hours to apply (Learn "Azure Blob
Storage lifecycle management overview", "Policy execution"); azsim runs the policies of every account once per hour
of simulated time and right after each ``POST /_azsim/clock`` advance (the admin call answers once that run is over),
so a test moves time forward and sees what a day-later Azure would show.  ``POST /_azsim/lifecycle`` runs it now and
answers what it did.  Runs happen on a worker thread that talks to Azurite outside azsim's state lock.
"""

import hashlib
import threading
import traceback
from email.utils import parsedate_to_datetime

from ...core import resource
from ...core.clock import parse_iso
from ...core.http import Response
from . import immutability, lifecycle, models, softdelete

ACCESS = "storageBlobAccess"   # private table: last access (simulated time) of blobs, when access tracking is on
HOUR = 3600.0
DAY = 86400.0


def access_key(container_id, blob):
    return f"{container_id}/accessed/{hashlib.sha256(blob.encode()).hexdigest()}"


def wall(header_value):
    """Epoch seconds of an RFC 1123 date as the blob service sends them (Last-Modified, x-ms-creation-time)."""
    try:
        return parsedate_to_datetime(header_value).timestamp()
    except (TypeError, ValueError):
        return None


class Engine:
    def __init__(self, app, azurite):
        self.app = app
        self.azurite = azurite
        self.lock = threading.Lock()          # one run at a time
        self.cv = threading.Condition()
        self.wanted = 0                       # runs asked for
        self.done = 0                         # runs finished
        self.jump_ticket = 0                  # the run asked for after the latest clock advance
        self.seen_offset = app.clock.offset
        self.next_run = app.clock.now() + HOUR
        self.report = {"ran": None, "actions": [], "purged": 0}
        self.thread = None

    # -- scheduling -----------------------------------------------------------------------------------
    def tick(self):
        """Cheap: wake the worker after a clock advance or once a simulated hour.  Called from an admin request (after
        ``POST /_azsim/clock``), it waits for the run that follows the latest advance, so the answer comes after the
        engine caught up."""
        offset = self.app.clock.offset
        now = self.app.clock.now()
        with self.cv:
            jumped = offset != self.seen_offset
            due = jumped or now >= self.next_run
            if due:
                self.seen_offset = offset
                self.next_run = now + HOUR
                self.wanted += 1
                if jumped:
                    self.jump_ticket = self.wanted
                self.cv.notify_all()
            ticket = self.jump_ticket
        if due:
            self._ensure_thread()
        if threading.current_thread() is not threading.main_thread() and self.done < ticket:
            with self.cv:
                self.cv.wait_for(lambda: self.done >= ticket, timeout=120)

    def _ensure_thread(self):
        with self.cv:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="storage-engine", daemon=True)
                self.thread.start()

    def _loop(self):
        while True:
            with self.cv:
                self.cv.wait_for(lambda: self.wanted > self.done, timeout=30)
                target = self.wanted
            if target > self.done:
                try:
                    self.run()
                except Exception:  # noqa: BLE001 - a failed run is retried at the next tick; azsim keeps serving
                    traceback.print_exc()
                with self.cv:
                    self.done = target
                    self.cv.notify_all()

    def admin(self, req):
        """``POST /_azsim/lifecycle``: run now; ``GET``: the last run's report."""
        if req.method == "POST":
            self.run()
        return Response(200, self.report)

    def reset(self):
        self.report = {"ran": None, "actions": [], "purged": 0}

    # -- one run ----------------------------------------------------------------------------------------
    def run(self):
        with self.lock:
            accounts = [a for a in self._snapshot() if a["deleted"] or a["gc"] or any(r.get("enabled", True) for r in a["rules"])]
            now = self.app.clock.now()
            if not accounts or not self.azurite.available or self.azurite.acquire(timeout=60) is None:
                self.report = {"ran": self.app.clock.iso(now), "actions": [], "purged": 0}
                return
            try:
                self._run(accounts, now)
            finally:
                self.azurite.release()

    def _snapshot(self):
        app = self.app
        with app.store.lock:
            accounts = []
            for acct in models.all_accounts(app):
                if acct["properties"].get("provisioningState") != "Succeeded":
                    continue
                aid = acct["id"]
                svc = resource.peek(app, aid + "/blobServices/default") or {}
                tracking = ((svc.get("properties") or {}).get("lastAccessTimeTrackingPolicy") or {})
                policy = resource.peek(app, aid + "/managementPolicies/default")
                containers = {c["name"]: resource.public(c) for c in models.all_containers(app, acct["name"])}
                accounts.append({
                    "id": aid, "name": acct["name"].lower(), "key": acct["_keys"][0]["value"], "host": models.blob_host(acct["name"]),
                    "premium": acct["sku"]["tier"] == "Premium", "rules": ((policy or {}).get("properties") or {}).get("policy", {}).get("rules", []),
                    "tracking_since": svc.get("_accessTrackingSince") if tracking.get("enable") else None,
                    "days": softdelete.retention_days(app, aid), "containers": containers,
                    "deleted": [d for _key, d in app.store.items(softdelete.TABLE, aid + "/")],
                    "gc": (app.store.get(softdelete.GC, aid) or {}).get("containers", {}),
                    "accessed": {k: v["at"] for k, v in app.store.items(ACCESS, aid + "/")}})
        return accounts

    def _run(self, accounts, now):
        actions, purged = [], 0
        for acct in accounts:
            purged += self._purge(acct, now)
            if any(r.get("enabled", True) for r in acct["rules"]):
                actions += self._lifecycle(acct, now)
        self.report = {"ran": self.app.clock.iso(now), "actions": actions, "purged": purged}

    def _purge(self, acct, now):
        """Soft-deleted blobs past their retention go for good; hidden copies nobody refers to (their container was
        deleted) too."""
        name, key = acct["name"], acct["key"]
        gone = 0
        keep = set()
        for doc in acct["deleted"]:
            if doc["expires"] <= now:
                softdelete.drop(self.azurite, name, key, doc["hidden"])
                with self.app.store.transaction():
                    softdelete.forget(self.app, acct["id"], doc)
                gone += 1
            else:
                keep.add(doc["hidden"])
        for cname, when in acct["gc"].items():
            # Copies made before the container was deleted (a copy made since belongs to a container of the same name).
            for el in list(self.azurite.list_blobs(name, key, softdelete.HIDDEN, prefix=f"{cname}/")):
                made = wall(el.findtext("Properties/Creation-Time"))
                if el.findtext("Name") not in keep and made is not None and made < int(when):
                    softdelete.drop(self.azurite, name, key, el.findtext("Name"))
        if acct["gc"]:
            with self.app.store.transaction():
                mark = self.app.store.get(softdelete.GC, acct["id"]) or {"containers": {}}
                for cname, when in acct["gc"].items():
                    if mark["containers"].get(cname) == when:
                        del mark["containers"][cname]
                if mark["containers"]:
                    self.app.store.put(softdelete.GC, acct["id"], mark)
                else:
                    self.app.store.delete(softdelete.GC, acct["id"])
        return gone

    def _lifecycle(self, acct, now):
        app = self.app
        name, key = acct["name"], acct["key"]
        rules = acct["rules"]
        snapshots = any("snapshot" in r["definition"]["actions"] for r in rules)
        include = ["tags", "snapshots"] if snapshots else ["tags"]
        done = []
        for cname in list(self.azurite.list_containers(name, key)):
            # Lifecycle management doesn't affect system containers such as $logs or $web (Learn).
            if not cname or cname.startswith("$"):
                continue
            cdoc = acct["containers"].get(cname)
            cid = softdelete.container_id(acct["id"], cname)
            immutable = cdoc is not None and (immutability.policy_of(cdoc) is not None or immutability.legal_hold(cdoc))
            for el in list(self.azurite.list_blobs(name, key, cname, include=include)):
                blob = self._blob(el, acct, cid, now)
                if blob is None:
                    continue
                action = lifecycle.action_for(rules, cname, blob, now, tiering=not acct["premium"])
                if action is None:
                    continue
                if action == "delete":
                    # "The delete action of a lifecycle management policy won't work with any blob in an immutable
                    # container" (Learn, known issues).
                    if immutable or not self._delete(acct, cname, blob):
                        continue
                elif blob.get("snapshot") or not self._tier(acct, cname, blob, lifecycle.TIER_OF[action]):
                    continue  # Azurite cannot set the tier of a snapshot
                done.append({"account": name, "container": cname, "blob": blob["name"], "snapshot": blob.get("snapshot"),
                             "action": action})
        if done:
            with app.store.transaction():
                for d in done:
                    if d["action"] == "delete" and not d["snapshot"]:
                        app.store.delete(ACCESS, access_key(softdelete.container_id(acct["id"], d["container"]), d["blob"]))
        return done

    def _blob(self, el, acct, cid, now):
        props = el.find("Properties")
        if props is None:
            return None
        clock = self.app.clock
        modified = wall(props.findtext("Last-Modified"))
        created = wall(props.findtext("Creation-Time")) or modified
        snapshot = el.findtext("Snapshot") or ""
        if modified is None:
            return None
        if snapshot:
            created = parse_iso(snapshot) or created  # a snapshot's age counts from when it was taken (Learn)
        tags = {}
        for tag in el.iter("Tag"):
            tags[tag.findtext("Key")] = tag.findtext("Value")
        name = el.findtext("Name")
        since = acct["tracking_since"]
        accessed = acct["accessed"].get(access_key(cid, name).lower())
        if accessed is None:
            # Learn: with no LastAccessTime, the date access tracking was enabled is used.
            accessed = since if since is not None else now
        changed = wall(props.findtext("AccessTierChangeTime"))
        return {"name": name, "snapshot": snapshot, "type": props.findtext("BlobType"), "tier": props.findtext("AccessTier") or "Hot",
                "created": clock.at(created), "modified": clock.at(modified), "accessed": accessed, "tags": tags,
                "tierChanged": clock.at(changed) if changed else clock.at(modified)}

    def _tier(self, acct, cname, blob, tier):
        status, _unused = self.azurite.call("PUT", acct["name"], acct["key"], f"/{cname}/{blob['name']}", {"comp": "tier"},
                                            {"x-ms-access-tier": tier})
        return status in (200, 202)

    def _delete(self, acct, cname, blob):
        """Delete a base blob (with its snapshots) or a snapshot; with soft delete on, the base blob is kept like a
        client's delete would keep it."""
        name, key = acct["name"], acct["key"]
        if blob.get("snapshot"):
            status, _unused = self.azurite.call("DELETE", name, key, f"/{cname}/{blob['name']}", {"snapshot": blob["snapshot"]})
            return status == 202
        hidden = head = None
        if acct["days"]:
            status, head, _unused = self.azurite.request("HEAD", name, key, f"/{cname}/{blob['name']}")
            if status == 200:
                hidden = softdelete.keep(self.azurite, name, key, acct["host"], cname, blob["name"], head)
        status, _unused = self.azurite.call("DELETE", name, key, f"/{cname}/{blob['name']}", None, {"x-ms-delete-snapshots": "include"})
        if status != 202:
            if hidden:
                softdelete.drop(self.azurite, name, key, hidden)
            return False
        if hidden:
            with self.app.store.transaction():
                softdelete.record(self.app, acct["id"], cname, blob["name"], hidden, head, acct["days"])
        return True
