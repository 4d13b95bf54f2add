"""The resource_group role against azsim (see conftest.py and targets/role_resource_group)."""

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.resource_group : Check the resource_group role's variables", "resource_group_name must be 1-90 letters"),
    ("erpops.azure.resource_group : Validating arguments against arg spec 'main'", "resource_group_tags"),
]


def test_role_resource_group(run_target):
    report = run_target("role_resource_group", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    check, first, second = names.index("Run the role in check mode"), names.index("Run the role"), names.index("Run the role again")
    role_task = "erpops.azure.resource_group : Create the resource group with its tags"
    # Check mode predicts the creation, the first run makes it, the second finds nothing to do.
    assert [t["changed"] for t in report[check:first] if t["name"] == role_task] == [True]
    assert [t["changed"] for t in report[first:second] if t["name"] == role_task] == [True]
    assert [t["name"] for t in report[second:names.index("Mark the request log before the refused runs")] if t["changed"]] == []
