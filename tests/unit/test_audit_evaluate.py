"""The audit_evaluate module around the report writers: it writes the five files (none in check mode), never fails on findings,
fails on bad input before it writes anything, and finds the previous audit of its scope in the history. The rule engine is a
stand-in here (the rules' own tests cover it): load_rules gives the fixture's rules, evaluate its findings."""

import contextlib
import json
import pathlib
import types
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible_collections.erpops.azure.plugins.modules import audit_evaluate
from audit_fixtures import DB, EVIL, RG, SITE, findings, inventory, rules

FILES = ["audit.html", "audit.json", "audit.junit.xml", "audit.md", "audit.sarif"]


class Exit(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:  # pragma: no cover - ansible-core 2.18
        @contextlib.contextmanager
        def patch_module_args(values):
            with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": values}).encode()):
                yield
    with patch_module_args(args):
        yield


def run(args, check_mode=False, engine=None):
    engine = engine or types.SimpleNamespace(load_rules=lambda _d: rules(), evaluate=lambda _inv, _rules, _params: findings())
    if check_mode:
        args = dict(args, _ansible_check_mode=True)

    def leave(self, **result):
        raise Exit(dict(result, failed=False))

    def fail(self, msg, **result):
        raise Exit(dict(result, msg=msg, failed=True))

    with module_args(args), mock.patch.object(audit_evaluate, "audit_rules", engine), \
            mock.patch.object(basic.AnsibleModule, "exit_json", leave), mock.patch.object(basic.AnsibleModule, "fail_json", fail):
        with pytest.raises(Exit) as caught:
            audit_evaluate.main()
    return caught.value.result


@pytest.fixture
def paths(tmp_path):
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps(inventory()))
    (tmp_path / "rules").mkdir()
    return {"inventory": str(inv), "rules_dir": str(tmp_path / "rules"), "dest_dir": str(tmp_path / "reports" / "20261206T234500Z"),
            "today": "2026-12-06"}


def test_it_writes_the_five_reports_and_never_fails_on_findings(paths):
    result = run(dict(paths, fail_on="critical"))
    assert result["failed"] is False and result["changed"] is True
    assert result["open_at_or_above"] == 1 and result["failed_checks"] == ["PG-004"]
    assert result["msg"].startswith("1 open finding(s) at or above critical (PG-004); reports in ")
    assert sorted(p.name for p in pathlib.Path(paths["dest_dir"]).iterdir()) == FILES
    doc = json.loads(open(result["files"]["audit.json"], encoding="utf-8").read())
    assert doc["format"] == "erpops-audit/1" and doc["scope"] == [RG] and doc["summary"] == result["summary"]
    assert result["changes"] is None and result["expired_suppressions"] == []


def test_it_returns_every_open_finding_worst_first_whatever_fail_on(paths):
    result = run(dict(paths, fail_on="critical"))
    assert [(f["check"], f["status"], f["severity"], f["resource"]) for f in result["open_findings"]] == [
        ("PG-004", "fail", "critical", DB),
        ("APP-001", "fail", "high", EVIL),
        ("APP-001", "fail", "high", SITE),
        ("APP-013", "error", "medium", EVIL),
        ("PG-009", "fail", "info", DB),
    ]
    assert result["open_findings"][0] == {"check": "PG-004", "status": "fail", "severity": "critical", "resource": DB,
                                          "title": "No firewall rule opens the server to all Azure services",
                                          "message": "the server admits every Azure service"}
    assert len(result["open_findings"]) == result["summary"]["open"] == 5
    doc = json.loads(open(result["files"]["audit.json"], encoding="utf-8").read())
    assert sorted((f["check"], f["resource"]) for f in doc["findings"] if f["status"] in ("fail", "error")) == \
        sorted((f["check"], f["resource"]) for f in result["open_findings"])


def test_a_suppressed_finding_is_not_returned_as_open(paths):
    active = {"check": "PG-004", "resource": "*erp-db", "reason": "errata 3", "owner": "lead", "expires": "2027-03-31"}
    result = run(dict(paths, suppressions=[active]))
    assert "PG-004" not in [f["check"] for f in result["open_findings"]] and result["summary"]["by_status"]["suppressed"] == 1


def test_check_mode_computes_everything_and_writes_nothing(paths):
    result = run(paths, check_mode=True)
    assert result["changed"] is True and result["open_at_or_above"] == 3 and len(result["open_findings"]) == 5
    assert not pathlib.Path(paths["dest_dir"]).exists()


def test_the_previous_audit_of_the_scope_comes_from_the_history(paths):
    first = run(paths)
    assert first["changes"] is None
    second = run(dict(paths, dest_dir=paths["dest_dir"].replace("20261206T234500Z", "20261207T000000Z"),
                      history_dir=str(pathlib.Path(paths["dest_dir"]).parent)))
    assert second["changes"] == {"previous": first["files"]["audit.json"], "new": 0, "fixed": 0, "still_open": 5, "unverified": 0}


def test_an_expired_suppression_is_returned(paths):
    expired = {"check": "PG-004", "resource": "*erp-db", "reason": "errata 3", "owner": "lead", "expires": "2026-11-30"}
    result = run(dict(paths, suppressions=[expired]))
    assert result["expired_suppressions"] == [{"check": "PG-004", "resource": "*erp-db", "owner": "lead", "expires": "2026-11-30"}]
    assert "PG-004" in result["failed_checks"] and result["msg"].endswith(f"; reports in {paths['dest_dir']}")
    assert "1 suppression(s) expired" in result["msg"]


@pytest.mark.parametrize("change, message", [
    ({"suppressions": [{"check": "PG-004", "resource": "*", "owner": "o", "expires": "2027-01-01"}]}, "lacks reason"),
    ({"desired": {"Microsoft.Web/sites": ["properties.httpsOnly"]}}, "mapping of property path"),
    ({"today": "06/12/2026"}, "today must be a date"),
    ({"rules_dir": "/nonexistent/rules"}, "is not a directory of rule files"),
    ({"previous": "/nonexistent/audit.json"}, "previous audit /nonexistent/audit.json cannot be read"),
])
def test_bad_input_fails_before_anything_is_written(paths, change, message):
    result = run(dict(paths, **change))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert not pathlib.Path(paths["dest_dir"]).exists()


def test_an_inventory_of_another_format_is_refused(paths, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "erpops-maintain/1"}))
    result = run(dict(paths, inventory=str(other)))
    assert result["failed"] and "not an erpops-audit-inventory/1 document" in result["msg"]


def test_a_rule_engine_error_is_an_input_error(paths):
    def broken(_d):
        raise ValueError("APP.yml: rule APP-001 has no severity")
    result = run(paths, engine=types.SimpleNamespace(load_rules=broken, evaluate=None))
    assert result["failed"] and f"the rules in {paths['rules_dir']} cannot be used: APP.yml: rule APP-001 has no severity" in result["msg"]


def test_previous_and_history_dir_exclude_each_other(paths):
    result = run(dict(paths, previous="/a/audit.json", history_dir="/a"))
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_findings_on_a_server_name_with_markup_are_escaped_in_the_written_html(paths):
    evil = DB.replace("erp-db", "<img src=x onerror=alert(1)>")
    engine = types.SimpleNamespace(load_rules=lambda _d: rules(),
                                   evaluate=lambda _i, _r, _p: [{"check": "PG-004", "resource": evil, "status": "fail", "message": "<b>open</b>"}])
    result = run(paths, engine=engine)
    html = open(result["files"]["audit.html"], encoding="utf-8").read()
    assert "<img" not in html and "<b>open</b>" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
