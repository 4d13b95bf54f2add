"""Integration targets of the monitoring modules (workspace, Application Insights, availability test, action group,
metric alerts, metrics reader) against azsim (see conftest.py)."""

import pytest

TARGETS = ["log_analytics_workspace", "monitor_action_group", "application_insights", "monitor_web_test", "monitor_metric_alert",
           "monitor_metrics_info"]


@pytest.mark.parametrize("name", TARGETS)
def test_monitoring_target(run_target, name):
    run_target(name)
