"""Many ERP deployments in one azsim, made through the API (not through deploy.yml: fifty deploys would take most of an
hour): what the erpops.azure.erp inventory plugin finds and the routines run over.

Each ERP i gets the resource group ``erp-fleet-<i>-rg`` tagged as deploy.yml tags its deployments (``managed-by``,
``application``, ``environment``), and inside it, with the same tags, what the plugin describes: a Linux plan, the web
app and its ``staging`` slot, the media and backup storage accounts, a Log Analytics workspace and the workspace-based
Application Insights component; PostgreSQL flexible servers only for the first ``postgresql`` ERPs (azsim runs a real
PostgreSQL cluster per server).
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

WEB, PG, RGAPI, STORAGE, LAW, INSIGHTS = "2024-11-01", "2024-08-01", "2024-11-01", "2025-06-01", "2023-09-01", "2020-02-02"
REGIONS = ("westeurope", "northeurope")
ENVIRONMENTS = ("production", "staging")
HUGE = {"capacity": 1e9, "refill_per_second": 1e9}


def erp_names(i):
    return {"rg": f"erp-fleet-{i:02d}-rg", "site": f"erp-fleet-{i:02d}-app", "plan": f"erp-fleet-{i:02d}-plan",
            "pg": f"erp-fleet-{i:02d}-pg", "media": f"erpfleet{i:02d}media", "backup": f"erpfleet{i:02d}backup",
            "workspace": f"erp-fleet-{i:02d}-logs", "insights": f"erp-fleet-{i:02d}-insights"}


def erp_tags(i):
    return {"managed-by": "erpops.azure", "application": f"erp-fleet-{i:02d}", "environment": ENVIRONMENTS[i % 2]}


class ArmClient:
    """ARM writes for fixtures and benchmarks, from many threads: one requests session per thread, each PUT followed to
    the end of its long operation. ``proxy`` goes to management.azure.com through azsim's front door, as a user's
    shell does; otherwise to azsim's direct endpoint."""

    def __init__(self, sim, principal="deployer", proxy=False):
        self.sim = sim
        self.proxy = proxy
        self.base = "https://management.azure.com" if proxy else sim.url
        self.token = sim.token(principal) if proxy else sim.token(principal, sim.url + "/.default")
        self.local = threading.local()

    def session(self):
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
            s.trust_env = False
            s.verify = self.sim.ca
            if self.proxy:
                s.proxies = {"https": self.sim.info["proxy"]}
            s.headers["Authorization"] = "Bearer " + self.token
        return s

    def put(self, path, api, body):
        """PUT, then wait for its long operation (Azure-AsyncOperation, or Location on a 202); the PUT's response."""
        r = self.session().put(self.base + path, params={"api-version": api}, json=body, timeout=300)
        if r.status_code not in (200, 201, 202):
            raise RuntimeError(f"PUT {path}: {r.status_code} {r.text[:500]}")
        url = r.headers.get("Azure-AsyncOperation") or (r.headers.get("Location") if r.status_code == 202 else None)
        while url:
            p = self.session().get(url, timeout=300)
            if "Azure-AsyncOperation" in r.headers:
                status = str((p.json() or {}).get("status", "")).lower()
                if status in ("succeeded", "failed", "canceled"):
                    if status != "succeeded":
                        raise RuntimeError(f"PUT {path}: operation {status}: {p.text[:500]}")
                    break
            elif p.status_code != 202:
                break
            time.sleep(min(1.0, float(p.headers.get("Retry-After") or 0.2)))
        return r


class Fleet(ArmClient):
    def erp(self, i, postgresql=False):
        n, tags, region = erp_names(i), erp_tags(i), REGIONS[i % 2]
        sub = f"/subscriptions/{self.sim.sub}"
        rg = f"{sub}/resourceGroups/{n['rg']}"
        self.put(rg, RGAPI, {"location": region, "tags": tags})
        plan = f"{rg}/providers/Microsoft.Web/serverfarms/{n['plan']}"
        self.put(plan, WEB, {"location": region, "tags": tags, "kind": "linux", "sku": {"name": "S1", "tier": "Standard", "capacity": 2},
                             "properties": {"reserved": True}})
        site = f"{rg}/providers/Microsoft.Web/sites/{n['site']}"
        props = {"serverFarmId": plan, "httpsOnly": True,
                 "siteConfig": {"linuxFxVersion": "PYTHON|3.11", "minTlsVersion": "1.2", "ftpsState": "Disabled"}}
        self.put(site, WEB, {"location": region, "tags": tags, "kind": "app,linux", "properties": props})
        self.put(f"{site}/slots/staging", WEB, {"location": region, "tags": tags, "kind": "app,linux", "properties": props})
        for account in (n["media"], n["backup"]):
            self.put(f"{rg}/providers/Microsoft.Storage/storageAccounts/{account}", STORAGE,
                     {"location": region, "tags": tags, "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                      "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True}})
        workspace = f"{rg}/providers/Microsoft.OperationalInsights/workspaces/{n['workspace']}"
        self.put(workspace, LAW, {"location": region, "tags": tags, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}})
        self.put(f"{rg}/providers/Microsoft.Insights/components/{n['insights']}", INSIGHTS,
                 {"location": region, "tags": tags, "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": workspace}})
        if postgresql:
            self.put(f"{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{n['pg']}", PG,
                     {"location": region, "tags": tags, "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
                      "properties": {"version": "15", "administratorLogin": "erpadmin", "administratorLoginPassword": "Fleet-Passw0rd!",
                                     "storage": {"storageSizeGB": 32}, "backup": {"backupRetentionDays": 7}}})

    def build(self, count, postgresql=0, threads=6):
        """Create ``count`` ERPs (the first ``postgresql`` with a server), with ARM's write limits raised for the fill."""
        real = self.sim.admin("GET", "throttling")
        self.sim.admin("PUT", "throttling", {"limits": {"reads": HUGE, "writes": HUGE}})
        try:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda i: self.erp(i, postgresql=i < postgresql), range(count)))
        finally:
            self.sim.admin("PUT", "throttling", {"enabled": real["enabled"], "limits": real["limits"]})
