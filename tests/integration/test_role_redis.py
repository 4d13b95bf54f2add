"""The redis role against azsim: check mode, creation through start/finish, idempotence, bad variables (see conftest.py)."""

import hashlib

# The target runs each refused variable inside a block/rescue: these are the only failures it may report, each with the
# task that failed and the variable its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.redis : Check the redis role's variables", "redis_sku_capacity 0 is not a Premium size"),
    ("erpops.azure.redis : Validating arguments against arg spec 'main'", "redis_sku_name must be one of"),
]


def test_role_redis(run_target, azsim, deployer_secrets_officer):
    report, output = run_target("role_redis", expect_failure=True, verbosity=3)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    second = names.index("Run the redis role again")
    assert [t["name"] for t in report[second : names.index("Mark the request log before the bad variables")] if t["changed"]] == [], (
        "the second run reported changes"
    )
    # The vault (soft-deleted with its resource group) still holds the key the role stored: it never reached the output, even at -vvv.
    vault = "kv-" + hashlib.md5(b"it-role-redis-proxy").hexdigest()[:12]  # noqa: S324 - the target's naming, not security
    stored = azsim.admin("GET", "state")["keyvault.secrets"][f"{vault}/redis-access-key"]["versions"][-1]["value"]
    assert len(stored) > 20
    assert stored not in output and "ESTABLISH LOCAL CONNECTION FOR USER" in output
