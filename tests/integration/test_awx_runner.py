"""The playbooks as AWX runs them: through ansible-runner (the engine of every AWX job), with a private data directory
holding the inventory, the extra variables, and the environment variables AWX's "Microsoft Azure Resource Manager"
credential injects (AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT) - never credentials in the
inventory, no Vault prompt. Checked like AWX shows a job: status, rc, the job events, and the set_stats artifacts of the
playbook_on_stats event (what AWX saves as the job's artifacts and passes down a workflow)."""

import glob
import json
import os
import sys

import ansible_runner
import pytest

from . import maintain_stack
from .secrets_scan import Secrets

pytestmark = pytest.mark.timeout(900)
azsim, run, stack = maintain_stack.azsim, maintain_stack.run, maintain_stack.stack
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOCAL_GROUP_VARS = os.path.join(ROOT, "inventories", "local", "group_vars")


@pytest.fixture(scope="module")
def grants(stack):
    """What an Owner grants once (playbooks/access.yml): the maintenance reader's and the auditor's rights."""
    rc, out, _writes = stack("-e", "azsim_principal=owner", "-e", "access_maintenance=true", "-e", "access_audit=true",
                             playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    return stack


def private_data_dir(base, azsim):
    """What AWX writes for a job: project/ (the project's checkout), inventory/ (here the local inventory's variables,
    whose azsim principal it signs in as is replaced by the injected credential: erp_azure_auth is emptied)."""
    os.makedirs(base, exist_ok=True)
    os.symlink(ROOT, os.path.join(base, "project"))
    inventory = os.path.join(base, "inventory")
    os.makedirs(os.path.join(inventory, "group_vars", "erp"))
    os.symlink(os.path.join(LOCAL_GROUP_VARS, "all"), os.path.join(inventory, "group_vars", "all"))
    os.symlink(os.path.join(LOCAL_GROUP_VARS, "erp", "azsim.yml"), os.path.join(inventory, "group_vars", "erp", "azsim.yml"))
    with open(os.path.join(inventory, "group_vars", "erp", "zz_awx.yml"), "w", encoding="utf-8") as f:
        f.write("---\n# AWX injects the credential as environment variables: none in the inventory.\nerp_azure_auth: {}\n")
    with open(os.path.join(inventory, "hosts.yml"), "w", encoding="utf-8") as f:
        f.write("erp:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    return base


def awx_job(azsim, collections_path, tmp_path, playbook, principal, extravars=None, job_type="run"):
    """One job as AWX launches it: returns (runner, events, artifact_data, everything the job printed or recorded)."""
    p = azsim.principal(principal)
    base = private_data_dir(str(tmp_path / f"job-{os.path.basename(playbook)}-{principal}"), azsim)
    envvars = {  # the credential's injector (awx/main/models/credential/injectors.py), service principal mode
        "AZURE_SUBSCRIPTION_ID": azsim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_TENANT": azsim.tenant, "AZURE_SECRET": p["client_secret"],
        # the execution environment's own settings: where the collection and azsim are
        "ANSIBLE_COLLECTIONS_PATH": collections_path, "AZSIM_STATE_DIR": azsim.state_dir, "TMPDIR": str(tmp_path),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    cmdline = "--check --diff" if job_type == "check" else ""
    r = ansible_runner.run(private_data_dir=base, playbook=playbook, ident="1", quiet=True, envvars=envvars, extravars=extravars or {},
                           cmdline=cmdline or None, settings={"job_timeout": 900, "suppress_ansible_output": True},
                           suppress_env_files=True)
    events = list(r.events)
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    artifact_data = stats[-1]["event_data"].get("artifact_data", {}) if stats else {}
    recorded = [open(path, encoding="utf-8").read() for path in sorted(glob.glob(os.path.join(base, "artifacts", "1", "job_events", "*.json")))]
    recorded.append(open(os.path.join(base, "artifacts", "1", "stdout"), encoding="utf-8").read())
    # env/ holds no credential (suppress_env_files, as AWX_RUNNER_OMIT_ENV_FILES); artifacts/1/command does, by design of the runner.
    assert not os.path.exists(os.path.join(base, "env", "envvars"))
    return r, events, artifact_data, recorded


def assert_no_secret(azsim, recorded, what):
    secrets = Secrets(azsim).refresh()
    findings = [f for i, text in enumerate(recorded) for f in secrets.scan(text, f"{what} event {i}")]
    assert not findings, "; ".join(findings)


def kinds(events):
    return [e["event"] for e in events]


def test_deploy_check_mode_is_a_plan_with_no_change_on_the_deployed_stack(grants, azsim, collections_path, tmp_path):
    mark = azsim.last_seq()
    r, events, artifacts, recorded = awx_job(azsim, collections_path, tmp_path, "playbooks/deploy.yml", "deployer", job_type="check")
    assert (r.status, r.rc) == ("successful", 0), r.stdout.read()[-4000:]
    assert kinds(events)[0] == "playbook_on_start" and kinds(events).count("playbook_on_stats") == 1
    stats = next(e for e in events if e["event"] == "playbook_on_stats")["event_data"]
    assert stats["changed"] == {} and stats["failures"] == {} and stats["ok"]["localhost"] > 50
    writes = [x for x in azsim.requests_since(mark) if x["method"] in ("PUT", "PATCH", "DELETE")]
    assert writes == [], writes[:5]
    deployed = artifacts["deploy"]["localhost"]
    assert deployed["urls"][0] == "https://erp-supermarket-prod.azurewebsites.net/" and deployed["healthy"] is True
    assert deployed["monthly_cost"] > 100
    assert_no_secret(azsim, recorded, "deploy --check")


def test_daily_maintenance_job_reports_its_figures_to_awx(grants, azsim, collections_path, tmp_path):
    reports = os.path.join(azsim.state_dir, "reports-awx")
    r, events, artifacts, recorded = awx_job(azsim, collections_path, tmp_path, "playbooks/maintain_daily.yml", "auditor",
                                             extravars={"maintain_report_dir": reports})
    assert (r.status, r.rc) == ("successful", 0), r.stdout.read()[-4000:]
    per_host = artifacts["maintain"]["localhost"]
    assert per_host["cadence"] == "daily" and per_host["status"] in ("pass", "warn") and per_host["failed"] == []
    assert os.path.exists(per_host["report"])
    ok = [e for e in events if e["event"] == "runner_on_ok"]
    assert any(e["event_data"]["task_action"].startswith("erpops.azure.") for e in ok)
    assert_no_secret(azsim, recorded, "maintain_daily")


def test_audit_job_reports_its_findings_to_awx(grants, azsim, collections_path, tmp_path):
    root = os.path.join(azsim.state_dir, "reports-awx", "audit")
    r, events, artifacts, recorded = awx_job(azsim, collections_path, tmp_path, "playbooks/audit.yml", "auditor",
                                             extravars={"audit_report_root": root})
    # The audit fails the job when a finding of high severity is open; either way its figures reach AWX.
    assert r.status in ("successful", "failed") and r.rc in (0, 2), r.stdout.read()[-4000:]
    per_host = artifacts["audit"]["localhost"]
    assert per_host["summary"]["findings"] > 50 and os.path.exists(per_host["report"])
    with open(per_host["report"].replace("audit.html", "audit.json"), encoding="utf-8") as f:
        report = json.load(f)
    assert report["summary"]["by_status"] == per_host["summary"]["by_status"]
    assert (r.rc == 0) == (per_host["failed_checks"] == [])
    assert_no_secret(azsim, recorded, "audit")
