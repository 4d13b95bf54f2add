"""examples/erp_app, the sample Django ERP, against a real PostgreSQL.

A throwaway cluster (azsim's helper: initdb and pg_ctl, run as the ``postgres`` user when the tests run as root) with
TLS and scram passwords like a flexible server. The app's own Django tests run in a subprocess with the production
settings and the guide's environment variables, so Django's global state never reaches the other tests here; then
startup.sh serves the health check over plain HTTP, before and after ``migrate``, and with the database stopped.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "erp_app"
AZSIM = ROOT / "tools" / "azsim"


def _azsim_postgres():
    """azsim's cluster helper and certificate authority, from the installed package or the checkout."""
    if importlib.util.find_spec("azsim") is None:
        sys.path.insert(0, str(AZSIM))
    from azsim.core.tls import CertificateAuthority
    from azsim.providers.dbforpostgresql import cluster

    return cluster, CertificateAuthority


@pytest.fixture(scope="module")
def postgres():
    cluster, certificate_authority = _azsim_postgres()
    majors = cluster.installed_majors()
    if not majors:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or `pg_config --bindir`: "
                    "install postgresql-15 (make postgres)")
    major = max(majors, key=int)
    # Under the system temp dir; others may traverse it (not list it): as root, the cluster's files belong to postgres.
    base = tempfile.mkdtemp(prefix="erp-app-pg-")
    os.chmod(base, 0o701)
    password = secrets.token_urlsafe(18)
    cl = cluster.Cluster(os.path.join(base, "cluster"), major, majors[major], cluster.free_port(), "erpadmin")
    try:
        cl.init(password)
        ca = certificate_authority(base)
        cert, key, _unused = ca.issue(["localhost", "127.0.0.1"])
        cl.configure(cert, key, ["127.0.0.1/32"], secure=True)  # hostssl + scram only, as require_secure_transport=on
        cl.start()
        cl.sql('CREATE DATABASE "erp"')
        yield {"cluster": cl, "port": cl.port, "user": "erpadmin", "password": password, "ca": ca.ca_path, "major": major}
    finally:
        cl.destroy()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def app_env(postgres):
    """The guide's application settings (ETAPE 11) pointing at the cluster; DB_SSLMODE left to its default (require)."""
    assert importlib.util.find_spec("django") and importlib.util.find_spec("whitenoise") and importlib.util.find_spec("gunicorn"), (
        "Django, whitenoise and gunicorn must be installed in this venv (requirements-dev.txt)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_", "PG", "SECURE_", "APPLICATIONINSIGHTS_", "ERP_"))}
    env.update({
        "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "erp_project.settings_production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "erp.example.test,erp-supermarket-prod.azurewebsites.net",
        "CSRF_TRUSTED_ORIGINS": "https://erp.example.test",
        "DB_NAME": "erp",
        "DB_USER": postgres["user"],
        "DB_PASSWORD": postgres["password"],
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(postgres["port"]),
        "SECURE_SSL_REDIRECT": "True",
        "ERP_RELEASE": "2025.06.1-test",
    })
    return env


def _manage(env, *args, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=APP, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_django_tests_pass_on_postgresql(app_env):
    p = _manage(app_env, "test", "--noinput", "-v", "2", timeout=240)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-6000:]
    ran = re.search(r"^Ran (\d+) tests? in", out, re.M)
    assert ran and int(ran.group(1)) >= 25, out[-3000:]
    # "OK" alone: the PostgreSQL-only tests (row locks, transactional DDL, refused connections) did run.
    assert re.search(r"^OK$", out, re.M), out[-3000:]


def _get(port, path, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "erp.example.test"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def _wait_until_serving(port, proc, log, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"startup.sh exited with {proc.returncode}:\n{Path(log).read_text()[-4000:]}")
        try:
            return _get(port, "/health/")
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {deadline}s:\n{Path(log).read_text()[-4000:]}")


def test_startup_sh_serves_health_over_plain_http(app_env, postgres, tmp_path):
    cluster, _unused = _azsim_postgres()
    port = cluster.free_port()
    # verify-full against the cluster's CA: DB_SSLMODE reaches libpq (PGSSLROOTCERT is libpq's own variable).
    env = {**app_env, "PORT": str(port), "GUNICORN_WORKERS": "1", "DB_NAME": "erp_release", "DB_HOST": "localhost",
           "DB_SSLMODE": "verify-full", "PGSSLROOTCERT": postgres["ca"]}
    postgres["cluster"].sql('CREATE DATABASE "erp_release"')
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(APP / "startup.sh")], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # A new release before its migrations: startup.sh does not run them, the health check says so.
        status, _headers, body = _wait_until_serving(port, proc, log)
        assert (status, json.loads(body)["database"]) == (503, "not migrated"), body

        p = _manage(env, "migrate", "--noinput")  # what the release playbook runs once, through Kudu
        assert p.returncode == 0, p.stdout + p.stderr
        status, headers, body = _get(port, "/health/")
        health = json.loads(body)
        assert status == 200, body
        assert (health["status"], health["database"], health["version"], health["products"]) == ("ok", "ok", "2025.06.1-test", 0)
        assert "no-cache" in headers["Cache-Control"]

        # Everything else over plain HTTP goes to HTTPS; with App Service's X-Forwarded-Proto it is served.
        status, headers, _body = _get(port, "/api/products/")
        assert (status, headers["Location"]) == (301, "https://erp.example.test/api/products/")

        # The database down: 503, then healthy again once it is back (connections are health-checked before reuse).
        postgres["cluster"].stop()
        try:
            status, _headers, body = _get(port, "/health/", timeout=30)
            assert (status, json.loads(body)["database"]) == (503, "unavailable"), body
        finally:
            postgres["cluster"].start()
        assert _get(port, "/health/")[0] == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = log.read_text()
    assert "Booting worker" in text and "Running migrations" not in text and "Applying " not in text, text[-4000:]


def _start_azsim(state_dir):
    if importlib.util.find_spec("azsim") is None:
        sys.path.insert(0, str(AZSIM))
    from azsim.testing import Azsim

    os.makedirs(state_dir, exist_ok=True)
    return Azsim(state_dir).start()


def test_telemetry_reaches_application_insights(app_env, postgres, tmp_path):
    """With APPLICATIONINSIGHTS_CONNECTION_STRING set, gunicorn's app reports to Application Insights through the distro
    in requirements.txt: a request becomes an AppRequests row, an unhandled exception (a session lookup on a database not
    migrated yet) an AppExceptions row with its stack, in the workspace of a workspace-based component (azsim's, reached
    through its front door as the app would reach Azure; read back with azure-monitor-query)."""
    assert importlib.util.find_spec("azure.monitor.opentelemetry"), "azure-monitor-opentelemetry must be installed (requirements.txt)"
    from azure.identity import ClientSecretCredential
    from azure.monitor.query import LogsQueryClient, LogsQueryStatus

    sim = _start_azsim(str(tmp_path / "azsim"))
    proc = None
    try:
        arm = sim.session("direct")
        rg = f"{sim.url}/subscriptions/{sim.sub}/resourceGroups/erp-telemetry"
        assert arm.put(rg, params={"api-version": "2021-04-01"}, json={"location": "westeurope"}).status_code in (200, 201)
        ws = arm.put(f"{rg}/providers/Microsoft.OperationalInsights/workspaces/erp-logs", params={"api-version": "2022-10-01"},
                     json={"location": "westeurope"}).json()
        comp = arm.put(f"{rg}/providers/Microsoft.Insights/components/erp-insights", params={"api-version": "2020-02-02"},
                       json={"location": "westeurope", "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": ws["id"]}}).json()
        postgres["cluster"].sql('CREATE DATABASE "erp_telemetry"')  # left unmigrated: django_session does not exist
        port = _azsim_postgres()[0].free_port()
        env = {**app_env, "PORT": str(port), "GUNICORN_WORKERS": "1", "DB_NAME": "erp_telemetry", "WEBSITE_SITE_NAME": "erp-telemetry-test",
               "APPLICATIONINSIGHTS_CONNECTION_STRING": comp["properties"]["ConnectionString"],
               # The distro's knobs (environment, as app settings would set them): spans and logs leave every 200 ms, every
               # trace is kept, no SDK self-telemetry.
               "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_BLRP_SCHEDULE_DELAY": "200", "OTEL_TRACES_SAMPLER": "always_on",
               "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
               # The route to the ingestion endpoint: azsim's front door, azsim's CA.
               "HTTPS_PROXY": sim.info["proxy"], "NO_PROXY": "127.0.0.1,localhost", "REQUESTS_CA_BUNDLE": sim.ca,
               # The exporter's offline storage (Microsoft-AzureMonitor-<hash>) goes into the test's own directory.
               "TMPDIR": str(tmp_path)}
        log = tmp_path / "gunicorn.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(APP / "startup.sh")], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        status, _headers, _body = _wait_until_serving(port, proc, log)
        assert status == 503
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/products/", headers={"Host": "erp.example.test", "X-Forwarded-Proto": "https", "Cookie": "sessionid=" + "a" * 32})
        assert conn.getresponse().status == 500
        conn.close()

        p = sim.principal("deployer")
        client = LogsQueryClient(ClientSecretCredential(sim.tenant, p["client_id"], p["client_secret"], authority=sim.url,
                                                        disable_instance_discovery=True, connection_verify=sim.ca),
                                 endpoint="https://api.loganalytics.io", connection_verify=sim.ca, proxies={"https": sim.info["proxy"]})

        def rows(query, want):
            deadline = time.monotonic() + 30
            while True:
                got = client.query_workspace(ws["properties"]["customerId"], query, timespan=None)
                assert got.status == LogsQueryStatus.SUCCESS, got
                out = [dict(zip(got.tables[0].columns, r, strict=True)) for r in got.tables[0].rows]
                if len(out) >= want or time.monotonic() > deadline:
                    return out
                time.sleep(0.5)

        requests_ = rows("AppRequests | where AppRoleName == 'erp-telemetry-test' | project Url, ResultCode, Success, OperationId, _ResourceId "
                         "| order by ResultCode asc", 2)
        # The URL as Django saw it: https behind App Service's X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), plain http without.
        assert [(r["Url"], r["ResultCode"], r["Success"]) for r in requests_] == [
            ("https://erp.example.test/api/products/", "500", False), ("http://erp.example.test/health/", "503", False)], requests_
        assert {r["_ResourceId"] for r in requests_} == {comp["id"].lower()}
        failed = requests_[0]["OperationId"]
        # Two rows, both ProgrammingError with the stack: the exception recorded on the request's span, and Django's
        # "Internal Server Error" log record that carries it (the distro exports log records with exc_info as exceptions).
        excs = rows(f"AppExceptions | where OperationId == '{failed}' | project ExceptionType, Message, Details | order by Message asc", 2)
        assert [e["ExceptionType"].rsplit(".", 1)[-1] for e in excs] == ["ProgrammingError", "ProgrammingError"], excs
        assert excs[0]["Message"] == "Internal Server Error: /api/products/" and "django_session" in excs[1]["Message"], excs
        for exc in excs:
            assert "inventory/views.py" in json.loads(exc["Details"])[0]["rawStack"], exc
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        sim.stop()
