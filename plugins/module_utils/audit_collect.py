# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's collector: read a scope (resource groups and/or subscriptions) once, with bounded concurrency, into the
inventory document ``erpops-audit-inventory/1`` (the contract the evaluator reads; see the audit design note).

Reads only: GETs, the POST list actions that change nothing (``config/appsettings/list`` ...) and Resource Graph
queries.  Azure Resource Graph first (``use_resource_graph``): the resources of the scope with their properties (table
``resources``), the sites' and slots' ``config/web`` (``appserviceresources``) and the role assignments and definitions
(``authorizationresources``), a few paged queries that spend none of ARM's per-subscription read tokens.  When Resource
Graph answers an error (403 without ``Microsoft.ResourceGraph/resources/read``, 400), the collector records it and falls
back to ARM: one paged ``/resources`` list per scope, one list per resource type per scope for the properties, the slots
of each site and a GET of each ``config/web``.  Then per resource only the sub-reads a rule needs (PARTS_BY_TYPE), the
GETs and the POST list actions in two thread pools, since ARM counts them in two buckets.  Every worker has its own ArmClient (its own HTTP session);
all share one credential.  Every raw answer passes through a hook that counts the calls and the 429s and paces the
workers on ``x-ms-ratelimit-remaining-subscription-reads`` before ARM's bucket empties.
A 403 records the missing action in ``errors`` and the collection goes on; so does any other failed part.
Secret values never enter the document: settings keep their names and a classification of their value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from ansible_collections.erpops.azure.plugins.module_utils import audit_logs, timestamps
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.inventory import API, custom_host_names, resource_group_of, scope_resources, subscription_of

FORMAT = "erpops-audit-inventory/1"
DIAG_API = "2021-05-01-preview"
# Per resource type: the API version of its list/GET (the versions the collection's modules and azsim use).
TYPE_API = {
    "microsoft.web/sites": API["web"], "microsoft.web/sites/slots": API["web"], "microsoft.web/serverfarms": API["web"],
    "microsoft.web/certificates": API["web"], "microsoft.dbforpostgresql/flexibleservers": API["postgres"],
    "microsoft.storage/storageaccounts": API["storage"], "microsoft.keyvault/vaults": API["keyvault"],
    "microsoft.insights/components": "2020-02-02", "microsoft.insights/autoscalesettings": "2022-10-01",
    "microsoft.insights/actiongroups": "2023-01-01", "microsoft.insights/metricalerts": "2018-03-01",
    "microsoft.insights/activitylogalerts": "2020-10-01", "microsoft.insights/webtests": "2022-06-15",
    "microsoft.operationalinsights/workspaces": "2025-07-01", "microsoft.network/dnszones": "2018-05-01",
    "microsoft.cache/redis": "2024-11-01", "microsoft.cdn/profiles": "2024-09-01", "microsoft.portal/dashboards": "2026-04-01",
    "microsoft.domainregistration/domains": "2024-11-01",
}
DNSSEC_API = "2023-07-01-preview"
# Subscription parts: (part, path under /subscriptions/{s}, api-version, query).
SUBSCRIPTION_PARTS = (
    ("role_assignments", "/providers/Microsoft.Authorization/roleAssignments", "2022-04-01", None),
    ("role_definitions", "/providers/Microsoft.Authorization/roleDefinitions", "2022-04-01", None),
    ("classic_administrators", "/providers/Microsoft.Authorization/classicAdministrators", "2015-07-01", None),
    ("pricings", "/providers/Microsoft.Security/pricings", "2024-01-01", None),
    ("security_contacts", "/providers/Microsoft.Security/securityContacts", "2023-12-01-preview", None),
    ("assessments", "/providers/Microsoft.Security/assessments", "2021-06-01", None),
    ("alerts", "/providers/Microsoft.Security/alerts", "2022-01-01", None),
    ("policy_assignments", "/providers/Microsoft.Authorization/policyAssignments", "2023-04-01", None),
    ("diagnostic_settings", "/providers/Microsoft.Insights/diagnosticSettings", DIAG_API, None),
    ("activity_log_alerts", "/providers/Microsoft.Insights/activityLogAlerts", "2020-10-01", None),
    ("budgets", "/providers/Microsoft.Consumption/budgets", "2024-08-01", None),
    ("locks", "/providers/Microsoft.Authorization/locks", "2020-05-01", None),
)
ACTIVITY_API = "2015-04-01"
# Azure Resource Graph (azure-rest-api-specs resourcegraph 2021-03-01 "Resources"): POST, at most 1000 rows a page, paged
# by $skipToken; a per-user quota of queries per window (Learn "Guidance for throttled requests in Azure Resource Graph"),
# told in x-ms-user-quota-remaining / x-ms-user-quota-resets-after.
ARG_PATH = "/providers/Microsoft.ResourceGraph/resources"
ARG_API = "2021-03-01"
ARG_TOP = 1000
WEB_TYPES = ("microsoft.web/sites", "microsoft.web/sites/slots")
# Resource Graph answers types in lower case, and some providers' ids are lower case too (Log Analytics workspaces): the
# types the audit knows get back the spelling ARM lists give them; any other takes its id's.
ARM_TYPES = dict((t.lower(), t) for t in (
    "Microsoft.Web/sites", "Microsoft.Web/sites/slots", "Microsoft.Web/serverfarms", "Microsoft.Web/certificates",
    "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults",
    "Microsoft.Insights/components", "Microsoft.Insights/autoscalesettings", "Microsoft.Insights/actionGroups",
    "Microsoft.Insights/metricAlerts", "Microsoft.Insights/activityLogAlerts", "Microsoft.Insights/webtests",
    "Microsoft.OperationalInsights/workspaces", "Microsoft.Network/dnszones", "Microsoft.Cache/redis", "Microsoft.Cdn/profiles",
    "Microsoft.Portal/dashboards", "Microsoft.DomainRegistration/domains", "Microsoft.Web/sites/config", "Microsoft.Web/sites/slots/config",
    "Microsoft.Authorization/roleAssignments", "Microsoft.Authorization/roleDefinitions"))
# The parts each type needs, from what the rules read (roles/audit/files/rules/*.yml ``needs`` and the named checks of
# audit_checks.py): sites and slots alike config_web (APP-002/003/005, APP-011..016, APP-020), basic_publishing (APP-004),
# app_settings and connection_strings (APP-007, APP-019), auth_settings_v2 (APP-009, APP-020's slot posture); the site
# only backup_config (APP-024) and diagnostic_settings (APP-018, MON-006: no rule targets a slot's diagnostics).
# config_references (APP-008) is read only for the apps with a Key Vault reference among their settings (or whose
# settings could not be read).  host_name_bindings is no longer read: APP-021 and the TLS probes take the custom host
# names from the site's hostNameSslStates, which lists every bound host name with its sslState.
PARTS_BY_TYPE = {
    "microsoft.web/sites": ("config_web", "basic_publishing", "app_settings", "connection_strings", "auth_settings_v2", "backup_config",
                            "diagnostic_settings"),
    "microsoft.web/sites/slots": ("config_web", "basic_publishing", "app_settings", "connection_strings", "auth_settings_v2"),
}
# Every part name the collector reads (resource parts, then subscription parts): what skip_parts may name.
PART_NAMES = frozenset(["config_web", "basic_publishing", "app_settings", "connection_strings", "config_references", "auth_settings_v2",
                        "backup_config", "diagnostic_settings", "host_name_bindings", "configurations", "firewall_rules", "administrators",
                        "advanced_threat_protection", "blob_service", "containers", "management_policy", "blob_diagnostic_settings", "secrets",
                        "keys", "record_sets", "dnssec_config"] + [p[0] for p in SUBSCRIPTION_PARTS])
ACTIVITY_LOG_DAYS = 90
# Microsoft Learn "Understand how Azure Resource Manager throttles requests": reads refill at 25 per second per
# subscription and principal.  Below LOW_WATER remaining reads a worker waits for the bucket to refill that far.
READS_REFILL_PER_SECOND = 25.0
LOW_WATER = 40
# Writes (PUT, PATCH and POST, the read-only list actions included) refill at 10 per second.
WRITES_REFILL_PER_SECOND = 10.0
WRITES_LOW_WATER = 20
AUTH_FAILED = re.compile(r"perform action '([^']+)'", re.I)
SECRET_NAME = re.compile(r"(secret|password|passwd|pwd|key|token|connection|conn_?str|credential|sas|signature|private)", re.I)
KV_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\(", re.I)
AUTH_SECRET_KEY = re.compile(r"secret(?!settingname)|password|certificatethumbprint$", re.I)
# Settings whose names look secret but whose values are not: Learn, "Connection strings in Application Insights" - the
# connection string "isn't considered a security token or key" (it only says where telemetry goes).
NOT_SECRET = frozenset(["applicationinsights_connection_string", "appinsights_instrumentationkey", "applicationinsightsagent_extension_version"])
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
RG_ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/?$", re.I)
SUB_ID = re.compile(r"^/subscriptions/([^/]+)/?$", re.I)
RG_NAME = re.compile(r"^[-\w._()]{1,90}$")


class ScopeError(ValueError):
    pass


def normalize_scope(entries, default_subscription):
    """ARM ids for the scope entries: a resource group name (in the module's subscription), a resource group id, a
    subscription id or ``/subscriptions/<id>``.  Raises ScopeError before any request on a malformed entry."""
    out = []
    for entry in entries or []:
        text = str(entry).strip()
        m_rg, m_sub = RG_ID.match(text), SUB_ID.match(text)
        if m_rg:
            scope = "/subscriptions/%s/resourceGroups/%s" % (m_rg.group(1), m_rg.group(2))
        elif m_sub:
            scope = "/subscriptions/%s" % m_sub.group(1)
        elif GUID.match(text):
            scope = "/subscriptions/%s" % text
        elif RG_NAME.match(text) and not text.endswith("."):
            if not default_subscription:
                raise ScopeError("scope entry %r is a resource group name but no subscription_id is known; give its id" % text)
            scope = "/subscriptions/%s/resourceGroups/%s" % (default_subscription, text)
        else:
            raise ScopeError("scope entry %r is neither a resource group name, a resource group id (/subscriptions/<id>/resourceGroups/<name>) "
                             "nor a subscription (<id> or /subscriptions/<id>)" % text)
        if scope.lower() not in [s.lower() for s in out]:
            out.append(scope)
    if not out:
        raise ScopeError("scope is empty: give at least one resource group or subscription")
    # A resource group inside a subscription that is itself in scope is already covered.
    subs = {s.lower() for s in out if SUB_ID.match(s)}
    return [s for s in out if SUB_ID.match(s) or "/subscriptions/%s" % s.split("/")[2].lower() not in subs]


def call_type(method, url):
    """``GET Microsoft.Web/sites/config``: the method and the resource type path of a URL (names dropped)."""
    path = url.split("?", 1)[0]
    path = re.sub(r"^https?://[^/]+", "", path)
    low = path.lower()
    idx = low.rfind("/providers/")
    if idx < 0:
        segs = [s for s in path.split("/") if s]
        kind = segs[-1] if len(segs) % 2 == 1 else (segs[-2] if len(segs) >= 2 else "/")
        return "%s %s" % (method, kind)
    segs = [s for s in path[idx + len("/providers/"):].split("/") if s]
    return "%s %s" % (method, "/".join([segs[0]] + segs[1::2]))


def missing_action(message):
    m = AUTH_FAILED.search(message or "")
    return m.group(1) if m else None


def error_entry(exc):
    if isinstance(exc, AzureApiError):
        out = {"status": exc.status, "code": exc.code, "message": (exc.message or "")[:500]}
        action = missing_action(exc.message)
        if action:
            out["action"] = action
        return out
    return {"status": None, "code": type(exc).__name__, "message": str(exc)[:500]}


def classify(name, value):
    """What the inventory keeps of one app setting or connection string: never its value."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    kind = "empty" if not text else ("keyvault_reference" if KV_REFERENCE.match(text.strip()) else "plain")
    secret_like = bool(SECRET_NAME.search(name or "")) and (name or "").lower() not in NOT_SECRET
    return {"kind": kind, "secret_like": secret_like}


def classify_app_settings(body):
    return dict((k, classify(k, v)) for k, v in ((body or {}).get("properties") or {}).items())


def classify_connection_strings(body):
    out = {}
    for name, item in ((body or {}).get("properties") or {}).items():
        item = item or {}
        entry = classify(name, item.get("value"))
        entry["secret_like"] = True  # a connection string carries its credentials whatever its name
        entry["type"] = item.get("type")
        out[name] = entry
    return out


def strip_secrets(doc):
    """A copy of ``doc`` without secret values (authsettingsV2: clientSecret, passwords, certificate thumbprints)."""
    if isinstance(doc, dict):
        return dict((k, "<redacted>" if AUTH_SECRET_KEY.search(k) and isinstance(v, str) and v else strip_secrets(v)) for k, v in doc.items())
    if isinstance(doc, list):
        return [strip_secrets(v) for v in doc]
    return doc


def secret_attributes(item):
    """A Key Vault secret or key as ARM lists it, without any value."""
    props = dict((k, v) for k, v in (item.get("properties") or {}).items() if k not in ("value", "key"))
    return {"id": item.get("id"), "name": item.get("name"), "tags": item.get("tags"), "properties": props}


def token_claims(token):
    """The object id and tenant of a JWT access token (no signature check: what the token says about its holder)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, TypeError):
        return {}
    return {"object_id": data.get("oid"), "tenant_id": data.get("tid")}


class Stats:
    """Calls, throttling and pacing, shared by every worker."""

    def __init__(self, sleep=time.sleep, low_water=LOW_WATER):
        self.lock = threading.Lock()
        self.total = 0
        self.by_type = {}
        self.by_owner = {}
        self.throttled = 0
        self.paused = 0.0
        self.sleep = sleep
        self.low_water = low_water
        self.local = threading.local()
        self.service_date = None  # the Date header of the latest answer: ARM's clock, for windows it checks itself

    def hook(self, method, url, status, headers):
        kind = call_type(method, url)
        owner = getattr(self.local, "owner", None)
        date = (headers or {}).get("date")
        with self.lock:
            if date:
                self.service_date = date
            self.total += 1
            self.by_type[kind] = self.by_type.get(kind, 0) + 1
            if owner:
                self.by_owner[owner] = self.by_owner.get(owner, 0) + 1
            if status == 429:
                self.throttled += 1
        # ARM answers a GET with the reads left, a POST with the writes left (Resource Graph with neither).
        for header, low_water, refill in (("x-ms-ratelimit-remaining-subscription-reads", self.low_water, READS_REFILL_PER_SECOND),
                                          ("x-ms-ratelimit-remaining-subscription-writes", WRITES_LOW_WATER, WRITES_REFILL_PER_SECOND)):
            try:
                remaining = int((headers or {}).get(header))
            except (TypeError, ValueError):
                continue
            if remaining < low_water:
                wait = (low_water - remaining) / refill
                with self.lock:
                    self.paused += wait
                self.sleep(wait)


class Collector:
    """One collection run.  ``make_client()`` returns a new ArmClient (one per worker thread)."""

    def __init__(self, make_client, scope, concurrency=8, include_slots=True, probe_hosts=True, security_logs_days=90,
                 log_analytics_workspace=None, graph_endpoint=None, ca_path=None, timeout=10, burst_threshold=20, query=None,
                 probe=None, clock=None, sleep=time.sleep, skip_parts=(), use_resource_graph=True):
        self.make_client = make_client
        self.use_resource_graph = use_resource_graph
        self.graph_log = {"enabled": bool(use_resource_graph), "queries": 0, "used_for": [], "fallbacks": []}
        self._graph_lock = threading.Lock()
        self.skip_parts = frozenset(skip_parts or ())
        self.scope = scope
        self.concurrency = max(1, int(concurrency))
        self.include_slots = include_slots
        self.probe_hosts = probe_hosts
        self.security_logs_days = security_logs_days
        self.workspace = log_analytics_workspace
        self.graph_endpoint = graph_endpoint
        self.ca_path = ca_path
        self.timeout = timeout
        self.burst_threshold = burst_threshold
        self.query = query            # fn(workspace customer id, kql, timespan) -> rows, or None: no log queries
        self.probe = probe            # fn(host) -> {"certificate", "protocols", "error"}
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.stats = Stats(sleep=sleep)
        self._local = threading.local()
        self.clients = []
        self._clients_lock = threading.Lock()
        self.errors = {}
        self._errors_lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------------------------------
    def arm(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self.make_client()
            client.response_hook = self.stats.hook
            self._local.client = client
            with self._clients_lock:
                self.clients.append(client)
        return client

    def record(self, owner, part, exc):
        with self._errors_lock:
            self.errors["%s|%s" % (owner, part)] = error_entry(exc)

    def run_all(self, tasks):
        """Run (owner, part, fn, target[, bucket]) tasks; each result goes to ``target[part]``; failures to errors.  Tasks
        marked ``writes`` (the POST list actions) run in a pool of their own: ARM counts them in its write bucket, paced
        apart from the reads, and a worker waiting for write tokens must not hold up the reads."""
        def one(task):
            owner, part, fn, target = task[:4]
            self.stats.local.owner = owner
            try:
                target[part] = fn()
            except AzureApiError as exc:
                self.record(owner, part, exc)
            except (OSError, ValueError) as exc:
                self.record(owner, part, exc)
            finally:
                self.stats.local.owner = None

        groups = [[t for t in tasks if (t[4] if len(t) > 4 else "reads") == kind] for kind in ("reads", "writes")]
        groups = [g for g in groups if g]
        if not groups:
            return
        pools = [ThreadPoolExecutor(max_workers=min(self.concurrency, len(g))) for g in groups]
        try:
            futures = [f for pool, g in zip(pools, groups) for f in [pool.submit(one, t) for t in g]]
            for f in futures:
                f.result()
        finally:
            for pool in pools:
                pool.shutdown(wait=True)

    def get(self, path, api, params=None):
        return self.arm().get(path, api, params=params)

    def list(self, path, api, params=None):
        return self.arm().list(path, api, params=params)

    def post_list(self, path, api):
        return self.arm().request("POST", path, api, read_only=True, expect=(200,))[2]

    # -- the run -------------------------------------------------------------------------------------
    def collect(self):
        started = time.monotonic()
        now = self.clock()
        resources = self._graph_resources() if self.use_resource_graph else None
        from_graph = resources is not None
        if not from_graph:
            resources = self._arm_resources()
        subscriptions = self._subscriptions()
        if not from_graph:
            self._properties(resources)
        tasks = []
        for sub in subscriptions:
            if self.use_resource_graph:
                self._graph_roles(sub)
            tasks.extend(t for t in self._subscription_tasks(sub) if t[1] not in self.skip_parts and t[1] not in sub["parts"])
        if self.include_slots and not from_graph:
            self._slots(resources)
        if self.use_resource_graph and "config_web" not in self.skip_parts:
            self._graph_config_web(resources)
        for res in resources:
            tasks.extend(self._resource_tasks(res))
        self.run_all(tasks)
        # Key Vault reference statuses only where the settings hold a reference (or could not be read).
        self.run_all([t for res in resources for t in self._reference_tasks(res)])
        hosts = self._hosts(resources) if self.probe_hosts else []
        logs = self._security_logs(subscriptions, resources, now) if self.security_logs_days else None
        doc = {"format": FORMAT, "collected": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "scope": list(self.scope), "principal": self.principal(),
               "calls": None, "subscriptions": subscriptions, "resources": resources, "errors": self.errors, "hosts": hosts,
               "security_logs": logs, "directory": self.directory(), "skipped_parts": sorted(self.skip_parts),
               "resource_graph": self.graph_log}
        graph = self.stats.by_type.get("POST " + ARG_PATH.split("/providers/", 1)[1], 0)
        doc["calls"] = {"total": self.stats.total, "arm": self.stats.total - graph, "resource_graph": graph,
                        "by_type": dict(sorted(self.stats.by_type.items())), "throttled": self.stats.throttled,
                        "paused_seconds": round(self.stats.paused, 2)}
        wall = time.monotonic() - started
        return doc, wall

    def _arm_resources(self):
        listed = dict((s, {}) for s in self.scope)
        self.run_all([(s, "resources", (lambda s=s: scope_resources(self.arm(), s)), listed[s]) for s in self.scope])
        missing = [s for s in self.scope if "resources" not in listed[s]]
        if missing and len(missing) == len(self.scope):
            first = self.errors.get("%s|resources" % missing[0]) or {}
            raise ScopeError("could not list %s: %s %s" % (missing[0], first.get("code"), first.get("message")))
        resources = self._resources(listed)
        if not self.include_slots:
            resources = [r for r in resources if (r.get("type") or "").lower() != "microsoft.web/sites/slots"]
        return resources

    # -- Azure Resource Graph ------------------------------------------------------------------------
    def graph(self, query, subscriptions, options=None):
        """Every row of a Resource Graph query, page after page ($skipToken), within the caller's query quota."""
        rows, token = [], None
        while True:
            opts = dict(options or {})
            opts["$top"] = ARG_TOP
            if token:
                opts["$skipToken"] = token
            _status, headers, body = self.arm().request("POST", ARG_PATH, ARG_API, body={"subscriptions": subscriptions, "query": query,
                                                                                         "options": opts}, read_only=True, expect=(200,))
            with self._graph_lock:
                self.graph_log["queries"] += 1
            body = body or {}
            rows.extend(body.get("data") or [])
            token = body.get("$skipToken")
            if not token and str(body.get("resultTruncated")).lower() == "true":
                raise ValueError("Resource Graph truncated the result of %r without a $skipToken" % query)
            if not token:
                return rows
            self._graph_pace(headers)

    def _graph_pace(self, headers):
        """Wait for the next quota window when the last query of this one is spent (rather than be answered 429)."""
        try:
            remaining = int((headers or {}).get("x-ms-user-quota-remaining"))
        except (TypeError, ValueError):
            return
        if remaining > 0:
            return
        hms = str((headers or {}).get("x-ms-user-quota-resets-after") or "00:00:01").split(":")
        try:
            wait = int(hms[0]) * 3600 + int(hms[1]) * 60 + float(hms[2])
        except (IndexError, ValueError):
            wait = 1.0
        with self.stats.lock:
            self.stats.paused += wait
        self.stats.sleep(wait)

    def _graph_failed(self, owner, what, exc):
        """Record why Resource Graph could not answer (the inventory's errors and resource_graph.fallbacks): ARM reads instead."""
        self.record(owner, "resource_graph", exc)
        entry = error_entry(exc)
        entry.update(owner=owner, table=what)
        self.graph_log["fallbacks"].append(entry)

    def _graph_scopes(self):
        """(subscription id, resource group names or None for the whole subscription) of the scope."""
        out = {}
        for scope in self.scope:
            sub = scope.split("/")[2]
            m = RG_ID.match(scope)
            if m is None:
                out[sub] = None
            elif out.get(sub, []) is not None:
                out.setdefault(sub, []).append(m.group(2))
        return out

    def _graph_query(self, table, where, project, groups):
        query = "%s | where %s" % (table, where) if where else table
        if groups is not None:
            query += " | where resourceGroup in~ (%s)" % ", ".join(kql_string(g) for g in groups)
        return query + " | project %s | order by id asc" % project

    def _graph_groups_exist(self, sub, groups):
        """The resource groups of the scope that do not exist (or that the caller cannot read), from ``resourcecontainers``:
        the resources table alone would answer an empty list for them, where ARM answers 404."""
        query = self._graph_query("resourcecontainers", "type =~ 'microsoft.resources/subscriptions/resourcegroups'", "id, name", groups)
        found = {(r.get("name") or "").lower() for r in self.graph(query, [sub])}
        missing = [g for g in groups if g.lower() not in found]
        for g in missing:
            scope = next(s for s in self.scope if s.lower() == ("/subscriptions/%s/resourcegroups/%s" % (sub, g)).lower())
            message = "Resource group '%s' could not be found (or is not readable by this principal)." % g
            self.record(scope, "resources", AzureApiError(404, "ResourceGroupNotFound", message))
        return missing

    def _graph_resources(self):
        """The resources of the scope with their properties from the ``resources`` table, or None (recorded) on an error."""
        out = []
        missing = []
        for sub, groups in self._graph_scopes().items():
            if groups is not None:
                try:
                    gone = self._graph_groups_exist(sub, groups)
                except (AzureApiError, ValueError) as exc:
                    self._graph_failed("/subscriptions/%s" % sub, "resourcecontainers", exc)
                    return None
                missing.extend(gone)
                groups = [g for g in groups if g not in gone]
                if not groups:
                    continue
            where = None if self.include_slots else "type !~ 'microsoft.web/sites/slots'"
            query = self._graph_query("resources", where, "id, name, type, kind, location, tags, sku, identity, managedBy, properties", groups)
            try:
                rows = self.graph(query, [sub])
            except (AzureApiError, ValueError) as exc:
                self._graph_failed("/subscriptions/%s" % sub, "resources", exc)
                return None
            for row in rows:
                rid = row.get("id") or ""
                rtype = arm_type(rid, row.get("type"))
                # The resources table may hold child resources with a location (host name bindings): the inventory holds
                # what the ARM path reads, the top-level resources and the slots.
                if rtype.count("/") != 1 and rtype.lower() != "microsoft.web/sites/slots":
                    continue
                doc = {"id": rid, "type": rtype, "name": row.get("name"), "location": row.get("location"),
                       "tags": row.get("tags") or {}}
                for key in ("kind", "sku", "identity", "managedBy"):
                    if row.get(key) not in (None, ""):
                        doc[key] = row[key]
                doc.update(resource_group=resource_group_of(rid), subscription_id=subscription_of(rid), properties=row.get("properties"),
                           parts={})
                out.append(doc)
        if missing and len(missing) == len(self.scope):
            first = self.errors.get("%s|resources" % self.scope[0]) or {}
            raise ScopeError("could not list %s: %s %s" % (self.scope[0], first.get("code"), first.get("message")))
        self.graph_log["used_for"].append("resources")
        return out

    def _graph_config_web(self, resources):
        """``config/web`` of every site and slot from ``appserviceresources`` (the raw ARM GET shape the rules read)."""
        web = dict((r["id"].lower(), r) for r in resources if (r.get("type") or "").lower() in WEB_TYPES)
        if not web:
            return
        for sub, groups in self._graph_scopes().items():
            query = self._graph_query("appserviceresources", "type in~ ('microsoft.web/sites/config/web', 'microsoft.web/sites/slots/config/web')",
                                      "id, name, type, location, properties", groups)
            try:
                rows = self.graph(query, [sub])
            except (AzureApiError, ValueError) as exc:
                self._graph_failed("/subscriptions/%s" % sub, "appserviceresources", exc)
                continue
            for row in rows:
                rid = row.get("id") or ""
                if not rid.lower().endswith("/config/web"):
                    continue
                res = web.get(rid[:-len("/config/web")].lower())
                if res is not None:
                    res["parts"]["config_web"] = {"id": rid, "name": row.get("name"), "type": arm_type(rid, row.get("type")),
                                                  "location": row.get("location"), "properties": row.get("properties")}
            if "appserviceresources" not in self.graph_log["used_for"]:
                self.graph_log["used_for"].append("appserviceresources")

    def _graph_roles(self, sub):
        """The subscription's role assignments (at, above and below it, as ARM lists them) and definitions, from
        ``authorizationresources``; left to the ARM lists on an error."""
        wanted = [p for p in ("role_assignments", "role_definitions") if p not in self.skip_parts]
        for part in wanted:
            rtype = "microsoft.authorization/roleassignments" if part == "role_assignments" else "microsoft.authorization/roledefinitions"
            query = self._graph_query("authorizationresources", "type =~ '%s'" % rtype, "id, name, type, properties", None)
            try:
                rows = self.graph(query, [sub["subscription_id"]], {"authorizationScopeFilter": "AtScopeAboveAndBelow"})
            except (AzureApiError, ValueError) as exc:
                self._graph_failed(sub["id"], "authorizationresources", exc)
                return
            sub["parts"][part] = [{"id": r.get("id"), "name": r.get("name"), "type": arm_type(r.get("id"), r.get("type")),
                                   "properties": r.get("properties")} for r in rows]
        if wanted and "authorizationresources" not in self.graph_log["used_for"]:
            self.graph_log["used_for"].append("authorizationresources")

    def principal(self):
        client = self.arm()
        # The principal is informative: its absence is no failure.
        try:
            token = client.auth.credential().get_token(client.auth.scope).token
        except Exception:  # pylint: disable=broad-except
            return {"object_id": None, "tenant_id": None}
        return token_claims(token)

    def directory(self):
        if not self.graph_endpoint:
            return {"graph": False, "reason": "no Microsoft Graph endpoint configured"}
        return {"graph": False, "endpoint": self.graph_endpoint,
                "reason": "Microsoft Graph reads are not implemented by this collector yet; the directory rows stay not evaluated"}

    def _resources(self, listed):
        seen, out = set(), []
        for scope in self.scope:
            for item in listed[scope].get("resources") or []:
                rid = item.get("id") or ""
                if rid.lower() in seen:
                    continue
                seen.add(rid.lower())
                doc = dict((k, item[k]) for k in ("id", "type", "kind", "name", "location", "tags", "sku", "identity", "managedBy",
                                                  "createdTime", "changedTime", "provisioningState") if k in item)
                doc.update(resource_group=resource_group_of(rid), subscription_id=subscription_of(rid), properties=None, parts={})
                out.append(doc)
        return out

    def _subscriptions(self):
        ids = []
        for scope in self.scope:
            sub = scope.split("/")[2]
            if sub.lower() not in [s.lower() for s in ids]:
                ids.append(sub)
        subs = [{"id": "/subscriptions/%s" % s, "subscription_id": s, "display_name": None, "parts": {}} for s in ids]
        self.run_all([(sub["id"], "subscription", (lambda sub=sub: self.get(sub["id"], "2022-12-01")), sub) for sub in subs])
        for sub in subs:
            body = sub.pop("subscription", None) or {}
            sub["display_name"] = body.get("displayName")
            sub["state"] = body.get("state")
        return subs

    def _properties(self, resources):
        """One list per (scope, type) gives every resource's properties; a type without a known API keeps none."""
        wanted = {}
        for res in resources:
            low = (res.get("type") or "").lower()
            if low in TYPE_API and low.count("/") == 1:
                for scope in self.scope:
                    if res["id"].lower().startswith(scope.lower() + "/"):
                        wanted.setdefault((scope, res["type"]), []).append(res)
                        break
        lists = {}
        self.run_all([("%s/providers/%s" % key, "list", (lambda key=key: self.list("%s/providers/%s" % key, TYPE_API[key[1].lower()])),
                       lists.setdefault(key, {})) for key in wanted])
        by_id = dict((r["id"].lower(), r) for r in resources)
        for key in wanted:
            for item in lists[key].get("list") or []:
                res = by_id.get((item.get("id") or "").lower())
                if res is not None:
                    merge_listed(res, item)

    def _slots(self, resources):
        sites = [r for r in resources if (r.get("type") or "").lower() == "microsoft.web/sites"]
        found = {}
        self.run_all([(s["id"], "slots", (lambda s=s: self.list(s["id"] + "/slots", API["web"])), found.setdefault(s["id"], {}))
                      for s in sites])
        known = {r["id"].lower() for r in resources}
        for site in sites:
            for item in found[site["id"]].get("slots") or []:
                rid = item.get("id") or ""
                existing = next((r for r in resources if r["id"].lower() == rid.lower()), None)
                if existing is None and rid.lower() not in known:
                    existing = {"id": rid, "type": "Microsoft.Web/sites/slots", "name": item.get("name"),
                                "resource_group": resource_group_of(rid), "subscription_id": subscription_of(rid), "parts": {}}
                    resources.append(existing)
                    known.add(rid.lower())
                if existing is not None:
                    merge_listed(existing, item)

    def _subscription_tasks(self, sub):
        tasks = []
        groups = [s for s in self.scope if s.lower().startswith(sub["id"].lower() + "/resourcegroups/")]
        for part, path, api, params in SUBSCRIPTION_PARTS:
            if part == "budgets":
                # Budgets are not tracked resources: a resource group's budgets are listed only at its own scope.
                def budgets(path=path, api=api):
                    return [b for scope in [sub["id"]] + groups for b in self.list(scope + path, api)]
                tasks.append((sub["id"], part, budgets, sub["parts"]))
                continue
            tasks.append((sub["id"], part, (lambda path=sub["id"] + path, api=api, params=params: self.list(path, api, params)), sub["parts"]))
        return tasks

    def _resource_tasks(self, res):
        rid, low, parts = res["id"], (res.get("type") or "").lower(), res["parts"]
        web = API["web"]

        def diag(path=rid):
            return self.list(path + "/providers/Microsoft.Insights/diagnosticSettings", DIAG_API)

        specs = []
        if low in WEB_TYPES:
            specs = [("config_web", lambda: self.get(rid + "/config/web", web)),
                     ("basic_publishing", lambda: dict((p.get("name"), (p.get("properties") or {}).get("allow"))
                                                       for p in self.list(rid + "/basicPublishingCredentialsPolicies", web))),
                     ("app_settings", lambda: classify_app_settings(self.post_list(rid + "/config/appsettings/list", web)), "writes"),
                     ("connection_strings", lambda: classify_connection_strings(self.post_list(rid + "/config/connectionstrings/list", web)),
                      "writes"),
                     ("auth_settings_v2", lambda: self._auth_settings(rid)),
                     ("backup_config", lambda: self._backup_config(rid), "writes"),
                     ("diagnostic_settings", diag)]
            specs = [spec for spec in specs if spec[0] in PARTS_BY_TYPE[low]]
        elif low == "microsoft.dbforpostgresql/flexibleservers":
            pg = API["postgres"]
            specs = [("configurations", lambda: dict((c.get("name"), (c.get("properties") or {}).get("value"))
                                                     for c in self.list(rid + "/configurations", pg))),
                     ("firewall_rules", lambda: self.list(rid + "/firewallRules", pg)),
                     ("administrators", lambda: self.list(rid + "/administrators", pg)),
                     ("advanced_threat_protection", lambda: self.get(rid + "/advancedThreatProtectionSettings/Default", pg)),
                     ("diagnostic_settings", diag)]
        elif low == "microsoft.storage/storageaccounts":
            st = API["storage"]
            specs = [("blob_service", lambda: self.get(rid + "/blobServices/default", st)),
                     ("containers", lambda: self.list(rid + "/blobServices/default/containers", st)),
                     ("management_policy", lambda: self.get(rid + "/managementPolicies/default", st)),
                     ("diagnostic_settings", diag),
                     ("blob_diagnostic_settings", lambda: diag(rid + "/blobServices/default"))]
        elif low == "microsoft.keyvault/vaults":
            kv = API["keyvault"]
            specs = [("diagnostic_settings", diag),
                     ("secrets", lambda: [secret_attributes(s) for s in self.list(rid + "/secrets", kv)]),
                     ("keys", lambda: [secret_attributes(k) for k in self.list(rid + "/keys", kv)])]
        elif low == "microsoft.network/dnszones":
            # DNSSEC exists only in the 2023-07-01-preview API; 404 (None) = the zone is not signed.
            specs = [("record_sets", lambda: self.list(rid + "/recordsets", TYPE_API[low])),
                     ("dnssec_config", lambda: self.get(rid + "/dnssecConfigs/default", DNSSEC_API))]
        elif low in ("microsoft.web/serverfarms", "microsoft.insights/components", "microsoft.operationalinsights/workspaces",
                     "microsoft.cache/redis", "microsoft.cdn/profiles"):
            specs = [("diagnostic_settings", diag)]
        return [(rid, spec[0], spec[1], parts) + tuple(spec[2:]) for spec in specs if spec[0] not in self.skip_parts and spec[0] not in parts]

    def _reference_tasks(self, res):
        """config_references (APP-008) for a site or slot whose app settings hold a Key Vault reference, or could not be
        read; with settings read and no reference, ARM's list would be empty, and the part is that empty list."""
        if (res.get("type") or "").lower() not in WEB_TYPES or "config_references" in self.skip_parts:
            return []
        settings = res["parts"].get("app_settings")
        if settings is not None and not any((v or {}).get("kind") == "keyvault_reference" for v in settings.values()):
            res["parts"]["config_references"] = []
            return []
        rid = res["id"]
        return [(rid, "config_references", lambda: self.list(rid + "/config/configreferences/appsettings", API["web"]), res["parts"])]

    def _auth_settings(self, rid):
        """The authentication settings (V2) as ARM returns them, client secrets and their setting names removed."""
        body = self.get(rid + "/config/authsettingsV2", API["web"])
        if body is None:
            return None
        return dict(body, properties=strip_secrets(body.get("properties")))

    def _backup_config(self, rid):
        try:
            body = self.post_list(rid + "/config/backup/list", API["web"])
        except AzureApiError as exc:
            if exc.status == 404:
                return None  # no backup configured
            raise
        props = dict(((body or {}).get("properties") or {}))
        props.pop("storageAccountUrl", None)  # a SAS URL: a secret
        for db in props.get("databases") or []:
            db.pop("connectionString", None)
        return dict(body or {}, properties=props)

    # -- hosts ---------------------------------------------------------------------------------------
    def _hosts(self, resources):
        zones = dict(((r.get("name") or "").lower(), r) for r in resources if (r.get("type") or "").lower() == "microsoft.network/dnszones")
        found = []
        for res in resources:
            if (res.get("type") or "").lower() not in ("microsoft.web/sites", "microsoft.web/sites/slots") or not res.get("properties"):
                continue
            is_slot = res["type"].lower().endswith("/slots")
            site_id = res["id"].rsplit("/slots/", 1)[0] if is_slot else res["id"]
            for host in custom_host_names(res):
                found.append({"host": host, "site_id": site_id, "slot": res["name"].split("/")[-1] if is_slot else None,
                              "certificate": None, "protocols": {}, "dns": dns_records(host, zones), "error": None})
        if self.probe is None or not found:
            return found

        def one(entry):
            try:
                entry.update(self.probe(entry["host"]))
            except (OSError, ValueError) as exc:
                entry["error"] = "%s: %s" % (type(exc).__name__, exc)

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(found))) as pool:
            list(pool.map(one, found))
        return found

    # -- security logs -------------------------------------------------------------------------------
    def _security_logs(self, subscriptions, resources, now):
        start = now - timedelta(days=self.security_logs_days)
        window = {"from": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "to": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        out = {"window": window, "postgresql_failed_logins": [], "http_401_403_bursts": [], "arm_writes_by_principal": [],
               "role_assignment_changes": [], "firewall_rule_changes": [], "errors": {}}
        events = {}
        # The activity log keeps 90 days and refuses a start further back ("The start time cannot be more than 90 days
        # in the past."), by ARM's clock: its part of the window is clamped on the Date of ARM's latest answer (this
        # machine's clock may lag), with a margin.
        arm_now = timestamps.service_now({"date": self.stats.service_date}) if self.stats.service_date else now
        kept = max(start, max(now, arm_now) - timedelta(days=ACTIVITY_LOG_DAYS) + timedelta(minutes=10))
        window["activity_log_from"] = kept.strftime("%Y-%m-%dT%H:%M:%SZ")
        # Its end too: events ARM stamped by its clock, ahead of this machine's, belong to the window.
        window["activity_log_to"] = max(now, arm_now).strftime("%Y-%m-%dT%H:%M:%SZ")
        flt = "eventTimestamp ge '%s' and eventTimestamp le '%s'" % (window["activity_log_from"], window["activity_log_to"])
        self.run_all([(sub["id"], "activity_log", (lambda sub=sub: self.list(
            sub["id"] + "/providers/Microsoft.Insights/eventtypes/management/values", ACTIVITY_API, {"$filter": flt})), events.setdefault(sub["id"], {}))
            for sub in subscriptions])
        scope_low = [s.lower() for s in self.scope]
        all_events = []
        for sub in subscriptions:
            key = "%s|activity_log" % sub["id"]
            if key in self.errors:
                out["errors"][key] = self.errors[key]
            mine = [e for e in events[sub["id"]].get("activity_log") or []
                    if any((e.get("resourceId") or "").lower().startswith(s) for s in scope_low)]
            sub["parts"]["activity_log"] = audit_logs.compact_events(mine)
            all_events.extend(sub["parts"]["activity_log"])
        out.update(audit_logs.summarize_activity(all_events))
        workspaces = self._workspaces(resources)
        if not workspaces:
            out["errors"]["log_analytics"] = {"status": None, "code": "NoWorkspace",
                                              "message": "no Log Analytics workspace in scope and none given (log_analytics_workspace)"}
            return out
        if self.query is None:
            return out
        timespan = "%s/%s" % (window["from"], window["to"])
        for ws_id, customer in workspaces:
            for name, kql in audit_logs.LOG_QUERIES:
                try:
                    rows = self.query(customer, kql.replace("{threshold}", str(int(self.burst_threshold))), timespan)
                except AzureApiError as exc:
                    out["errors"]["%s|%s" % (ws_id, name)] = error_entry(exc)
                    continue
                for row in rows:
                    row["workspace"] = ws_id
                out[name.split(":", 1)[0]].extend(rows)
        return out

    def _workspaces(self, resources):
        """(resource id, customer id) of the workspaces to query: the one given, else those in scope."""
        if self.workspace:
            if GUID.match(self.workspace):
                return [(self.workspace, self.workspace)]
            doc = {}
            self.run_all([(self.workspace, "workspace", lambda: self.get(self.workspace, TYPE_API["microsoft.operationalinsights/workspaces"]), doc)])
            customer = ((doc.get("workspace") or {}).get("properties") or {}).get("customerId")
            return [(self.workspace, customer)] if customer else []
        return [(r["id"], (r.get("properties") or {}).get("customerId")) for r in resources
                if (r.get("type") or "").lower() == "microsoft.operationalinsights/workspaces" and (r.get("properties") or {}).get("customerId")]


def summary(doc, wall, stats):
    """What the module returns: counts and costs, never the inventory itself."""
    counts, per_type = {}, {}
    for res in doc["resources"]:
        counts[res["type"]] = counts.get(res["type"], 0) + 1
        per_type[res["type"]] = per_type.get(res["type"], 0) + stats.by_owner.get(res["id"], 0)
    total = doc["calls"].get("arm", doc["calls"]["total"])
    n = len(doc["resources"])
    actions = sorted({e["action"] for e in doc["errors"].values() if e.get("action")})
    return {"resources": n, "counts_by_type": counts, "subscriptions": len(doc["subscriptions"]), "hosts": len(doc["hosts"]),
            "calls": doc["calls"], "calls_per_resource": round(float(total) / n, 2) if n else float(total),
            "calls_by_resource_type": dict((t, round(float(per_type[t]) / counts[t], 2)) for t in counts),
            "wall_seconds": round(wall, 2), "errors": len(doc["errors"]), "missing_actions": actions}


def type_of_id(rid):
    """``Microsoft.Web/sites/slots``: the ARM type of a resource id, in the id's own casing (Resource Graph answers the
    type in lower case; ARM lists and the inventory keep the provider's casing)."""
    segs = [x for x in (rid or "").split("/") if x]
    low = [x.lower() for x in segs]
    if "providers" not in low:
        return None
    i = len(low) - 1 - low[::-1].index("providers")
    rest = segs[i + 1:]
    if len(rest) < 3:
        return None
    return "/".join([rest[0]] + rest[1::2])


def arm_type(rid, graph_type):
    """The ARM spelling of a Resource Graph row's (lower-case) type."""
    low = (graph_type or type_of_id(rid) or "").lower()
    return ARM_TYPES.get(low) or type_of_id(rid) or graph_type or ""


def kql_string(value):
    """A KQL string literal."""
    return "'%s'" % str(value).replace("\\", "\\\\").replace("'", "\\'")


def merge_listed(res, item):
    """Fold a list/GET answer into the inventory entry (``/resources`` gave the envelope, the list gives properties)."""
    for key in ("kind", "sku", "identity", "tags", "location"):
        if item.get(key) is not None:
            res[key] = item[key]
    res["properties"] = item.get("properties")


def dns_records(host, zones):
    """The CNAME, A and asuid TXT record sets of ``host`` in the Azure DNS zone that holds it, when that zone is in scope."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        zone = zones.get(".".join(labels[i:]))
        if zone is None:
            continue
        rel = ".".join(labels[:i]) or "@"
        asuid = "asuid" if rel == "@" else "asuid." + rel
        sets = (zone.get("parts") or {}).get("record_sets")
        if sets is None:
            return {"zone": zone["id"], "error": "record sets not read"}
        out = {"zone": zone["id"], "CNAME": [], "A": [], "TXT_asuid": []}
        for rs in sets:
            name, kind, props = rs.get("name"), (rs.get("type") or "").rsplit("/", 1)[-1].upper(), rs.get("properties") or {}
            if name == rel and kind == "CNAME" and props.get("CNAMERecord"):
                out["CNAME"].append(props["CNAMERecord"].get("cname"))
            elif name == rel and kind == "A":
                out["A"].extend(a.get("ipv4Address") for a in props.get("ARecords") or [])
            elif name == asuid and kind == "TXT":
                out["TXT_asuid"].extend(v for t in props.get("TXTRecords") or [] for v in t.get("value") or [])
        return out
    return None
