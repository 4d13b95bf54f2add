"""Integration targets of the read-only monitoring modules against azsim (see conftest.py): KQL queries on a workspace fed
by the subscription's activity log (monitor_log_query, also as the auditor, a Reader), and the alerts a metric alert rule
fires (monitor_alert_info)."""


def test_monitor_log_query(run_target):
    try:
        run_target("monitor_log_query")
        run_target("monitor_log_query", principal="auditor", extra_vars={"monitor_log_query_phase": "reader"})
    finally:
        # The subscription-scope diagnostic setting and the groups go even after a failure: azsim is shared by the session.
        run_target("monitor_log_query", extra_vars={"monitor_log_query_phase": "cleanup"})


def test_monitor_alert_info(run_target):
    run_target("monitor_alert_info")
