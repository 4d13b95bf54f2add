"""The postgresql role against azsim (see conftest.py and targets/role_postgresql)."""

# The target runs each refused variable inside a block/rescue: these are the only failures it may report, each
# with the task that failed and the variable its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.postgresql : Check the postgresql role's variables",
     "postgresql_administrator_login_password is unset or too weak"),
    ("erpops.azure.postgresql : Check the postgresql role's variables",
     "postgresql_administrator_login must be a plain role name"),
    ("erpops.azure.postgresql : Validating arguments against arg spec 'main'", "postgresql_storage_size_gb must be one of"),
    ("erpops.azure.postgresql : Check the PostgreSQL server exists", "postgresql_server_name: server"),
    # Azure's refusal past validate: the module task's result is hidden by no_log, the next task repeats it.
    ("erpops.azure.postgresql : Create or update the PostgreSQL flexible server", ""),
    ("erpops.azure.postgresql : Report Azure's refusal with the variables it concerns", "postgresql_sku_name Standard_D2s_v9"),
]


def test_role_postgresql(run_target):
    report = run_target("role_postgresql", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    second = [t["name"] for t in report].index("Run the role again")
    assert [t["name"] for t in report[second:-1] if t["changed"]] == [], "the second run reported changes"
