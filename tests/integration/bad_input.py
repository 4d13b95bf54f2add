"""The reliability suite's bad input (issue 14): variable sets Azure would refuse, each run through playbooks/deploy.yml
against azsim, which must fail in the pre_tasks' validation before any write, with a message naming the variable the
operator set. The sets are in tests/chaos/bad_input.yml; tests/chaos/bad_input.py runs them all (`make chaos-input`),
tests/integration/test_bad_input.py the quick ones (`make test`)."""

import concurrent.futures
import os
import re
import sys
import tempfile
import time

import yaml

from . import requestlog
from .stack import ROOT, WRITE_EXEMPT

SETS = os.path.join(ROOT, "tests", "chaos", "bad_input.yml")


def load_sets(quick_only=False):
    with open(SETS, encoding="utf-8") as f:
        sets = yaml.safe_load(f)
    ids = [s["id"] for s in sets]
    assert len(ids) == len(set(ids)), "duplicate ids in " + SETS
    return [s for s in sets if s.get("quick") or not quick_only]


def collections_dir():
    """A collections path where erpops.azure is this checkout (ansible.cfg's .make/collections may not exist)."""
    base = tempfile.mkdtemp(prefix="erpops-bad-input-")
    os.makedirs(os.path.join(base, "ansible_collections", "erpops"))
    os.symlink(ROOT, os.path.join(base, "ansible_collections", "erpops", "azure"))
    return base


def failure_message(output):
    """The failed task's ``msg`` (what an operator reads; not the rest of the result, which for a role's argument_specs
    failure lists every option's name): the first ``fatal:``/``failed:`` result's msg key with its continuation lines."""
    m = re.search(r"^(fatal|failed): .*?(?=^PLAY RECAP|^NO MORE HOSTS|\Z)", output, re.M | re.S)
    if not m:
        return ""
    lines = m.group(0).splitlines()
    for i, line in enumerate(lines):
        key = re.match(r"^(\s*)msg:", line)
        if key:
            indent = len(key.group(1))
            body = [line]
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                body.append(nxt)
            return "\n".join(body).strip()
    return m.group(0).strip()


def run_set(azsim, collections_path, entry, workdir, timeout=600):
    """Run deploy.yml with the set's variables; returns what the report and the checks need."""
    import subprocess  # noqa: PLC0415 - kept local: the module is imported by pytest collection too

    path = os.path.join(workdir, entry["id"] + ".yml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(entry["vars_yaml"] if "vars_yaml" in entry else yaml.safe_dump(entry["vars"], default_flow_style=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy", "ANSIBLE_"))}
    env.update({"AZSIM_STATE_DIR": azsim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
                "ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    mark = azsim.last_seq()
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "playbooks/deploy.yml", "-e", "@" + path],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - t0
    output = proc.stdout + proc.stderr
    message = failure_message(output)
    writes = requestlog.writes(azsim.requests_since(mark), WRITE_EXEMPT)
    problems = []
    if proc.returncode == 0:
        problems.append("the deploy passed")
    if entry["expect"] not in message:
        problems.append(f"the message does not name {entry['expect']}")
    if entry.get("also") and entry["also"] not in output:
        problems.append(f"the output does not say {entry['also']!r}")
    if writes:
        problems.append(f"{len(writes)} writes: " + ", ".join(f"{w['method']} {w['path']}" for w in writes[:3]))
    return {"id": entry["id"], "expect": entry["expect"], "rc": proc.returncode, "seconds": seconds, "writes": len(writes),
            "problems": problems, "message": message[-1500:] or output[-3000:]}


def run_sets(azsim, sets, workers=2, collections_path=None):
    """Every set, ``workers`` at a time against the one azsim; results in the sets' order."""
    collections_path = collections_path or collections_dir()
    workdir = tempfile.mkdtemp(prefix="erpops-bad-input-vars-")
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda entry: run_set(azsim, collections_path, entry, workdir), sets))
