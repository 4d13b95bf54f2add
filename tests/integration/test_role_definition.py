"""Integration target of the role_definition module against azsim (see conftest.py).

Runs as azsim's Owner (only Owner and User Access Administrator may write roles). The auditor's token lets the target
show that azsim's RBAC honours the custom role's extra action, and refuses it before the role is assigned.
"""


def test_role_definition(run_target, azsim):
    report = run_target("role_definition", principal="owner", extra_vars={
        "auditor_object_id": azsim.principal("auditor")["object_id"], "auditor_token": azsim.token("auditor"),
        "azsim_arm_endpoint": azsim.url})
    assert any(t["name"] == "Verify the deletion" and t["status"] == "ok" for t in report)
