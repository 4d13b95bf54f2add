"""The monthly update check's package logic: requirements as pip reads them, index pages (PEP 691 JSON as PyPI serves it,
PEP 503 HTML as pypiserver does) judged as pip chooses versions (PEP 440 order, pre-releases and yanked files left out,
requires-python honoured), and pip-audit's JSON report or its failure."""

import json
import os

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.filter.packages import behind, index_files, package_updates, pip_audit_report, python_requirements
from packaging.version import Version

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
ERP_REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(FIXTURES)), "..", "examples", "erp_app", "requirements.txt")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def json_page(body):
    """What ansible.builtin.uri returns for a PEP 691 answer (it parses +json content types into ``json``)."""
    return {"status": 200, "content_type": "application/vnd.pypi.simple.v1+json", "json": body}


def html_page(anchors):
    return {"status": 200, "content_type": "text/html; charset=UTF-8",
            "content": "<!DOCTYPE html><html><body><h1>Links</h1>" + "".join(anchors) + "</body></html>"}


def file(name, requires_python=None, yanked=False):
    return {"filename": name, "url": "https://files.example/" + name, "hashes": {}, "requires-python": requires_python, "yanked": yanked}


# -- requirements ---------------------------------------------------------------------------------------------------------


def test_the_sample_erps_requirements_are_read_as_pip_reads_them():
    with open(ERP_REQUIREMENTS, encoding="utf-8") as f:
        reqs = python_requirements(f.read(), "3.11")
    assert [r["name"] for r in reqs] == ["django", "psycopg", "gunicorn", "whitenoise", "azure-monitor-opentelemetry"]
    psycopg = reqs[1]
    assert psycopg["extras"] == ["binary"] and psycopg["pinned"] is None and psycopg["error"] is None
    assert psycopg["requirement"] == "psycopg[binary]>=3.2,<4"


def test_pins_comments_continuations_options_markers_and_urls():
    text = "\n".join([
        "# a comment", "--index-url https://pypi.example/simple/", "Django==5.2.1  # pinned", "gunicorn==23.0.0 \\",
        "    --hash=sha256:0123", "-r base.txt", "Whitenoise==6.*", "tomli>=2; python_version < '3.11'",
        "exceptiongroup; python_version >= '3.11'", "mypkg @ https://example.org/mypkg-1.0.tar.gz", "django>=4",
        "not a requirement!"])
    reqs = {r["project"]: r for r in python_requirements(text, "3.11")}
    assert reqs["Django"]["name"] == "django" and reqs["Django"]["pinned"] == "5.2.1"
    assert reqs["gunicorn"]["pinned"] == "23.0.0"  # the hash on the continuation line is an option, not part of the version
    assert reqs["base.txt"]["error"].startswith("includes another file")
    assert reqs["Whitenoise"]["pinned"] is None  # a wildcard is a range
    assert "tomli" not in reqs and reqs["exceptiongroup"]["error"] is None  # markers evaluated for Python 3.11 on Linux
    assert "direct URL" in reqs["mypkg"]["error"]
    assert "not a valid requirement" in reqs["not a requirement!"]["error"]
    assert sum(1 for r in reqs.values() if r["name"] == "django") == 1  # the first line for a project wins


# -- version ordering -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("current, latest, expected", [
    ("5.2.1", "6.0", "major"), ("5.2.1", "5.3.0", "minor"), ("5.2.1", "5.2.19", "patch"), ("5.2", "5.2.1", "patch"),
    ("5.2.1", "5.2.1.post1", "patch"), ("5.2.10", "5.2.9", None), ("1!1.0", "2.0", None), ("6.0", "6.0.0", None)])
def test_how_far_behind_in_pep_440_order(current, latest, expected):
    assert behind(Version(current), Version(latest)) == expected


# -- index pages ----------------------------------------------------------------------------------------------------------


def test_pypis_pep_691_answer_for_django_on_python_3_11():
    """A recorded (trimmed) answer of https://pypi.org/simple/django/: 5.0.5 is yanked, 6.x needs Python 3.12, 6.1rc1 is a
    pre-release."""
    page = json_page(json.loads(fixture("pypi_simple_django.json")))
    pinned, ranged, yanked = package_updates(
        python_requirements("django==5.0.6\n", "3.11") + [{"name": "django", "requirement": "django>=5.2,<5.3", "specifier": "<5.3,>=5.2",
                                                           "pinned": None, "error": None},
                                                          {"name": "django", "requirement": "django==5.0.5", "specifier": "==5.0.5",
                                                           "pinned": "5.0.5", "error": None}],
        {"django": page}, "3.11")
    assert pinned["current"] == "5.0.6" and pinned["latest"] == "5.2.19" and pinned["behind"] == "minor" and pinned["outdated"]
    assert pinned["newest"] == "6.1.3" and pinned["newest_requires_python"] == ">=3.12"
    assert ranged["current"] == "5.2.19" and ranged["latest"] == "5.2.19" and not ranged["outdated"]
    assert yanked["current"] == "5.0.5" and yanked["yanked"].startswith("Release files have Windows end-of-line")
    on_312 = package_updates(python_requirements("django==5.0.6\n"), {"django": page}, "3.12")[0]
    assert on_312["latest"] == "6.1.3" and on_312["behind"] == "major" and on_312["newest"] is None


def test_pypiservers_pep_503_html_with_yanked_files_and_requires_python():
    page = html_page([
        '<a href="../../packages/whitenoise-6.6.0-py3-none-any.whl#sha256=aa">whitenoise-6.6.0-py3-none-any.whl</a><br>',
        '<a href="../../packages/whitenoise-6.9.0.tar.gz#sha256=bb">whitenoise-6.9.0.tar.gz</a><br>',
        '<a href="../../packages/whitenoise-7.0.0.tar.gz" data-yanked="broken upload">whitenoise-7.0.0.tar.gz</a><br>',
        '<a href="../../packages/whitenoise-7.0.1.tar.gz" data-yanked="">whitenoise-7.0.1.tar.gz</a><br>',
        '<a href="../../packages/whitenoise-7.1.0.tar.gz" data-requires-python="&gt;=3.12">whitenoise-7.1.0.tar.gz</a><br>',
        '<a href="../../packages/whitenoise-8.0.0b1.tar.gz">whitenoise-8.0.0b1.tar.gz</a><br>',
        '<a href="../../packages/whitenoise-9.0.0-py3.11.egg">whitenoise-9.0.0-py3.11.egg</a><br>'])
    files, error = index_files(page)
    assert error is None and len(files) == 7 and files[2]["yanked"] == "broken upload" and files[3]["yanked"] is True
    assert files[4]["requires-python"] == ">=3.12"
    result = package_updates(python_requirements("whitenoise>=6.6,<7\n"), {"whitenoise": page}, "3.11")[0]
    # 7.0.x yanked, 7.1.0 needs 3.12, 8.0.0b1 a pre-release, eggs not for pip: the latest for 3.11 is 6.9.0
    assert (result["current"], result["latest"], result["newest"], result["outdated"]) == ("6.9.0", "6.9.0", "7.1.0", False)
    unpinned = package_updates(python_requirements("whitenoise\n"), {"whitenoise": page}, "3.12")[0]
    assert unpinned["current"] == "7.1.0" and not unpinned["outdated"]


def test_pre_releases_only_when_the_requirement_names_one():
    page = json_page({"meta": {"api-version": "1.0"}, "name": "gunicorn",
                      "files": [file("gunicorn-23.0.0.tar.gz"), file("gunicorn-24.0.0rc1.tar.gz"), file("gunicorn-24.0.0.dev3.tar.gz")]})
    stable, pre = package_updates(python_requirements("gunicorn>=23\n") + python_requirements("gunicorn>=24.0.0rc1\n"),
                                  {"gunicorn": page}, "3.11")
    assert stable["current"] == "23.0.0" and stable["latest"] == "23.0.0" and not stable["outdated"]
    assert pre["current"] == "24.0.0rc1" and pre["latest"] == "23.0.0"


def test_a_version_with_one_file_left_is_not_yanked():
    page = json_page({"meta": {"api-version": "1.1"}, "name": "psycopg",
                      "files": [file("psycopg-3.3.0.tar.gz", yanked="bad sdist"), file("psycopg-3.3.0-py3-none-any.whl"),
                                file("psycopg-3.4.0.tar.gz", yanked=True), file("psycopg-3.4.0-py3-none-any.whl", yanked=True)]})
    result = package_updates(python_requirements("psycopg[binary]==3.2.0\n"), {"psycopg": page}, "3.11")[0]
    assert result["latest"] == "3.3.0" and result["behind"] == "minor"
    assert result["error"] == "the pinned version 3.2.0 is not on the index"


@pytest.mark.parametrize("page, error", [
    ({"status": 404, "msg": "HTTP Error 404: Not Found"}, "not on the index (HTTP 404)"),
    ({"status": -1, "msg": "Status code was -1 and not [200]: Request failed: <urlopen error Tunnel connection failed: 403 Forbidden>"},
     "Status code was -1 and not [200]: Request failed: <urlopen error Tunnel connection failed: 403 Forbidden>"),
    ({"status": 503, "msg": "Service Unavailable"}, "HTTP 503: Service Unavailable"),
    (json_page({"meta": {"api-version": "2.0"}, "files": []}), "the index answered PEP 691 api-version 2.0, this check reads 1.x"),
    ({"status": 200, "content_type": "application/octet-stream", "content": "x"},
     "the index answered application/octet-stream, neither PEP 691 JSON nor PEP 503 HTML"),
    (json_page({"meta": {"api-version": "1.0"}, "files": [file("other-1.0.tar.gz")]}), "the index lists no installable file of django"),
    (json_page({"meta": {"api-version": "1.0"}, "files": [file("django-4.0.tar.gz")]}),
     "no release on the index satisfies django>=5 for Python 3.11"),
    (None, "no answer from the index")])
def test_what_the_index_could_not_tell_is_said(page, error):
    result = package_updates(python_requirements("django>=5\n"), {"django": page}, "3.11")[0]
    assert result["error"] == error and result["current"] is None and not result["outdated"]


def test_json_given_as_text_is_read_too():
    page = {"status": 200, "content_type": "application/vnd.pypi.simple.v1+json",
            "content": json.dumps({"meta": {"api-version": "1.1"}, "files": [file("django-5.2.2.tar.gz")]})}
    assert package_updates(python_requirements("django==5.2.1\n"), {"django": page}, "3.11")[0]["latest"] == "5.2.2"
    with pytest.raises(AnsibleFilterError):
        package_updates("django", {})


# -- pip-audit ------------------------------------------------------------------------------------------------------------


def test_pip_audits_json_report_of_a_vulnerable_pin():
    """Recorded: pip-audit 2.10.1 -r <pins> --no-deps --disable-pip --format json against an OSV query service."""
    report = pip_audit_report({"rc": 1, "stdout": fixture("pip_audit_vulnerable.json"), "stderr": "WARNING:pip_audit._cli:--no-deps is supported"})
    assert report["evaluated"] and report["error"] is None and report["audited"] == 2
    assert report["vulnerabilities"] == [{"name": "django", "version": "5.2.1", "id": "CVE-2025-48432", "aliases": ["LOCAL-1"],
                                          "fix_versions": ["5.2.2"], "description": "Potential log injection"}]
    clean = pip_audit_report({"rc": 0, "stdout": json.dumps({"dependencies": [{"name": "gunicorn", "version": "23.0.0", "vulns": []},
                                                                              {"name": "mypkg", "skip_reason": "could not find"}],
                                                             "fixes": []})})
    assert clean["evaluated"] and clean["vulnerabilities"] == [] and clean["skipped"] == [{"name": "mypkg", "reason": "could not find"}]


def test_pip_audit_failures_say_why_in_its_own_words():
    refused = pip_audit_report({"rc": 1, "stdout": "", "stderr": fixture("pip_audit_proxy_refused.stderr")})
    assert not refused["evaluated"]
    assert refused["error"].startswith("requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443)")
    assert refused["error"].endswith("Tunnel connection failed: 403 Forbidden')))")
    missing = pip_audit_report({"rc": 1, "stdout": "", "stderr": "/usr/bin/python3: No module named pip_audit\n"})
    assert missing["error"] == "pip-audit is not installed in the controller's Python (pip install pip-audit)"
    unpinned = pip_audit_report({"rc": 1, "stdout": "", "stderr": "WARNING:pip_audit._cli:x\nERROR:pip_audit._cli:requirement django is not pinned"})
    assert unpinned["error"] == "requirement django is not pinned"
    assert pip_audit_report({"rc": -9, "msg": "Timeout exceeded"})["error"] == "Timeout exceeded"
