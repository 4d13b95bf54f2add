"""Per-task overhead of no-op module tasks against ``ansible.builtin.ping`` (a benchmark, not a test).

Starts a fresh azsim (time scale 0), creates one resource group, then runs one playbook in which each module below runs
``REPEAT`` times as a no-op, interleaved with ``ansible.builtin.ping`` so both see the same machine load, and prints
per module the median wall time and the overhead against ping's median (issue 14: a no-op module task should cost at
most ping + 0.15 s), plus the token requests azsim saw for the run.  Then, without Ansible around it, each module run
as a bare Python process ``PROCESS_REPEAT`` times against ``ansible.modules.ping`` the same way (wall and CPU time):
the part of a task's cost that is the module's own (imports, credential, HTTP), with far less noise than a playbook.
``TASK_OVERHEAD_IMPORTTIME=1`` also prints the slowest imports of one run of each module (``python -X importtime``).

  python tests/bench/task_overhead.py                          # the collection's defaults (token cache on)
  ANSIBLE_AZURE_TOKEN_CACHE=off python tests/bench/task_overhead.py
  TASK_OVERHEAD_REPEAT=10 python tests/bench/task_overhead.py
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))

from azsim.testing import Azsim  # noqa: E402

REPEAT = int(os.environ.get("TASK_OVERHEAD_REPEAT", "5"))
PROCESS_REPEAT = int(os.environ.get("PROCESS_REPEAT", "10"))
RG = "bench-overhead-rg"
# Each a no-op once the resource group exists: module name -> its arguments.
MODULES = {
    "erpops.azure.resource_group": {"name": RG, "location": "westeurope", "tags": {"bench": "overhead"}},
    "erpops.azure.resource_group_info": {"name": RG},
    "erpops.azure.resource_tags": {"scope": "/subscriptions/{{ sub }}/resourceGroups/" + RG, "tags": {"bench": "overhead"}},
    "erpops.azure.authorization_permission_info": {"resource_group": RG, "actions": ["Microsoft.Web/sites/write"]},
    "erpops.azure.web_app_stack_info": {"stack": "python"},
}
TOKEN_PATHS = ("/oauth2/v2.0/token", "/oauth2/token")


def token_requests(rows):
    return [r for r in rows if r["method"] == "POST" and r["path"].endswith(TOKEN_PATHS)]


def bare_process(module, args, env, work, importtime=False):
    """(wall, cpu) of one module run as ``python -m <module> <args file>``, as AnsiballZ runs it once unpacked."""
    path = os.path.join(work, "args.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, f)
    name = module if module.startswith("ansible.") else "ansible_collections.erpops.azure.plugins.modules." + module.split(".")[-1]
    argv = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", name, path]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd=work)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(proc.stdout or "{}")
    if proc.returncode or result.get("failed"):
        sys.exit(f"{module} failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stderr


def slowest_imports(stderr, n=12):
    rows = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self, cumulative, name = (x.strip() for x in line[len("import time:"):].split("|"))
            if cumulative.isdigit():
                rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:n]


def processes(sim, env, work):
    """Each module as a bare process, interleaved with ping; prints medians and the slowest imports when asked."""
    env = dict(env, PYTHONPATH=os.path.join(work, "collections"))
    ping = ("ansible.modules.ping", {})
    walls, cpus = {}, {}
    for _round in range(PROCESS_REPEAT):
        for module, args in [ping, *MODULES.items()]:
            args = {k: (v.replace("{{ sub }}", sim.sub) if isinstance(v, str) else v) for k, v in args.items()}
            wall, cpu, _err = bare_process(module, args, env, work)
            walls.setdefault(module, []).append(wall)
            cpus.setdefault(module, []).append(cpu)
    pw, pc = statistics.median(walls[ping[0]]), statistics.median(cpus[ping[0]])
    print(f"bare module processes: {PROCESS_REPEAT} runs each (median wall / CPU)")
    print(f"  {ping[0]:<45} {pw:6.3f} s / {pc:5.3f} s")
    for module in MODULES:
        w, c = statistics.median(walls[module]), statistics.median(cpus[module])
        print(f"  {module:<45} {w:6.3f} s / {c:5.3f} s   ping + {w - pw:5.3f} s wall, + {c - pc:5.3f} s CPU")
    if os.environ.get("TASK_OVERHEAD_IMPORTTIME"):
        for module, args in MODULES.items():
            args = {k: (v.replace("{{ sub }}", sim.sub) if isinstance(v, str) else v) for k, v in args.items()}
            _w, _c, err = bare_process(module, args, env, work, importtime=True)
            print(f"  slowest imports of {module} (cumulative us):")
            for us, name in slowest_imports(err):
                print(f"    {us:8d}  {name}")


def main():
    with tempfile.TemporaryDirectory(prefix="task-overhead-") as work:
        os.makedirs(os.path.join(work, "state"))
        os.makedirs(os.path.join(work, "tmp"))
        coll = os.path.join(work, "collections", "ansible_collections", "erpops")
        os.makedirs(coll)
        os.symlink(ROOT, os.path.join(coll, "azure"))
        sim = Azsim(os.path.join(work, "state"), time_scale=0.0).start()
        try:
            p = sim.principal("deployer")
            tasks = [{"name": "Create the resource group", "erpops.azure.resource_group": MODULES["erpops.azure.resource_group"]}]
            for i in range(REPEAT):
                for module, args in MODULES.items():
                    tasks.append({"name": f"ping {i}", "ansible.builtin.ping": {}})
                    tasks.append({"name": f"{module} {i}", module: args})
            play = [{"name": "Task overhead", "hosts": "localhost", "gather_facts": False, "vars": {"sub": sim.sub}, "tasks": tasks}]
            path = os.path.join(work, "overhead.yml")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(play, f)
            report = os.path.join(work, "report.json")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy"))}
            env.update({"AZURE_SUBSCRIPTION_ID": sim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_SECRET": p["client_secret"],
                        "AZURE_TENANT": sim.tenant, "REQUESTS_CA_BUNDLE": sim.ca, "NO_PROXY": "127.0.0.1,localhost",
                        "AZURE_ARM_ENDPOINT": sim.url, "AZURE_AUTHORITY_HOST": sim.url, "TMPDIR": os.path.join(work, "tmp"),
                        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_COLLECTIONS_PATH": os.path.join(work, "collections"),
                        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "tests", "integration", "callback_plugins"),
                        "ANSIBLE_CALLBACKS_ENABLED": "it_report", "IT_REPORT": report, "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                        "ANSIBLE_NOCOLOR": "1"})
            mark = sim.last_seq()
            t0 = time.monotonic()
            proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path, "-i", "localhost,", "-c", "local"],
                                  cwd=work, env=env, capture_output=True, text=True, check=False)
            wall = time.monotonic() - t0
            if proc.returncode:
                sys.exit(f"the playbook failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
            with open(report, encoding="utf-8") as f:
                results = json.load(f)
            rows = sim.requests_since(mark)
            if PROCESS_REPEAT:
                processes(sim, env, work)
        finally:
            sim.stop()
    if not REPEAT:
        return
    times = {}
    for t in results[1:]:
        times.setdefault(t["action"], []).append(t["duration"])
    ping = statistics.median(times["ansible.builtin.ping"])
    cache = os.environ.get("ANSIBLE_AZURE_TOKEN_CACHE", "on")
    print(f"task overhead: {REPEAT} no-op runs per module, token cache {cache}, playbook wall {wall:.1f} s")
    print(f"  {'ansible.builtin.ping':<45} {ping:6.3f} s")
    for module in MODULES:
        med = statistics.median(times[module])
        print(f"  {module:<45} {med:6.3f} s   ping + {med - ping:5.3f} s   (min {min(times[module]):.3f}, max {max(times[module]):.3f})")
    module_tasks = len(results)
    print(f"  token requests: {len(token_requests(rows))} for {module_tasks - len(times['ansible.builtin.ping'])} module tasks")


if __name__ == "__main__":
    main()
