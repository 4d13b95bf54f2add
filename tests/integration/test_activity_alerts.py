"""Integration targets of the subscription's alerting modules (activity log alerts, Defender's security contact) against azsim."""

import pytest


@pytest.mark.parametrize("name", ["monitor_activity_log_alert", "security_contact"])
def test_activity_alert_target(run_target, name):
    run_target(name)
