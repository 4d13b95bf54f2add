#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redis_cache
short_description: Create, update or delete an Azure Cache for Redis
version_added: 0.1.0
description:
  - Creates an Azure Cache for Redis (C(Microsoft.Cache/redis), API 2024-11-01), keeps its tier, TLS settings, Redis configuration and
    tags as asked, scales it within the tier rules, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing. The non-TLS port stays closed and
    TLS 1.2 is required unless you say otherwise.
  - Creating a cache takes Azure 15 to 20 minutes. With O(wait=false) the module returns as soon as Azure accepted it, with an
    RV(operation) handle for M(erpops.azure.operation_wait).
  - The access keys are never returned. To hand one to an application, let the module store it in a Key Vault secret
    (O(access_key_secret)) and reference that secret from the app settings (C(@Microsoft.KeyVault(VaultName=...;SecretName=...))).
  - Azure Cache for Redis (Basic, Standard, Premium) retires on 30 September 2028; its successor is Azure Managed Redis
    (C(Microsoft.Cache/redisEnterprise)), which this module does not manage.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description:
      - Name of the cache, also its host name C(<name>.redis.cache.windows.net), so it must be unique in all of Azure.
      - 1-63 letters, digits and hyphens, starting and ending with a letter or digit, without two hyphens in a row.
    type: str
    required: true
  resource_group:
    description: Resource group of the cache.
    type: str
    required: true
  location:
    description: Azure region, in any spelling Azure accepts (C(westeurope), C(West Europe)). Required to create the cache; a cache cannot move.
    type: str
  sku:
    description:
      - Tier and size. Required to create the cache.
      - A cache can scale up a tier (Basic to Standard, Standard to Premium) but never down, cannot go from Basic to Premium in one step, and
        cannot change size while leaving Basic. The module refuses these changes before any call.
    type: dict
    suboptions:
      name:
        description: The tier. Basic has a single node and no SLA.
        type: str
        required: true
        choices: [Basic, Standard, Premium]
      family:
        description: V(C) for Basic and Standard, V(P) for Premium. Derived from O(sku.name) when unset.
        type: str
        choices: [C, P]
      capacity:
        description: The size, 0-6 for family C (C0 is 250 MB), 1-5 for family P.
        type: int
        required: true
  enable_non_ssl_port:
    description: Open the plain-text port 6379. Clients then reach the cache without TLS, so leave it closed.
    type: bool
    default: false
  minimum_tls_version:
    description: Lowest TLS version clients may use on the TLS port 6380.
    type: str
    default: '1.2'
    choices: ['1.0', '1.1', '1.2']
  redis_configuration:
    description:
      - Redis settings (C(maxmemory-policy), C(maxmemory-reserved), C(notify-keyspace-events) ...). Values are sent as strings.
      - Only the keys given are compared and changed; the others keep Azure's values.
    type: dict
  public_network_access:
    description: Whether the cache accepts connections from public networks (V(Disabled) needs a private endpoint).
    type: str
    choices: [Enabled, Disabled]
  access_key_secret:
    description:
      - Store one of the cache's access keys in a Key Vault secret, so an app can read it through a Key Vault reference.
      - The current secret value is read and compared; a new version is written only when it differs (after a key regeneration, for
        instance). The key never appears in the result, the diff or error messages.
      - The identity running the module needs to read and write secrets of the vault (in RBAC mode, the C(Key Vault Secrets Officer) role).
      - Written once the cache has finished its creation; a run with O(wait=false) that starts the creation leaves it to a later run.
    type: dict
    suboptions:
      vault_name:
        description: Name of the vault.
        type: str
        required: true
      name:
        description: Name of the secret (1-127 letters, digits and hyphens).
        type: str
        required: true
      key:
        description: Which access key to store.
        type: str
        default: primary
        choices: [primary, secondary]
  tags:
    description: Tags of the cache.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the cache should exist. Deleting a cache deletes its data.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
    details: Reading the access key to compare it with O(access_key_secret) is a read-only C(listKeys) call, made in check mode too.
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Start creating the ERP cache (Basic C0, TLS only) without waiting
  erpops.azure.redis_cache:
    name: erp-supermarket-redis
    resource_group: erp-supermarket-production-rg
    location: westeurope
    sku:
      name: Basic
      capacity: 0
    tags:
      application: erp-supermarket
    wait: false
  register: redis_start

- name: Wait for the cache
  erpops.azure.operation_wait:
    operations: ["{{ redis_start.operation }}"]
  when: redis_start.operation is defined

- name: Store the primary key in the ERP vault for the app's Key Vault reference
  erpops.azure.redis_cache:
    name: erp-supermarket-redis
    resource_group: erp-supermarket-production-rg
    access_key_secret:
      vault_name: erp-supermarket-kv
      name: redis-access-key

- name: Evict the least recently used keys when the cache is full
  erpops.azure.redis_cache:
    name: erp-supermarket-redis
    resource_group: erp-supermarket-production-rg
    redis_configuration:
      maxmemory-policy: allkeys-lru
"""

RETURN = r"""
redis_cache:
  description: The cache as Azure returns it, without its access keys; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cache/Redis/erp-supermarket-redis"
    name: erp-supermarket-redis
    type: Microsoft.Cache/Redis
    location: West Europe
    tags: {application: erp-supermarket}
    properties:
      provisioningState: Succeeded
      sku: {name: Basic, family: C, capacity: 0}
      hostName: erp-supermarket-redis.redis.cache.windows.net
      port: 6379
      sslPort: 6380
      enableNonSslPort: false
      minimumTlsVersion: "1.2"
      publicNetworkAccess: Enabled
      redisVersion: "6.0.14"
      redisConfiguration: {maxclients: "256", maxmemory-policy: volatile-lru}
host_name:
  description: The host name clients connect to.
  returned: when the cache exists or would be created
  type: str
  sample: erp-supermarket-redis.redis.cache.windows.net
ssl_port:
  description: The TLS port.
  returned: when the cache exists or would be created
  type: int
  sample: 6380
port:
  description: The plain-text port, open only with O(enable_non_ssl_port=true).
  returned: when the cache exists or would be created
  type: int
  sample: 6379
access_key_secret:
  description: The Key Vault secret holding the access key (never the key), and whether this run wrote it.
  returned: when O(access_key_secret) is set
  type: dict
  sample:
    vault_name: erp-supermarket-kv
    name: redis-access-key
    changed: false
    pending: false
operation:
  description: The pending creation, scale or deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
  sample:
    method: PUT
    resource_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cache/redis/erp-supermarket-redis?api-version=2024-11-01"
    status_code: 201
    async_url: null
    location_url: null
    retry_after: null
    poll: body
    done: false
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.keyvault import VaultClient
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2024-11-01"
# Learn "Naming rules and restrictions for Azure resources" (Microsoft.Cache/redis).
NAME_RE = re.compile(r"^(?!.*--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
SECRET_RE = re.compile(r"^[0-9A-Za-z-]{1,127}$")
# Learn "Azure Cache for Redis pricing tiers": C0-C6 for Basic/Standard, P1-P5 for Premium.
FAMILY = {"Basic": "C", "Standard": "C", "Premium": "P"}
SIZES = {"C": range(0, 7), "P": range(1, 6)}
RANK = {"Basic": 0, "Standard": 1, "Premium": 2}
# Learn "Azure Cache for Redis DNS suffixes" per cloud.
REDIS_SUFFIX = {"AzureCloud": "redis.cache.windows.net", "AzureChinaCloud": "redis.cache.chinacloudapi.cn",
                "AzureUSGovernment": "redis.cache.usgovcloudapi.net"}
REDACTED = "********"


def validate(az, p):
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid cache name: use 1-63 letters, digits and hyphens, starting and ending with a letter or digit, "
                "without two hyphens in a row" % p["name"])
    sku = p["sku"]
    if sku:
        family = sku["family"] or FAMILY[sku["name"]]
        if family != FAMILY[sku["name"]]:
            az.fail("sku.family %s does not match sku.name %s: use family %s" % (family, sku["name"], FAMILY[sku["name"]]))
        if sku["capacity"] not in SIZES[family]:
            az.fail("sku.capacity %s is not a %s size: use %d to %d" % (sku["capacity"], sku["name"], SIZES[family][0], SIZES[family][-1]))
    secret = p["access_key_secret"]
    if secret and not SECRET_RE.match(secret["name"]):
        az.fail("access_key_secret.name %r is not a valid secret name: use 1-127 letters, digits and hyphens" % secret["name"])


def check_scale(az, name, current_sku, wanted):
    """Learn "Scale an Azure Cache for Redis instance": tiers only go up, one step from Basic, and Basic -> Standard keeps the size."""
    have, want = current_sku.get("name"), wanted["name"]
    if have not in RANK or have == want:
        return
    if RANK[want] < RANK[have]:
        az.fail("cache %s is %s and cannot scale down to %s; create a new cache instead" % (name, have, want))
    if have == "Basic" and want == "Premium":
        az.fail("cache %s is Basic and cannot scale to Premium in one step: scale to Standard first, then to Premium" % name)
    if have == "Basic" and wanted["capacity"] != current_sku.get("capacity"):
        az.fail("cache %s cannot change tier and size at once when leaving Basic: scale to Standard C%s first, then to C%s"
                % (name, current_sku.get("capacity"), wanted["capacity"]))


def busy(doc):
    return str(((doc or {}).get("properties") or {}).get("provisioningState") or "Succeeded").lower() not in ("succeeded", "failed", "canceled")


def public(doc, name, suffix):
    """The cache without its access keys (Azure sends them in the creation answer), with the address filled in when predicted."""
    if not doc:
        return {}
    out = dict(doc)
    props = dict(out.get("properties") or {})
    props.pop("accessKeys", None)
    props.setdefault("hostName", "%s.%s" % (name.lower(), suffix))
    props.setdefault("port", 6379)
    props.setdefault("sslPort", 6380)
    out["properties"] = props
    return out


class VaultSecret:
    """One Key Vault secret on the data plane, through module_utils/keyvault.py's client."""

    def __init__(self, az, vault_name, name, cloud):
        self.client = VaultClient(az, vault_name, cloud)
        self.path = "/secrets/" + name

    def _send(self, method, body=None, expect=(200,)):
        return self.client.request(method, self.path, body=body, expect=expect)

    def value(self):
        status, body = self._send("GET", expect=(200, 404))
        return None if status == 404 else (body or {}).get("value")

    def set(self, value):
        self._send("PUT", body={"value": value, "contentType": "text/plain"})


def store_key(az, p, doc, pending, would_create):
    """Put the chosen access key in the secret when it differs. Returns (changed, result)."""
    spec = p["access_key_secret"]
    out = {"vault_name": spec["vault_name"], "name": spec["name"], "changed": False, "pending": False}
    if would_create:
        out["changed"] = True  # check mode on a cache still to create: its key will be new
        return True, out
    if pending or str(doc["properties"].get("provisioningState") or "Succeeded").lower() != "succeeded":
        out["pending"] = True  # the keys are handed out once the creation or scale is over
        return False, out
    _st, _h, keys = az.arm.request("POST", "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Cache/redis/%s/listKeys"
                                   % (az.subscription_id, p["resource_group"], p["name"]), API_VERSION, read_only=True, expect=(200,))
    key = (keys or {}).get(spec["key"] + "Key")
    if not key:
        az.fail("Azure returned no %s key for cache %s" % (spec["key"], p["name"]))
    secret = VaultSecret(az, spec["vault_name"], spec["name"], p["cloud_environment"] or "AzureCloud")
    if secret.value() == key:
        return False, out
    out["changed"] = True
    if not az.check_mode:
        secret.set(key)
    return True, out


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        sku=dict(type="dict", options=dict(name=dict(type="str", required=True, choices=["Basic", "Standard", "Premium"]),
                                           family=dict(type="str", choices=["C", "P"]),
                                           capacity=dict(type="int", required=True))),
        enable_non_ssl_port=dict(type="bool", default=False),
        minimum_tls_version=dict(type="str", default="1.2", choices=["1.0", "1.1", "1.2"]),
        redis_configuration=dict(type="dict"),
        public_network_access=dict(type="str", choices=["Enabled", "Disabled"]),
        # Names of a secret and of a key, not secrets: no_log=False silences Ansible's guess from the option names.
        access_key_secret=dict(type="dict", no_log=False, options=dict(
            vault_name=dict(type="str", required=True),
            name=dict(type="str", required=True),
            key=dict(type="str", default="primary", choices=["primary", "secondary"], no_log=False))),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    validate(az, p)
    suffix = REDIS_SUFFIX[p["cloud_environment"] or "AzureCloud"]

    def run():
        cache = Resource(az, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Cache/redis/%s" % (az.subscription_id, p["resource_group"], p["name"]),
                         API_VERSION, update_method="PATCH", secret_paths=("properties.accessKeys",),
                         ci_paths=("properties.sku.name", "properties.sku.family", "properties.publicNetworkAccess"))
        current = cache.get()
        if current is not None and p["wait"] and not az.check_mode and busy(current):
            # An earlier run started a creation or a scale without waiting: Azure refuses changes until it is over.
            current = cache.current = az.arm.wait({"method": "PUT", "resource_url": az.arm.url(cache.path) + "?api-version=" + API_VERSION,
                                                   "poll": "body", "done": False, "retry_after": 30}, p["wait_timeout"])
        if p["state"] == "absent":
            changed, _doc, diff, op = cache.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, redis_cache={}, diff=diff, **({"operation": op} if op else {}))
        cur_props = (current or {}).get("properties") or {}
        if current is None and (not p["location"] or not p["sku"]):
            az.fail("location and sku are required to create cache %s" % p["name"])
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("cache %s is in %s; a cache cannot move to %s" % (p["name"], current["location"], p["location"]))
        sku = None
        if p["sku"]:
            sku = {"name": p["sku"]["name"], "family": p["sku"]["family"] or FAMILY[p["sku"]["name"]], "capacity": p["sku"]["capacity"]}
            if current is not None:
                check_scale(az, p["name"], cur_props.get("sku") or {}, sku)
        conf = None
        if p["redis_configuration"] is not None:
            conf = dict((k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in p["redis_configuration"].items())
        props = {"sku": sku, "enableNonSslPort": p["enable_non_ssl_port"], "minimumTlsVersion": p["minimum_tls_version"],
                 "publicNetworkAccess": p["public_network_access"], "redisConfiguration": conf or None}
        desired = {"location": p["location"], "tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"]),
                   "properties": props}
        if current is None:
            body = {"location": p["location"], "tags": desired["tags"] or {},
                    "properties": dict((k, v) for k, v in props.items() if v is not None)}
        else:
            # PATCH (RedisUpdateParameters): only what the user set; Azure keeps the rest.
            body = {"properties": dict((k, v) for k, v in props.items() if v is not None)}
            if desired["tags"] is not None:
                body["tags"] = desired["tags"]
        changed, doc, diff, op = cache.ensure_present(desired, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        doc, diff = planned(az, cache.path, changed, doc, diff)
        doc = public(doc, p["name"], suffix)
        diff = {"before": public(diff["before"], p["name"], suffix) if diff["before"] else {}, "after": public(diff["after"], p["name"], suffix)}
        result = dict(changed=changed, redis_cache=doc, diff=diff, host_name=doc["properties"]["hostName"], port=doc["properties"]["port"],
                      ssl_port=doc["properties"]["sslPort"])
        if op:
            result["operation"] = op
        if p["access_key_secret"]:
            secret_changed, result["access_key_secret"] = store_key(az, p, doc, pending=op is not None, would_create=current is None and az.check_mode)
            if secret_changed:
                result["changed"] = True
                diff["before"]["access_key_secret"] = "%s/%s" % (p["access_key_secret"]["vault_name"], p["access_key_secret"]["name"])
                diff["after"]["access_key_secret"] = diff["before"]["access_key_secret"] + " " + REDACTED + " (new version)"
        return result

    az.run(run)


if __name__ == "__main__":
    main()
