#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: resource_inventory
short_description: Read everything in a subscription or resource group with the settings an audit checks
version_added: 0.1.0
description:
  - Lists every resource of the scope in one paged call (with creation and change times and provisioning state), then reads, only for
    the types present, the settings a security and cost audit needs, with one list call per type and as few calls per resource as
    the API allows.
  - Web apps get their site configuration, whether FTP and SCM basic authentication is allowed, their TLS bindings and their deployment
    slots (state, bindings, last swap); PostgreSQL flexible servers their firewall rules and C(require_secure_transport); storage
    accounts and key vaults their security properties; App Service certificates their expiry and the host names of the scope's apps and
    slots that use them (an empty list is a certificate nothing uses).
  - Never returns secrets - no app setting or connection string values, no keys, no publishing credentials.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group to read; the whole subscription when unset.
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read what the audit of the ERP needs
  erpops.azure.resource_inventory:
    resource_group: erp-supermarket-production-rg
  register: inventory

- name: Fail when a web app still allows FTP basic authentication
  ansible.builtin.assert:
    that: inventory.inventory.sites | selectattr('publishing_credentials.ftp', 'equalto', true) | list | length == 0
"""

RETURN = r"""
inventory:
  description: What the scope holds.
  returned: always
  type: dict
  contains:
    scope:
      description: The scope read.
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
    resources:
      description: Every resource (id, name, type, location, tags, kind, sku, createdTime, changedTime, provisioningState).
      type: list
      elements: dict
      sample:
        - {name: erp-supermarket-prod, type: Microsoft.Web/sites, location: westeurope, createdTime: "2026-11-02T09:12:44Z",
           provisioningState: Succeeded}
    sites:
      description: Web apps with their security-relevant state, site configuration, basic-auth policies (ftp, scm), TLS bindings and last swap.
      type: list
      elements: dict
      sample:
        - name: erp-supermarket-prod
          https_only: true
          state: Running
          site_config: {minTlsVersion: "1.2", ftpsState: Disabled, alwaysOn: true, http20Enabled: true}
          publishing_credentials: {ftp: false, scm: false}
          host_name_ssl_states: [{name: erp.example.com, sslState: SniEnabled, thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567}]
          slot_swap_status: {timestampUtc: "2026-11-02T09:30:00Z", sourceSlotName: staging, destinationSlotName: production}
    slots:
      description: Deployment slots of the web apps, with their state, TLS bindings and last swap (C(slotSwapStatus), null before any).
      type: list
      elements: dict
      sample:
        - name: erp-supermarket-prod/staging
          site: erp-supermarket-prod
          slot: staging
          state: Running
          host_names: [erp-supermarket-prod-staging.azurewebsites.net]
          host_name_ssl_states: []
          slot_swap_status: {timestampUtc: "2026-11-02T09:30:00Z", sourceSlotName: staging, destinationSlotName: production}
          last_modified_time_utc: "2026-11-02T09:30:00Z"
    postgresql_servers:
      description: PostgreSQL flexible servers with their firewall rules and C(require_secure_transport).
      type: list
      elements: dict
      sample:
        - name: erp-postgres-prod
          version: "16"
          sku: {name: Standard_B1ms, tier: Burstable}
          firewall_rules: [{name: AllowAllAzureServices, start_ip_address: 0.0.0.0, end_ip_address: 0.0.0.0}]
          require_secure_transport: "on"
    storage_accounts:
      description: Storage accounts with their security properties (never keys).
      type: list
      elements: dict
      sample:
        - {name: erpsupermarketprodst, minimumTlsVersion: TLS1_2, allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true}
    key_vaults:
      description: Key vaults with their protection and access settings.
      type: list
      elements: dict
      sample:
        - {name: erp-supermarket-prod-kv, enableRbacAuthorization: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true}
    certificates:
      description: App Service certificates with their expiry, the days left and the host names of the scope's apps and slots bound to them.
      type: list
      elements: dict
      sample:
        - {name: erp-cert, subjectName: erp.example.com, expirationDate: "2027-05-01T00:00:00Z", days_to_expiry: 157,
           bound_host_names: [erp.example.com]}
    requests:
      description: How many requests the inventory took.
      type: int
      sample: 9
"""

import datetime

from ansible_collections.erpops.azure.plugins.module_utils.inventory import (
    API,
    CERT,
    PG_SERVER,
    STORAGE,
    VAULT,
    WEB_SITE,
    base,
    bound_host_names,
    days_left,
    pick,
    scope_resources,
    snake,
    ssl_states,
)
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# What an audit reads; anything else (app settings, connection strings, keys, credentials) is never copied.
SITE_PROPS = ("state", "enabled", "httpsOnly", "clientCertEnabled", "clientCertMode", "publicNetworkAccess", "defaultHostName", "serverFarmId",
              "hostNames", "virtualNetworkSubnetId", "keyVaultReferenceIdentity", "slotSwapStatus")
SLOT_PROPS = ("state", "hostNames", "slotSwapStatus", "lastModifiedTimeUtc")
SITE_CONFIG = ("minTlsVersion", "scmMinTlsVersion", "minTlsCipherSuite", "ftpsState", "http20Enabled", "alwaysOn", "linuxFxVersion",
               "healthCheckPath", "remoteDebuggingEnabled", "webSocketsEnabled", "use32BitWorkerProcess", "numberOfWorkers",
               "ipSecurityRestrictionsDefaultAction", "scmIpSecurityRestrictionsDefaultAction", "ipSecurityRestrictions",
               "scmIpSecurityRestrictions", "scmIpSecurityRestrictionsUseMain", "publicNetworkAccess", "appCommandLine")
PG_PROPS = ("version", "state", "fullyQualifiedDomainName", "storage", "backup", "highAvailability", "network", "authConfig", "availabilityZone")
STORAGE_PROPS = ("minimumTlsVersion", "allowBlobPublicAccess", "supportsHttpsTrafficOnly", "allowSharedKeyAccess", "publicNetworkAccess",
                 "networkAcls", "accessTier", "encryption", "primaryEndpoints", "defaultToOAuthAuthentication")
VAULT_PROPS = ("vaultUri", "enableRbacAuthorization", "enableSoftDelete", "softDeleteRetentionInDays", "enablePurgeProtection",
               "publicNetworkAccess", "networkAcls")
CERT_PROPS = ("subjectName", "hostNames", "issuer", "issueDate", "expirationDate", "thumbprint", "canonicalName", "keyVaultId")


def main():
    az = AzureModule(dict(resource_group=dict(type="str")))
    p = az.params

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        scope = sub + ("/resourceGroups/%s" % p["resource_group"] if p["resource_group"] else "")
        if p["resource_group"] and az.arm.get(scope, API["resources"]) is None:
            az.fail("resource group %s not found in subscription %s" % (p["resource_group"], az.subscription_id))
        items = scope_resources(az.arm, scope)
        resources = [dict((k, r[k]) for k in ("id", "name", "type", "location", "tags", "kind", "sku", "createdTime", "changedTime",
                                              "provisioningState") if k in r) for r in items]
        types = {r.get("type", "").lower() for r in resources}
        inv = {"scope": scope, "resources": resources, "sites": [], "slots": [], "postgresql_servers": [], "storage_accounts": [],
               "key_vaults": [], "certificates": []}

        def listing(provider_type, version):
            return az.arm.list(scope + "/providers/" + provider_type, version)

        if WEB_SITE in types:
            for site in listing("Microsoft.Web/sites", API["web"]):
                out = base(site)
                out.update(kind=site.get("kind"), identity=(site.get("identity") or {}).get("type"))
                out.update(dict((snake(k), v) for k, v in pick(site, SITE_PROPS).items()))
                cfg = az.arm.get(site["id"] + "/config/web", API["web"]) or {}
                out["site_config"] = pick(cfg, SITE_CONFIG)
                policies = az.arm.list(site["id"] + "/basicPublishingCredentialsPolicies", API["web"])
                out["publishing_credentials"] = dict((pol.get("name"), (pol.get("properties") or {}).get("allow")) for pol in policies)
                out["host_name_ssl_states"] = ssl_states(site)
                inv["sites"].append(out)
                for slot in az.arm.list(site["id"] + "/slots", API["web"]):
                    one = base(slot)
                    one.update(site=site["name"], slot=slot["name"].split("/")[-1])
                    one.update(dict((snake(k), v) for k, v in pick(slot, SLOT_PROPS).items()))
                    one["host_name_ssl_states"] = ssl_states(slot)
                    inv["slots"].append(one)
        if PG_SERVER in types:
            for server in listing("Microsoft.DBforPostgreSQL/flexibleServers", API["postgres"]):
                out = base(server)
                out["sku"] = server.get("sku")
                out.update(pick(server, PG_PROPS))
                rules = az.arm.list(server["id"] + "/firewallRules", API["postgres"])
                out["firewall_rules"] = [{"name": r.get("name"), "start_ip_address": (r.get("properties") or {}).get("startIpAddress"),
                                          "end_ip_address": (r.get("properties") or {}).get("endIpAddress")} for r in rules]
                tls = az.arm.get(server["id"] + "/configurations/require_secure_transport", API["postgres"]) or {}
                out["require_secure_transport"] = (tls.get("properties") or {}).get("value")
                inv["postgresql_servers"].append(out)
        if STORAGE in types:
            for acct in listing("Microsoft.Storage/storageAccounts", API["storage"]):
                out = base(acct)
                out.update(kind=acct.get("kind"), sku=(acct.get("sku") or {}).get("name"))
                out.update(pick(acct, STORAGE_PROPS))
                inv["storage_accounts"].append(out)
        if VAULT in types:
            for vault in listing("Microsoft.KeyVault/vaults", API["keyvault"]):
                out = base(vault)
                out["sku"] = ((vault.get("properties") or {}).get("sku") or {}).get("name")
                out.update(pick(vault, VAULT_PROPS))
                inv["key_vaults"].append(out)
        if CERT in types:
            now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            for cert in listing("Microsoft.Web/certificates", API["web"]):
                out = base(cert)
                out.update(pick(cert, CERT_PROPS))
                out["days_to_expiry"] = days_left(out.get("expirationDate"), now)
                out["bound_host_names"] = bound_host_names(out, inv["sites"] + inv["slots"])
                inv["certificates"].append(out)
        inv["requests"] = len(az.arm.calls)
        return dict(changed=False, inventory=inv)

    az.run(run)


if __name__ == "__main__":
    main()
