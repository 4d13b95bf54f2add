"""The weekly, monthly and quarterly maintenance routines against the deployment of `make demo` on an azsim of their own.

The stack is deployed once (access.yml as the owner, then deploy.yml); each routine runs as AWX runs it
(playbooks/maintain_<cadence>.yml) and is judged from its exit status, its report and azsim's request log. The daily
routine is tested in test_deploy.py, on a stack with a history.
"""

import datetime
import json
import os
import re
import types

import pytest

from .package_index import osv_record, osv_service, pypiserver
from .stack import clock_moved, playbook_runner, started_azsim

# A deployment and several routines on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    with started_azsim(str(tmp_path_factory.mktemp("azsim-maintain"))) as sim:
        yield sim


@pytest.fixture(scope="module")
def run(azsim, collections_path):
    """Run a playbook from the checkout: (rc, output, writes sent to azsim)."""
    return playbook_runner(azsim, collections_path)


@pytest.fixture(scope="module")
def stack(run):
    """`make demo`'s deployment: the owner's grants, then deploy.yml (the ERP released on it)."""
    rc, out, _writes = run("-e", "azsim_principal=owner", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    rc, out, _writes = run()
    assert rc == 0, out[-6000:]
    return run


def maintain(run, cadence, *args, principal="deployer", clock=None):
    """A routine as its AWX job template runs it: returns (rc, output, writes, the report's JSON or None). Its reports go
    to the module's azsim state directory, not the checkout's reports/."""
    reports = os.path.join(run.azsim.state_dir, "reports")
    rc, out, writes = run("-e", f"azsim_principal={principal}", "-e", f"maintain_report_dir={reports}", *args,
                          playbook=f"playbooks/maintain_{cadence}.yml", clock=clock)
    found = re.findall(r"report: (\S+)/report\.html", out)
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, writes, report


def verdicts(report):
    return {c["id"]: c["verdict"] for c in report["checks"]}


def test_a_bad_cadence_or_part_fails_before_any_request(run, azsim):
    """The role's argument spec refuses them before anything is read: no token, no ARM call."""
    for args, expected in ((("-e", "maintain_cadence=hourly"), "maintain_cadence must be one of: daily, weekly, monthly, quarterly"),
                           (("-e", "maintain_cadence=weekly", "-e", '{"maintain_skip": ["backup"]}'), "maintain_skip must be one or more of")):
        mark = azsim.last_seq()
        rc, out, _writes = run(*args, playbook="playbooks/maintain.yml")
        assert rc != 0 and expected in out, out[-3000:]
        assert azsim.requests_since(mark) == [], azsim.requests_since(mark)


# -- Weekly: performance, backups, costs --------------------------------------------------------------------------------


# -- Monthly: updates ---------------------------------------------------------------------------------------------------
# Only the update check runs (the other monthly parts skipped), as the auditor (Reader). Its verdicts are measured against
# azsim's webAppStacks (PYTHON|3.11 ends 2027-10-31) and the role's maintain_postgresql_end_of_life (PostgreSQL 15,
# 2027-11-11): make demo's runtime and version. The clock moves (azsim's and the controller's) relative to those dates.
UPDATES_ONLY = json.dumps({"maintain_skip": ["drill_postgresql", "drill_app_backup", "performance"]})
PYTHON_311_EOL = datetime.date(2027, 10, 31)
POSTGRESQL_15_EOL = datetime.date(2027, 11, 11)
# A local index holding the release's requirements (examples/erp_app/requirements.txt: django>=5.2,<5.3,
# psycopg[binary]>=3.2,<4, gunicorn>=23.0,<28, whitenoise>=6.6,<7, azure-monitor-opentelemetry>=1.8,<2), with releases
# beyond two of those ranges, a pre-release, wheels and sdists; and an advisory (OSV) on the django a build installs.
RELEASES = {"django": [("5.2.1", "wheel"), ("5.2.1", "sdist"), ("6.0.0", "wheel"), ("6.1.0rc1", "wheel")],
            "psycopg": [("3.2.0", "sdist"), ("3.3.1", "sdist")], "gunicorn": [("23.0.0", "wheel")],
            "whitenoise": [("6.6.0", "wheel"), ("7.0.0", "wheel")],
            "azure-monitor-opentelemetry": [("1.8.0", "wheel"), ("1.8.1", "wheel")]}
ADVISORIES = [osv_record("PYSEC-2025-47", "django", "5.2", "5.2.2", "Potential log injection via unescaped request path", ["CVE-2025-48432"])]


@pytest.fixture(scope="module")
def package_index(tmp_path_factory):
    """pypiserver on loopback with those packages, and an OSV query service with that advisory."""
    packages = tmp_path_factory.mktemp("index") / "packages"
    packages.mkdir()
    with pypiserver(str(packages), RELEASES) as url, osv_service(ADVISORIES) as (osv_url, queries):
        yield types.SimpleNamespace(url=url, osv_url=osv_url, queries=queries)


def updates(run, *args, clock=None):
    return maintain(run, "monthly", "-e", UPDATES_ONLY, *args, principal="auditor", clock=clock)


def days_left(eol, offset_days=0):
    return (eol - datetime.datetime.now(datetime.UTC).date()).days - offset_days


def by_id(report):
    return {c["id"]: c for c in report["checks"]}


def assert_read_as_reader(azsim, mark, writes):
    """Nothing written, and every ARM read of the auditor answered (Reader is enough: no list action, no 403)."""
    assert writes == [], writes
    arm = [r for r in azsim.requests_since(mark) if r["host"] == "management.azure.com"]
    assert arm and all(r["method"] == "GET" and r["status"] == 200 for r in arm), [r for r in arm if r["status"] != 200 or r["method"] != "GET"]


def test_updates_compare_the_release_with_the_index_and_find_its_vulnerability(stack, azsim, package_index):
    """Against the local index and advisory service: the ranges that exclude a newer release warn, the vulnerable django a
    build installs fails the job; the runtime and the database are judged by the days left to their end of life."""
    mark = azsim.last_seq()
    rc, out, writes, report = updates(stack, "-e", f"maintain_package_index_url={package_index.url}", "-e", "maintain_pip_audit_service=osv",
                                      "-e", f"maintain_pip_audit_osv_url={package_index.osv_url}")
    assert rc != 0 and report, out[-4000:]
    assert "failed: Known vulnerabilities (pip-audit, osv) / 1 / none" in out, out[-3000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert {k: v["verdict"] for k, v in checks.items() if k.startswith(("package", "vuln"))} == {
        "package-django": "warn", "package-psycopg": "pass", "package-gunicorn": "pass", "package-whitenoise": "warn",
        "package-azure-monitor-opentelemetry": "pass", "vulnerabilities": "fail"}
    # django>=5.2,<5.3 installs 5.2.1; 6.0.0 is out of its range; 6.1.0rc1, a pre-release, is not a candidate.
    assert checks["package-django"]["measured"] == "5.2.1 → 6.0.0 (major)", checks["package-django"]
    assert "6.0.0 is outside the range: widen it in" in checks["package-django"]["detail"]
    assert "playbooks/release.yml" in checks["package-django"]["detail"] and "6.1.0rc1" not in json.dumps(report)
    assert checks["package-psycopg"]["measured"] == "3.3.1, the latest"  # sdists only
    assert "django 5.2.1: PYSEC-2025-47, CVE-2025-48432" in checks["vulnerabilities"]["detail"]
    assert "(fixed in 5.2.2)" in checks["vulnerabilities"]["detail"]
    # pip-audit asked the advisory service about exactly what a build installs today.
    assert sorted((q["package"]["name"], q["version"]) for q in package_index.queries) == [
        ("azure-monitor-opentelemetry", "1.8.1"), ("django", "5.2.1"), ("gunicorn", "23.0.0"), ("psycopg", "3.3.1"), ("whitenoise", "6.6.0")]
    python_days, postgresql_days = days_left(PYTHON_311_EOL), days_left(POSTGRESQL_15_EOL)
    assert report["figures"] == {"python_end_of_life_days": python_days, "postgresql_end_of_life_days": postgresql_days,
                                 "packages_outdated": 2, "vulnerabilities": 1}
    expected = {"pass": 180, "warn": 0}
    for check, days in (("python-runtime", python_days), ("postgresql-version", postgresql_days)):
        assert checks[check]["verdict"] == next((v for v, floor in expected.items() if days >= floor), "fail"), checks[check]
    assert "Newer on App Service: PYTHON|3.14 (end of life 2030-10-31), PYTHON|3.13" in checks["python-runtime"]["detail"]
    assert "Newer in westeurope: 17, 16." in checks["postgresql-version"]["detail"]


def test_updates_warn_before_end_of_life_and_say_why_pip_audit_could_not_tell(stack, azsim, package_index):
    """100 days before Python 3.11's end of life (111 before PostgreSQL 15's) both warn and name the way to move; pip-audit's
    default service, PyPI, is out of reach from azsim's sandbox: not evaluated, in pip-audit's own words. Warnings only:
    the job succeeds."""
    offset = days_left(PYTHON_311_EOL, 100)
    mark = azsim.last_seq()
    with clock_moved(azsim, offset * 86400):
        rc, out, writes, report = updates(stack, "-e", f"maintain_package_index_url={package_index.url}", clock=f"{offset:+d}d")
    assert rc == 0 and report, out[-4000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert checks["python-runtime"]["verdict"] == "warn" and checks["python-runtime"]["measured"].endswith("(100 days)"), checks["python-runtime"]
    assert "staging slot" in checks["python-runtime"]["detail"] and "playbooks/release.yml" in checks["python-runtime"]["detail"]
    assert checks["postgresql-version"]["verdict"] == "warn" and checks["postgresql-version"]["measured"].endswith("(111 days)")
    vulns = checks["vulnerabilities"]
    assert vulns["verdict"] == "not_evaluated" and vulns["measured"] == "not evaluated", vulns
    assert "host='pypi.org'" in vulns["detail"] and "Tunnel connection failed: 403 Forbidden" in vulns["detail"], vulns
    assert report["figures"]["vulnerabilities"] == "not evaluated" and report["figures"]["packages_outdated"] == 2
    # The summary a person reads (the callback folds long lines).
    assert "WARN Python runtime end of life (App Service): PYTHON|3.11: end of life 2027-10-31 (100 days)" in " ".join(out.split()), out[-3000:]


def test_updates_fail_past_end_of_life_and_name_the_unreachable_index(stack, azsim):
    """Ten days after PostgreSQL 15's end of life (21 after Python 3.11's) both fail the job; the default index, PyPI, is out
    of reach from azsim's sandbox: the packages are not evaluated, with the error the request met."""
    offset = days_left(POSTGRESQL_15_EOL, -10)
    mark = azsim.last_seq()
    with clock_moved(azsim, offset * 86400):
        rc, out, writes, report = updates(stack, clock=f"{offset:+d}d")
    assert rc != 0 and report, out[-4000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert checks["python-runtime"]["verdict"] == "fail" and checks["python-runtime"]["measured"].endswith("(-21 days)")
    assert "App Service marks it deprecated." in checks["python-runtime"]["detail"]  # azsim's clock is past the date too
    assert checks["postgresql-version"]["verdict"] == "fail" and checks["postgresql-version"]["measured"].endswith("(-10 days)")
    assert re.search(r"failed: Python runtime end of life .*; PostgreSQL major version support", out), out[-3000:]
    packages = checks["packages"]
    assert packages["verdict"] == "not_evaluated" and packages["measured"] == "5 packages not evaluated", packages
    assert packages["detail"].startswith("https://pypi.org/simple/: ") and "Tunnel connection failed: 403 Forbidden" in packages["detail"]
    assert checks["vulnerabilities"]["verdict"] == "not_evaluated"
    assert report["figures"]["packages_outdated"] == "not evaluated"


# -- Monthly: restore drills --------------------------------------------------------------------------------------------


# -- Quarterly: archive and cost review ---------------------------------------------------------------------------------


# -- Quarterly: secret rotation (last: it changes the secrets every later test would use) --------------------------------
