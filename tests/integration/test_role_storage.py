"""The storage role against azsim (see conftest.py and targets/role_storage).

The target runs as azsim's Owner: the grant entry point writes a role assignment, which a Contributor cannot.
"""

# The target runs each refused variable inside a block/rescue: these are the only failures it may report, each
# with the task that failed and the variable its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.storage : Check the storage role's variables", "storage_account_name must be 3-24 lowercase letters and digits"),
    ("erpops.azure.storage : Validating arguments against arg spec 'main'", "storage_access_tier must be one of"),
    ("erpops.azure.storage : Check the web app's identity is known", "storage_web_app_principal_id is empty"),
    ("erpops.azure.storage : Check the media storage account exists", "storage_account_name: storage account"),
]


def test_role_storage(run_target, azsim):
    report = run_target("role_storage", principal="owner", expect_failure=True,
                        extra_vars={"web_app_principal_id": azsim.principal("auditor")["object_id"]})
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    second = [t["name"] for t in report].index("Run the role again")
    assert [t["name"] for t in report[second:-1] if t["changed"]] == [], "the second run reported changes"
