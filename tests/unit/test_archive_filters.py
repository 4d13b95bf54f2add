"""The quarterly archive's pruning decision: only archives past the retention that no policy or legal hold locks go."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.filter.archive import archive_prune

BLOBS = [{"name": "erp-postgres-prod/erp/2026-Q1/erp-20260101T000000Z.dump", "creation_time": "2026-01-01T00:00:00Z", "size": 10},
         {"name": "erp-postgres-prod/erp/2026-Q2/erp-20260401T000000Z.dump", "creation_time": "2026-04-01T00:00:00Z", "size": 11},
         {"name": "erp-postgres-prod/erp/2026-Q3/erp-20260701T000000Z.dump", "creation_time": "2026-07-01T00:00:00Z", "size": 12},
         {"name": "someone-else/notes.txt", "creation_time": "2020-01-01T00:00:00Z"}]


def _actions(entries):
    return {e["name"].split("/")[2] if e["name"].count("/") > 2 else e["name"]: e["action"] for e in entries}


def test_only_expired_and_unlocked_archives_go():
    now = "2026-07-20T00:00:00Z"
    plan = archive_prune(BLOBS, now, 60, policy={"period_days": 150}, pattern=r"^erp-postgres-prod/erp/\d{4}-Q[1-4]/")
    # Q1: 200 days old, past 150 + 1: deleted. Q2: 110 days, past the 60-day retention but locked until day 151. Q3: kept.
    assert _actions(plan) == {"2026-Q1": "delete", "2026-Q2": "locked", "2026-Q3": "keep"}
    q2 = plan[1]
    assert q2["expired"] and q2["locked_until"] == "2026-08-30T00:00:00Z" and q2["age_days"] == 110.0
    assert all(not e["name"].startswith("someone-else") for e in plan)


def test_the_margin_keeps_an_archive_on_the_edge_locked_and_a_legal_hold_locks_everything():
    edge = [{"name": "a", "creation_time": "2026-01-01T00:00:00Z"}]
    assert archive_prune(edge, "2026-01-31T12:00:00Z", 10, policy={"period_days": 30})[0]["action"] == "locked"
    assert archive_prune(edge, "2026-02-01T12:00:00Z", 10, policy={"period_days": 30})[0]["action"] == "delete"
    assert archive_prune(edge, "2030-01-01T00:00:00Z", 10, policy={"period_days": 30}, legal_hold=True)[0]["action"] == "locked"
    assert archive_prune(edge, "2026-01-05T00:00:00Z", 10)[0]["action"] == "keep"
    assert archive_prune(edge, "2026-01-20T00:00:00Z", 10, policy=None)[0]["action"] == "delete"


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError):
        archive_prune({"name": "x"}, "2026-01-01T00:00:00Z", 1)
    with pytest.raises(AnsibleFilterError):
        archive_prune(BLOBS, "yesterday", 1)
