"""Integration tests: the collection's modules against a real azsim, driven by ansible-playbook.

Each target in ``targets/<name>/tasks/main.yml`` follows the hcloud test sequence (bad arguments,
check mode with zero writes, create, idempotence, update, delete) and asserts inside the playbook;
this runner starts azsim, points the modules at it the way a user would (the AWX credential's
environment variables plus HTTPS_PROXY/REQUESTS_CA_BUNDLE, or azsim's direct endpoint as a custom
cloud), runs the target and reports each module's per-task wall time next to ``ansible.builtin.ping``'s.
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import pytest
from azsim.testing import Azsim

from . import secrets_scan

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGETS = os.path.join(HERE, "targets")
TIMINGS = {}
TIMINGS_DIR = os.path.join(ROOT, "tests", "output", "integration-timings")


@pytest.fixture(scope="session")
def azsim(tmp_path_factory):
    sim = Azsim(str(tmp_path_factory.mktemp("azsim-it")), time_scale=0.0, page_size=5).start()
    yield sim
    sim.stop()


# Key Vault Secrets Officer (Microsoft Learn "Azure built-in roles"): the targets that write secrets need a data role the
# deployer (a Contributor) does not have.
SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"


@pytest.fixture(scope="session")
def deployer_secrets_officer(azsim):
    """Grant the deployer Key Vault Secrets Officer at subscription scope, as the owner would (Contributor cannot)."""
    s = azsim.session("direct", principal="owner")
    scope = f"/subscriptions/{azsim.sub}"
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, "it-deployer-secrets-officer"))
    r = s.put(f"{azsim.url}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", params={"api-version": "2022-04-01"},
              json={"properties": {"roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_OFFICER}",
                                   "principalId": azsim.principal("deployer")["object_id"], "principalType": "ServicePrincipal"}})
    assert r.status_code in (200, 201, 409), r.text


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    base = tmp_path_factory.mktemp("collections")
    ns = base / "ansible_collections" / "erpops"
    ns.mkdir(parents=True)
    (ns / "azure").symlink_to(ROOT)
    return str(base)


def module_env(azsim, mode, principal="deployer"):
    """The environment a playbook gets: AWX's Azure credential variables, plus the way to reach azsim."""
    p = azsim.principal(principal)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZURE_SUBSCRIPTION_ID": azsim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_SECRET": p["client_secret"],
                "AZURE_TENANT": azsim.tenant, "REQUESTS_CA_BUNDLE": azsim.ca, "NO_PROXY": "127.0.0.1,localhost"})
    if mode == "proxy":
        env["HTTPS_PROXY"] = azsim.info["proxy"]
    else:
        env["AZURE_ARM_ENDPOINT"] = azsim.url
        env["AZURE_AUTHORITY_HOST"] = azsim.url
    return env


def clock_ahead(azsim):
    """How many seconds azsim's clock runs ahead of this machine's."""
    now = azsim.admin("GET", "clock")["now"]
    return datetime.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp() - time.time()


@pytest.fixture(scope="session")
def run_target(azsim, collections_path, tmp_path_factory):
    return target_runner(azsim, collections_path, tmp_path_factory.mktemp("playbooks"))


def target_runner(azsim, collections_path, workdir):
    """run(name, ...): one integration target against ``azsim``; its it_report, checked."""

    def run(name, mode="proxy", principal="deployer", extra_vars=None, expect_failure=False, verbosity=0):
        playbook = workdir / f"{name}-{mode}.yml"
        tasks = os.path.join(TARGETS, name, "tasks", "main.yml")
        playbook.write_text(
            f"- name: Integration target {name}\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
            "    - name: Measure a trivial module for comparison\n      ansible.builtin.ping:\n"
            f"    - name: Run the target\n      ansible.builtin.include_tasks: {tasks}\n")
        variables = {"azsim_admin": azsim.url + "/_azsim", "azsim_ca": azsim.ca, "azsim_subscription_id": azsim.sub,
                     "azsim_tenant_id": azsim.tenant, "azsim_mode": mode, "resource_prefix": f"it-{name.replace('_', '-')}-{mode}"}
        variables.update(extra_vars or {})
        env = module_env(azsim, mode, principal)
        report_path = workdir / f"{name}-{mode}.json"
        env.update({"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
                    "ANSIBLE_CALLBACKS_ENABLED": "it_report", "IT_REPORT": str(report_path), "ANSIBLE_LOCALHOST_WARNING": "false",
                    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false", "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_NOCOLOR": "1"})
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook), "-e", json.dumps(variables)]
        if verbosity:
            argv.append("-" + "v" * verbosity)
        # A target may move azsim's clock (a month for the budget, a day for the costs): the worker's azsim serves the next
        # targets with its clock where this one found it, whatever the target did or however it ended.
        ahead = clock_ahead(azsim)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=str(workdir), timeout=1200, check=False)
        finally:
            moved = clock_ahead(azsim) - ahead
            if abs(moved) > 1:
                azsim.admin("POST", "clock", {"advance_seconds": -moved})
        if not report_path.exists():
            raise AssertionError(f"ansible-playbook wrote no report (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        report = json.loads(report_path.read_text())
        for task in report:
            TIMINGS.setdefault(task["action"], []).append(task["duration"])
        # Under pytest-xdist the summary is printed by the controller: each worker leaves its figures in a file.
        os.makedirs(TIMINGS_DIR, exist_ok=True)
        with open(os.path.join(TIMINGS_DIR, f"{os.getpid()}.json"), "w", encoding="utf-8") as f:
            json.dump(TIMINGS, f)
        failed = [f"{t['name']}: {t['msg']}" for t in report if t["status"] == "failed" and not t["ignore_errors"]]
        if not expect_failure:
            assert proc.returncode == 0 and not failed, f"target {name} ({mode}) failed:\n" + "\n".join(failed) + "\n" + proc.stdout[-3000:]
        report_output = proc.stdout + proc.stderr
        # The role targets' output holds none of the principals' client secrets (AZURE_SECRET) nor the state dir's secrets
        # (tests/integration/secrets_scan.py; the playbook runner of stack.py scans every secret, -vvv).
        findings = secrets.refresh(state=False).scan(report_output, f"target {name} ({mode})")
        assert not findings, "secrets leaked (names only): " + "; ".join(findings)
        return report if not verbosity else (report, report_output)

    secrets = secrets_scan.Secrets(azsim)
    return run


# The order files are handed to the workers (make test: -n 2 --dist loadfile --no-loadscope-reorder): longest first, so
# that the many short files of azsim and the unit tests fill the end of both workers instead of one long file running
# alone at the end. By default xdist hands out the files with the most tests first, which put the one- and two-test
# files that run whole playbooks (the Galaxy install, the AWX jobs, the role targets) last. Longest first, as measured
# (the per-file summary at the end of a run prints the figures to update this from).
LONGEST_FIRST = [
    "tests/integration/test_maintain_acting.py",
    "tests/integration/test_deploy.py",
    "tests/integration/test_maintain.py",
    "tests/integration/test_galaxy_install.py",
    "tests/integration/test_awx_runner.py",
    "tests/integration/test_release.py",
    "tests/integration/test_audit.py",
    "tests/integration/test_postgresql.py",
    "tests/integration/test_role_dns.py",
    "tests/integration/test_docs.py",
    "tests/integration/test_domain_tls.py",
    "tests/integration/test_monitoring.py",
    "tests/integration/test_inventory_plugin.py",
]


def _file_rank(nodeid):
    path = nodeid.split("::", 1)[0]
    if path in LONGEST_FIRST:
        return (0, LONGEST_FIRST.index(path))
    if path.startswith("tests/integration/"):
        return (1, 0)  # playbook runs: role targets and module tests
    if path.startswith("tools/azsim/tests/"):
        return (2, 0)
    return (3, 0)


def pytest_collection_modifyitems(session, config, items):
    # Stable: the tests of a file keep their order; every worker computes the same order, as xdist requires.
    items.sort(key=lambda item: _file_rank(item.nodeid))


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput") and os.path.isdir(TIMINGS_DIR):
        for name in os.listdir(TIMINGS_DIR):
            os.unlink(os.path.join(TIMINGS_DIR, name))


def pytest_terminal_summary(terminalreporter):
    per_file = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "nodeid", None) and isinstance(getattr(report, "duration", None), float):
                path = report.nodeid.split("::", 1)[0]
                per_file[path] = per_file.get(path, 0.0) + report.duration
    if per_file:
        terminalreporter.section("the longest test files (seconds of setup, call and teardown; LONGEST_FIRST's figures)")
        for path, seconds in sorted(per_file.items(), key=lambda kv: -kv[1])[:15]:
            terminalreporter.write_line(f"  {seconds:7.1f} s  {path}")
    if os.path.isdir(TIMINGS_DIR):
        for name in os.listdir(TIMINGS_DIR):
            with open(os.path.join(TIMINGS_DIR, name), encoding="utf-8") as f:
                for action, values in json.load(f).items():
                    if name != f"{os.getpid()}.json":
                        TIMINGS.setdefault(action, []).extend(values)
    if not TIMINGS:
        return
    terminalreporter.section("per-task wall time (median over the tasks run; a figure, not an assertion)")
    for action in sorted(TIMINGS, key=lambda a: (not a.endswith("ping"), a)):
        values = TIMINGS[action]
        terminalreporter.write_line(f"  {action:<45} {statistics.median(values):6.2f} s  (n={len(values)}, max {max(values):.2f} s)")
