"""Microsoft.Cache/Redis (Azure Cache for Redis, api 2024-03-01 / 2024-11-01): validation and the stored document.

Sources: azure-rest-api-specs ``redis.json`` 2024-11-01 and its examples (``RedisCacheCreate.json``: ``sku`` inside
``properties``, type ``Microsoft.Cache/Redis``, ``hostName``, ``port`` 6379, ``sslPort`` 6380, ``instances``,
full ``redisVersion``; ``RedisCacheCheckNameAvailability.json``: 200 without a body), azure-mgmt-redis 14.5 models,
arm-data.md §8 (states, timings, name rules), public issues quoted per rule.

Retirement (arm-data.md §8 / §12 item 9): Azure Cache for Redis Basic/Standard/Premium retires on 30 Sep 2028 and
Enterprise/Enterprise Flash on 31 Mar 2027, replaced by Azure Managed Redis (Microsoft.Cache/redisEnterprise);
Microsoft phases out new-cache creation ahead of that (exact block date unverified), which azsim does not enforce.
No data plane: azsim does not run a Redis server behind ``{name}.redis.cache.windows.net`` (management plane only).
"""

import base64
import os
import re

from ...core import locations, resource
from ...core.errors import AzureError

NAMESPACE = "Microsoft.Cache"
TYPE = "Microsoft.Cache/Redis"
HOST_SUFFIX = ".redis.cache.windows.net"
# Learn "Naming rules ... Microsoft.Cache": 1-63, alphanumerics and hyphens, start and end with alphanumeric, no "--".
NAME_RE = re.compile(r"^(?!.*--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
SKUS = {"Basic": ("C", range(0, 7)), "Standard": ("C", range(0, 7)), "Premium": ("P", range(1, 6))}  # swagger Sku + Learn pricing tiers
TLS = ("1.0", "1.1", "1.2")
# Full version Azure reports for a major (RedisCacheCreate examples: "4.0.14"; 6 -> 6.0.x on the service; unverified minor).
VERSIONS = {"6": "6.0.14"}
# maxclients per size (Learn "Azure Cache for Redis ... default configuration"; unverified figures).
MAX_CLIENTS = {("C", 0): 256, ("C", 1): 1000, ("C", 2): 2000, ("C", 3): 5000, ("C", 4): 10000, ("C", 5): 15000, ("C", 6): 20000,
               ("P", 1): 7500, ("P", 2): 15000, ("P", 3): 30000, ("P", 4): 40000, ("P", 5): 40000}


def cache_id(sub, rg, name):
    return resource.provider_id(sub, rg, NAMESPACE, "Redis", name)


def all_caches(app):
    return [d for d in app.store.values(resource.TABLE) if (d.get("type") or "").lower() == TYPE.lower()]


def by_name(app, name):
    return next((d for d in all_caches(app) if d["name"].lower() == name.lower()), None)


def name_taken_error():
    # Quoted in Azure/azure-service-operator#852 and Azure-Samples/acme-fitness-store#13 (409 from CheckNameAvailability and PUT).
    return AzureError(409, "NameNotAvailable", "An error occured when trying to reserve the DNS name for the cache instance. This may be a "
                      "temporary issue if a cache instance of this name was recently deleted. Please choose a different name or try again later.")


def validate_name(name):
    if not NAME_RE.match(name or ""):
        # Rule from Learn naming rules; code and text unverified.
        raise AzureError(400, "InvalidParameter", f"The cache name '{name}' is invalid. Cache names must be 1-63 characters long, contain only "
                         "letters, numbers and hyphens, start and end with a letter or number, and not contain consecutive hyphens.")


def new_key():
    return base64.b64encode(os.urandom(32)).decode()  # 44 characters, as Azure's access keys (unverified length)


def resolve_sku(sku, previous=None):
    if sku is None and previous is not None:
        return dict(previous)
    if not isinstance(sku, dict) or sku.get("name") is None or sku.get("family") is None or sku.get("capacity") is None:
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Required property 'sku' (name, family, capacity) not found in JSON.'.")
    name = next((n for n in SKUS if isinstance(sku["name"], str) and n.lower() == sku["name"].lower()), None)
    if name is None:
        raise AzureError(400, "InvalidRequestBody", f"The value '{sku['name']}' is not valid for sku.name.")  # unverified text
    family, sizes = SKUS[name]
    if str(sku["family"]).upper() != family:
        # The RP's own exception text, quoted in Azure/azure-powershell#9510 (code unverified).
        raise AzureError(400, "BadRequest", "Exception of type 'AzCacheRP.Exceptions.SkuFamilyNotSupportedException' was thrown.")
    cap = sku["capacity"]
    if isinstance(cap, bool) or not isinstance(cap, int) or cap not in sizes:
        raise AzureError(400, "BadRequest", f"The capacity '{cap}' is not valid for the {name} SKU; valid values are "
                         f"{sizes.start}-{sizes.stop - 1}.")  # rule: Learn pricing tiers (C0-C6, P1-P5); text unverified
    return {"name": name, "family": family, "capacity": cap}


# TLS 1.0/1.1: a new cache takes only 1.2 as its minimum since March 2024, and TLS 1.0/1.1 are retired on every cache
# since 2024-11-01 (Learn "What are the configuration settings for TLS?", MicrosoftDocs/azure-docs articles/
# azure-cache-for-redis/cache-tls-configuration.md: "Starting November 01, 2024, TLS 1.0 and 1.1 will no longer be
# supported"; PSRule Azure.Redis.MinTLS: "It is not possible to set the properties.minimumTlsVersion [below 1.2] on new
# cache deployments from March 2024"). The error's code and text are unverified.
RETIRED_TLS = ("1.0", "1.1")


def _tls(value, new=False):
    if value is None:
        return "1.2"  # swagger: "default: 1.2" since 2023 API versions (unverified); TLS 1.0/1.1 retirement under way
    if value not in TLS:
        raise AzureError(400, "InvalidRequestBody", f"The value '{value}' is not valid for minimumTlsVersion. Valid values are 1.0, 1.1, 1.2.")
    if new and value in RETIRED_TLS:
        raise AzureError(400, "BadRequest", f"minimumTlsVersion '{value}' is no longer supported: TLS 1.0 and 1.1 are retired, "
                         "new caches take 1.2.")
    return value


def _version(value):
    v = str(value or "6").lower()
    if v == "latest":
        return "6"  # RedisCacheCreateLatestVersion example: "latest" resolves to the newest supported major
    major = v.split(".", maxsplit=1)[0]
    if major == "4":
        # Learn "Azure Cache for Redis retired features": Redis 4 no longer supports creating new instances (text unverified).
        raise AzureError(400, "BadRequest", "Redis version 4 is retired and can no longer be used to create caches. Use Redis version 6.")
    if major not in VERSIONS:
        raise AzureError(400, "BadRequest", f"Redis version '{value}' is not supported. Supported values are '6' and 'latest'.")  # unverified
    return major


def _instances(sku, shards):
    per = 1 if sku["name"] == "Basic" else 2
    out = []
    for shard in range(shards):
        for i in range(per):
            n = shard * per + i
            item = {"sslPort": 15000 + n, "nonSslPort": 13000 + n, "isMaster": i == 0, "isPrimary": i == 0}
            if sku["name"] == "Premium":
                item["shardId"] = shard
            out.append(item)
    return out


def new_cache(app, req, sub, rg, name, body, now_iso):
    props = body.get("properties")
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
    loc = locations.normalize(body.get("location"))
    if loc is None:
        raise AzureError(400, "LocationNotAvailableForResourceType", f"The provided location '{body.get('location')}' is not available for "
                         f"resource type '{TYPE}'.")  # ARM's message (partly unverified)
    sku = resolve_sku(props.get("sku"))
    shards = props.get("shardCount") or 1
    if shards != 1 and sku["name"] != "Premium":
        raise AzureError(400, "BadRequest", "Clustering (shardCount) is only supported on Premium caches.")  # Learn; text unverified
    version = _version(props.get("redisVersion"))
    conf = {"maxclients": str(MAX_CLIENTS[(sku["family"], sku["capacity"])]), "maxmemory-reserved": "30", "maxfragmentationmemory-reserved": "30",
            "maxmemory-delta": "30"}
    conf.update({k: str(v) for k, v in (props.get("redisConfiguration") or {}).items()})
    return {
        "id": cache_id(sub, rg, name), "name": name, "type": TYPE, "location": locations.display(loc),
        "tags": resource.validate_tags(body.get("tags")), "zones": body.get("zones") or None,
        "systemData": resource.system_data(app, req),
        "properties": {
            "provisioningState": "Creating", "redisVersion": VERSIONS[version], "sku": sku,
            "enableNonSslPort": bool(props.get("enableNonSslPort", False)), "minimumTlsVersion": _tls(props.get("minimumTlsVersion"), new=True),
            "publicNetworkAccess": props.get("publicNetworkAccess") or "Enabled", "redisConfiguration": conf,
            "hostName": name.lower() + HOST_SUFFIX, "port": 6379, "sslPort": 6380, "accessKeys": None,
            "replicasPerMaster": 1 if sku["name"] != "Basic" else 0, "replicasPerPrimary": 1 if sku["name"] != "Basic" else 0,
            "updateChannel": props.get("updateChannel") or "Stable", "disableAccessKeyAuthentication": bool(props.get("disableAccessKeyAuthentication", False)),
            "instances": _instances(sku, shards), "linkedServers": [], "privateEndpointConnections": [], "tenantSettings": props.get("tenantSettings") or {},
            "_keys": {"primaryKey": new_key(), "secondaryKey": new_key()}, "_redisMajor": version, "_shards": shards,
        },
    }


def apply_update(doc, body):
    """PATCH (and PUT on an existing cache): returns True when the change is a scale (Scaling state)."""
    props = body.get("properties") or {}
    p = doc["properties"]
    scaling = False
    if props.get("sku") is not None:
        sku = resolve_sku(props["sku"], p["sku"])
        if sku["name"] == "Basic" and p["sku"]["name"] != "Basic" or (p["sku"]["name"] == "Premium") != (sku["name"] == "Premium"):
            # Learn "Scale an Azure Cache for Redis instance": no scaling down to Basic, and Premium <-> Standard/Basic is refused.
            raise AzureError(400, "BadRequest", f"Scaling from {p['sku']['name']} to {sku['name']} is not supported.")  # text unverified
        scaling = sku != p["sku"]
        p["sku"] = sku
        p["instances"] = _instances(sku, p["_shards"])
    if "enableNonSslPort" in props and props["enableNonSslPort"] is not None:
        p["enableNonSslPort"] = bool(props["enableNonSslPort"])
    if props.get("minimumTlsVersion") is not None:
        p["minimumTlsVersion"] = _tls(props["minimumTlsVersion"])
    if props.get("redisVersion") is not None:
        major = _version(props["redisVersion"])
        if int(major) < int(p["_redisMajor"]):
            raise AzureError(400, "BadRequest", "Downgrading the Redis version is not supported.")  # Learn; text unverified
        p["_redisMajor"] = major
        p["redisVersion"] = VERSIONS[major]
    if props.get("publicNetworkAccess") is not None:
        p["publicNetworkAccess"] = props["publicNetworkAccess"]
    if props.get("redisConfiguration") is not None:
        p["redisConfiguration"].update({k: str(v) for k, v in props["redisConfiguration"].items()})
    if "tags" in body and body["tags"] is not None:
        doc["tags"] = resource.validate_tags(body["tags"])
    return scaling


def wire(doc, with_keys=False):
    out = resource.public(doc)
    if with_keys:
        out["properties"]["accessKeys"] = dict(doc["properties"]["_keys"])
    if out.get("zones") is None:
        out.pop("zones", None)
    return out
