# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: erp
short_description: Every ERP deployment of erpops.azure in Azure, one inventory host each
version_added: 0.1.0
description:
  - Finds the ERP deployments C(playbooks/deploy.yml) made, across subscriptions and resource groups, and makes each one a
    host of the group C(erp), the group the maintenance and audit playbooks run on. One job then covers every ERP, several
    at a time (C(--forks)), and AWX can slice it across execution nodes (C(job_slice_count)).
  - A deployment is a resource group whose tags include every tag of O(tags) (by default C(managed-by=erpops.azure), which
    the deploy puts on the resource group and on each resource). Its resources are the ones of that resource group
    carrying the same tags.
  - Two Azure Resource Graph queries find them all, whatever their number (1000 rows a page), instead of one Resource
    Manager list per resource group and type; Resource Graph only returns what the credential may read.
  - The host is named after the deployment's web app (unique in Azure, it is C(<name>.azurewebsites.net)), or after
    its resource group when it has no web app or several.
  - Each host gets the names the playbooks read (C(erp_subscription_id), C(erp_resource_group), C(erp_location),
    C(erp_tags), C(erp_web_app_name), C(erp_staging_slot), C(erp_plan_name), C(erp_postgresql_server_name),
    C(storage_account_name), C(backups_storage_account_name), C(monitoring_workspace_name),
    C(monitoring_insights_name), C(erp_key_vault_name) when present) and C(erp_resources), the ids and key properties of
    its web app, slots, plan, PostgreSQL server, storage accounts and monitoring resources.
  - Groups, besides C(erp) - C(erp_environment_<environment tag>), C(erp_location_<region>) and
    C(erp_subscription_<subscription id>) - and whatever O(keyed_groups), O(groups) and O(compose) add.
  - Credentials as the modules take them (the options below, or the environment variables AWX's Microsoft Azure
    Resource Manager credential injects). Proxies and the trust store come from the environment (E(HTTPS_PROXY),
    E(NO_PROXY), E(REQUESTS_CA_BUNDLE)).
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; the file must end with C(erp.yml) or C(erp.yaml).
    type: str
    required: true
    choices: [erpops.azure.erp]
  subscriptions:
    description:
      - The subscriptions to look in.
      - Empty means the credential's subscription (O(subscription_id)).
      - V(all) looks in every subscription the credential can see (one Resource Manager list).
    type: list
    elements: str
    default: []
  resource_groups:
    description: Only these resource groups (names, any case). Empty means every tagged resource group.
    type: list
    elements: str
    default: []
  local:
    description:
      - "Every host is an Azure deployment, managed from the controller: each host gets C(ansible_connection=local) and
        C(ansible_python_interpreter) set to C(ansible_playbook_python) (the Python with the Azure SDK Ansible runs on)."
      - V(false) leaves both to the inventory's variables.
    type: bool
    default: true
  tags:
    description:
      - The tags that mark a deployment; a resource group (and a resource) belongs when it carries all of them.
      - Values compare without regard to case, as Azure compares tag values in Resource Graph (C(=~)).
    type: dict
    default:
      managed-by: erpops.azure
  auth_source:
    description: As the modules' O(auth_source).
    type: str
    default: auto
    choices: [auto, env, credential_file, cli, msi, workload_identity]
    env:
      - name: ANSIBLE_AZURE_AUTH_SOURCE
  subscription_id:
    description: The credential's subscription; the default of O(subscriptions).
    type: str
    env:
      - name: AZURE_SUBSCRIPTION_ID
  client_id:
    description: Application (client) ID of the service principal.
    type: str
    env:
      - name: AZURE_CLIENT_ID
  secret:
    description: Client secret of the service principal. Never shown.
    type: str
    env:
      - name: AZURE_SECRET
      - name: AZURE_CLIENT_SECRET
  tenant:
    description: Microsoft Entra tenant ID.
    type: str
    env:
      - name: AZURE_TENANT
      - name: AZURE_TENANT_ID
  profile:
    description: Section of C(~/.azure/credentials) to use.
    type: str
    env:
      - name: AZURE_PROFILE
  cloud_environment:
    description: The Azure cloud whose endpoints are used.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureChinaCloud, AzureUSGovernment]
    env:
      - name: AZURE_CLOUD_ENVIRONMENT
  arm_endpoint:
    description: A custom Resource Manager endpoint, overriding O(cloud_environment)'s.
    type: str
    env:
      - name: AZURE_ARM_ENDPOINT
  authority_host:
    description: A custom Entra ID authority host.
    type: str
    env:
      - name: AZURE_AUTHORITY_HOST
requirements:
  - azure-core
  - azure-mgmt-core
  - azure-identity
notes:
  - The storage accounts are told apart by a C(erp-purpose) tag (C(media) or C(backups)) when they have one, else by
    name (the one whose name contains C(backup) holds the app backups), as C(playbooks/deploy.yml) names them.
  - Host variables set here take precedence over C(group_vars), so the names in C(group_vars/all/erp.yml) stay the
    defaults for an inventory that lists hosts by hand.
"""

EXAMPLES = r"""
# inventories/azure/erp.yml - every ERP of the credential's subscription
plugin: erpops.azure.erp

# Several subscriptions, the production ones only, grouped by the application tag, cached for an hour:
# plugin: erpops.azure.erp
# subscriptions: [00000000-0000-0000-0000-000000000001, 00000000-0000-0000-0000-000000000002]
# tags: {managed-by: erpops.azure, environment: production}
# keyed_groups:
#   - key: erp_tags.application
#     prefix: app
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/erpops-azure-inventory
# cache_timeout: 3600

# Then: ansible-playbook playbooks/maintain_daily.yml -i inventories/azure/erp.yml --forks 20
"""

import re

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:
    from ansible_collections.erpops.azure.plugins.module_utils.auth import AuthError, resolve
    from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
    HAS_ENGINE = True
except ImportError:  # pragma: no cover - reported by parse()
    HAS_ENGINE = False

GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources"
GRAPH_API = "2021-03-01"
SUBSCRIPTIONS_API = "2022-12-01"
PAGE = 1000
RG_TYPE = "microsoft.resources/subscriptions/resourcegroups"
# The resource types of a deployment the host variables describe (Resource Graph spells types in lower case).
TYPES = {
    "microsoft.web/sites": "web_app",
    "microsoft.web/sites/slots": "slots",
    "microsoft.web/serverfarms": "plan",
    "microsoft.dbforpostgresql/flexibleservers": "postgresql",
    "microsoft.storage/storageaccounts": "storage",
    "microsoft.operationalinsights/workspaces": "workspace",
    "microsoft.insights/components": "insights",
    "microsoft.insights/actiongroups": "action_group",
    "microsoft.insights/autoscalesettings": "autoscale",
    "microsoft.keyvault/vaults": "key_vault",
    "microsoft.cache/redis": "redis",
}
# The properties kept per type: what the maintenance and audit routines and an operator choosing a --limit look at.
KEEP = {
    "web_app": ("state", "defaultHostName", "enabledHostNames", "httpsOnly", "serverFarmId", "outboundIpAddresses"),
    "slots": ("state", "defaultHostName", "httpsOnly"),
    "plan": ("status", "numberOfWorkers", "maximumNumberOfWorkers"),
    "postgresql": ("state", "version", "fullyQualifiedDomainName", "storage", "backup", "highAvailability"),
    "storage": ("primaryEndpoints", "minimumTlsVersion", "allowBlobPublicAccess"),
    "workspace": ("customerId", "retentionInDays"),
    "insights": ("AppId", "WorkspaceResourceId"),
    "action_group": ("enabled",),
    "autoscale": ("enabled",),
    "key_vault": ("vaultUri",),
    "redis": ("hostName", "sslPort"),
}
GROUP_SAFE = re.compile(r"[^A-Za-z0-9_]")


def kql_string(value):
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "erpops.azure.erp"

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._arm = None
        self.calls = 0

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("erp.yml", "erp.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        if not HAS_ENGINE:
            raise AnsibleError("erpops.azure.erp needs the erpops.azure collection's module_utils and azure-core, azure-mgmt-core, azure-identity")
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        deployments = None
        if use_cache:
            try:
                deployments = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if deployments is None:
            try:
                deployments = self._discover()
            except AnsibleError:
                raise
            except Exception as exc:  # azure-core's and the engine's errors: sign-in refused, Azure unreachable
                from ansible_collections.erpops.azure.plugins.module_utils.arm import AzureConnectionError

                try:
                    from azure.core.exceptions import ClientAuthenticationError
                except ImportError:  # pragma: no cover
                    ClientAuthenticationError = AzureConnectionError  # noqa: N806
                if isinstance(exc, ClientAuthenticationError):
                    raise AnsibleError("erpops.azure.erp: Microsoft Entra ID refused the credential: %s" % exc) from exc
                if isinstance(exc, AzureConnectionError):
                    raise AnsibleError("erpops.azure.erp: Azure could not be reached: %s" % exc) from exc
                raise
        if update_cache:
            self._cache[cache_key] = deployments
        self._populate(deployments)

    # -- Azure ---------------------------------------------------------------------------------------------
    def _client(self):
        if self._arm is None:
            from ansible_collections.erpops.azure.plugins.module_utils.arm import ArmClient

            params = dict((name, self.get_option(name)) for name in ("auth_source", "subscription_id", "client_id", "secret", "tenant",
                                                                     "profile", "cloud_environment", "arm_endpoint", "authority_host"))
            # The queries name their subscriptions themselves: a credential without one is enough when the file lists them.
            if not params["subscription_id"] and self.get_option("subscriptions"):
                params["subscription_id"] = "-"
            try:
                self._arm = ArmClient(resolve(params))
            except AuthError as exc:
                raise AnsibleError("erpops.azure.erp: %s" % exc) from exc
        return self._arm

    def _subscriptions(self):
        wanted = [str(s).strip() for s in self.get_option("subscriptions") or []]
        if "all" in wanted:
            found = self._client().list("/subscriptions", SUBSCRIPTIONS_API)
            self.calls += 1
            return sorted(s["subscriptionId"] for s in found if (s.get("state") or "Enabled") == "Enabled")
        if wanted:
            return wanted
        sub = self.get_option("subscription_id")
        if not sub:
            raise AnsibleError("erpops.azure.erp: name the subscriptions to look in (subscriptions, subscription_id or AZURE_SUBSCRIPTION_ID)")
        return [sub]

    def _graph(self, query, subscriptions):
        rows, token = [], None
        while True:
            options = {"$top": PAGE}
            if token:
                options["$skipToken"] = token
            _status, _headers, body = self._client().request("POST", GRAPH_PATH, GRAPH_API, read_only=True, expect=(200,),
                                                             body={"subscriptions": subscriptions, "query": query, "options": options})
            self.calls += 1
            body = body or {}
            rows.extend(body.get("data") or [])
            token = body.get("$skipToken")
            if not token:
                if str(body.get("resultTruncated")).lower() == "true":
                    raise AnsibleError("erpops.azure.erp: Resource Graph truncated the answer without a $skipToken")
                return rows

    def _tag_filter(self):
        tags = self.get_option("tags") or {}
        return " and ".join("tostring(tags[%s]) =~ %s" % (kql_string(k), kql_string(v)) for k, v in sorted(tags.items()))

    def _discover(self):
        """The deployments, as plain data (what the cache keeps): one dict per tagged resource group with its resources."""
        subscriptions = self._subscriptions()
        tags = self._tag_filter()
        groups_filter = [g.lower() for g in self.get_option("resource_groups") or []]
        query = "resourcecontainers | where type =~ %s" % kql_string(RG_TYPE)
        if tags:
            query += " | where " + tags
        if groups_filter:
            query += " | where resourceGroup in~ (%s)" % ", ".join(kql_string(g) for g in groups_filter)
        query += " | project id, name, subscriptionId, location, tags"
        try:
            containers = self._graph(query, subscriptions)
            if not containers:
                return []
            names = sorted({c["name"].lower() for c in containers})
            query = ("resources | where type in~ (%s) | where resourceGroup in~ (%s)"
                     % (", ".join(kql_string(t) for t in sorted(TYPES)), ", ".join(kql_string(n) for n in names)))
            if tags:
                query += " | where " + tags
            query += " | project id, name, type, kind, location, resourceGroup, subscriptionId, sku, tags, properties"
            resources = self._graph(query, sorted({c["subscriptionId"] for c in containers}))
        except AzureApiError as exc:
            raise AnsibleError("erpops.azure.erp: Resource Graph answered %s %s: %s" % (exc.status, exc.code, exc.message)) from exc
        by_group = {}
        for row in resources:
            by_group.setdefault((row.get("subscriptionId"), (row.get("resourceGroup") or "").lower()), []).append(row)
        out = []
        for c in sorted(containers, key=lambda c: (c["subscriptionId"], c["name"].lower())):
            rows = by_group.get((c["subscriptionId"], c["name"].lower()), [])
            out.append({"subscription_id": c["subscriptionId"], "resource_group": c["name"], "id": c["id"], "location": c.get("location"),
                        "tags": c.get("tags") or {}, "resources": [_digest(r) for r in sorted(rows, key=lambda r: r["id"].lower())]})
        return out

    # -- inventory -------------------------------------------------------------------------------------------
    def _populate(self, deployments):
        self.inventory.add_group("erp")
        seen = {}
        for dep in deployments:
            hostvars = host_variables(dep)
            # erp_web_app_name is set only when the group holds exactly one web app.
            name = hostvars.get("erp_web_app_name") or dep["resource_group"]
            if name in seen:
                name = "%s_%s" % (name, dep["subscription_id"])
            seen[name] = True
            host = self.inventory.add_host(name, group="erp")
            if self.get_option("local"):
                self.inventory.set_variable(host, "ansible_connection", "local")
                self.inventory.set_variable(host, "ansible_python_interpreter", _trusted("{{ ansible_playbook_python }}"))
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            for group in ("erp_environment_%s" % (dep["tags"].get("environment") or ""), "erp_location_%s" % (dep["location"] or ""),
                          "erp_subscription_%s" % dep["subscription_id"]):
                if not group.endswith("_"):
                    group = self.inventory.add_group(GROUP_SAFE.sub("_", group.lower()))
                    self.inventory.add_child(group, host)
            strict = self.get_option("strict")
            variables = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)


def _trusted(template):
    """Our own template text (not Azure's data), to be rendered when the host is used (ansible-core 2.19 renders only
    trusted text; earlier versions render any)."""
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core < 2.19
        return template
    return trust_as_template(template)


def _digest(row):
    kind = TYPES.get((row.get("type") or "").lower())
    props = row.get("properties") or {}
    keep = dict((k, props[k]) for k in KEEP.get(kind, ()) if k in props)
    out = {"id": row["id"], "name": row["name"], "type": kind, "location": row.get("location"), "tags": row.get("tags") or {},
           "properties": keep}
    if row.get("sku"):
        out["sku"] = row["sku"]
    if row.get("kind"):
        out["kind"] = row["kind"]
    return out


def _storage_purpose(resource):
    purpose = str((resource.get("tags") or {}).get("erp-purpose") or "").lower()
    if purpose in ("media", "backups"):
        return purpose
    return "backups" if "backup" in resource["name"].lower() else "media"


def host_variables(dep):
    """The host variables of one deployment (see DOCUMENTATION)."""
    by_kind = {}
    for r in dep["resources"]:
        by_kind.setdefault(r["type"], []).append(r)
    sites = by_kind.get("web_app", [])
    out = {"erp_subscription_id": dep["subscription_id"], "erp_resource_group": dep["resource_group"], "erp_resource_group_id": dep["id"],
           "erp_location": dep["location"], "erp_tags": dep["tags"]}
    if len(sites) == 1:
        out["erp_web_app_name"] = sites[0]["name"]
        slots = [s for s in by_kind.get("slots", []) if s["name"].split("/")[0].lower() == sites[0]["name"].lower()]
        if slots:
            out["erp_staging_slot"] = slots[0]["name"].split("/")[-1]
    single = (("plan", "erp_plan_name"), ("postgresql", "erp_postgresql_server_name"), ("workspace", "monitoring_workspace_name"),
              ("insights", "monitoring_insights_name"), ("key_vault", "erp_key_vault_name"))
    for kind, var in single:
        if len(by_kind.get(kind, [])) == 1:
            out[var] = by_kind[kind][0]["name"]
    for account in by_kind.get("storage", []):
        var = "backups_storage_account_name" if _storage_purpose(account) == "backups" else "storage_account_name"
        out.setdefault(var, account["name"])
    resources = {}
    for kind, items in by_kind.items():
        resources[kind] = items if kind in ("slots", "storage") or len(items) > 1 else items[0]
    out["erp_resources"] = resources
    return out
