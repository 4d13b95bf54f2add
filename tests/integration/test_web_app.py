"""Integration targets of the web app modules (web_app, web_app_info, web_app_slot) against azsim."""


def test_web_app(run_target):
    run_target("web_app")


def test_web_app_slot(run_target):
    run_target("web_app_slot")
