"""The keyvault role against azsim (see conftest.py and targets/role_keyvault).

The target runs as the deployer (a Contributor); an Owner gives it User Access Administrator on the test's resource group,
so the role grants Key Vault Secrets Officer to it and Key Vault Secrets User to the stand-in for the web app's identity.
"""

import uuid

SECRET_KEY = "it-" + uuid.uuid4().hex + "-django-key"
DB_PASSWORD = "It-" + uuid.uuid4().hex + "-Pg!"

# The target checks each refused variable inside a block/rescue: these are the only failures it may report, in order,
# each with the task that failed and the variable its message must name.
EXPECTED_FAILURES = [
    ("Check the keyvault role's variables", "keyvault_name"),
    ("Validating arguments against arg spec main - Create the ERP's Key Vault and store the app's secrets in it", "keyvault_sku"),
    ("Check the keyvault role's variables", "keyvault_secrets"),
    ("Check the web app's identity is known", "keyvault_web_app_principal_id"),
    ("Check the staging slot's identity is known", "keyvault_staging_principal_id"),
]


def test_role_keyvault(run_target, azsim):
    owner, deployer = azsim.principal("owner"), azsim.principal("deployer")
    report, output = run_target("role_keyvault", expect_failure=True, verbosity=3, extra_vars={
        "secret_key": SECRET_KEY, "db_password": DB_PASSWORD, "deployer_object_id": deployer["object_id"],
        # azsim's directory does not hold web apps' managed identities (see the role's README): a principal it knows stands in.
        "web_app_principal_id": azsim.principal("auditor")["object_id"], "staging_principal_id": azsim.principal("owner")["object_id"],
        "owner_client_id": owner["client_id"], "owner_secret": owner["client_secret"]})
    # At -vvv a role's task names carry the role ("erpops.azure.keyvault : ...") and the entry point is quoted.
    failed = [(t["name"].split(" : ", 1)[-1].replace("'main'", "main"), t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert [name for name, _msg in failed] == [name for name, _variable in EXPECTED_FAILURES], failed
    for (_name, msg), (_want_name, variable) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert variable in msg, msg
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    assert "ESTABLISH LOCAL CONNECTION FOR USER" in output  # -vvv really was on
    # The values never appear, even at -vvv: not in results, diffs, validation messages or the secrets' loop.
    for value in (SECRET_KEY, DB_PASSWORD, owner["client_secret"]):
        assert value not in output
