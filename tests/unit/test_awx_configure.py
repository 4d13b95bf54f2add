"""playbooks/awx_configure.yml without an AWX: every awx.awx task's arguments, rendered with the play's variables, pass the
argument validation the awx.awx module itself runs (its argument_spec and rules, captured from the installed collection
that `make bootstrap` unpacks into .make/collections), and every schedule's RRULE is accepted the way AWX parses and
validates it (dateutil's rrulestr with forceset, plus the API's own restrictions), with its next occurrences printed."""

from __future__ import annotations

import datetime
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".make" / "collections"
PLAYBOOK = ROOT / "playbooks" / "awx_configure.yml"
ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000001", "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000002",
       "AZURE_TENANT": "00000000-0000-0000-0000-000000000003", "AZURE_SECRET": "a-test-secret"}
RULE_KEYS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


# Run in a process of its own: there Ansible's collection loader is the first to import ``ansible_collections`` (in this
# process another test may have imported it as a plain namespace package, which hides awx.awx).
CAPTURE = r"""
import pickle, sys
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader([sys.argv[1]])
import importlib
api = importlib.import_module("ansible_collections.awx.awx.plugins.module_utils.controller_api")

class Captured(Exception):
    pass

def capture(self, argument_spec=None, **kwargs):
    spec = dict(argument_spec or {})
    spec.update(api.ControllerModule.AUTH_ARGSPEC)
    raise Captured(spec, {k: v for k, v in kwargs.items() if k in sys.argv[2].split(",")})

api.ControllerAPIModule.__init__ = capture
out = {}
for name in sys.argv[3:]:
    mod = importlib.import_module("ansible_collections.awx.awx.plugins.modules." + name)
    try:
        mod.main()
    except Captured as found:
        out[name] = found.args
sys.stdout.buffer.write(pickle.dumps(out))
"""
MODULES = ("organization", "execution_environment", "project", "credential", "inventory", "inventory_source", "notification_template",
           "job_template", "workflow_job_template", "schedule")


@pytest.fixture(scope="module")
def specs():
    """{module: (argument_spec, validation rules)} of the awx.awx modules, as each module's main() builds them."""
    assert (COLLECTIONS / "ansible_collections" / "awx" / "awx" / "MANIFEST.json").exists(), "run `make awx-collection` (part of make bootstrap)"
    proc = subprocess.run([sys.executable, "-c", CAPTURE, str(COLLECTIONS), ",".join(RULE_KEYS), *MODULES], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    found = pickle.loads(proc.stdout)  # noqa: S301 - our own child process's output
    assert set(found) == set(MODULES)
    return found


def trusted(value):
    """The playbook's strings as ansible-playbook loads them: trusted as templates (ansible-core 2.19 renders no others)."""
    from ansible.template import trust_as_template

    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return value


@pytest.fixture(scope="module")
def play():
    with open(PLAYBOOK, encoding="utf-8") as f:
        return trusted(yaml.safe_load(f)[0])


@pytest.fixture(scope="module")
def templar(play):
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader
    from ansible.template import Templar

    init_plugin_loader([])  # the builtin lookups (env) the play's variables use

    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    t = Templar(loader=DataLoader(), variables=dict(play["vars"]))
    rendered = t.template(play["vars"])
    yield lambda value, **extra: Templar(loader=DataLoader(), variables={**rendered, **extra}).template(value)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def awx_tasks(play, templar):
    """(task name, module name, rendered arguments) for each awx.awx task, one per loop item."""
    for task in play["tasks"]:
        module = next((k for k in task if k.startswith("awx.awx.")), None)
        if module is None:
            continue
        items = templar(task["loop"]) if "loop" in task else [None]
        for item in items:
            extra = {"item": item} if item is not None else {}
            args = templar(task[module], **extra)
            yield task["name"], module.split(".")[-1], {k: v for k, v in args.items() if v is not None}


def validate(specs, name, args):
    spec, rules = specs[name]
    return ArgumentSpecValidator(spec, **rules).validate(args).error_messages


def test_every_awx_task_passes_its_modules_argument_validation(play, templar, specs):
    checked = set()
    for task, name, args in awx_tasks(play, templar):
        errors = validate(specs, name, args)
        assert not errors, f"{task} (awx.awx.{name}): {errors}"
        checked.add(name)
    assert checked == {"organization", "execution_environment", "project", "credential", "inventory", "inventory_source",
                       "notification_template", "job_template", "workflow_job_template", "schedule"}


def test_the_validation_refuses_what_awx_would(specs):
    """The check above can fail: a value outside a module's choices, or an unknown option, is refused by name."""
    errors = validate(specs, "execution_environment", {"name": "ee", "image": "registry.example.com/ee:1", "pull": "sometimes"})
    assert any("pull" in e for e in errors)
    errors = validate(specs, "job_template", {"name": "x", "playbook": "p.yml", "job_slices": 3})
    assert any("job_slices" in e for e in errors)


def test_templates_workflow_and_credential_as_the_issue_wants(play, templar):
    tasks = list(awx_tasks(play, templar))
    templates = [a for t, n, a in tasks if n == "job_template"]
    by_name = {a["name"]: a for a in templates}
    assert by_name["ERP deploy - plan"]["job_type"] == "check" and by_name["ERP deploy - plan"]["diff_mode"] is True
    assert {a["playbook"] for a in templates} == {"playbooks/deploy.yml", "playbooks/release.yml", "playbooks/audit.yml"} | {
        f"playbooks/maintain_{c}.yml" for c in ("daily", "weekly", "monthly", "quarterly")}
    assert all(a["credentials"] == ["Azure - erpops deployer"] and a["use_fact_cache"] is False for a in templates)
    for playbook in {a["playbook"] for a in templates}:
        assert (ROOT / playbook).exists(), playbook
    credential = next(a for t, n, a in tasks if n == "credential")
    assert credential["credential_type"] == "Microsoft Azure Resource Manager"
    assert credential["inputs"] == {"subscription": ENV["AZURE_SUBSCRIPTION_ID"], "client": ENV["AZURE_CLIENT_ID"],
                                    "tenant": ENV["AZURE_TENANT"], "secret": ENV["AZURE_SECRET"]}
    assert next(t for t in play["tasks"] if "awx.awx.credential" in t)["no_log"] is True
    source = next(a for t, n, a in tasks if n == "inventory_source")
    assert source["source"] == "scm" and (ROOT / source["source_path"]).exists()
    workflow = next(a for t, n, a in tasks if n == "workflow_job_template")
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    assert nodes["plan"]["unified_job_template"]["name"] == "ERP deploy - plan"
    assert nodes["approve"]["unified_job_template"]["type"] == "workflow_approval"
    assert nodes["plan"]["related"]["success_nodes"] == [{"identifier": "approve"}]
    assert nodes["approve"]["related"]["success_nodes"] == [{"identifier": "deploy"}]
    assert nodes["deploy"]["unified_job_template"]["name"] == "ERP deploy"


# -- schedules, as AWX's API validates them (awx/api/serializers.py SchedulePreviewSerializer.validate_rrule) -------------
DTSTART = re.compile(r"DTSTART(;TZID=(?P<tz>[^:]+))?:(?P<at>\d{8}T\d{6})(?P<z>Z?)")


def awx_rrule_problems(rrule):
    problems = []
    starts = DTSTART.findall(rrule)
    if len(re.findall(r"DTSTART", rrule)) != 1:
        problems.append("exactly one DTSTART")
    elif not (starts[0][1] or starts[0][3]):
        problems.append("DTSTART needs a TZID or a UTC time (Z)")
    rules = re.findall(r"RRULE:(\S+)", rrule)
    if not rules:
        problems.append("at least one RRULE")
    if re.search(r"\b(RDATE|EXDATE)\b", rrule):
        problems.append("no RDATE or EXDATE")
    for rule in rules:
        if "INTERVAL=" not in rule:
            problems.append("INTERVAL in every rule")
        if "FREQ=SECONDLY" in rule:
            problems.append("no SECONDLY")
        if re.search(r"BYDAY=[^;]*[+-]?\d", rule):
            problems.append("no numbered BYDAY (use BYSETPOS)")
        if "COUNT=" in rule and "UNTIL=" in rule:
            problems.append("COUNT or UNTIL, not both")
    return problems


def occurrences(rrule, after, count=3):
    from dateutil import rrule as du

    rset = du.rrulestr(rrule, forceset=True)
    out, t = [], after
    for _i in range(count):
        t = rset.after(t)
        out.append(t)
    return out


def test_schedules_parse_as_awx_parses_them_on_the_guides_cadence(play, templar):
    schedules = {a["name"]: a["rrule"] for t, n, a in awx_tasks(play, templar) if n == "schedule"}
    assert set(schedules) == {"ERP maintenance - daily", "ERP maintenance - weekly", "ERP maintenance - monthly",
                              "ERP maintenance - quarterly", "ERP audit - quarterly"}
    paris = ZoneInfo("Europe/Paris")
    after = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=paris)
    upcoming = {}
    for name, rrule in sorted(schedules.items()):
        assert awx_rrule_problems(rrule) == [], (name, rrule)
        assert "TZID=Europe/Paris" in rrule
        upcoming[name] = occurrences(rrule, after)
        print(f"{name:30} {rrule}\n{'':30} next: " + ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in upcoming[name]))
    daily = upcoming["ERP maintenance - daily"]
    assert [t.date() for t in daily] == [datetime.date(2027, 3, d) for d in (2, 3, 4)] and daily[0].hour == 6
    assert all(t.weekday() == 0 for t in upcoming["ERP maintenance - weekly"])
    assert [(t.month, t.day, t.hour) for t in upcoming["ERP maintenance - monthly"]] == [(4, 1, 3), (5, 1, 3), (6, 1, 3)]
    assert [(t.month, t.day, t.hour) for t in upcoming["ERP maintenance - quarterly"]] == [(4, 1, 2), (7, 1, 2), (10, 1, 2)]
    assert [(t.month, t.day) for t in upcoming["ERP audit - quarterly"]] == [(4, 2), (7, 2), (10, 2)]
    # Summer time: 02:00 in Paris stays 02:00 local (00:00 UTC in July), as AWX runs a TZID schedule.
    assert upcoming["ERP maintenance - quarterly"][1].utcoffset() == datetime.timedelta(hours=2)


def test_the_rrule_checks_refuse_what_awx_refuses():
    assert awx_rrule_problems("DTSTART:20270101T060000 RRULE:FREQ=DAILY;INTERVAL=1") == ["DTSTART needs a TZID or a UTC time (Z)"]
    assert awx_rrule_problems("DTSTART;TZID=Europe/Paris:20270101T060000 RRULE:FREQ=MONTHLY;BYDAY=1SU") == [
        "INTERVAL in every rule", "no numbered BYDAY (use BYSETPOS)"]
