"""The cost engine: bills the resources in the ``resources`` table per simulated hour, split per UTC day.

What accrues (prices in :mod:`.prices`): App Service plans (SKU x ``sku.capacity`` workers, so an autoscale
scale-out costs more from the hour it happens), PostgreSQL flexible servers (compute only while not Stopped;
storage beyond the included size and HA always — Learn "Stop/start an Azure Database for PostgreSQL flexible
server": "you're still charged for storage" while stopped), Redis caches, Front Door profiles, DNS zones,
and App Service Domains (one yearly charge at purchase and each anniversary).  Storage accounts accrue only
for a used capacity a storage provider records in the private ``_usedBytes`` (azsim does not measure blobs).

Persistence decision: daily rows live in table ``costs`` keyed ``{YYYY-MM-DD}|{resource id}|{meter}`` —
deliberately *not* under the resource id, so deleting a resource or its group stops accrual but keeps the
history, as Cost Management keeps the charges of deleted resources.  ``POST /_azsim/reset`` wipes them.

Accrual runs lazily: before every cost query / budget read, and from a tick hook once an hour of simulated
time has passed (so ``POST /_azsim/clock {"advance_seconds": N}`` bills the jump with the state of that moment).
A resource never accrues for time before its ``systemData.createdAt``.

Forecast (:meth:`CostEngine.project`, read by the Forecast API and budgets' ``forecastSpend``): the same meters run
forward from now with the resources as they are, renewals included; nothing of it is stored.
"""

import datetime as _dt

from ...core.clock import parse_iso
from . import prices

ROWS = "costs"
META = "costmeta"
TICK_EVERY = 3600.0  # simulated seconds between background accruals


def get(app):
    """The engine of this app (one per azsim process)."""
    eng = app.__dict__.get("_azsim_cost_engine")
    if eng is None:
        eng = app.__dict__["_azsim_cost_engine"] = CostEngine(app)
    return eng


def day_of(ts):
    return _dt.datetime.fromtimestamp(ts, tz=_dt.UTC).strftime("%Y-%m-%d")


def _midnight_after(ts):
    d = _dt.datetime.fromtimestamp(ts, tz=_dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (d + _dt.timedelta(days=1)).timestamp()


def meters(doc):
    """``[(meter name, monthly EUR)]`` running for one resource document right now."""
    rtype = (doc.get("type") or "").lower()
    props = doc.get("properties") or {}
    sku = doc.get("sku") or {}
    if rtype == "microsoft.web/serverfarms":
        workers = sku.get("capacity") or 1
        return [(f"{sku.get('tier', 'Standard')} {sku.get('name', 'S1')}", prices.app_service_monthly(sku.get("name")) * workers)]
    if rtype == "microsoft.dbforpostgresql/flexibleservers":
        out = []
        if props.get("state") not in ("Stopped", "Disabled", "Dropping"):
            out.append((f"{sku.get('name', 'Standard_D2s_v3')} vCore", prices.postgres_monthly(sku.get("name"))))
        size = ((props.get("storage") or {}).get("storageSizeGB") or 0)
        extra = max(0, size - prices.POSTGRES_STORAGE_INCLUDED_GB)
        if extra:
            out.append(("Storage Data Stored", extra * prices.POSTGRES_STORAGE_GB_MONTH))
        if ((props.get("highAvailability") or {}).get("mode") or "Disabled") != "Disabled":
            out.append(("High Availability", prices.POSTGRES_HA_MONTH))
        return out
    if rtype == "microsoft.storage/storageaccounts":
        used = doc.get("_usedBytes") or 0
        tier = props.get("accessTier") or "Hot"
        return [(f"{tier} LRS Data Stored", used / 1e9 * prices.STORAGE_GB_MONTH.get(tier, 0.018))] if used else []
    if rtype == "microsoft.cache/redis":
        monthly = prices.redis_monthly(props.get("sku"))
        return [(f"{(props.get('sku') or {}).get('name', 'Basic')} Cache Instance", monthly)] if monthly else []
    if rtype == "microsoft.cdn/profiles":
        base = prices.FRONT_DOOR.get(sku.get("name"))
        return [(f"{sku.get('name')} Base Fees", base)] if base else []
    if rtype == "microsoft.network/dnszones":
        return [("Public Zone", prices.DNS_ZONE_MONTH)]
    return []


class CostEngine:
    def __init__(self, app):
        self.app = app
        self.listeners = []  # fn(now) after each accrual (budget evaluation)

    def _meta(self):
        return self.app.store.get(META, "engine") or {"last": None, "domains": {}}

    def tick(self):
        meta = self.app.store.peek(META, "engine")
        now = self.app.clock.now()
        if meta is None or meta.get("last") is None or now - meta["last"] >= TICK_EVERY:
            with self.app.store.transaction():
                self.accrue(now)

    def accrue(self, now=None):
        """Bill every running resource from the last accrual up to ``now`` (simulated epoch seconds)."""
        store = self.app.store
        now = self.app.clock.now() if now is None else now
        meta = self._meta()
        start = meta["last"]
        if start is None or start > now:
            start = now  # first run, or the admin clock moved back: nothing to bill (rows already written stay)
        if now > start:
            pending = {}
            for doc in store.values("resources"):
                rtype = (doc.get("type") or "").lower()
                if rtype == "microsoft.domainregistration/domains":
                    self._domain(meta, doc, now, pending)
                    continue
                running = meters(doc)
                if not running:
                    continue
                created = parse_iso((doc.get("systemData") or {}).get("createdAt")) or start
                s = max(start, created)
                for meter, monthly in running:
                    if monthly > 0 and s < now:
                        self._spread(doc, meter, prices.hourly(monthly), s, now, pending)
            for key, row in pending.items():
                store.put(ROWS, key, row)
        meta["last"] = now
        store.put(META, "engine", meta)
        for fn in self.listeners:
            fn(now)

    def _row(self, pending, doc, meter, day, stored=True):
        rid = doc["id"]
        key = f"{day}|{rid.lower()}|{meter.lower()}"
        row = pending.get(key) or (self.app.store.get(ROWS, key) if stored else None)
        if row is None:
            parts = rid.split("/")
            rtype = (doc.get("type") or "").lower()
            row = {"date": day, "subscription": parts[2], "resourceGroup": parts[4], "resourceId": rid.lower(),
                   "resourceType": rtype, "location": (doc.get("location") or "global").replace(" ", "").lower(),
                   "service": prices.SERVICE_NAMES.get(rtype, "Other"), "meter": meter, "tags": dict(doc.get("tags") or {}), "cost": 0.0}
        pending[key] = row
        return row

    def _spread(self, doc, meter, per_hour, s, e, pending, stored=True):
        while s < e:
            cut = min(e, _midnight_after(s))
            self._row(pending, doc, meter, day_of(s), stored)["cost"] += per_hour * (cut - s) / 3600.0
            s = cut

    def _domain(self, meta, doc, now, pending):
        """App Service Domain: the yearly price on the purchase day and on every anniversary."""
        rid = doc["id"].lower()
        due = self._domain_due(meta, doc, now)
        while due <= now:
            self._row(pending, doc, ".com Domain Registration", day_of(due))["cost"] += prices.DOMAIN_YEAR
            due += 365 * 86400
        meta["domains"][rid] = due

    @staticmethod
    def _domain_due(meta, doc, now):
        due = meta["domains"].get(doc["id"].lower())
        return due if due is not None else parse_iso((doc.get("systemData") or {}).get("createdAt")) or now

    # -- forecasting ---------------------------------------------------------------------------
    def project(self, sub, start, end):
        """The daily rows the resources would accrue from ``start`` to ``end`` (simulated epoch seconds) if they stay as
        they are now: every running meter at its price (a resource not yet created at ``start`` from its creation), and
        the App Service Domain renewals falling due.  Nothing is stored: this is the forecast of the accrual model."""
        pending = {}
        if end <= start:
            return []
        meta = self._meta()
        prefix = f"/subscriptions/{sub}/".lower()
        for doc in self.app.store.values("resources"):
            if not doc.get("id", "").lower().startswith(prefix):
                continue
            created = parse_iso((doc.get("systemData") or {}).get("createdAt")) or start
            if (doc.get("type") or "").lower() == "microsoft.domainregistration/domains":
                due = self._domain_due(meta, doc, start)
                while due < end:
                    if due >= start:
                        self._row(pending, doc, ".com Domain Registration", day_of(due), stored=False)["cost"] += prices.DOMAIN_YEAR
                    due += 365 * 86400
                continue
            s = max(start, created)
            for meter, monthly in meters(doc):
                if monthly > 0 and s < end:
                    self._spread(doc, meter, prices.hourly(monthly), s, end, pending, stored=False)
        return list(pending.values())

    # -- reading -------------------------------------------------------------------------------
    def rows(self, sub, start_day, end_day):
        """Daily rows of one subscription with ``start_day <= date <= end_day`` (ISO dates)."""
        out = []
        for key, row in self.app.store.items(ROWS):
            day = key[:10]
            if start_day <= day <= end_day and row["subscription"].lower() == sub.lower():
                out.append(row)
        return out
