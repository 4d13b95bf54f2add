"""Integration targets of app_service_plan(+_info) and autoscale(+_info) against azsim (see conftest.py)."""


def test_app_service_plan(run_target):
    run_target("app_service_plan")


def test_autoscale(run_target):
    run_target("autoscale")
