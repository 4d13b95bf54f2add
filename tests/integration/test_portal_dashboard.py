"""Integration target of portal_dashboard (shared portal dashboards) against azsim (see conftest.py)."""


def test_portal_dashboard(run_target):
    run_target("portal_dashboard")
