"""`make bench-deploy`: how long deploy.yml takes on azsim and why (a benchmark, not a test).

For each time scale (0: Azure's long operations finish at once; 0.01: the default, a 10-minute operation takes 6 s) it
starts a fresh azsim, lets its owner run playbooks/access.yml, then times deploy.yml and a no-op re-run, and prints:
the wall times, the API calls by method, the sum of every long operation's Azure duration, and the critical path those
operations imply (the longest chain of operations each started after the previous one ended, in Azure seconds; at a
small scale, Ansible's own task time separates operations that Azure's real durations would overlap — BENCH_SCALES=0,0.1
gives a truer picture).
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))

from azsim.testing import Azsim  # noqa: E402

SCALES = [float(s) for s in os.environ.get("BENCH_SCALES", "0,0.01").split(",")]


def playbook(sim, name, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZSIM_STATE_DIR": sim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"})
    mark = sim.last_seq()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-tmp-") as tmp:
        # Each run starts with an empty token cache, as a run on a fresh controller would: its token requests are its own.
        env["TMPDIR"] = tmp
        t0 = time.monotonic()
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), name, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        wall = time.monotonic() - t0
    if proc.returncode:
        sys.exit(f"{name} failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    rows = sim.requests_since(mark)
    tokens = collections.Counter(f"{r['principal']} {r['audience']}" for r in rows
                                 if r["method"] == "POST" and r["path"].endswith(("/oauth2/v2.0/token", "/oauth2/token")))
    # The deployed app's own telemetry is not the playbook's traffic.
    calls = collections.Counter(r["method"] for r in rows if r["method"] != "CONNECT" and not r["host"].startswith("login.")
                                and ".applicationinsights.azure.com" not in r["host"])
    return wall, calls, tokens


def critical_path(ops):
    """Longest chain (in Azure seconds) of operations where each starts after the previous ended."""
    ops = sorted((o for o in ops if o["ended"] is not None), key=lambda o: o["started"])
    best = {}
    for o in ops:
        before = [best[p["id"]] for p in ops if p["ended"] <= o["started"] and p["id"] in best]
        chain = max(before, key=lambda c: c[0], default=(0, []))
        best[o["id"]] = (chain[0] + o["azure_seconds"], chain[1] + [o])
    return max(best.values(), key=lambda c: c[0], default=(0, []))


def label(op):
    return f"{op['duration_key']} {(op['resource_id'] or '').rsplit('/', 1)[-1]}"


def main():
    for scale in SCALES:
        with tempfile.TemporaryDirectory(prefix="bench-deploy-") as state:
            sim = Azsim(state, time_scale=scale, page_size=10).start()
            try:
                playbook(sim, "playbooks/access.yml", "-e", "azsim_principal=owner")
                first, calls, tokens = playbook(sim, "playbooks/deploy.yml")
                ops = [o for o in sim.admin("GET", "operations") if o["duration_key"]]
                noop, noop_calls, noop_tokens = playbook(sim, "playbooks/deploy.yml")
            finally:
                sim.stop()
        total = sum(o["azure_seconds"] for o in ops)
        length, chain = critical_path(ops)
        print(f"\n== time scale {scale:g}")
        print(f"deploy.yml           {first:7.1f} s wall   API calls {sum(calls.values()):4d}  {json.dumps(dict(sorted(calls.items())))}")
        print(f"no-op re-run         {noop:7.1f} s wall   API calls {sum(noop_calls.values()):4d}  {json.dumps(dict(sorted(noop_calls.items())))}")
        print(f"token requests       deploy {sum(tokens.values())} {json.dumps(dict(sorted(tokens.items())))}; "
              f"no-op {sum(noop_tokens.values())} {json.dumps(dict(sorted(noop_tokens.items())))}")
        print(f"long operations      {len(ops)}, {total} s of Azure time in all")
        if scale:
            # At scale 0 every operation ends as it starts, so each looks as if it waited for all the earlier ones.
            # Operations that did not overlap in this run; at small scales Ansible's own task time also separates them.
            print(f"critical path        {length} s of Azure time (operations that ran one after another): "
                  + " -> ".join(label(o) for o in chain))
            print(f"                     at this scale: {length * scale:.1f} s of the {first:.1f} s wall time")


if __name__ == "__main__":
    main()
