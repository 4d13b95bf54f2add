"""The custom_domain role against azsim (see conftest.py and targets/role_custom_domain)."""

import pytest

# The target refuses a wildcard host name inside a block/rescue: the only failure it may report.
EXPECTED_FAILURES = [
    ("erpops.azure.custom_domain : Check the custom_domain role's variables", "no wildcard"),
]


# A role run is a few dozen tasks; on a loaded machine (2 cores shared) a module takes seconds, so allow more than the
# default 300 s per test.
@pytest.mark.timeout(900)
def test_role_custom_domain(run_target):
    report = run_target("role_custom_domain", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    second = names.index("Run the role again")
    end = names.index("Verify the second run wrote nothing", second)
    assert [t["name"] for t in report[second:end] if t["changed"]] == [], "the second run reported changes"
