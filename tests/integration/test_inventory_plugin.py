"""The erpops.azure.erp inventory plugin against azsim: ERPs made through the API (tests/integration/erp_fleet.py), found
by their tags with Resource Graph, as ansible-inventory shows them, with the credential AWX injects."""

import json
import os
import subprocess
import sys

import pytest
from azsim.testing import Azsim

from .erp_fleet import Fleet, erp_names

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNT = 6
GRAPH = "/providers/Microsoft.ResourceGraph/resources"


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    sim = Azsim(str(tmp_path_factory.mktemp("azsim-inventory")), time_scale=0.0, page_size=5).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def fleet(azsim):
    Fleet(azsim).build(COUNT, postgresql=1)
    # Not an ERP: a resource group without the tag, with a web app of its own.
    s = azsim.session("direct")
    rg = f"/subscriptions/{azsim.sub}/resourceGroups/someone-else-rg"
    assert s.put(f"{azsim.url}{rg}", params={"api-version": "2024-11-01"}, json={"location": "westeurope"}).status_code in (200, 201)
    return azsim


def env_for(azsim, principal="deployer", tmp=None):
    """The environment of an AWX job with the Microsoft Azure Resource Manager credential (service principal mode)."""
    p = azsim.principal(principal)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ANSIBLE_", "HTTPS_PROXY", "https_proxy"))}
    env.update({"AZURE_SUBSCRIPTION_ID": azsim.sub, "AZURE_CLIENT_ID": p["client_id"], "AZURE_SECRET": p["client_secret"],
                "AZURE_TENANT": azsim.tenant, "HTTPS_PROXY": azsim.info["proxy"], "REQUESTS_CA_BUNDLE": azsim.ca,
                "NO_PROXY": "127.0.0.1,localhost", "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"})
    if tmp:
        env["TMPDIR"] = str(tmp)  # an empty token cache: the run's token request is its own
    return env


def inventory(azsim, path, *args, principal="deployer", tmp=None, collections_path=None):
    """(ansible-inventory --list as a dict, azsim's requests of the run)."""
    env = env_for(azsim, principal, tmp)
    if collections_path:
        env["ANSIBLE_COLLECTIONS_PATH"] = collections_path
    mark = azsim.last_seq()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(path), "--list", *args],
                          cwd=os.path.dirname(str(path)), env=env, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[WARNING]" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout, object_hook=plain), azsim.requests_since(mark)


def plain(obj):
    """The value of a string the plugin marked unsafe (Azure's data is never templated): ansible-inventory shows it as
    {"__ansible_unsafe": value}."""
    return obj["__ansible_unsafe"] if set(obj) == {"__ansible_unsafe"} else obj


def config(tmp_path, name="fleet.erp.yml", **options):
    path = tmp_path / name
    path.write_text(json.dumps({"plugin": "erpops.azure.erp", **options}), encoding="utf-8")
    return path


def hostvars(found, host):
    return found["_meta"]["hostvars"][host]


def test_every_erp_is_a_host_with_its_names_ids_and_groups_in_two_queries(fleet, tmp_path, collections_path):
    found, rows = inventory(fleet, config(tmp_path), tmp=tmp_path, collections_path=collections_path)
    hosts = sorted(found["erp"]["hosts"])
    assert hosts == [erp_names(i)["site"] for i in range(COUNT)]
    # Resource Graph twice (resource groups, then their resources) and one token: not one list per group and type.
    graph = [r for r in rows if r["method"] == "POST" and r["path"].startswith(GRAPH)]
    arm = [r for r in rows if r["method"] != "CONNECT" and r["path"].startswith("/subscriptions/")]
    tokens = [r for r in rows if r["path"].endswith("/oauth2/v2.0/token")]
    assert (len(graph), len(arm), len(tokens)) == (2, 0, 1), [(r["method"], r["path"]) for r in rows]

    v = hostvars(found, "erp-fleet-00-app")
    n = erp_names(0)
    assert v["erp_subscription_id"] == fleet.sub
    # An ERP is managed from the controller, with the Python Ansible runs on.
    assert (v["ansible_connection"], v["ansible_python_interpreter"]) == ("local", "{{ ansible_playbook_python }}")
    assert (v["erp_resource_group"], v["erp_web_app_name"], v["erp_staging_slot"], v["erp_plan_name"]) == (n["rg"], n["site"], "staging", n["plan"])
    assert (v["erp_postgresql_server_name"], v["storage_account_name"], v["backups_storage_account_name"]) == (n["pg"], n["media"], n["backup"])
    assert (v["monitoring_workspace_name"], v["monitoring_insights_name"], v["erp_location"]) == (n["workspace"], n["insights"], "westeurope")
    assert v["erp_tags"] == {"managed-by": "erpops.azure", "application": "erp-fleet-00", "environment": "production"}
    site = v["erp_resources"]["web_app"]
    assert site["id"] == f"/subscriptions/{fleet.sub}/resourceGroups/{n['rg']}/providers/Microsoft.Web/sites/{n['site']}"
    assert site["properties"]["httpsOnly"] is True and site["properties"]["defaultHostName"] == f"{n['site']}.azurewebsites.net"
    assert v["erp_resources"]["plan"]["sku"]["name"] == "S1"
    assert v["erp_resources"]["postgresql"]["properties"]["version"] == "15"
    assert [s["name"] for s in v["erp_resources"]["slots"]] == [f"{n['site']}/staging"]
    # An ERP without a PostgreSQL server has no server name (group_vars' default applies), not a wrong one.
    assert "erp_postgresql_server_name" not in hostvars(found, "erp-fleet-01-app")

    assert sorted(found["erp_environment_production"]["hosts"]) == [erp_names(i)["site"] for i in range(0, COUNT, 2)]
    assert sorted(found["erp_location_northeurope"]["hosts"]) == [erp_names(i)["site"] for i in range(1, COUNT, 2)]
    assert len(found[f"erp_subscription_{fleet.sub.replace('-', '_')}"]["hosts"]) == COUNT
    assert "someone-else-rg" not in json.dumps(found)


def test_filters_keyed_groups_and_compose(fleet, tmp_path, collections_path):
    path = config(tmp_path, resource_groups=[erp_names(1)["rg"].upper(), erp_names(2)["rg"], erp_names(3)["rg"]],
                  tags={"managed-by": "erpops.azure", "environment": "STAGING"},
                  keyed_groups=[{"key": "erp_tags.application", "prefix": "app"}],
                  compose={"erp_web_app_url": "'https://' ~ erp_resources.web_app.properties.defaultHostName"})
    found, _rows = inventory(fleet, path, collections_path=collections_path)
    # Tag values compare without case, as Resource Graph's =~ does; only the staging ERPs among the three groups.
    assert sorted(found["erp"]["hosts"]) == [erp_names(1)["site"], erp_names(3)["site"]]
    assert found["app_erp_fleet_03"]["hosts"] == [erp_names(3)["site"]]
    assert hostvars(found, erp_names(1)["site"])["erp_web_app_url"] == f"https://{erp_names(1)['site']}.azurewebsites.net"


def test_all_subscriptions_and_the_inventory_cache(fleet, tmp_path, collections_path):
    cache = tmp_path / "cache"
    path = config(tmp_path, subscriptions=["all"], cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache),
                  cache_timeout=600)
    first, rows = inventory(fleet, path, tmp=tmp_path, collections_path=collections_path)
    listed = [r for r in rows if r["method"] == "GET" and r["path"].rstrip("/") == "/subscriptions"]
    assert len(listed) == 1 and len(first["erp"]["hosts"]) == COUNT
    again, rows = inventory(fleet, path, collections_path=collections_path)
    assert again["erp"] == first["erp"]
    assert [r for r in rows if r["method"] != "CONNECT"] == [], "a cached inventory asks Azure nothing"
    assert list(cache.iterdir()), "the jsonfile cache holds the deployments"


def test_a_reader_sees_the_erps_it_may_read_only(fleet, tmp_path, collections_path):
    """The maintenance and audit principal is a Reader: with Reader on the subscription it lists every ERP; given Reader
    on one resource group only, that ERP only (Resource Graph returns what the caller may read)."""
    found, _rows = inventory(fleet, config(tmp_path), principal="auditor", collections_path=collections_path)
    assert len(found["erp"]["hosts"]) == COUNT
    s = fleet.session("direct", principal="owner")
    sub = f"/subscriptions/{fleet.sub}"
    auditor = fleet.principal("auditor")["object_id"]
    listed = s.get(f"{fleet.url}{sub}/providers/Microsoft.Authorization/roleAssignments",
                   params={"api-version": "2022-04-01", "$filter": f"principalId eq '{auditor}'"}).json()["value"]
    at_subscription = [a for a in listed if a["properties"]["scope"].rstrip("/").lower() == sub.lower()]
    assert at_subscription, listed
    for a in at_subscription:
        assert s.delete(f"{fleet.url}{a['id']}", params={"api-version": "2022-04-01"}).status_code in (200, 204)
    rg = f"{sub}/resourceGroups/{erp_names(2)['rg']}"
    reader = f"{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    r = s.put(f"{fleet.url}{rg}/providers/Microsoft.Authorization/roleAssignments/5e0c8b1e-2d0f-4d7e-9a51-6f1b1b1b0002",
              params={"api-version": "2022-04-01"},
              json={"properties": {"roleDefinitionId": reader, "principalId": auditor, "principalType": "ServicePrincipal"}})
    assert r.status_code in (200, 201), r.text
    try:
        found, _rows = inventory(fleet, config(tmp_path), principal="auditor", collections_path=collections_path)
        assert found["erp"]["hosts"] == [erp_names(2)["site"]]
    finally:
        for a in at_subscription:
            s.put(f"{fleet.url}{a['id']}", params={"api-version": "2022-04-01"}, json={"properties": {
                "roleDefinitionId": a["properties"]["roleDefinitionId"], "principalId": auditor, "principalType": "ServicePrincipal"}})


def test_a_refused_credential_fails_the_inventory_without_showing_the_secret(fleet, tmp_path, collections_path):
    env = env_for(fleet)
    env.update({"ANSIBLE_COLLECTIONS_PATH": collections_path, "AZURE_SECRET": "not-the-secret", "TMPDIR": str(tmp_path)})
    path = config(tmp_path, name="bad.erp.yml")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(path), "--list"], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode != 0 and "not-the-secret" not in proc.stdout + proc.stderr
    assert "erpops.azure.erp" in proc.stderr and "refused the credential" in proc.stderr, proc.stderr[-2000:]


def plugin_job(fleet, tmp_path, collections_path, playbook, *args):
    """(the finished ansible-playbook, azsim's requests of the run) of one playbook over the plugin's inventory with
    inventories/azure's group_vars, as the auditor AWX's credential injects."""
    path = config(tmp_path)
    group_vars = tmp_path / "group_vars"
    group_vars.mkdir()
    for name in ("all", "erp"):
        os.symlink(os.path.join(ROOT, "inventories", "azure", "group_vars", name), group_vars / name)
    env = env_for(fleet, "auditor", tmp_path)
    env["ANSIBLE_COLLECTIONS_PATH"] = collections_path
    mark = fleet.last_seq()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(ROOT, "playbooks", playbook),
                           "-i", str(path), *args], cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False, timeout=900)
    return proc, [r for r in fleet.requests_since(mark) if r["method"] != "CONNECT"]


def arm_writes(rows):
    return [(r["method"], r["path"]) for r in rows if r["method"] in ("PUT", "PATCH", "DELETE") and r["path"].startswith("/subscriptions/")]


def test_the_daily_maintenance_runs_once_per_erp_of_the_inventory_in_parallel(fleet, tmp_path, collections_path):
    """One job over the plugin's inventory, as AWX runs it (the maintenance principal, a fork per ERP): each ERP gets
    its own report about its own web app, resource group and server, the forks share one token per audience, and Azure
    is only read."""
    reports = tmp_path / "reports"
    # The fleet's apps have no code: the health checks fail fast (3 s), everything else is read as on a real ERP.
    proc, rows = plugin_job(fleet, tmp_path, collections_path, "maintain_daily.yml", "--forks", str(COUNT), "-e", f"maintain_report_dir={reports}",
                            "-e", f"maintain_ca_path={fleet.ca}", "-e", "maintain_health_timeout=3")
    found = {}
    for dirpath, _dirs, files in os.walk(reports):
        if "report.json" in files:
            with open(os.path.join(dirpath, "report.json"), encoding="utf-8") as f:
                doc = json.load(f)
            found[doc["erp"]] = doc
    assert sorted(found) == [erp_names(i)["site"] for i in range(COUNT)], proc.stdout[-4000:]
    for i in range(COUNT):
        doc, n = found[erp_names(i)["site"]], erp_names(i)
        assert (doc["web_app"], doc["resource_group"]) == (n["site"], n["rg"])
    recap = [line for line in proc.stdout.splitlines() if line.startswith("erp-fleet-")]
    assert len(recap) == COUNT and all("unreachable=0" in line for line in recap), proc.stdout[-3000:]
    # Every ERP ran in the one job: one token per audience for the inventory and all the forks (Resource Manager, and
    # Log Analytics for the daily log query), and not a single write.
    audiences = sorted(r["audience"] for r in rows if r["path"].endswith("/oauth2/v2.0/token"))
    assert len(audiences) == len(set(audiences)) == 2, audiences
    assert arm_writes(rows) == []
    # Each report is about its own ERP: the server of ERP 0 is ready, the other ERPs have none (a finding); each health
    # check is on its own app's host (none of the fleet's apps has code).
    verdicts = {host: {c["id"]: c["verdict"] for c in doc["checks"]} for host, doc in found.items()}
    for i in range(COUNT):
        site = erp_names(i)["site"]
        assert verdicts[site]["postgresql-ready"] == ("pass" if i == 0 else "fail"), verdicts[site]
        assert verdicts[site][f"health-{site}.azurewebsites.net"] == "fail", verdicts[site]
    assert "Fleet-Passw0rd!" not in proc.stdout + proc.stderr


def test_the_audit_runs_per_erp_of_the_inventory_each_in_its_own_scope(fleet, tmp_path, collections_path):
    """The quarterly audit over the plugin's inventory (two ERPs, two forks): one report directory per ERP, each report
    scoped to its ERP's resource group, no finding about another ERP's resources, each ERP's verdict in the output, and
    nothing written in Azure."""
    root = tmp_path / "audit"
    hosts = [erp_names(0)["site"], erp_names(1)["site"]]
    proc, rows = plugin_job(fleet, tmp_path, collections_path, "audit.yml", "--limit", ",".join(hosts), "--forks", "2",
                            "-e", f"audit_report_root={root}", "-e", f"audit_ca_path={fleet.ca}")
    # The fleet's ERPs lack much of what deploy.yml sets: the audit fails the job on its high findings, and reports them.
    assert proc.returncode in (0, 2), proc.stdout[-4000:]
    reports = {}
    for dirpath, _dirs, files in os.walk(root):
        if "audit.json" in files:
            with open(os.path.join(dirpath, "audit.json"), encoding="utf-8") as f:
                reports[os.path.basename(dirpath)] = json.load(f)
    assert sorted(reports) == hosts, proc.stdout[-4000:]
    for i, host in enumerate(hosts):
        rg = erp_names(i)["rg"]
        doc = reports[host]
        assert [s.rsplit("/", 1)[-1].lower() for s in doc["scope"]] == [rg], doc["scope"]
        groups = {f["resource"].lower().split("/resourcegroups/")[1].split("/")[0] for f in doc["findings"]
                  if "/resourcegroups/" in str(f.get("resource") or "").lower()}
        assert groups == {rg}, groups
        assert doc["summary"]["by_status"].get("pass", 0) > 0 and doc["summary"]["by_status"].get("fail", 0) > 0, doc["summary"]
        assert f"Audit of {host} (" in proc.stdout
    # Read-only: no write anywhere.
    assert arm_writes(rows) == []
