"""The monitoring role against azsim (see conftest.py and targets/role_monitoring): check mode before anything exists,
the real run, a second run without writes or changes, bad variables refused before any write."""

import pytest

# A role target whose behaviour tests/integration/test_deploy.py also covers end to end: `make test-slow` runs it,
# `make test` leaves it out to stay within CI's time budget.
pytestmark = pytest.mark.slow

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.monitoring : Check the alert thresholds", "monitoring_cpu_threshold_percent must be above 0 and at most 100"),
    ("erpops.azure.monitoring : Check that each alert window covers its evaluation frequency",
     "monitoring_alert_window_size (5) must be at least monitoring_alert_evaluation_frequency (15)"),
    ("erpops.azure.monitoring : Validating arguments against arg spec 'alerts'", "monitoring_alert_severity must be one of: 0, 1, 2, 3, 4"),
]
CHECK, FIRST, SECOND = "Run the role in check mode, before anything exists", "Run the role", "Run the foundation entry point again"


def test_role_monitoring(run_target):
    report = run_target("role_monitoring", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    check, first, second = names.index(CHECK), names.index(FIRST), names.index(SECOND)
    role = [t for t in report[check:first] if t["name"].startswith("erpops.azure.monitoring : ")]
    # Check mode skips only what needs a real component (Application Insights needs the workspace, the test the component).
    assert sorted(t["name"].split(" : ", 1)[1] for t in role if t["status"] == "skipped") == [
        "Check that the web app, the plan and the PostgreSQL server exist", "Create the workspace-based Application Insights component",
        "Find out whether this run is in check mode", "Test the health page from several locations, TLS certificate included"]
    assert [t["name"] for t in report[second:] if t["changed"] and t["name"].startswith("erpops.azure.monitoring : ")] == []
