"""The web_app role against azsim (see conftest.py and targets/role_web_app)."""

import uuid

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.web_app : Check the web_app role's variables", "missing: web_app_db_password."),
    ("erpops.azure.web_app : Check the web_app role's variables", "web_app_key_vault_name must name the Key Vault"),
    ("erpops.azure.web_app : Validating arguments against arg spec 'main'", "web_app_secrets_source must be one of: inline, keyvault"),
]
# The role's two Azure tasks, by the start of their names: each writes its slot with all its settings (the secrets in
# secret_app_settings, so that no task needs no_log).
STEPS = {"erpops.azure.web_app : Create the web app": "app", "erpops.azure.web_app : Create the staging slot": "slot"}


def role_steps(report, start, end):
    """(step, status, changed) of the role's Azure tasks between two tasks of the target."""
    names = [t["name"] for t in report]
    out = []
    for task in report[names.index(start) : names.index(end)]:
        step = next((s for prefix, s in STEPS.items() if task["name"].startswith(prefix)), None)
        if step:
            out.append((step, task["status"], task["changed"]))
    return out


def test_role_web_app(run_target):
    secret_key, db_password = "dj-" + uuid.uuid4().hex, "Pg-" + uuid.uuid4().hex
    report, output = run_target("role_web_app", expect_failure=True, verbosity=3, extra_vars={"wa_secret_key": secret_key, "wa_db_password": db_password})
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    # The secrets never show, not even at -vvv.
    assert "ESTABLISH LOCAL CONNECTION FOR USER" in output
    assert secret_key not in output and db_password not in output and secret_key[::-1] not in output
    # No task hides its result (the secrets go in secret_app_settings).
    assert "'no_log: true' was specified for this result" not in output

    predicted, changed, unchanged = ("ok", True), ("ok", True), ("ok", False)
    # Check mode is the plan: before the plan exists, and once it does, the app and its slot are predicted.
    assert role_steps(report, "Run the role in check mode before the plan exists", "Create the Linux S1 plan") == [("app", *predicted), ("slot", *predicted)]
    assert role_steps(report, "Run the role in check mode", "Verify check mode wrote nothing") == [("app", *predicted), ("slot", *predicted)]
    assert role_steps(report, "Run the role", "Read the web app") == [("app", *changed), ("slot", *changed)]
    assert role_steps(report, "Run the role again", "Run the role with Key Vault references") == [("app", *unchanged), ("slot", *unchanged)]
    assert role_steps(report, "Run the role with Key Vault references", "Verify both slots hold references to the vault instead of the secrets") == [
        ("app", *changed), ("slot", *changed)]
