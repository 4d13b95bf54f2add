#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: audit_inventory
short_description: Collect everything the security audit evaluates into one local inventory file, read-only
version_added: 0.1.0
description:
  - Reads the scope (resource groups and/or whole subscriptions) and writes one JSON document, the audit inventory
    (C(erpops-audit-inventory/1)), to O(dest) on the machine that runs the module. C(erpops.azure.audit_evaluate) reads it.
  - Never writes to Azure. It sends GETs and the read-only POST list actions (C(config/appsettings/list),
    C(config/connectionstrings/list), C(config/backup/list)) and Log Analytics queries, nothing else.
  - Collects first, in as few calls as the APIs allow. With O(use_resource_graph), a few paged Azure Resource Graph queries
    give the resources of the scope with their properties (table C(resources)), the configuration (C(config/web)) of every
    site and slot (C(appserviceresources)) and the role assignments and definitions (C(authorizationresources)). Resource
    Graph queries spend none of ARM's per-subscription read tokens; they have a quota of their own (15 per 5 seconds by
    default), which the module respects.
  - When Resource Graph answers an error (403 without C(Microsoft.ResourceGraph/resources/read), 400), or with
    O(use_resource_graph=false), the module reads ARM instead. One paged C(/resources) list per scope entry, one list per
    resource type and scope for the properties, the slots of each site, and a GET of each C(config/web). The error is kept
    in the inventory's C(errors) and C(resource_graph.fallbacks).
  - Then, per resource, only the sub-reads a rule needs. Sites and slots get basic publishing credentials, classified app
    settings and connection strings, and authentication settings without secrets. Sites also get the backup configuration
    and diagnostic settings. Key Vault reference statuses are read only for apps whose settings hold a reference.
    PostgreSQL servers get parameters, firewall rules, administrators, threat protection and diagnostic settings. Storage
    accounts get the blob service, containers, lifecycle policy and diagnostic settings. Key Vaults get secret and key
    attributes. DNS zones get their record sets. Host name bindings are not read; the sites' C(hostNameSslStates) list
    every bound host name. Per subscription it reads role assignments and definitions,
    classic administrators, Defender pricings, security contacts, assessments and alerts, policy assignments, diagnostic
    settings, activity log alerts, budgets, locks and the activity log of the security window.
  - The reads run in a pool of O(concurrency) threads, the POST list actions in another. ARM counts them in two buckets
    (reads 250, refilled at 25 per second; writes, the POST list actions included, 200, refilled at 10 per second, per
    principal and subscription). ARM's 429 answers are retried after their C(Retry-After). Every worker slows down when
    C(x-ms-ratelimit-remaining-subscription-reads) or C(-writes) falls low, before the bucket empties.
  - On a large scope ARM's buckets set the pace. For example, the settings of 1000 sites and slots are 2000 POSTs, over 3
    minutes at 10 per second. O(skip_parts) trades coverage for time.
  - A read the principal may not do (403) does not fail the module. It is recorded in the inventory's C(errors) with the
    action ARM names, for example C(Microsoft.Web/sites/config/list/Action) for app settings under Reader, and the
    evaluator reports the rules that needed it as not evaluated. Other failed reads (404 of an API the cloud does not
    offer, 400) are recorded the same way.
  - Secrets never enter the inventory. App settings and connection strings keep their names and, per value, only a
    classification (C(keyvault_reference), C(plain) or C(empty), and C(secret_like) from the name). Key Vault secrets
    and keys keep their attributes. Authentication settings lose their client secrets. Backup configurations lose their
    SAS URL and database connection strings.
  - TLS as served. For every custom host name of the sites and slots in scope, the module connects on port 443 through
    the system's name resolution (or the HTTPS proxy of the environment, E(HTTPS_PROXY)/E(NO_PROXY)). It records the
    certificate presented (subject, names, issuer, expiry, days left, name match, chain verified against O(ca_path),
    else E(REQUESTS_CA_BUNDLE), else the system's authorities) and which protocol versions the host accepts. A version
    the local OpenSSL cannot offer at all is reported as C(untestable here), never as refused. When the host's Azure
    DNS zone is in scope, its CNAME, A and C(asuid) TXT records are added.
  - Security logs of the window (O(security_logs_days)). From Log Analytics, failed PostgreSQL logins and bursts of HTTP
    401/403 per client IP and 5-minute bucket. From the activity log, ARM writes by principal, role assignment changes
    and firewall rule changes. These are summaries, not raw rows.
  - Returns only a summary. The inventory can be megabytes.
author:
  - erpops.azure maintainers (@erpops)
options:
  scope:
    description:
      - What to read. Each entry is a resource group name (in O(subscription_id)), a resource group id
        (C(/subscriptions/<id>/resourceGroups/<name>)), a subscription id, or C(/subscriptions/<id>).
      - A resource group inside a subscription that is also in the list is read once.
    type: list
    elements: str
    required: true
  dest:
    description:
      - Path of the inventory JSON file to write on the machine that runs the module. Its directory must exist.
      - Written atomically, readable by its owner only (mode C(0600)).
    type: path
    required: true
  concurrency:
    description: How many reads run at the same time (1 to 64).
    type: int
    default: 8
  include_slots:
    description: Read the deployment slots of the web apps, each as a resource of its own with the same parts as a site.
    type: bool
    default: true
  security_logs_days:
    description:
      - The window of the security logs, in days back from now. V(0) skips them (no activity log read, no query).
      - The activity log keeps 90 days; a longer window finds nothing older there.
    type: int
    default: 90
  log_analytics_workspace:
    description:
      - The Log Analytics workspace to query, as a resource id or a workspace (customer) id.
      - Defaults to every workspace found in scope.
    type: str
  http_burst_threshold:
    description: How many 401/403 answers from one client IP within 5 minutes make a burst.
    type: int
    default: 20
  probe_hosts:
    description: Connect to every custom host name to record the certificate and the protocol versions it serves.
    type: bool
    default: true
  ca_path:
    description: PEM bundle of the certificate authorities the TLS probes verify the chain against.
    type: path
  graph_endpoint:
    description:
      - A Microsoft Graph endpoint for the directory rows (guests, MFA, PIM).
      - This version does not read Graph yet. The inventory's C(directory) says C(graph=false) with the reason, with or
        without it, and those rows stay not evaluated.
    type: str
  skip_parts:
    description:
      - Parts not to read, by name (for example V(app_settings), V(connection_strings), V(backup_config),
        V(auth_settings_v2)), to trade coverage for calls on a large scope. The inventory lists them in C(skipped_parts);
        the rules that need them are not evaluated.
      - V(host_name_bindings) is accepted and changes nothing; that part is no longer read.
    type: list
    elements: str
    default: []
  use_resource_graph:
    description:
      - Read the resources, their properties, the sites' and slots' configuration and the role assignments and
        definitions with Azure Resource Graph queries rather than ARM lists and GETs.
      - On an error from Resource Graph, the module falls back to ARM and records the error.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for one TLS connection or handshake of a probe.
    type: int
    default: 10
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    details:
      - Reading Azure is harmless, so check mode runs the same collection and writes the same local file. Nothing is
        ever written to Azure, in check mode or not.
    support: full
  diff_mode:
    details: Nothing is changed in Azure, so there is no difference to show.
    support: none
notes:
  - C(changed) is always false. The module changes nothing in Azure; the local file it writes is its output, not managed state.
  - The least rights are Reader on the scope (plus Log Analytics Reader on the workspaces). With Reader alone the parts
    behind list actions (app settings, connection strings, backup configuration) are recorded as errors naming the
    missing action. C(playbooks/access.yml) can create an "ERP Auditor" role with those read-only actions.
"""

EXAMPLES = r"""
- name: Collect the production ERP's inventory for the quarterly audit
  erpops.azure.audit_inventory:
    scope:
      - erp-supermarket-production-rg
    dest: "{{ audit_report_dir }}/inventory.json"
  register: inventory

- name: Collect two subscriptions without probing the custom domains
  erpops.azure.audit_inventory:
    scope:
      - /subscriptions/00000000-0000-0000-0000-000000000000
      - 11111111-1111-1111-1111-111111111111
    dest: /var/tmp/audit/inventory.json
    probe_hosts: false
    concurrency: 16

- name: Show what the collection cost
  ansible.builtin.debug:
    msg: "{{ inventory.resources }} resources, {{ inventory.calls.arm }} ARM calls ({{ inventory.calls_per_resource }} per resource)"
"""

RETURN = r"""
dest:
  description: The inventory file written.
  returned: always
  type: str
  sample: reports/audit/20261206T234000Z/inventory.json
resources:
  description: How many resources the inventory holds (slots included).
  returned: always
  type: int
  sample: 14
counts_by_type:
  description: Resources per ARM type.
  returned: always
  type: dict
  sample: {"Microsoft.Web/sites": 1, "Microsoft.Web/sites/slots": 1, "Microsoft.DBforPostgreSQL/flexibleServers": 1}
subscriptions:
  description: How many subscriptions the scope touches.
  returned: always
  type: int
  sample: 1
hosts:
  description: How many custom host names were found (and probed when O(probe_hosts) is true).
  returned: always
  type: int
  sample: 1
calls:
  description:
    - Calls sent, in total, to ARM (C(arm)) and to Resource Graph (C(resource_graph), queries and their pages), by method
      and resource type, and how many were answered 429.
  returned: always
  type: dict
  sample: {"total": 71, "arm": 68, "resource_graph": 3, "throttled": 0, "paused_seconds": 0.0,
           "by_type": {"GET Microsoft.Web/sites/basicPublishingCredentialsPolicies": 4, "POST Microsoft.Web/sites/config/list": 8,
                       "POST Microsoft.ResourceGraph/resources": 3}}
calls_per_resource:
  description: ARM calls (Resource Graph queries not counted) divided by resources.
  returned: always
  type: float
  sample: 5.07
calls_by_resource_type:
  description: Average ARM calls per resource of each type (the reads made for that resource only).
  returned: always
  type: dict
  sample: {"Microsoft.Web/sites": 9.0, "Microsoft.Storage/storageAccounts": 5.0}
wall_seconds:
  description: How long the collection took.
  returned: always
  type: float
  sample: 3.4
errors:
  description: How many parts could not be read (each is in the inventory's C(errors)).
  returned: always
  type: int
  sample: 2
missing_actions:
  description: The actions ARM named in its 403 answers, sorted.
  returned: always
  type: list
  elements: str
  sample: [Microsoft.Web/sites/config/list/Action]
changed:
  description: Always false.
  returned: always
  type: bool
  sample: false
"""

import json
import os
import tempfile

from ansible_collections.erpops.azure.plugins.module_utils import audit_collect, loganalytics, tls_probe
from ansible_collections.erpops.azure.plugins.module_utils.arm import ArmClient
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def write_atomically(path, doc):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".inventory-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def validate(p):
    errors = []
    if not 1 <= p["concurrency"] <= 64:
        errors.append("concurrency must be between 1 and 64, got %d" % p["concurrency"])
    if p["security_logs_days"] < 0:
        errors.append("security_logs_days must be 0 (skip) or more, got %d" % p["security_logs_days"])
    if p["timeout"] < 1:
        errors.append("timeout must be at least 1 second, got %d" % p["timeout"])
    if p["http_burst_threshold"] < 1:
        errors.append("http_burst_threshold must be at least 1, got %d" % p["http_burst_threshold"])
    unknown = sorted(set(p["skip_parts"]) - audit_collect.PART_NAMES)
    if unknown:
        errors.append("skip_parts names unknown parts: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(audit_collect.PART_NAMES))))
    directory = os.path.dirname(os.path.abspath(p["dest"]))
    if not os.path.isdir(directory):
        errors.append("the directory of dest (%s) does not exist; create it first" % directory)
    elif os.path.isdir(p["dest"]):
        errors.append("dest %s is a directory; give the path of the inventory file" % p["dest"])
    return errors


def main():
    az = AzureModule(dict(
        scope=dict(type="list", elements="str", required=True),
        dest=dict(type="path", required=True),
        concurrency=dict(type="int", default=8),
        include_slots=dict(type="bool", default=True),
        security_logs_days=dict(type="int", default=90),
        log_analytics_workspace=dict(type="str"),
        http_burst_threshold=dict(type="int", default=20),
        probe_hosts=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        graph_endpoint=dict(type="str"),
        timeout=dict(type="int", default=10),
        skip_parts=dict(type="list", elements="str", default=[]),
        use_resource_graph=dict(type="bool", default=True),
    ))
    p = az.params
    problems = validate(p)
    if problems:
        az.fail("; ".join(problems))

    def run():
        auth = az.arm.auth
        try:
            scope = audit_collect.normalize_scope(p["scope"], auth.subscription_id)
        except audit_collect.ScopeError as exc:
            az.fail(str(exc))
        cloud = p.get("cloud_environment") or "AzureCloud"
        endpoint = loganalytics.ENDPOINTS.get(cloud, loganalytics.ENDPOINTS["AzureCloud"])
        logs = loganalytics.QueryClient(auth.credential(), endpoint, endpoint, principal=p.get("client_id"))

        def query(workspace_id, kql, timespan):
            tables, _partial = logs.query(workspace_id, kql, timespan=timespan)
            return tables[0]["rows"] if tables else []

        collector = audit_collect.Collector(
            lambda: ArmClient(auth, check_mode=True), scope, concurrency=p["concurrency"], include_slots=p["include_slots"],
            probe_hosts=p["probe_hosts"], security_logs_days=p["security_logs_days"], log_analytics_workspace=p["log_analytics_workspace"],
            graph_endpoint=p["graph_endpoint"], timeout=p["timeout"], burst_threshold=p["http_burst_threshold"], query=query,
            probe=lambda host: tls_probe.probe_host(host, ca_path=p["ca_path"], timeout=p["timeout"]), skip_parts=p["skip_parts"],
            use_resource_graph=p["use_resource_graph"])
        try:
            doc, wall = collector.collect()
        except audit_collect.ScopeError as exc:
            az.fail(str(exc))
        write_atomically(p["dest"], doc)
        return dict(changed=False, dest=p["dest"], **audit_collect.summary(doc, wall, collector.stats))

    az.run(run)


if __name__ == "__main__":
    main()
