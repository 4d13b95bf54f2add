"""Run each integration target against azsim (see conftest.py)."""

import pytest


@pytest.mark.parametrize("mode", ["proxy", "direct"])
def test_resource_group(run_target, mode):
    run_target("resource_group", mode)


def test_auditor_write_fails_with_azure_403(run_target, azsim):
    report = run_target("auditor_write", principal="auditor", expect_failure=True)
    msgs = [t["msg"] for t in report if t["status"] == "failed"]
    assert len(msgs) == 1 and "403 AuthorizationFailed" in msgs[0] and azsim.principal("auditor")["client_id"] in msgs[0]
