"""Integration target of monitor_diagnostic_setting (a web app's logs and metrics sent to a Log Analytics workspace) against
azsim (see conftest.py)."""


def test_diagnostic_setting(run_target):
    run_target("monitor_diagnostic_setting")
