"""Releases of the sample ERP through the staging slot, against azsim: the modules' targets (web_app_zip_deploy,
web_app_command, role_release), then playbooks/release.yml on a stack built with the collection's roles (plan S1, web app
and staging slot, flexible server with the ERP database, a custom domain with its managed certificate).

The release runs the way an operator runs it: zip deploy through Kudu with the deployer's Entra token, migrate and the
superuser from the staging slot, warm-up and gate on /health/, swap with preview, checks on every host name. Then: a
re-run changes nothing; a release whose health check fails is never swapped; a release that only breaks on the custom
domain is swapped back; a thread reads production every 100 ms throughout both and no request may fail.
"""

import hashlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

import pytest
import requests

from . import requestlog

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ERP_APP = os.path.join(ROOT, "examples", "erp_app")
WRITE_EXEMPT = re.compile(r"/oauth2|/list|/api/deployments")
FIGURES = {}


# The stack and the first release are built by module fixtures inside the first tests: minutes on two busy cores.
pytestmark = pytest.mark.timeout(900)


# -- the modules' and the role's targets (the release's stack is built meanwhile, see stack_building) -----------------
def test_web_app_zip_deploy(run_target, stack_building):
    run_target("web_app_zip_deploy")


def test_web_app_health(run_target, stack_building):
    run_target("web_app_health")


def test_web_app_command_keeps_its_secret_at_vvv(run_target, stack_building):
    secret = "Wc-" + uuid.uuid4().hex
    _report, output = run_target("web_app_command", extra_vars={"wc_secret": secret}, verbosity=3)
    assert "ESTABLISH LOCAL CONNECTION FOR USER" in output  # -vvv really was on
    assert secret not in output


def test_role_release_refusals_and_check_mode(run_target, stack_building):
    report = run_target("role_release", expect_failure=True)
    failed = [t["name"] for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert [name.split(" : ", 1)[-1].split(" - ")[0] for name in failed] == [
        "Check the release role's variables", "Check the release role's variables",
        "Validating arguments against arg spec 'main'"], failed
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]


# -- playbooks against the session's azsim --------------------------------------------------------------------------
def module_env(azsim):
    """AWX's Azure credential variables, and azsim's proxy and CA for the real host names."""
    p = azsim.principal("deployer")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy", "ANSIBLE_"))}
    env.update({"AZURE_SUBSCRIPTION_ID": azsim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_SECRET": p["client_secret"],
                "AZURE_TENANT": azsim.tenant, "REQUESTS_CA_BUNDLE": azsim.ca, "NO_PROXY": "127.0.0.1,localhost",
                "HTTPS_PROXY": azsim.info["proxy"]})
    return env


@pytest.fixture(scope="module")
def play(azsim, collections_path, tmp_path_factory):
    """Run a playbook on an inventory whose `erp` group is this machine; returns (rc, output, report, writes, seconds).
    ``play.start`` runs one in the background and returns a function that waits for it and returns the same."""
    workdir = tmp_path_factory.mktemp("release")
    (workdir / "hosts.yml").write_text(json.dumps({"erp": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    runs = []

    def start(playbook, extra_vars, verbosity=0):
        runs.append(playbook)
        report_path = workdir / f"report-{len(runs)}.json"
        vars_path = workdir / f"vars-{len(runs)}.json"
        vars_path.write_text(json.dumps(extra_vars))
        env = module_env(azsim)
        env.update({"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
                    "ANSIBLE_CALLBACKS_ENABLED": "it_report", "IT_REPORT": str(report_path), "ANSIBLE_LOCALHOST_WARNING": "false",
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "false"})
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(workdir / "hosts.yml"), playbook,
                "-e", f"@{vars_path}"]
        if verbosity:
            argv.append("-" + "v" * verbosity)
        mark = azsim.last_seq()
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=str(workdir))  # noqa: S603

        def wait():
            out = proc.communicate(timeout=600)[0]
            elapsed = time.monotonic() - started
            report = json.loads(report_path.read_text()) if report_path.exists() else []
            writes = requestlog.writes(azsim.requests_since(mark), WRITE_EXEMPT)
            return proc.returncode, out, report, writes, elapsed

        wait.proc = proc
        return wait

    def run(playbook, extra_vars, verbosity=0):
        return start(playbook, extra_vars, verbosity)()

    run.start = start
    run.workdir = workdir
    return run


def task(report, suffix):
    """The report entries of the role's task whose name ends with ``suffix``."""
    return [t for t in report if t["name"].endswith(suffix)]


def browser(azsim):
    s = requests.Session()
    s.trust_env = False
    s.proxies = {"https": azsim.info["proxy"]}
    s.verify = azsim.ca
    return s


def health(azsim, host):
    r = browser(azsim).get(f"https://{host}/health/", timeout=60)
    return r.status_code, (r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text)


def served_certificate_sha1(azsim, host):
    """The SHA-1 thumbprint of the certificate the front door presents for ``host`` (through azsim's proxy)."""
    proxy = urlparse(azsim.info["proxy"])
    sock = socket.create_connection((proxy.hostname, proxy.port), timeout=30)
    sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert b" 200" in head.split(b"\r\n", 1)[0], head
    with ssl.create_default_context(cafile=azsim.ca).wrap_socket(sock, server_hostname=host) as tls:
        return hashlib.sha1(tls.getpeercert(binary_form=True)).hexdigest().upper()  # noqa: S324 - Azure's thumbprint is SHA-1


class Probe:
    """Production read every 100 ms from a thread, as a user would during a release."""

    def __init__(self, azsim, urls):
        self.session = browser(azsim)
        self.urls = urls
        self.answers = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for url in self.urls:
                started = time.monotonic()
                try:
                    r = self.session.get(url, timeout=60)
                    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                    self.answers.append((url, r.status_code, body.get("version"), time.monotonic() - started))
                except (requests.RequestException, ValueError) as exc:
                    self.answers.append((url, None, repr(exc), time.monotonic() - started))
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=90)

    def failures(self):
        return [a for a in self.answers if a[1] != 200]

    def versions(self):
        return {a[2] for a in self.answers if a[1] == 200}  # a body counts only when its status does

    def summary(self):
        return {"requests": len(self.answers), "failed": len(self.failures()),
                "max_latency_s": round(max((a[3] for a in self.answers), default=0.0), 2)}


def copy_app(tmp_path, name):
    dest = tmp_path / name
    shutil.copytree(ERP_APP, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "staticfiles", "db.sqlite3"))
    return dest


# -- the stack and the releases --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack_building(azsim, play):
    """Start building the stack in the background (the targets run meanwhile); ``stack`` waits for it."""
    suffix = uuid.uuid4().hex[:6]
    names = {"rr_resource_group": f"it-release-{suffix}-rg", "rr_plan": f"it-release-{suffix}-plan", "rr_server": f"it-release-{suffix}-pg",
             "rr_web_app": f"it-release-{suffix}", "rr_zone": f"release-{suffix}.example.com", "rr_custom_host": f"www.release-{suffix}.example.com",
             "rr_db_password": "Pg1-" + uuid.uuid4().hex, "rr_secret_key": uuid.uuid4().hex + uuid.uuid4().hex}
    setup = play.workdir / "setup.yml"
    setup.write_text("- name: Build what a release needs\n  hosts: erp\n  gather_facts: false\n  tasks:\n"
                     "    - name: Create the stack\n      ansible.builtin.include_tasks: "
                     + os.path.join(HERE, "targets", "role_release", "tasks", "setup.yml") + "\n")
    wait = play.start(str(setup), names)
    yield names, wait
    if wait.proc.poll() is None:
        wait.proc.kill()
        wait.proc.communicate()


@pytest.fixture(scope="module")
def stack(azsim, stack_building):
    names, wait = stack_building
    rc, out, _report, _writes, elapsed = wait()
    assert rc == 0, out[-5000:]
    FIGURES["setup_s"] = round(elapsed, 1)
    names["release_vars"] = {
        "release_resource_group": names["rr_resource_group"], "release_web_app_name": names["rr_web_app"],
        "release_verify_hostnames": [names["rr_custom_host"]], "release_ca_path": azsim.ca,
        "release_superuser_username": "erpadmin", "release_superuser_email": "ops@example.com",
        "release_superuser_password": "Su-" + uuid.uuid4().hex,
        # Failing releases give up sooner than the defaults (120 s at the gate, 60 s on production).
        "release_health_timeout": 40, "release_health_delay": 1, "release_verify_timeout": 8, "release_verify_delay": 1}
    names["host"] = f"{names['rr_web_app']}.azurewebsites.net"
    return names


def release(play, stack, verbosity=0, **overrides):
    return play(os.path.join(ROOT, "playbooks", "release.yml"), dict(stack["release_vars"], **overrides), verbosity=verbosity)


def database(azsim, stack):
    import psycopg

    endpoint = azsim.admin("GET", "endpoints")[f"{stack['rr_server']}.postgres.database.azure.com"]
    address, port = endpoint.split(":")
    return psycopg.connect(host=f"{stack['rr_server']}.postgres.database.azure.com", hostaddr=address, port=int(port), dbname="erp",
                           user="erpadmin", password=stack["rr_db_password"], sslmode="verify-full", sslrootcert=azsim.ca,
                           connect_timeout=10, autocommit=True)


def released_id(output):
    line = next(x for x in output.splitlines() if "Production runs release" in x)
    return line.split("Production runs release ", 1)[1].split()[0].rstrip(":")


@pytest.fixture(scope="module")
def first(azsim, play, stack):
    """The first release, at -vvv: everything happens once."""
    rc, out, report, _writes, elapsed = release(play, stack, verbosity=3)
    assert rc == 0, out[-6000:]
    FIGURES["first_release_s"] = round(elapsed, 1)
    FIGURES["first_swap_s"] = round(task(report, "Swap staging into production")[0]["duration"], 2)
    return {"id": released_id(out), "output": out, "report": report, "started": time.time() - elapsed}


def test_first_release_serves_the_new_version_on_every_host_name(azsim, stack, first):
    assert "ESTABLISH LOCAL CONNECTION FOR USER" in first["output"]
    assert stack["release_vars"]["release_superuser_password"] not in first["output"]
    assert stack["rr_db_password"] not in first["output"]
    with database(azsim, stack) as conn:
        conn.execute("INSERT INTO inventory_product (sku, name, unit_price, stock_quantity, reorder_level, active, created_at, updated_at) "
                     "VALUES ('MILK-1L', 'Milk 1 L', 1.15, 40, 10, true, now(), now())")
    for host in (stack["host"], stack["rr_custom_host"]):
        status, body = health(azsim, host)
        assert status == 200 and body["version"] == first["id"] and body["database"] == "ok", (host, status, body)
        assert body["products"] == 1, body  # read from PostgreSQL, through the app
    # The custom domain presents its App Service managed certificate (SNI binding), not a certificate made up for the name.
    s = azsim.session("direct")
    certs = s.get(f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{stack['rr_resource_group']}"
                  "/providers/Microsoft.Web/certificates", params={"api-version": "2024-11-01"}).json()["value"]
    managed = [c for c in certs if c["properties"].get("canonicalName") == stack["rr_custom_host"]]
    assert len(managed) == 1
    assert served_certificate_sha1(azsim, stack["rr_custom_host"]) == managed[0]["properties"]["thumbprint"].upper()
    # Staging now holds what production ran before (nothing yet: the default page).
    assert "waiting for your content" in browser(azsim).get(f"https://{stack['rr_web_app']}-staging.azurewebsites.net/", timeout=60).text


def test_first_release_migrated_once_and_created_the_superuser_once(azsim, stack, first):
    report = first["report"]
    migrate = task(report, "Apply the database migrations from the staging slot")
    assert [(t["status"], t["changed"]) for t in migrate] == [("ok", True)]
    assert [(t["status"], t["changed"]) for t in task(report, "Create the superuser")] == [("ok", True)]
    with database(azsim, stack) as conn:
        rows = conn.execute("SELECT app, name, count(*), min(applied) FROM django_migrations GROUP BY app, name").fetchall()
        assert ("inventory", "0001_initial") in {(r[0], r[1]) for r in rows}
        assert all(r[2] == 1 for r in rows), rows
        # Applied during this release, by its one migrate (no instance migrated at start-up before or after it).
        assert all(r[3].timestamp() >= first["started"] - 5 for r in rows), rows
        users = conn.execute("SELECT username, is_superuser, email FROM auth_user").fetchall()
    assert users == [("erpadmin", True, "ops@example.com")]


def test_second_release_of_the_same_code_changes_nothing(azsim, play, stack, first):
    rc, out, report, writes, elapsed = release(play, stack)
    assert rc == 0, out[-4000:]
    FIGURES["noop_release_s"] = round(elapsed, 1)
    assert released_id(out) == first["id"] and "(unchanged)" in out
    assert writes == [], writes
    assert [t["name"] for t in report if t["changed"]] == []
    assert task(report, "Apply the database migrations from the staging slot")[0]["status"] == "skipped"
    with database(azsim, stack) as conn:
        assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'erpadmin'").fetchone()[0] == 1


def test_a_release_whose_health_check_fails_is_never_swapped(azsim, play, stack, first, tmp_path):
    broken = copy_app(tmp_path, "erp_health_500")
    with open(broken / "inventory" / "views.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef health(request):  # noqa: F811 - this release's health check is broken\n"
                "    return JsonResponse({'status': 'error', 'version': settings.ERP_RELEASE}, status=500)\n")
    mark = azsim.last_seq()
    with Probe(azsim, [f"https://{stack['host']}/health/", f"https://{stack['rr_custom_host']}/health/"]) as probe:
        rc, out, report, _writes, elapsed = release(play, stack, release_source=str(broken))
    FIGURES["broken_health_release"] = dict(probe.summary(), wall_s=round(elapsed, 1))
    assert rc != 0
    failure = [t["msg"] for t in report if t["status"] == "failed"][-1]
    FIGURES["broken_health_release"]["message"] = failure
    assert "was not swapped into production" in failure and "answered HTTP 500" in failure and f"still runs {first['id']}" in failure, failure
    assert probe.failures() == [], probe.failures()[:5]
    assert probe.versions() == {first["id"]}
    swaps = [r["path"] for r in azsim.requests_since(mark) if r["method"] == "POST" and r["path"].lower().endswith(("/slotsswap", "slotconfig"))]
    assert [p.rsplit("/", 1)[1] for p in swaps] == ["applySlotConfig", "resetSlotConfig"], swaps
    for host in (stack["host"], stack["rr_custom_host"]):
        status, body = health(azsim, host)
        assert status == 200 and body["version"] == first["id"], (host, status, body)


def test_a_release_broken_on_the_custom_domain_is_swapped_back(azsim, play, stack, first, tmp_path):
    broken = copy_app(tmp_path, "erp_allowed_hosts")
    with open(broken / "erp_project" / "settings_production.py", "a", encoding="utf-8") as f:
        f.write("\n# This release forgets the custom domains: only the app's own host name is allowed.\n"
                "ALLOWED_HOSTS = [os.environ['WEBSITE_HOSTNAME']]\n")
    mark = azsim.last_seq()
    with Probe(azsim, [f"https://{stack['host']}/health/"]) as probe:
        rc, out, report, _writes, elapsed = release(play, stack, release_source=str(broken))
    FIGURES["swapped_back_release"] = dict(probe.summary(), wall_s=round(elapsed, 1),
                                           swap_back_s=round(task(report, "Swap the previous release back into production")[0]["duration"], 2))
    assert rc != 0
    failure = [t["msg"] for t in report if t["status"] == "failed"][-1]
    FIGURES["swapped_back_release"]["message"] = failure
    assert f"https://{stack['rr_custom_host']}/health/ answered HTTP 400" in failure, failure
    assert f"Swapped back: production runs {first['id']} again" in failure, failure
    # On the default host name production answered throughout, first with the old release, a moment with the new one.
    assert probe.failures() == [], probe.failures()[:5]
    assert first["id"] in probe.versions()
    swaps = [r for r in azsim.requests_since(mark) if r["method"] == "POST" and r["path"].lower().endswith("/slotsswap")]
    assert len(swaps) == 2, swaps
    for host in (stack["host"], stack["rr_custom_host"]):
        status, body = health(azsim, host)
        assert status == 200 and body["version"] == first["id"], (host, status, body)
    # Production runs the first release again, so releasing it is a no-op.
    rc, out, _report, writes, _elapsed = release(play, stack)
    assert rc == 0 and "(unchanged)" in out and writes == [], (out[-3000:], writes)


def test_figures(capsys):
    with capsys.disabled():
        print("\nrelease figures:", json.dumps(FIGURES, sort_keys=True, indent=1))
