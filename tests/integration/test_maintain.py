"""The weekly, monthly and quarterly maintenance routines against the deployment of `make demo` on an azsim of their own.

The stack is deployed once (access.yml as the owner, then deploy.yml); each routine runs as AWX runs it
(playbooks/maintain_<cadence>.yml) and is judged from its exit status, its report and azsim's request log. The daily
routine is tested in test_deploy.py, on a stack with a history.
"""

import json
import os
import re

import pytest

from .stack import playbook_runner, started_azsim

# A deployment and several routines on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    with started_azsim(str(tmp_path_factory.mktemp("azsim-maintain"))) as sim:
        yield sim


@pytest.fixture(scope="module")
def run(azsim, collections_path):
    """Run a playbook from the checkout: (rc, output, writes sent to azsim)."""
    return playbook_runner(azsim, collections_path)


@pytest.fixture(scope="module")
def stack(run):
    """`make demo`'s deployment: the owner's grants, then deploy.yml (the ERP released on it)."""
    rc, out, _writes = run("-e", "azsim_principal=owner", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    rc, out, _writes = run()
    assert rc == 0, out[-6000:]
    return run


def maintain(run, cadence, *args, principal="deployer", clock=None):
    """A routine as its AWX job template runs it: returns (rc, output, writes, the report's JSON or None). Its reports go
    to the module's azsim state directory, not the checkout's reports/."""
    reports = os.path.join(run.azsim.state_dir, "reports")
    rc, out, writes = run("-e", f"azsim_principal={principal}", "-e", f"maintain_report_dir={reports}", *args,
                          playbook=f"playbooks/maintain_{cadence}.yml", clock=clock)
    found = re.findall(r"report: (\S+)/report\.html", out)
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, writes, report


def verdicts(report):
    return {c["id"]: c["verdict"] for c in report["checks"]}


def test_a_bad_cadence_or_part_fails_before_any_request(run, azsim):
    """The role's argument spec refuses them before anything is read: no token, no ARM call."""
    for args, expected in ((("-e", "maintain_cadence=hourly"), "maintain_cadence must be one of: daily, weekly, monthly, quarterly"),
                           (("-e", "maintain_cadence=weekly", "-e", '{"maintain_skip": ["backup"]}'), "maintain_skip must be one or more of")):
        mark = azsim.last_seq()
        rc, out, _writes = run(*args, playbook="playbooks/maintain.yml")
        assert rc != 0 and expected in out, out[-3000:]
        assert azsim.requests_since(mark) == [], azsim.requests_since(mark)


# -- Weekly: performance, backups, costs --------------------------------------------------------------------------------


# -- Monthly: updates ---------------------------------------------------------------------------------------------------


# -- Monthly: restore drills --------------------------------------------------------------------------------------------


# -- Quarterly: archive and cost review ---------------------------------------------------------------------------------


# -- Quarterly: secret rotation (last: it changes the secrets every later test would use) --------------------------------
