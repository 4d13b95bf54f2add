"""Kudu on ``https://<site>[-<slot>].scm.azurewebsites.net`` through the front door with the real host names, as az CLI,
the Ansible collection and pipelines call it: zip deploy (synchronous and ``isAsync``), the deployment records, the
command API, the log files and log stream, and who may call it (Entra tokens with a publishing role, basic credentials
while the scm policy allows them); and that no process of a deployed site outlives azsim."""

import base64
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile

import pytest
import requests
from azsim.testing import AZSIM_ROOT, Azsim
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

APP = os.path.join(os.path.dirname(__file__), "data", "wsgi_app", "app.py")
GUNICORN = "gunicorn --bind=0.0.0.0:8000 --workers 1 --timeout 120 app:app"


def package(version, requirements="gunicorn\n", extra=None):
    """The test app as a zip deploy package (app.py, version.txt, requirements.txt)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(APP, "app.py")
        z.writestr("version.txt", version)
        if requirements is not None:
            z.writestr("requirements.txt", requirements)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def browser(azsim, token=None):
    """A plain client through the front door (the real host names), azsim's CA trusted."""
    s = requests.Session()
    s.trust_env = False
    s.proxies = {"https": azsim.info["proxy"], "http": azsim.info["proxy"]}
    s.verify = azsim.ca
    if token:
        s.headers["Authorization"] = "Bearer " + token
    return s


def kudu(azsim, principal="deployer", scope="https://management.azure.com/.default"):
    return browser(azsim, azsim.token(principal, scope))


def deploy(azsim, host_label, version, **kw):
    r = kudu(azsim).post(f"https://{host_label}.scm.azurewebsites.net/api/zipdeploy", data=package(version, **kw), timeout=120)
    assert r.status_code == 200, r.text


def env_of(azsim, host, scheme="https"):
    r = browser(azsim).get(f"{scheme}://{host}/env", timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(fn, timeout=20.0, interval=0.1):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture(scope="module")
def web(azsim):
    return azsim.client(WebSiteManagementClient, "proxy")


@pytest.fixture(scope="module")
def site(azsim, web):
    """A Linux S1 app running gunicorn (the guide's startup command, one worker) with an Oryx build on deploy."""
    rg = f"rg-kudu-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    plan = web.app_service_plans.begin_create_or_update(rg, f"plan-{uuid.uuid4().hex[:6]}", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}).result()
    name = f"kudu-{uuid.uuid4().hex[:8]}"
    web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
        "serverFarmId": plan.id, "siteConfig": {"linuxFxVersion": "PYTHON|3.11", "appCommandLine": GUNICORN}}}).result()
    web.web_apps.update_application_settings(rg, name, {"properties": {"SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "FOO": "bar"}})
    return rg, name, plan.id


def test_sync_zipdeploy_then_deployment_records(azsim, site):
    rg, name, _plan = site
    scm = f"https://{name}.scm.azurewebsites.net"
    s = kudu(azsim)
    r = s.post(f"{scm}/api/zipdeploy", data=package("v1"), headers={"Content-Type": "application/zip"}, timeout=120)
    assert r.status_code == 200, r.text
    assert browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text == "hello from v1\n"
    deps = s.get(f"{scm}/api/deployments", timeout=30).json()
    assert len(deps) == 1
    d = deps[0]
    assert (d["status"], d["complete"], d["active"], d["deployer"], d["message"]) == (4, True, True, "Push-Deployer", "Created via a push deployment")
    assert d["provisioningState"] == "Succeeded" and d["site_name"] == name and d["end_time"] and d["start_time"]
    assert d["url"] == f"{scm}/api/deployments/{d['id']}" and d["log_url"] == d["url"] + "/log"
    assert s.get(d["url"], timeout=30).json()["id"] == d["id"]
    latest = s.get(f"{scm}/api/deployments/latest", timeout=30)
    assert latest.status_code == 200 and latest.json()["id"] == d["id"]
    log = s.get(d["log_url"], timeout=30).json()
    messages = " ".join(e["message"] for e in log)
    assert "Running oryx build" in messages and "already satisfied" in messages and "Deployment successful." in messages
    assert set(log[0]) == {"log_time", "id", "message", "type", "details_url"}
    missing = s.get(f"{scm}/api/deployments/nope", timeout=30)
    assert missing.status_code == 404 and missing.text == "Deployment 'nope' not found."


def test_async_zipdeploy_is_polled_to_success(azsim, site):
    rg, name, _plan = site
    scm = f"https://{name}.scm.azurewebsites.net"
    s = kudu(azsim)
    r = s.post(f"{scm}/api/zipdeploy?isAsync=true", data=package("v2"), timeout=60)
    assert r.status_code == 202 and r.text == ""
    loc = r.headers["Location"]
    assert loc.startswith(f"{scm}/api/deployments/latest?deployer=Push-Deployer&time=")
    polls = []

    def done():
        p = s.get(loc, timeout=30)
        polls.append(p.status_code)
        return p if p.status_code == 200 else None
    final = wait_for(done, 60, 0.05)
    assert final is not None and final.json()["status"] == 4 and final.json()["complete"] is True
    assert set(polls) <= {200, 202}
    assert wait_for(lambda: browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text == "hello from v2\n", 30)


def test_failed_deployment_keeps_the_running_content(azsim, site):
    rg, name, _plan = site
    scm = f"https://{name}.scm.azurewebsites.net"
    s = kudu(azsim)
    before = browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text
    r = s.post(f"{scm}/api/zipdeploy", data=b"this is not a zip file", timeout=60)
    assert r.status_code == 500 and "not a valid zip" in r.text
    latest = s.get(f"{scm}/api/deployments/latest", timeout=30).json()
    assert (latest["status"], latest["complete"], latest["active"], latest["provisioningState"]) == (3, True, False, "Failed")
    assert browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text == before


def test_command_runs_in_the_site_environment(azsim, site):
    rg, name, _plan = site
    s = kudu(azsim)
    r = s.post(f"https://{name}.scm.azurewebsites.net/api/command",
               json={"command": "echo $FOO $WEBSITE_SITE_NAME; python -c 'import app; print(app.VERSION)'", "dir": "/home/site/wwwroot"}, timeout=60)
    assert r.status_code == 200
    out = r.json()
    assert set(out) == {"Output", "Error", "ExitCode"}
    assert out["ExitCode"] == 0 and out["Output"].split() == ["bar", name, "v2"], out
    # Each command has a temporary directory of its own (Kudu's container's /tmp, not the machine's), gone afterwards.
    tmp = s.post(f"https://{name}.scm.azurewebsites.net/api/command", json={"command": "touch $TMPDIR/x && echo $TMPDIR"},
                 timeout=60).json()
    assert tmp["ExitCode"] == 0 and tmp["Output"].strip() != tempfile.gettempdir(), tmp
    assert not os.path.exists(tmp["Output"].strip())
    failed = s.post(f"https://{name}.scm.azurewebsites.net/api/command", json={"command": "echo oops >&2; exit 3", "dir": "site\\wwwroot"},
                    timeout=60).json()
    assert failed == {"Output": "", "Error": "oops\n", "ExitCode": 3}
    assert s.post(f"https://{name}.scm.azurewebsites.net/api/command", data="nope", timeout=30).status_code == 400


def test_who_may_call_kudu(azsim, web, site):
    rg, name, _plan = site
    url = f"https://{name}.scm.azurewebsites.net/api/deployments"
    anonymous = browser(azsim).get(url, timeout=30)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Basic realm="site"'
    # Reader lacks Microsoft.Web/sites/publish/Action: 403; a token for another resource: 401.
    assert kudu(azsim, "auditor").get(url, timeout=30).status_code == 403
    assert kudu(azsim, "deployer", "https://vault.azure.net/.default").get(url, timeout=30).status_code == 401
    assert kudu(azsim, "deployer", "https://appservice.azure.com/.default").get(url, timeout=30).status_code == 200
    creds = web.web_apps.begin_list_publishing_credentials(rg, name).result()
    basic = browser(azsim)
    basic.headers["Authorization"] = "Basic " + base64.b64encode(f"{creds.publishing_user_name}:{creds.publishing_password}".encode()).decode()
    assert basic.get(url, timeout=30).status_code == 200
    wrong = browser(azsim)
    wrong.auth = (creds.publishing_user_name, "wrong-password")
    assert wrong.get(url, timeout=30).status_code == 401
    web.web_apps.update_scm_allowed(rg, name, {"properties": {"allow": False}})
    try:
        refused = basic.get(url, timeout=30)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Basic realm="site"'
        assert kudu(azsim).get(url, timeout=30).status_code == 200  # Entra keeps working
    finally:
        web.web_apps.update_scm_allowed(rg, name, {"properties": {"allow": True}})


def test_log_files_and_log_stream(azsim, site):
    rg, name, _plan = site
    scm = f"https://{name}.scm.azurewebsites.net"
    s = kudu(azsim)
    listing = s.get(f"{scm}/api/vfs/LogFiles/", timeout=30)
    assert listing.status_code == 200
    logs = {e["name"]: e for e in listing.json()}
    app_log = next(n for n in logs if n.endswith("_default_docker.log"))
    assert logs[app_log]["href"] == f"{scm}/api/vfs/LogFiles/{app_log}" and logs[app_log]["path"] == f"/home/LogFiles/{app_log}"
    text = s.get(logs[app_log]["href"], timeout=30).text
    assert "Listening at: http://127.0.0.1:" in text  # gunicorn's --bind moved to the site's own loopback port
    assert s.get(f"{scm}/api/vfs/site/wwwroot/version.txt", timeout=30).text == "v2"
    with s.get(f"{scm}/api/logstream", stream=True, timeout=30) as r:
        assert r.status_code == 200 and r.headers["Transfer-Encoding"] == "chunked"
        first = next(r.iter_content(chunk_size=None))
        assert b"Welcome, you are now connected to log-streaming service." in first


def test_slot_scm_host_deploys_to_the_slot(azsim, web, site):
    rg, name, plan = site
    web.web_apps.begin_create_or_update_slot(rg, name, "staging", {"location": "westeurope", "properties": {"serverFarmId": plan}}).result()
    s = kudu(azsim)
    r = s.post(f"https://{name}-staging.scm.azurewebsites.net/api/zipdeploy", data=package("slot-v1", requirements=None), timeout=120)
    assert r.status_code == 200, r.text
    # No startup command on the slot: App Service's Python image finds app.py and runs gunicorn app:app.
    assert browser(azsim).get(f"https://{name}-staging.azurewebsites.net/", timeout=60).text == "hello from slot-v1\n"
    assert browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text != "hello from slot-v1\n"
    assert len(s.get(f"https://{name}-staging.scm.azurewebsites.net/api/deployments", timeout=30).json()) == 1


def test_no_site_process_outlives_azsim(tmp_path, monkeypatch):
    """``python -m azsim stop`` stops every site; a restarted azsim runs them again; ``kill -9`` of azsim ends them too."""
    state = str(tmp_path / "state")
    os.makedirs(state)
    sim = Azsim(state).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)  # this azsim's own CA (it keeps it across restarts)
    try:
        web = sim.client(WebSiteManagementClient, "direct")
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg", {"location": "westeurope"})
        body = {"location": "westeurope", "kind": "linux", "sku": {"name": "B1"}, "properties": {"reserved": True}}
        plan = web.app_service_plans.begin_create_or_update("rg", "plan", body).result()
        name = f"orphan-{uuid.uuid4().hex[:8]}"
        web.web_apps.begin_create_or_update("rg", name, {"location": "westeurope", "properties": {
            "serverFarmId": plan.id, "siteConfig": {"appCommandLine": GUNICORN.replace("--workers 1", "--workers 2")}}}).result()
        deploy(sim, name, "o1", requirements=None)
        first = env_of(sim, f"{name}.azurewebsites.net")
        out = subprocess.run([sys.executable, "-m", "azsim", "stop", "--state-dir", state], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": AZSIM_ROOT}, timeout=60)
        assert "stopped" in out.stdout
        assert wait_for(lambda: not alive(first["pid"]) and not alive(first["pgid"]), 10)
        sim = Azsim(state).start()  # the same state: the site runs again
        again = env_of(sim, f"{name}.azurewebsites.net")
        assert again["version"] == "o1" and again["pid"] != first["pid"]
        sim.kill(signal.SIGKILL)
        assert wait_for(lambda: not alive(again["pid"]) and not alive(again["pgid"]), 10)
    finally:
        sim.stop()
