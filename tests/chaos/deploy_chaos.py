"""`make chaos-faults` / `make chaos-kill`: the reliability suite's fault and SIGKILL parts (issue 14), benchmark-style runs,
not part of `make test`.

faults  For each of CHAOS_SEEDS seeds (default 3; the seeds are CHAOS_SEED + 0, 1, ...; CHAOS_SEED defaults to 1), a fresh
        azsim and playbooks/deploy.yml (inventories/local) under CHAOS_FAULT_RATE (default 0.10) injected faults on ARM
        (management.azure.com) through azsim's admin API (POST /_azsim/faults, each rule seeded): 429 with Retry-After,
        500, 503, 409 busy on writes, dropped connections.  The run must converge (rc 0), at most after ONE re-run under the
        same faults (the report says which fault stopped the first run); then, faults removed, a clean re-run must make 0
        writes (azsim's request log) and the resource set (azsim's state, every ARM resource id) must equal a clean deploy's.
kill    For each of CHAOS_KILLS (default 3) seeded moments, a fresh azsim and deploy.yml killed with SIGKILL (its whole
        process group, like a lost runner) right after azsim received its n-th write, n drawn from the clean deploy's
        write count; the re-run must converge, the next make 0 writes, and the resource set equal a clean deploy's.

Both parts first deploy once without faults (the reference resource set and write count).  CHAOS_WORKERS (default 2) runs
that many azsims at once.  Prints a line per run and one summary line per part; exits 1 when a run fails.
Usage: deploy_chaos.py faults|kill|both|all (all: both, then the bad-input part, tests/chaos/bad_input.py: `make chaos`)
"""

import collections
import concurrent.futures
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from azsim.testing import Azsim  # noqa: E402
from integration import requestlog  # noqa: E402
from integration.bad_input import collections_dir  # noqa: E402
from integration.stack import WRITE_EXEMPT  # noqa: E402

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
TIMEOUT = float(os.environ.get("CHAOS_TIMEOUT", "1500"))


def fault_rules(rate, seed):
    """Rules that together fault ``rate`` of ARM's requests: each kind gets an equal share (a request meets the rules in
    order, so each later rule's probability is raised to keep the shares equal).  409 busy only answers writes, as Azure's
    'another operation is in progress' does; the others hit any method."""
    kinds = [{"status": 429, "retry_after": 1}, {"status": 500}, {"status": 503, "retry_after": 1}, {"action": "drop"},
             {"status": 409, "method": "PUT"}, {"status": 409, "method": "PATCH"}, {"status": 409, "method": "DELETE"},
             {"status": 409, "method": "POST"}]
    share = rate / 5  # five kinds; 409 is one kind, and each write method's rule takes the whole share of its writes
    rules, left = [], 1.0
    for i, kind in enumerate(kinds):
        p = share / left
        rule = {"host": "management.azure.com", "path": "^/subscriptions/", "probability": round(min(p, 1.0), 6), "seed": seed * 100 + i, **kind}
        if kind.get("action") != "drop":
            rule.setdefault("action", "respond")
        rules.append(rule)
        if i < 4:
            left -= share
    return rules


def run_playbook(sim, collections_path, kill_after_writes=None, playbook="playbooks/deploy.yml", args=()):
    """deploy.yml from the checkout against ``sim``: (rc, output, writes, seconds); killed with SIGKILL (process group) once
    azsim logged ``kill_after_writes`` writes of this run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy", "ANSIBLE_", "REQUESTS_CA_BUNDLE"))}
    env.update({"AZSIM_STATE_DIR": sim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
                "ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    mark = sim.last_seq()
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *args],  # noqa: S603
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        if kill_after_writes:
            while proc.poll() is None and time.monotonic() - t0 < TIMEOUT:
                if len(requestlog.writes(sim.requests_since(mark), WRITE_EXEMPT)) >= kill_after_writes:
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
        try:
            proc.wait(timeout=max(TIMEOUT - (time.monotonic() - t0), 1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        output = out.read()
    rows = sim.requests_since(mark)
    return proc.returncode, output, requestlog.writes(rows, WRITE_EXEMPT), time.monotonic() - t0, rows


# What Azure creates on its own schedule, not the deployment: a flexible server's automatic backups (named after the time
# they were taken, e.g. daily_20261207t054957), which differ between any two deployments.
SERVICE_MADE = re.compile(r"/microsoft\.dbforpostgresql/flexibleservers/[^/]+/backups/[^/]+$")


def resource_set(sim):
    """Every ARM resource azsim holds (its state's resources table) but what the service made itself, ids lower-cased,
    generated GUID names masked (a role assignment's name is new in each deployment): a multiset, so a duplicate shows."""
    ids = sim.admin("GET", "state").get("resources", {})
    return collections.Counter(GUID.sub("<guid>", rid.lower()) for rid in ids if not SERVICE_MADE.search(rid.lower()))


def set_difference(got, want):
    extra, missing = got - want, want - got
    parts = []
    if missing:
        parts.append("missing " + ", ".join(sorted(missing)[:5]) + (" ..." if len(missing) > 5 else ""))
    if extra:
        parts.append("extra " + ", ".join(sorted(extra)[:5]) + (" ..." if len(extra) > 5 else ""))
    return "; ".join(parts)


def failure(output):
    """The first failed task and its message, shortened (what stopped a run)."""
    m = re.search(r"^TASK \[([^\]]+)\][^\n]*\n(?:(?!^TASK ).*\n)*?^(fatal|failed): (.*)$", output, re.M)
    if not m:
        return output[-600:].replace("\n", " | ")
    rest = output[m.start():]
    msg = re.search(r'"msg": "((?:[^"\\]|\\.){0,400})', rest) or re.search(r"^\s*(?:module_stderr|msg): [|>-]*\s*\n?\s*(.{0,400})", rest, re.M)
    return f"{m.group(1)}: {msg.group(1).strip() if msg else m.group(3)[:400]}"


class Sim:
    """A fresh azsim with `make demo`'s grants (playbooks/access.yml as the owner, before any fault)."""

    def __init__(self, label, collections_path):
        self.dir = tempfile.mkdtemp(prefix=f"azsim-chaos-{label}-")
        self.sim = Azsim(self.dir, time_scale=0.0, page_size=5)
        self.collections_path = collections_path

    def __enter__(self):
        self.sim.start()
        rc, out, _writes, _s, _rows = run_playbook(self.sim, self.collections_path, playbook="playbooks/access.yml", args=("-e", "azsim_principal=owner"))
        if rc != 0:
            self.sim.stop()
            raise RuntimeError(f"access.yml failed (rc {rc}): {failure(out)}")
        return self.sim

    def __exit__(self, *exc):
        self.sim.stop()


def reference(collections_path):
    with Sim("clean", collections_path) as sim:
        rc, out, writes, seconds, _rows = run_playbook(sim, collections_path)
        if rc != 0:
            raise SystemExit(f"the clean deploy failed (rc {rc}): {failure(out)}")
        return {"resources": resource_set(sim), "writes": len(writes), "seconds": seconds}


def fault_run(seed, ref, collections_path, rate):
    r = {"seed": seed, "problems": [], "reruns": 0, "first_failure": None}
    with Sim(f"faults{seed}", collections_path) as sim:
        sim.admin("POST", "faults", fault_rules(rate, seed))
        rc, out, _writes, seconds, rows = run_playbook(sim, collections_path)
        arm = [x for x in rows if x["host"] == "management.azure.com"]
        if rc != 0:
            r["first_failure"] = failure(out)
            r["reruns"] = 1
            rc, out, _w, s2, rows2 = run_playbook(sim, collections_path)
            seconds += s2
            arm += [x for x in rows2 if x["host"] == "management.azure.com"]
            if rc != 0:
                r["problems"].append(f"did not converge after one re-run (rc {rc}): {failure(out)}")
        hits = {f"{x['status'] or 'drop'}" + (f" {x['method']}" if x["status"] == 409 else ""): x["hits"]
                for x in sim.admin("GET", "faults")["rules"]}
        r.update(seconds=seconds, arm_requests=len(arm), faults=sum(hits.values()), hits=hits)
        sim.admin("DELETE", "faults")
        rc, out, writes, clean_s, _rows = run_playbook(sim, collections_path)
        r.update(clean_rc=rc, clean_writes=len(writes), clean_seconds=clean_s)
        if rc != 0:
            r["problems"].append(f"the clean re-run failed (rc {rc}): {failure(out)}")
        if writes:
            r["problems"].append(f"the clean re-run wrote {len(writes)}: " + ", ".join(f"{w['method']} {w['path']}" for w in writes[:4]))
        diff = set_difference(resource_set(sim), ref["resources"])
        if diff:
            r["problems"].append("resource set differs from a clean deploy's: " + diff)
    return r


def kill_run(index, seed, ref, collections_path):
    rng = random.Random(seed * 1000 + index)  # noqa: S311 - the chaos, not crypto
    at = rng.randint(1, max(ref["writes"] - 1, 1))
    r = {"index": index, "kill_at": at, "problems": []}
    with Sim(f"kill{index}", collections_path) as sim:
        rc, out, writes, seconds, _rows = run_playbook(sim, collections_path, kill_after_writes=at)
        r.update(killed_rc=rc, killed_writes=len(writes), killed_seconds=seconds)
        if rc != -signal.SIGKILL:
            r["problems"].append(f"the run was not killed (rc {rc}; it ended before write {at})")
        rc, out, writes, seconds, _rows = run_playbook(sim, collections_path)
        r.update(rerun_rc=rc, rerun_writes=len(writes), rerun_seconds=seconds)
        if rc != 0:
            r["problems"].append(f"the re-run failed (rc {rc}): {failure(out)}")
        rc, out, writes, seconds, _rows = run_playbook(sim, collections_path)
        r.update(next_rc=rc, next_writes=len(writes))
        if rc != 0 or writes:
            r["problems"].append(f"the next run: rc {rc}, {len(writes)} writes: " + ", ".join(f"{w['method']} {w['path']}" for w in writes[:4]))
        diff = set_difference(resource_set(sim), ref["resources"])
        if diff:
            r["problems"].append("resource set differs from a clean deploy's: " + diff)
    return r


def main(parts):
    seeds = int(os.environ.get("CHAOS_SEEDS", "3"))
    kills = int(os.environ.get("CHAOS_KILLS", "3"))
    base_seed = int(os.environ.get("CHAOS_SEED", "1"))
    rate = float(os.environ.get("CHAOS_FAULT_RATE", "0.10"))
    workers = int(os.environ.get("CHAOS_WORKERS", "2"))
    collections_path = collections_dir()
    t0 = time.monotonic()
    ref = reference(collections_path)
    print(f"clean deploy: {sum(ref['resources'].values())} resources, {ref['writes']} writes, {ref['seconds']:.0f} s", flush=True)
    summaries, failed = [], False
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        fault_jobs = [pool.submit(fault_run, base_seed + i, ref, collections_path, rate) for i in range(seeds)] if "faults" in parts else []
        kill_jobs = [pool.submit(kill_run, i, base_seed, ref, collections_path) for i in range(kills)] if "kill" in parts else []
        if fault_jobs:
            results = [j.result() for j in fault_jobs]
            for r in results:
                print(f"{'ok  ' if not r['problems'] else 'FAIL'} faults seed {r['seed']}: {r['faults']} faults in {r['arm_requests']} ARM requests "
                      f"({r['faults'] / max(r['arm_requests'], 1):.0%}; {', '.join(f'{k}: {v}' for k, v in r['hits'].items())}); "
                      f"{'converged' if not r['problems'] or r['reruns'] == 0 else 'ran'} in {r['seconds']:.0f} s"
                      + (f" after one re-run (first run stopped at {r['first_failure']})" if r["reruns"] else " in one run")
                      + f"; clean re-run rc {r['clean_rc']}, {r['clean_writes']} writes"
                      + ("" if not r["problems"] else "  <- " + "; ".join(r["problems"])), flush=True)
            ok = [r for r in results if not r["problems"]]
            failed |= len(ok) < len(results)
            summaries.append(f"faults: {len(ok)}/{len(results)} seeds converged under {rate:.0%} injected faults "
                             f"({sum(r['faults'] for r in results)} faults in {sum(r['arm_requests'] for r in results)} ARM requests; "
                             f"{sum(r['reruns'] for r in results)} needed their one re-run), clean re-runs "
                             f"{sum(r['clean_writes'] for r in results)} writes, resource sets equal to a clean deploy's "
                             f"({sum(ref['resources'].values())} resources) in {sum(not any('resource set' in p for p in r['problems']) for r in results)}")
        if kill_jobs:
            results = [j.result() for j in kill_jobs]
            for r in results:
                print(f"{'ok  ' if not r['problems'] else 'FAIL'} kill {r['index']}: SIGKILL after write {r['kill_at']}/{ref['writes']} "
                      f"({r['killed_seconds']:.0f} s in, rc {r['killed_rc']}); re-run rc {r['rerun_rc']} with {r['rerun_writes']} writes "
                      f"in {r['rerun_seconds']:.0f} s; next run rc {r['next_rc']}, {r['next_writes']} writes"
                      + ("" if not r["problems"] else "  <- " + "; ".join(r["problems"])), flush=True)
            ok = [r for r in results if not r["problems"]]
            failed |= len(ok) < len(results)
            summaries.append(f"kills: {len(ok)}/{len(results)} SIGKILLed deploys (after writes {', '.join(str(r['kill_at']) for r in results)} "
                             f"of {ref['writes']}) converged on the re-run, next runs {sum(r['next_writes'] for r in results)} writes")
    print(f"\n({time.monotonic() - t0:.0f} s wall, {workers} workers)")
    for line in summaries:
        print(line)
    return summaries, (1 if failed else 0)


def main_all():
    """`make chaos`: the three parts, a summary line each, and one exit code."""
    summaries, rc = main({"faults", "kill"})
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bad_input as bad_input_part  # noqa: PLC0415 - tests/chaos/bad_input.py, the third part

    print("\n--- bad input", flush=True)
    summary, input_rc = bad_input_part.run()
    print("\n=== reliability suite")
    for line in [*summaries, summary]:
        print(line)
    rc = rc or input_rc
    print(f"chaos: {'PASS' if rc == 0 else 'FAIL'} (exit {rc})")
    return rc


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    if which not in ("faults", "kill", "both", "all"):
        raise SystemExit(__doc__)
    if which == "all":
        sys.exit(main_all())
    sys.exit(main({"faults", "kill"} if which == "both" else {which})[1])
