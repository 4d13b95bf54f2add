"""Integration targets of app_service_plan(+_info) and autoscale(+_info) against azsim (see conftest.py)."""

import pytest


@pytest.mark.parametrize("mode", ["proxy", "direct"])
def test_app_service_plan(run_target, mode):
    # Both ways a user points the modules at Azure: the real host names through a proxy, or a custom cloud.
    run_target("app_service_plan", mode)


def test_autoscale(run_target):
    run_target("autoscale")
