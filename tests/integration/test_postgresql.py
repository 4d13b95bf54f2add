"""PostgreSQL flexible server modules against azsim (see conftest.py)."""

import pytest


@pytest.mark.parametrize("target", ["postgresql_flexible_server", "postgresql_flexible_server_firewall_rule",
                                    "postgresql_flexible_server_configuration", "postgresql_flexible_server_database"])
def test_postgresql(run_target, target):
    run_target(target)
