"""The frontdoor role against azsim: check mode, creation, idempotence, bad variables (see conftest.py)."""

# The target runs each refused variable inside a block/rescue: these are the only failures it may report, each with the
# task that failed and the variable its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.frontdoor : Check the frontdoor role's variables", "frontdoor_origin_host_name must be the web app's host name"),
    ("erpops.azure.frontdoor : Validating arguments against arg spec 'main'", "frontdoor_sku must be one of"),
]


def test_role_frontdoor(run_target):
    report = run_target("role_frontdoor", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    second = names.index("Run the frontdoor role again")
    assert [t["name"] for t in report[second : names.index("Mark the request log before the bad variables")] if t["changed"]] == [], (
        "the second run reported changes"
    )
