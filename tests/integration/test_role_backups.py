"""The backups role against azsim (see conftest.py and targets/role_backups)."""

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.backups : Validating arguments against arg spec 'main'", "backups_frequency_unit must be one of"),
    ("erpops.azure.backups : Check the backups role's variables", "backups_retention_period_in_days 0 (forever) or more"),
    ("erpops.azure.backups : Check the web app exists", "backups_web_app_name: web app"),
    ("erpops.azure.backups : Check the plan's tier allows backups", "backups_allowed_plan_tiers (PremiumV3)"),
    ("erpops.azure.backups : Check the plan's tier allows backups", "The App Service plan of web app"),
]


def test_role_backups(run_target):
    report = run_target("role_backups", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    second = [t["name"] for t in report].index("Run the role again")
    assert [t["name"] for t in report[second:-1] if t["changed"]] == [], "the second run reported changes"
