"""`make bench`: every speed figure of issue 14 in one run (a benchmark, not a test; it prints, and its exit code says
whether each budget was met).

1. Time scale 0 (Azure's long operations end at once): playbooks/access.yml, then deploy.yml on an empty subscription
   and a no-op re-run. Wall times; ARM calls by method; the managed resources (every resource id the deploy wrote, a
   site's or slot's config/* counted as the site); the no-op's ARM reads per managed resource; token requests; per
   module, its no-op task time per call against ``ansible.builtin.ping`` timed in the same conditions right after; and
   Ansible's floor for each run: its wall time had every one of our module tasks cost what ping costs.
2. The default time scale (0.01): the first deploy's wall time (budget 60 s), against that floor plus the longest chain
   of waits Azure serialises.
3. Time scale 0.02: how much the simulated waits add to the wall time, against the longest chain of waits Azure itself
   serialises, from azsim's operation log: the PostgreSQL server's creation, then its firewall rules, parameters and
   database one operation at a time (Azure runs one operation per server), and the domain purchase, then the managed
   certificates (issued in parallel once their host names are bound). Budget: extra wall <= 1.15 x that chain.
4. Bare module processes against ``python -m ansible.modules.ping`` (tests/bench/task_overhead.py's second part).

  make bench                       # everything, about 6 minutes on 2 idle cores
  BENCH_PARTS=noop make bench      # only part 1 (noop), 2 (default), 3 (overlap), 4 (process); comma-separated
"""

import collections
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))
sys.path.insert(0, HERE)

from azsim.testing import Azsim  # noqa: E402

BUDGET = {"noop_wall": 20.0, "reads_per_resource": 1.2, "first_deploy": 60.0, "overlap": 1.15, "task_over_ping": 0.15}
PARTS = set((os.environ.get("BENCH_PARTS") or "noop,default,overlap,process").split(","))
TOKEN_PATHS = ("/oauth2/v2.0/token", "/oauth2/token")
# ping in the deploy's own context (inventory, group_vars, the play's environment and module_defaults), so that what the
# controller spends per task on templating that context counts on both sides of the comparison.
PING_PLAY = [{"name": "ping", "hosts": "erp", "gather_facts": False, "environment": "{{ erp_azure_environment | default({}) }}",
              "module_defaults": {"group/erpops.azure.azure": "{{ erp_azure_auth | default({}) }}"},
              # A first task warms the play up; then the first ping builds its AnsiballZ payload, the next ones reuse it.
              "tasks": [{"ansible.builtin.debug": {"msg": "warm-up"}}] + [{"ansible.builtin.ping": {}} for _i in range(15)]}]
verdicts = []


def verdict(name, ok, text):
    verdicts.append((name, ok))
    print(f"  {'PASS' if ok else 'OVER'} {name:<28} {text}")


def run(sim, playbook, *args, report=None):
    """(wall seconds, azsim's request rows of the run) of one ansible-playbook run against ``sim``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZSIM_STATE_DIR": sim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"})
    if report:
        env.update({"ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "tests", "integration", "callback_plugins"),
                    "ANSIBLE_CALLBACKS_ENABLED": "erpops.azure.deploy_summary,it_report", "IT_REPORT": report})
    mark = sim.last_seq()
    with tempfile.TemporaryDirectory(prefix="bench-tmp-") as tmp:
        env["TMPDIR"] = tmp  # a fresh controller's empty token cache: the run's token requests are its own
        t0 = time.monotonic()
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        wall = time.monotonic() - t0
    if proc.returncode:
        sys.exit(f"{playbook} failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return wall, sim.requests_since(mark)


def arm_rows(rows):
    """The playbook's ARM traffic: not Entra, not the deployed app's own telemetry, not the app's or Kudu's hosts."""
    return [r for r in rows if r["method"] != "CONNECT" and r["path"].startswith("/subscriptions/")]


def tokens(rows):
    return collections.Counter(f"{r['principal']} {r['audience']}" for r in rows if r["method"] == "POST" and r["path"].endswith(TOKEN_PATHS))


READ_ONLY_POST = re.compile(r"/(list[A-Za-z]*|listKeys|listSecrets|checkNameAvailability|[A-Za-z]+/list)$", re.I)


def managed_resources(rows):
    """Resource ids the deploy wrote (PUT/PATCH), a web app's or slot's config/* counted as its owner."""
    ids = set()
    for r in rows:
        if r["method"] in ("PUT", "PATCH") and 200 <= r["status"] < 300:
            rid = r["path"].split("?")[0].rstrip("/").lower()
            rid = re.sub(r"(/config/[^/]+|/providers/microsoft\.resources/tags/default)$", "", rid)
            ids.add(rid)
    return ids


def reads(rows):
    return [r for r in rows if r["method"] == "GET" or (r["method"] == "POST" and READ_ONLY_POST.search(r["path"].split("?")[0]))]


def per_module(report_path, rows):
    """{module: (no-op seconds per call, ARM calls per call, calls)} from the it_report of a run and its requests."""
    with open(report_path, encoding="utf-8") as f:
        tasks = json.load(f)
    stamps = [(_epoch(r["time"]), r) for r in arm_rows(rows)]
    out = collections.defaultdict(lambda: [0.0, 0, 0])
    for t in tasks:
        if not t["action"].startswith("erpops.azure.") or t["status"] == "skipped":
            continue
        calls = t["items"] or 1
        made = sum(1 for ts, _r in stamps if t["start"] <= ts <= t["start"] + t["duration"] + 0.05)
        acc = out[t["action"].split(".")[-1]]
        acc[0] += t["duration"]
        acc[1] += made
        acc[2] += calls
    return {m: (d / n, c / n, n) for m, (d, c, n) in out.items()}


def _epoch(stamp):
    import datetime

    return datetime.datetime.strptime(stamp[:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.UTC).timestamp()


def ansible_floor(report_path, wall, ping_first, ping):
    """(seconds, module tasks, distinct modules, tasks) a run would take if each of our module tasks cost what
    ``ansible.builtin.ping`` costs (its first task of a run for a module's first task, when Ansible builds the payload; a
    warm ping for the next ones), every other task and the run's start-up as measured: Ansible's own price for the run's
    tasks on this machine, which no module of ours can go under."""
    with open(report_path, encoding="utf-8") as f:
        tasks = json.load(f)
    ours = [t for t in tasks if t["action"].startswith("erpops.azure.") and t["status"] != "skipped"]
    seen, at_ping = set(), 0.0
    for t in ours:
        at_ping += ping if t["action"] in seen else ping_first
        seen.add(t["action"])
    return wall - sum(t["duration"] for t in ours) + at_ping, len(ours), len(seen), len(tasks)


def ping_seconds(sim, work):
    """(first ping task, median of the next ones) in seconds: Ansible builds a module's payload on its first task of a
    run, as it does for each of our modules on its first task of the deploy."""
    path = os.path.join(work, "ping.yml")
    report = os.path.join(work, "ping.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(PING_PLAY, f)
    run(sim, path, report=report)
    with open(report, encoding="utf-8") as f:
        pings = [t["duration"] for t in json.load(f) if t["action"].endswith("ping")]
    return pings[0], statistics.median(pings[1:])


def serialised_chains(ops):
    """Azure seconds of the chains Azure itself serialises: {name: seconds}."""
    servers = [o for o in ops if o["duration_key"] == "postgresql.server.create"]
    chains = {}
    for server in servers:
        sid = (server["resource_id"] or "").lower()
        children = [o for o in ops if o["duration_key"] == "postgresql.child" and (o["resource_id"] or "").lower().startswith(sid + "/")]
        chains[f"PostgreSQL {sid.rsplit('/', 1)[-1]}: create + {len(children)} rules/parameters/database"] = (
            server["azure_seconds"] + sum(o["azure_seconds"] for o in children))
    domain = [o for o in ops if o["duration_key"] == "domain.purchase"]
    certs = [o for o in ops if o["duration_key"] == "web.certificate.managed"]
    if domain or certs:
        chains[f"domain purchase + managed certificates ({len(certs)} in parallel)"] = (
            sum(o["azure_seconds"] for o in domain) + max((o["azure_seconds"] for o in certs), default=0))
    return chains


def ran_in_sequence(ops):
    """The longest chain of operations of this run each started after the previous one ended (Azure seconds, the chain):
    what this run made wait one after another, whether Azure required it or not."""
    ops = sorted(ops, key=lambda o: o["started"])
    best = {}
    for o in ops:
        chain = max((best[p["id"]] for p in ops if p["ended"] <= o["started"] and p["id"] in best), key=lambda c: c[0], default=(0, []))
        best[o["id"]] = (chain[0] + o["azure_seconds"], chain[1] + [o])
    return max(best.values(), key=lambda c: c[0], default=(0, []))


@contextlib.contextmanager
def fresh(scale, page_size=10):
    """A new azsim at ``scale`` whose owner has run playbooks/access.yml; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-azsim-") as state:
        sim = Azsim(state, time_scale=scale, page_size=page_size).start()
        try:
            run(sim, "playbooks/access.yml", "-e", "azsim_principal=owner")
            yield sim
        finally:
            sim.stop()


def part_noop(work):
    print("\n== 1. deploy and no-op re-run at time scale 0")
    with fresh(0.0) as sim:
        first_report = os.path.join(work, "first.json")
        first, first_rows = run(sim, "playbooks/deploy.yml", report=first_report)
        report = os.path.join(work, "noop.json")
        noop, noop_rows = run(sim, "playbooks/deploy.yml", report=report)
        ping_first, ping = ping_seconds(sim, work)
        modules = per_module(report, noop_rows)
    managed = managed_resources(arm_rows(first_rows))
    first_calls = collections.Counter(r["method"] for r in arm_rows(first_rows))
    noop_calls = collections.Counter(r["method"] for r in arm_rows(noop_rows))
    noop_reads = reads(arm_rows(noop_rows))
    writes = [r for r in arm_rows(noop_rows) if r not in noop_reads]
    print(f"  deploy.yml (empty subscription)  {first:6.1f} s   ARM calls {sum(first_calls.values()):4d} {dict(sorted(first_calls.items()))}")
    print(f"  no-op re-run                     {noop:6.1f} s   ARM calls {sum(noop_calls.values()):4d} {dict(sorted(noop_calls.items()))}")
    print(f"  managed resources {len(managed)}; no-op reads {len(noop_reads)} ({len(noop_reads) / max(1, len(managed)):.2f} per resource), "
          f"writes {len(writes)}")
    print(f"  token requests: deploy {sum(tokens(first_rows).values())} {dict(tokens(first_rows))}, "
          f"no-op {sum(tokens(noop_rows).values())} {dict(tokens(noop_rows))}")
    print(f"  per module, no-op (seconds per call, ARM calls per call, calls) against ansible.builtin.ping: {ping_first:.3f} s on its"
          f" first task of a run (the payload built), {ping:.3f} s on the next ones; 'like for like' is ping over as many calls"
          f" as the module made, its first one included:")
    over, warm = [], []
    for name, (sec, calls, n) in sorted(modules.items(), key=lambda kv: -kv[1][0]):
        like = (ping_first + (n - 1) * ping) / n
        print(f"    {name:<48} {sec:6.3f} s  like for like + {sec - like:6.3f} s  (warm ping + {sec - ping:6.3f} s)   {calls:4.1f} calls  x{n}")
        if calls <= 1.0:
            over.append(sec - like)
            warm.append(sec - ping)
    noop_floor, n_ours, n_modules, n_tasks = ansible_floor(report, noop, ping_first, ping)
    first_floor = ansible_floor(first_report, first, ping_first, ping)[0]
    print(f"  Ansible's floor on this machine (each of our module tasks at ping's cost, every other task as measured): no-op"
          f" {noop_floor:.1f} s for its {n_tasks} tasks ({n_ours} module tasks of {n_modules} modules); deploy {first_floor:.1f} s"
          f" without azsim's own work (PostgreSQL clusters, the app's build and start)")
    verdict("no-op wall", noop <= BUDGET["noop_wall"],
            f"{noop:.1f} s (budget {BUDGET['noop_wall']:.0f} s; Ansible's floor for these tasks {noop_floor:.1f} s)")
    verdict("no-op writes", not writes, f"{len(writes)}")
    verdict("reads per resource", len(noop_reads) / max(1, len(managed)) <= BUDGET["reads_per_resource"],
            f"{len(noop_reads) / max(1, len(managed)):.2f} (budget {BUDGET['reads_per_resource']})")
    verdict("tokens per run", sum(tokens(noop_rows).values()) <= len(tokens(noop_rows)),
            f"{sum(tokens(noop_rows).values())} for {len(tokens(noop_rows))} principal/audience pairs")
    if over:
        worst = statistics.median(over)
        verdict("one-call task over ping", worst <= BUDGET["task_over_ping"],
                f"median + {worst:.3f} s over {len(over)} modules, like for like (budget + {BUDGET['task_over_ping']} s; against a warm"
                f" ping: + {statistics.median(warm):.3f} s)")
    return first, first_floor


def part_default(first_floor=None):
    print("\n== 2. first deploy at the default time scale 0.01")
    scale = 0.01
    with fresh(scale) as sim:
        wall, _rows = run(sim, "playbooks/deploy.yml")
        ops = [o for o in sim.admin("GET", "operations") if o["duration_key"] and o["ended"] is not None]
    floor = ""
    if first_floor is not None:
        chain = max(serialised_chains(ops).values(), default=0) * scale
        floor = f"; Ansible's floor for its tasks {first_floor:.1f} s + the longest chain Azure serialises {chain:.1f} s = {first_floor + chain:.1f} s"
    verdict("first deploy (0.01)", wall <= BUDGET["first_deploy"], f"{wall:.1f} s (budget {BUDGET['first_deploy']:.0f} s{floor})")


def part_overlap(base):
    print("\n== 3. simulated waits at time scale 0.02 against the chains Azure serialises")
    scale = 0.02
    with fresh(scale) as sim:
        wall, _rows = run(sim, "playbooks/deploy.yml")
        ops = [o for o in sim.admin("GET", "operations") if o["duration_key"] and o["ended"] is not None]
    chains = serialised_chains(ops)
    for name, seconds in sorted(chains.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.0f} s of Azure time  {name}")
    longest = max(chains.values(), default=0)
    seq, chain = ran_in_sequence(ops)
    print(f"  {seq:6.0f} s of Azure time  ran one after another in this run: "
          + " -> ".join(f"{o['duration_key']} {(o['resource_id'] or '').rsplit('/', 1)[-1]}" for o in chain))
    extra = wall - base
    print(f"  deploy at {scale:g}: {wall:.1f} s; at 0: {base:.1f} s; the waits added {extra:.1f} s; the longest chain is {longest * scale:.1f} s"
          f" at this scale; all {len(ops)} operations: {sum(o['azure_seconds'] for o in ops) * scale:.1f} s in sequence")
    verdict("wait overlap", extra <= BUDGET["overlap"] * longest * scale,
            f"{extra / max(0.001, longest * scale):.2f} x the longest chain (budget {BUDGET['overlap']})")


def part_process():
    print("\n== 4. bare module processes against python -m ansible.modules.ping")
    env = dict(os.environ, TASK_OVERHEAD_REPEAT="0")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "task_overhead.py")], env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(proc.stdout[-2000:] + proc.stderr[-2000:])
    print(proc.stdout.rstrip())


def main():
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        base, first_floor = part_noop(work) if PARTS & {"noop", "overlap"} else (None, None)
        if "default" in PARTS:
            part_default(first_floor)
        if "overlap" in PARTS:
            part_overlap(base)
        if "process" in PARTS:
            part_process()
    print("\n" + ", ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in verdicts))
    return 0 if all(ok for _n, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
