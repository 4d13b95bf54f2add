"""The maintenance tests' stack: `make demo`'s deployment on an azsim of the test module's own (each module that uses these
fixtures deploys one), and the routines run as their AWX job templates run them."""

import json
import os
import re

import pytest

from .stack import playbook_runner, started_azsim


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    """An azsim for the test module: its deployment's fixed names stay there."""
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
    found = re.findall(r"report: (\S+)/report\.html", " ".join(out.split()))  # the YAML callback may fold the line
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, writes, report


def verdicts(report):
    return {c["id"]: c["verdict"] for c in report["checks"]}
