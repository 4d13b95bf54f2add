"""`make bench-fleet`: the daily maintenance of many ERPs in one job, the way AWX runs it over the erpops.azure.erp
inventory (a benchmark, not a test: it prints, and exits 1 only when the job did not cover every ERP).

1. Starts its own azsim (time scale 0) and makes BENCH_ERPS ERPs (default 50) through the API
   (tests/integration/erp_fleet.py): each a tagged resource group with its plan, web app and staging slot, storage
   accounts, Log Analytics workspace, Application Insights and (BENCH_PG, default all) a PostgreSQL flexible server - a
   real PostgreSQL cluster each in azsim, the slow part of the fill. The apps have no code deployed: their health checks
   fail, as they would for an ERP whose app is down, and each ERP's report says so (each check waits
   BENCH_HEALTH_TIMEOUT seconds, default 10, for its app to answer).
2. Lists the inventory with the plugin (inventories/azure/erp.yml's plugin, without its cache), as the auditor (Reader),
   with the credential in AZURE_* as AWX injects it: hosts, groups, calls.
3. Runs playbooks/maintain_daily.yml over every ERP with --forks BENCH_FORKS (default 10): wall time, ARM calls by
   method and per ERP, 429 answers, token requests, and each ERP's verdict from its report.
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
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from azsim.testing import Azsim  # noqa: E402
from erp_fleet import Fleet  # noqa: E402

ERPS = int(os.environ.get("BENCH_ERPS", "50"))
PG = int(os.environ.get("BENCH_PG", str(ERPS)))
FORKS = int(os.environ.get("BENCH_FORKS", "10"))
# How long each ERP's health check waits for its app (maintain_health_timeout, 30 s by default): the fleet's apps have no
# code, so each check waits all of it; 10 s keeps the benchmark about the job's machinery rather than that wait.
HEALTH_TIMEOUT = os.environ.get("BENCH_HEALTH_TIMEOUT", "10")


def environment(sim, tmp):
    p = sim.principal("auditor")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ANSIBLE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZURE_SUBSCRIPTION_ID": sim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_SECRET": p["client_secret"],
                "AZURE_TENANT": sim.tenant, "HTTPS_PROXY": sim.info["proxy"], "REQUESTS_CA_BUNDLE": sim.ca, "NO_PROXY": "127.0.0.1,localhost",
                "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "TMPDIR": tmp, "AZSIM_STATE_DIR": sim.state_dir})
    return env


def main():
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        sim = Azsim(os.path.join(tmp, "azsim"), time_scale=0.0, page_size=100)
        os.makedirs(sim.state_dir)
        sim.start()
        try:
            t0 = time.monotonic()
            Fleet(sim).build(ERPS, postgresql=PG, threads=4)
            print(f"bench-fleet: {ERPS} ERPs made through the API ({PG} with a PostgreSQL server) in {time.monotonic() - t0:.0f} s", flush=True)
            env = environment(sim, tmp)
            config = os.path.join(tmp, "fleet.erp.yml")
            with open(config, "w", encoding="utf-8") as f:
                f.write("plugin: erpops.azure.erp\n")
            group_vars = os.path.join(tmp, "group_vars")
            os.makedirs(group_vars)
            for name in ("all", "erp"):
                os.symlink(os.path.join(ROOT, "inventories", "azure", "group_vars", name), os.path.join(group_vars, name))
            bin_dir = os.path.dirname(sys.executable)

            mark = sim.last_seq()
            t0 = time.monotonic()
            listed = subprocess.run([os.path.join(bin_dir, "ansible-inventory"), "-i", config, "--list"], env=env, cwd=tmp, capture_output=True,
                                    text=True, check=False)
            if listed.returncode:
                print(listed.stderr[-3000:])
                return 1
            wall = time.monotonic() - t0
            hosts = json.loads(listed.stdout)["erp"]["hosts"]
            rows = [r for r in sim.requests_since(mark) if r["method"] != "CONNECT"]
            print(f"\n== inventory (erpops.azure.erp): {len(hosts)} hosts in {wall:.1f} s, {len(rows)} requests "
                  f"{dict(collections.Counter(r['method'] + ' ' + r['path'].split('?')[0][-40:] for r in rows))}")

            reports = os.path.join(tmp, "reports")
            mark = sim.last_seq()
            t0 = time.monotonic()
            proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), os.path.join(ROOT, "playbooks", "maintain_daily.yml"), "-i", config,
                                   "--forks", str(FORKS), "-e", f"maintain_report_dir={reports}", "-e", f"maintain_ca_path={sim.ca}",
                                   "-e", f"maintain_health_timeout={HEALTH_TIMEOUT}"],
                                  env=env, cwd=tmp, capture_output=True, text=True, check=False)
            wall = time.monotonic() - t0
            rows = [r for r in sim.requests_since(mark) if r["method"] != "CONNECT"]
            arm = [r for r in rows if r["path"].startswith("/subscriptions/") or r["path"].startswith("/providers/")]
            tokens = [r for r in rows if r["path"].endswith("/oauth2/v2.0/token")]
            throttled = [r for r in arm if r["status"] == 429]
            found = {}
            for dirpath, _dirs, files in os.walk(reports):
                if "report.json" in files:
                    with open(os.path.join(dirpath, "report.json"), encoding="utf-8") as f:
                        doc = json.load(f)
                    found[os.path.basename(dirpath)] = doc
            statuses = collections.Counter(d.get("status") for d in found.values())
            failing = collections.Counter(c["id"] for d in found.values() for c in d.get("checks", []) if c.get("verdict") == "fail")
            print(f"\n== maintain_daily.yml over {len(hosts)} ERPs, --forks {FORKS}: {wall:.1f} s wall, rc {proc.returncode}")
            print(f"  reports: {len(found)} of {len(hosts)}; status {dict(statuses)}; failed checks {dict(failing.most_common(6))}")
            print(f"  ARM calls {len(arm)} {dict(collections.Counter(r['method'] for r in arm))}, {len(arm) / max(len(hosts), 1):.1f} per ERP; "
                  f"429 answers {len(throttled)}; token requests {len(tokens)}")
            print(f"  {wall / max(len(hosts), 1):.2f} s of wall per ERP")
            if len(found) != len(hosts):
                print(proc.stdout[-4000:])
                return 1
            return 0
        finally:
            sim.stop()


if __name__ == "__main__":
    sys.exit(main())
