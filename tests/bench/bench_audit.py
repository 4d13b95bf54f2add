"""`make bench-audit`: the quarterly audit of a large subscription on azsim, timed and counted (a benchmark, not a test).

1. Starts its own azsim (time scale 0, ARM lists paged at BENCH_PAGE_SIZE items, default 100) in a temporary directory.
2. Fills ONE subscription through the API, with raw ``requests`` sessions, a bearer token and BENCH_FILL_THREADS threads:
   BENCH_SITES web apps (default 500) on Premium v3 plans, each with a ``staging`` slot, app settings on the site and on the
   slot (one site in ten with a Key Vault reference), and a custom host name bound after its TXT/CNAME records in an Azure
   DNS zone; BENCH_PG PostgreSQL flexible servers (default 100), each with two firewall rules and three parameters changed.
   While it fills, azsim's ARM throttling limits are raised through its admin API (PUT /_azsim/throttling): the fill is
   set-up, not what is measured.  azsim runs a real PostgreSQL cluster per flexible server (initdb, start, first base
   backup): the servers are created for real, BENCH_PG_THREADS at a time, and that is the slow part of the fill.
3. Restores azsim's real ARM limits (the token buckets of Learn "Understand how Azure Resource Manager throttles requests":
   reads 250 + 25/s, writes - the POST list actions included - 200 + 10/s, per principal and subscription) and the
   Resource Graph quota, gives azsim's auditor (Reader) the ERP Auditor role with playbooks/access.yml, and runs the
   audit of the whole subscription as that principal: tests/bench/audit_bench.yml calls erpops.azure.audit_inventory
   then erpops.azure.audit_evaluate (the role's two modules), once per profile of BENCH_PROFILES (default "full,fast":
   every part, then the skip_parts that fit ARM's buckets in 60 s), 25 s apart so that the buckets refill.
4. Prints: wall times (collect, evaluate), ARM calls by type, calls per resource (per ARM resource the fill created, and per
   top-level resource: sites, slots and servers), Resource Graph queries, 429 answers (module's count and azsim's log),
   and what ARM's buckets allow at best for the calls the collector had to make.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from azsim.testing import Azsim  # noqa: E402
from erp_fleet import ArmClient  # noqa: E402

SITES = int(os.environ.get("BENCH_SITES", "500"))
PG = int(os.environ.get("BENCH_PG", "100"))
PAGE_SIZE = int(os.environ.get("BENCH_PAGE_SIZE", "100"))
FILL_THREADS = int(os.environ.get("BENCH_FILL_THREADS", "8"))
PG_THREADS = int(os.environ.get("BENCH_PG_THREADS", "4"))
SITES_PER_PLAN = 50
RG = "bench-audit-rg"
ZONE = "bench-erp.example.com"
WEB, PGAPI, DNS, RGAPI = "2024-11-01", "2024-08-01", "2018-05-01", "2024-11-01"
# The ARM buckets azsim enforces (core/throttle.py, from Learn): reads 250 + 25/s, writes (PUT/PATCH/POST) 200 + 10/s.
READS, WRITES = (250, 25.0), (200, 10.0)
HUGE = {"capacity": 1e9, "refill_per_second": 1e9}
REFILL_SECONDS = 25
# Audit profiles (BENCH_PROFILES, comma-separated): every part the rules read, and the parts a 60-second audit of this estate
# must leave out to stay within ARM's buckets (the POST list actions: settings, connection strings, backups; and the
# per-resource GETs of the lower-severity rows: authentication, diagnostic settings, Entra administrators, Defender).
PROFILES = {"full": [], "fast": ["app_settings", "connection_strings", "backup_config", "config_references", "auth_settings_v2",
                                 "diagnostic_settings", "administrators", "advanced_threat_protection"]}
# The figures of each profile are also kept as JSON here (tests/output is not versioned).
KEEP = os.environ.get("BENCH_KEEP", os.path.join(ROOT, "tests", "output", "bench-audit"))
VARIANTS = [v for v in os.environ.get("BENCH_PROFILES", "full,fast").split(",") if v]


class Filler(ArmClient):
    """The bench's resources, through the front door as the deployer, counted by kind."""

    def __init__(self, sim):
        super().__init__(sim, "deployer", proxy=True)
        self.rg = f"/subscriptions/{sim.sub}/resourceGroups/{RG}"
        self.created = collections.Counter()
        self.lock = threading.Lock()

    def put(self, path, api, body, kind):
        r = super().put(path, api, body)
        with self.lock:
            self.created[kind] += 1
        return r.json() if r.content else None

    # -- the estate ---------------------------------------------------------------------------------------------
    def site(self, i):
        name = f"bench-app-{i:03d}"
        plan = f"{self.rg}/providers/Microsoft.Web/serverfarms/bench-plan-{i // SITES_PER_PLAN:02d}"
        sid = f"{self.rg}/providers/Microsoft.Web/sites/{name}"
        config = {"linuxFxVersion": "PYTHON|3.12", "minTlsVersion": "1.2", "ftpsState": "Disabled", "http20Enabled": True}
        props = {"serverFarmId": plan, "httpsOnly": True, "siteConfig": config}
        site = self.put(sid, WEB, {"location": "westeurope", "kind": "app,linux", "properties": props}, "sites")
        self.put(f"{sid}/slots/staging", WEB, {"location": "westeurope", "kind": "app,linux", "properties": props}, "slots")
        settings = {"DJANGO_SETTINGS_MODULE": "erp.settings.production", "WEBSITES_PORT": "8000", "ERP_ENV": "bench"}
        if i % 10 == 0:
            settings["SECRET_KEY"] = "@Microsoft.KeyVault(SecretUri=https://bench-kv.vault.azure.net/secrets/django-secret-key/)"
        for target in (sid, f"{sid}/slots/staging"):
            self.put(f"{target}/config/appsettings", WEB, {"properties": settings}, "config resources (appsettings)")
        host = f"{name}.{ZONE}"
        vid = site["properties"]["customDomainVerificationId"]
        zone = f"{self.rg}/providers/Microsoft.Network/dnszones/{ZONE}"
        self.put(f"{zone}/TXT/asuid.{name}", DNS, {"properties": {"TTL": 300, "TXTRecords": [{"value": [vid]}]}}, "DNS record sets")
        self.put(f"{zone}/CNAME/{name}", DNS, {"properties": {"TTL": 300, "CNAMERecord": {"cname": f"{name}.azurewebsites.net"}}},
                 "DNS record sets")
        binding = {"siteName": name, "customHostNameDnsRecordType": "CName", "hostNameType": "Verified"}
        self.put(f"{sid}/hostNameBindings/{host}", WEB, {"properties": binding}, "host name bindings")

    def server(self, i):
        sid = f"{self.rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/bench-pg-{i:03d}"
        self.put(sid, PGAPI, {"location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
                              "properties": {"createMode": "Create", "version": "16", "administratorLogin": "erpadmin",
                                             "administratorLoginPassword": f"Bench-{i:03d}-Pw!x9", "storage": {"storageSizeGB": 32},
                                             "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
                                             "highAvailability": {"mode": "Disabled"}, "network": {"publicNetworkAccess": "Enabled"}}},
                 "PostgreSQL servers")
        office = f"203.0.113.{i % 250}"
        # The guide's AllowAzureServices rule (0.0.0.0 to 0.0.0.0 is Azure's convention for it), and an office address.
        azure_services = "0.0.0.0"  # noqa: S104 - a firewall rule's address, not a bind
        for name, start, end in (("office", office, office), ("AllowAllAzureServicesAndResourcesWithinAzureIps", azure_services, azure_services)):
            self.put(f"{sid}/firewallRules/{name}", PGAPI, {"properties": {"startIpAddress": start, "endIpAddress": end}}, "firewall rules")
        for name, value in (("log_disconnections", "on"), ("connection_throttle.enable", "on"), ("logfiles.retention_days", "7")):
            self.put(f"{sid}/configurations/{name}", PGAPI, {"properties": {"value": value, "source": "user-override"}},
                     "configurations changed")

    def fill(self):
        self.put(self.rg, RGAPI, {"location": "westeurope"}, "resource groups")
        plans = (SITES + SITES_PER_PLAN - 1) // SITES_PER_PLAN
        for p in range(plans):
            self.put(f"{self.rg}/providers/Microsoft.Web/serverfarms/bench-plan-{p:02d}", WEB,
                     {"location": "westeurope", "kind": "linux", "sku": {"name": "P1v3", "tier": "PremiumV3", "capacity": 1},
                      "properties": {"reserved": True}}, "plans")
        self.put(f"{self.rg}/providers/Microsoft.Network/dnszones/{ZONE}", DNS, {"location": "global"}, "DNS zones")
        errors = []

        def guard(fn, i):
            try:
                fn(i)
            except BaseException as exc:  # noqa: BLE001 - reported after the pools end
                errors.append(f"{fn.__name__} {i}: {exc}")

        t0 = time.monotonic()
        with ThreadPoolExecutor(PG_THREADS) as pg_pool, ThreadPoolExecutor(FILL_THREADS) as web_pool:
            pg_jobs = [pg_pool.submit(guard, self.server, i) for i in range(PG)]
            web_jobs = [web_pool.submit(guard, self.site, i) for i in range(SITES)]
            for j in web_jobs:
                j.result()
            web_done = time.monotonic() - t0
            for j in pg_jobs:
                j.result()
        if errors:
            raise SystemExit("fill failed:\n" + "\n".join(errors[:10]))
        return web_done, time.monotonic() - t0


def playbook(sim, name, *args, principal="deployer"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZSIM_STATE_DIR": sim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"})
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventories/local", name,
                           "-e", f"azsim_principal={principal}", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"{name} failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return time.monotonic() - t0


def best_case(reads, writes):
    """Seconds ARM's buckets need at least for that many reads and writes (the two buckets drain in parallel)."""
    def one(n, bucket):
        capacity, refill = bucket
        return max(0.0, (n - capacity) / refill)
    return max(one(reads, READS), one(writes, WRITES))


def main():
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as state:
        sim = Azsim(state, time_scale=0, page_size=PAGE_SIZE).start()
        try:
            real = sim.admin("GET", "throttling")
            real_arg = sim.admin("GET", "throttling/resourcegraph")
            sim.admin("PUT", "throttling", {"limits": {"reads": HUGE, "writes": HUGE, "deletes": HUGE}})
            print(f"bench-audit: fill - azsim's ARM throttling limits raised to 1e9 tokens through PUT /_azsim/throttling "
                  f"(real: {json.dumps(real['limits'])})", flush=True)
            filler = Filler(sim)
            t0 = time.monotonic()
            web_s, fill_s = filler.fill()
            print(f"bench-audit: estate created in {time.monotonic() - t0:.0f} s", flush=True)
            playbook(sim, "playbooks/access.yml", "-e", "access_audit=true", principal="owner")
            print(f"bench-audit: filled in {time.monotonic() - t0:.0f} s (web apps {web_s:.0f} s, PostgreSQL servers {fill_s:.0f} s "
                  f"with {PG_THREADS} at a time): {json.dumps(dict(filler.created))}", flush=True)

            sim.admin("PUT", "throttling", {"enabled": real["enabled"], "limits": real["limits"]})
            sim.admin("PUT", "throttling/resourcegraph", real_arg)
            print(f"bench-audit: audit - azsim's real limits restored: {json.dumps(sim.admin('GET', 'throttling'))}, Resource Graph "
                  f"{json.dumps(sim.admin('GET', 'throttling/resourcegraph'))}", flush=True)
            for i, variant in enumerate(VARIANTS):
                if i:
                    time.sleep(REFILL_SECONDS)  # let ARM's buckets refill, as between two audits
                out = os.path.join(state, f"bench-{variant}")
                os.makedirs(out)
                mark = sim.last_seq()
                wall = playbook(sim, "tests/bench/audit_bench.yml", "-e", f"bench_out={out}",
                                "-e", json.dumps({"audit_scope": [f"/subscriptions/{sim.sub}"], "audit_skip_parts": PROFILES[variant]}),
                                principal="auditor")
                rows = [r for r in sim.requests_since(mark) if r["method"] != "CONNECT" and r["host"].startswith("management.")]
                with open(os.path.join(out, "result.json"), encoding="utf-8") as f:
                    result = json.load(f)
                report(filler, variant, result, rows, wall)
                os.makedirs(KEEP, exist_ok=True)
                with open(os.path.join(KEEP, f"{variant}.json"), "w", encoding="utf-8") as f:
                    json.dump({"result": result, "rows": rows, "wall": wall, "created": filler.created}, f)
        finally:
            stop(sim)


def stop(sim):
    """azsim stops its PostgreSQL clusters on SIGTERM: a hundred of them take longer than Azsim.stop waits."""
    if sim.proc and sim.proc.poll() is None:
        sim.proc.terminate()
        try:
            sim.proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            sim.proc.kill()
            sim.proc.wait(timeout=30)


def report(filler, variant, result, rows, wall):
    inv, ev = result["inventory"], result["evaluate"]
    calls = inv["calls"]
    arg = sum(1 for r in rows if "/providers/microsoft.resourcegraph/resources" in r["path"].lower())
    arm_rows = [r for r in rows if "/providers/microsoft.resourcegraph/resources" not in r["path"].lower()]
    reads = sum(1 for r in arm_rows if r["method"] in ("GET", "HEAD"))
    writes = len(arm_rows) - reads
    created = sum(v for k, v in filler.created.items() if k not in ("resource groups", "plans", "DNS zones", "DNS record sets"))
    top = filler.created["sites"] + filler.created["slots"] + filler.created["PostgreSQL servers"]
    t429 = sum(1 for r in rows if r["status"] == 429)
    print(f"\n== bench-audit, profile {variant}: the audit of one subscription as the auditor (ERP Auditor role), azsim's real ARM "
          f"limits; skip_parts {PROFILES[variant]}")
    print(f"resources created    {created} ARM resources in the audited estate: " + ", ".join(
        f"{v} {k}" for k, v in filler.created.items() if k not in ("resource groups", "plans", "DNS zones", "DNS record sets")))
    print(f"                     ({filler.created['plans']} plans, 1 DNS zone and {filler.created['DNS record sets']} record sets too; "
          f"the inventory holds {inv['resources']} resources)")
    print(f"wall time            collect {inv['wall_seconds']:.1f} s, evaluate {result['evaluate_seconds']:.1f} s, "
          f"ansible-playbook {wall:.1f} s in all")
    print(f"ARM calls            {len(arm_rows)} ({reads} reads, {writes} POST list actions) by azsim's log; the module counted "
          f"{calls['total']} (Resource Graph queries included)")
    for kind, n in sorted(calls["by_type"].items(), key=lambda kv: -kv[1]):
        print(f"    {n:6d}  {kind}")
    print(f"calls per resource   {len(arm_rows) / created:.2f} per ARM resource created, {len(arm_rows) / top:.2f} per top-level "
          f"resource ({top} sites, slots and servers)")
    print(f"Resource Graph       {arg} queries")
    print(f"throttled (429)      {t429} answers in azsim's log ({calls['throttled']} seen by the module), paused "
          f"{calls.get('paused_seconds', 0)} s on the remaining-tokens headers")
    floor = best_case(reads, writes)
    print(f"ARM's buckets        {reads} reads and {writes} writes need at least {floor:.0f} s at 250 + 25/s and 200 + 10/s; "
          f"in 60 s at most {READS[0] + 60 * READS[1]:.0f} reads and {WRITES[0] + 60 * WRITES[1]:.0f} writes")
    print(f"findings             {json.dumps(ev['summary'].get('by_status', {}))}")
    if inv.get("errors"):
        print(f"errors               {inv['errors']} parts not read; missing actions {inv.get('missing_actions')}")


if __name__ == "__main__":
    main()
