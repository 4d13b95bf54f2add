"""The read-only modules of the maintenance routines (cost check, update check, cost review) against azsim (see conftest.py)."""

import pytest


@pytest.mark.parametrize("target", ["cost_info", "web_app_stack_info", "postgresql_flexible_server_capabilities_info"])
def test_maintenance_reads(run_target, target):
    run_target(target)
