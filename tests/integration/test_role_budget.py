"""The budget role against azsim (see conftest.py and targets/role_budget)."""

import pytest
from azsim.testing import Azsim

from .conftest import target_runner

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.budget : Check the budget role's variables", "budget_start_date must be empty"),
    ("erpops.azure.budget : Check the budget role's variables", "budget_contact_emails holds values that are not e-mail addresses"),
]
BUDGET = "erpops.azure.budget : Create the budget of the resource group with its e-mail alerts"


@pytest.fixture(scope="module")
def run_target(collections_path, tmp_path_factory):
    """The target lets forty simulated days pass (a month later, the budget must not change): an azsim of its own, so
    that the worker's shared azsim never sees a month go by and come back (its cost accrual, logs and budgets would)."""
    sim = Azsim(str(tmp_path_factory.mktemp("azsim-budget")), time_scale=0.0, page_size=5).start()
    try:
        yield target_runner(sim, collections_path, tmp_path_factory.mktemp("playbooks-budget"))
    finally:
        sim.stop()


def test_role_budget(run_target):
    report = run_target("role_budget", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    # One budget task per run of the role: predicted, created, unchanged, unchanged a month later, updated.
    assert [t["changed"] for t in report if t["name"] == BUDGET and t["status"] == "ok"] == [True, True, False, False, True]
