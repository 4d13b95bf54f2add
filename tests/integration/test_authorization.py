"""Integration target of authorization_permission_info (the caller's rights at a scope) against azsim."""


def test_authorization_permission_info(run_target):
    run_target("authorization_permission_info")
