"""Microsoft.Storage: storage accounts, keys, SAS tokens, the blob service and its containers (state and rules).

Shapes follow the azure-rest-api-specs Storage swagger (``storage.json``, ``blob.json``, 2023-05-01 and later)
and the models of azure-mgmt-storage 25.x; rules name their public source, "unverified" where remembered.
Stored in the ``resources`` table (so a resource-group delete cascades); keys live in the private ``_keys``.
"""

import base64
import hashlib
import hmac
import os
import re
import urllib.parse

from ...core import locations, resource
from ...core.errors import AzureError

NAMESPACE = "Microsoft.Storage"
ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts"
BLOB_SERVICE_TYPE = "Microsoft.Storage/storageAccounts/blobServices"
CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers"
BLOB_SUFFIX = ".blob.core.windows.net"
# Enums of the swagger (Kind, SkuName, MinimumTlsVersion, AccessTier, DefaultAction, Bypass, PublicAccess).
KINDS = ("Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage")
SKUS = ("Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS", "Standard_GZRS", "Standard_RAGZRS")
TLS = ("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3")
TIERS = ("Hot", "Cool", "Cold", "Premium")
PUBLIC_ACCESS = ("None", "Container", "Blob")
DATA_PLANE_ACCESS = {"Container": "container", "Blob": "blob", "None": None}
SAS_VERSION = "2022-11-02"  # sv of the tokens listAccountSas / listServiceSas sign (unverified: the RP's choice)
# Paired regions (Learn "Azure cross-region replication pairings") for GRS secondaries; others fall back to northeurope.
PAIRS = {"westeurope": "northeurope", "northeurope": "westeurope", "eastus": "westus", "westus": "eastus", "eastus2": "centralus",
         "centralus": "eastus2", "westus2": "westcentralus", "uksouth": "ukwest", "francecentral": "francesouth",
         "germanywestcentral": "germanynorth", "swedencentral": "swedensouth", "southeastasia": "eastasia"}

_ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")
# Learn "Naming and referencing containers, blobs, and metadata": 3-63 characters, lowercase letters, digits and
# hyphens, starting with a letter or digit, no consecutive hyphens.
_CONTAINER_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


def account_id(sub, rg, name):
    return resource.provider_id(sub, rg, NAMESPACE, "storageAccounts", name)


def blob_host(name):
    return name.lower() + BLOB_SUFFIX


def all_accounts(app):
    return [d for d in app.store.values(resource.TABLE) if d.get("type") == ACCOUNT_TYPE]


def account_by_name(app, name):
    n = name.lower()
    return next((d for d in all_accounts(app) if d["name"].lower() == n), None)


def all_containers(app, account_name):
    acct = account_by_name(app, account_name)
    return resource.children(app, acct["id"] + "/blobServices/default", "containers") if acct else []


# -- names ------------------------------------------------------------------------------------------
def name_problem(name):
    """checkNameAvailability's AccountNameInvalid message (text quoted in arm-data.md §5), or None."""
    if not _ACCOUNT_NAME.match(name or ""):
        return (f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length "
                "and use numbers and lower-case letters only.")
    return None


def name_taken(app, name):
    return account_by_name(app, name) is not None


def validate_container_name(name):
    # The storage RP relays the blob service's text (InvalidResourceName / OutOfRangeInput); code unverified.
    if not 3 <= len(name) <= 63:
        raise AzureError(400, "ContainerOperationFailure", "The specified resource name length is not within the permissible limits.")
    if not _CONTAINER_NAME.match(name):
        raise AzureError(400, "ContainerOperationFailure", "The specified resource name contains invalid characters.")


# -- keys ----------------------------------------------------------------------------------------------
def new_key():
    """88 characters of base64 over 64 random bytes, like Azure's (arm-data.md §5: clients HMAC with the decoded key)."""
    return base64.b64encode(os.urandom(64)).decode()


def new_keys(now_iso):
    return [{"keyName": n, "value": new_key(), "permissions": "FULL", "creationTime": now_iso} for n in ("key1", "key2")]


# -- validation of account properties ----------------------------------------------------------------------
def _enum(value, allowed, field):
    if value is None:
        return None
    hit = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None)
    if hit is None:
        # Unverified text: the RP refuses a value outside the swagger enum with 400.
        raise AzureError(400, "InvalidValuesForRequestParameters", f"Values for request parameters are invalid: {field}.")
    return hit


def _bool(value, field):
    if value is not None and not isinstance(value, bool):
        raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{field} must be a boolean'.")
    return value


def sku_of(body_sku):
    if not isinstance(body_sku, dict) or not body_sku.get("name"):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property 'sku' not found'.")
    name = _enum(body_sku["name"], SKUS, "sku.name")
    return {"name": name, "tier": "Premium" if name.startswith("Premium") else "Standard"}


def network_acls(value, previous=None):
    """``networkAcls`` (swagger NetworkRuleSet): defaultAction required, bypass defaults to AzureServices."""
    acl = dict(previous or {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"})
    if value is None:
        return acl
    if not isinstance(value, dict) or "defaultAction" not in value:
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Required property 'defaultAction' not found in JSON.'.")
    acl["defaultAction"] = _enum(value["defaultAction"], ("Allow", "Deny"), "networkAcls.defaultAction")
    if "bypass" in value:
        parts = [p.strip() for p in str(value["bypass"] or "None").split(",")]
        acl["bypass"] = ", ".join(_enum(p, ("None", "Logging", "Metrics", "AzureServices"), "networkAcls.bypass") for p in parts)
    rules = []
    for r in value.get("ipRules") or []:
        ip = (r or {}).get("value") if isinstance(r, dict) else None
        if not ip or not re.match(r"^\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?$", ip):
            raise AzureError(400, "NetworkAclsValidationFailure", f"Validation of network acls failure: Invalid IP address or range: {ip}.")
        rules.append({"value": ip, "action": "Allow"})
    acl["ipRules"] = rules
    acl["virtualNetworkRules"] = list(value.get("virtualNetworkRules") or [])
    if value.get("resourceAccessRules"):
        acl["resourceAccessRules"] = list(value["resourceAccessRules"])
    return acl


MUTABLE = ("accessTier", "minimumTlsVersion", "allowBlobPublicAccess", "supportsHttpsTrafficOnly", "allowSharedKeyAccess",
           "networkAcls", "encryption", "publicNetworkAccess", "isHnsEnabled", "largeFileSharesState", "dnsEndpointType",
           "defaultToOAuthAuthentication", "allowCrossTenantReplication", "keyPolicy", "sasPolicy")
# Swagger SasPolicy (2025-06-01): sasExpirationPeriod "The SAS expiration period, DD.HH:MM:SS" and expirationAction
# Log | Block, both required. The days part is a .NET TimeSpan's (digits, no fixed width); the range checks are unverified.
_SAS_PERIOD = re.compile(r"^(\d+)\.(\d{1,2}):(\d{2}):(\d{2})$")


def _invalid(field):
    # Unverified text: the RP refuses a malformed value with 400, like an enum outside the swagger.
    return AzureError(400, "InvalidValuesForRequestParameters", f"Values for request parameters are invalid: {field}.")


def _required(field):
    return AzureError(400, "InvalidRequestContent",
                      f"The request content was invalid and could not be deserialized: 'Required property '{field}' not found in JSON.'.")


def key_policy(value):
    """``keyPolicy`` (swagger KeyPolicy): keyExpirationPeriodInDays, an int, required; 1 or more (lower bound unverified)."""
    if not isinstance(value, dict) or "keyExpirationPeriodInDays" not in value:
        raise _required("keyExpirationPeriodInDays")
    days = value["keyExpirationPeriodInDays"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise _invalid("keyPolicy.keyExpirationPeriodInDays")
    return {"keyExpirationPeriodInDays": days}


def sas_policy(value):
    """``sasPolicy`` (swagger SasPolicy): a DD.HH:MM:SS period and the action on a SAS that exceeds it."""
    if not isinstance(value, dict):
        raise _required("sasExpirationPeriod")
    for field in ("sasExpirationPeriod", "expirationAction"):
        if value.get(field) in (None, ""):
            raise _required(field)
    m = _SAS_PERIOD.match(value["sasExpirationPeriod"]) if isinstance(value["sasExpirationPeriod"], str) else None
    if not m or int(m.group(2)) > 23 or int(m.group(3)) > 59 or int(m.group(4)) > 59 or not any(int(g) for g in m.groups()):
        raise _invalid("sasPolicy.sasExpirationPeriod")
    action = _enum(value["expirationAction"], ("Log", "Block"), "sasPolicy.expirationAction")
    return {"sasExpirationPeriod": value["sasExpirationPeriod"], "expirationAction": action}


def apply_properties(doc, props, creating):
    """Validate and merge the account properties a PUT or PATCH sends."""
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    p = doc["properties"]
    if "accessTier" in props and props["accessTier"] is not None:
        p["accessTier"] = _enum(props["accessTier"], TIERS, "accessTier")
    if props.get("minimumTlsVersion") is not None:
        p["minimumTlsVersion"] = _enum(props["minimumTlsVersion"], TLS, "minimumTlsVersion")
    for flag in ("allowBlobPublicAccess", "supportsHttpsTrafficOnly", "allowSharedKeyAccess", "isHnsEnabled",
                 "defaultToOAuthAuthentication", "allowCrossTenantReplication"):
        if props.get(flag) is not None:
            p[flag] = _bool(props[flag], flag)
    if props.get("publicNetworkAccess") is not None:
        p["publicNetworkAccess"] = _enum(props["publicNetworkAccess"], ("Enabled", "Disabled", "SecuredByPerimeter"), "publicNetworkAccess")
    if props.get("networkAcls") is not None:
        p["networkAcls"] = network_acls(props["networkAcls"], p.get("networkAcls"))
    if props.get("keyPolicy") is not None:
        p["keyPolicy"] = key_policy(props["keyPolicy"])
    if props.get("sasPolicy") is not None:
        p["sasPolicy"] = sas_policy(props["sasPolicy"])
    if props.get("encryption") is not None:
        enc = props["encryption"]
        source = enc.get("keySource", "Microsoft.Storage") if isinstance(enc, dict) else None
        if _enum(source, ("Microsoft.Storage", "Microsoft.Keyvault"), "encryption.keySource") == "Microsoft.Keyvault":
            # azsim simulates no customer-managed keys; unverified text.
            raise AzureError(400, "InvalidEncryptionKeySource", "Customer-managed keys are not supported by azsim.")
        if isinstance(enc.get("requireInfrastructureEncryption"), bool) and creating:
            p["encryption"]["requireInfrastructureEncryption"] = enc["requireInfrastructureEncryption"]
    if creating and doc.get("kind") in ("StorageV2", "BlobStorage") and doc["sku"]["tier"] == "Standard":
        p.setdefault("accessTier", "Hot")  # swagger: accessTier applies to BlobStorage and StorageV2; Hot by default (Learn)


def new_account(app, req, sub, rg, name, body):
    loc = locations.normalize(body.get("location"))
    if not body.get("location"):
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    if loc is None:
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{body.get('location')}' is not available for resource type '{ACCOUNT_TYPE}'. "
                         f"List of available regions for the resource type is '{','.join(locations.REGIONS)}'.")
    kind = _enum(body.get("kind"), KINDS, "kind")
    if kind is None:
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Required property 'kind' not found'.")
    sku = sku_of(body.get("sku"))
    now = app.clock.iso()
    doc = {
        "id": account_id(sub, rg, name), "name": name, "type": ACCOUNT_TYPE, "location": loc, "kind": kind, "sku": sku,
        "tags": resource.validate_tags(body.get("tags")),
        "properties": {
            "keyCreationTime": {"key1": now, "key2": now},
            "privateEndpointConnections": [],
            # New accounts: TLS 1.2 minimum and no anonymous blob access (Learn "Enforce a minimum required version of TLS",
            # "Prevent anonymous read access": defaults for accounts created since 2023); HTTPS only by default (swagger).
            "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True,
            "networkAcls": network_acls(None),
            "encryption": {"services": {"file": {"keyType": "Account", "enabled": True, "lastEnabledTime": now},
                                        "blob": {"keyType": "Account", "enabled": True, "lastEnabledTime": now}},
                           "keySource": "Microsoft.Storage"},
            "provisioningState": "Creating",
            "creationTime": now,
        },
        "_keys": new_keys(now),
        "_incarnation": os.urandom(8).hex(),
    }
    if isinstance(body.get("identity"), dict):
        doc["identity"] = {"type": body["identity"].get("type", "None")}
    apply_properties(doc, body.get("properties") or {}, creating=True)
    doc["properties"].update(endpoints(name, loc, sku["name"]))
    doc["systemData"] = resource.system_data(app, req)
    return doc


def endpoints(name, loc, sku):
    out = {"primaryEndpoints": {s: f"https://{name}.{s}.core.windows.net/" for s in ("dfs", "web", "blob", "queue", "table", "file")},
           "primaryLocation": loc, "statusOfPrimary": "available"}
    out["primaryEndpoints"]["web"] = f"https://{name}.z6.web.core.windows.net/"  # static website host (unverified zone number)
    if "GRS" in sku or "GZRS" in sku:
        out["secondaryLocation"] = PAIRS.get(loc, "northeurope")
        out["statusOfSecondary"] = "available"
    if sku.startswith("Standard_RA"):
        out["secondaryEndpoints"] = {s: f"https://{name}-secondary.{s}.core.windows.net/" for s in ("dfs", "web", "blob", "queue", "table")}
    return out


def wire(doc):
    out = resource.public(doc)
    if not out.get("tags"):
        out["tags"] = {}
    return out


# -- blob service and containers ------------------------------------------------------------------------
def blob_service(acct):
    return {"id": acct["id"] + "/blobServices/default", "name": "default", "type": BLOB_SERVICE_TYPE,
            "sku": dict(acct["sku"]),
            "properties": {"cors": {"corsRules": []}, "deleteRetentionPolicy": {"allowPermanentDelete": False, "enabled": False}}}


def _policy(value, field):
    if not isinstance(value, dict):
        raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{field} must be an object'.")
    out = {"enabled": bool(value.get("enabled"))}
    if out["enabled"]:
        days = value.get("days", 7)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            # swagger DeleteRetentionPolicy.days: minimum 1, maximum 365; message unverified.
            raise AzureError(400, "InvalidValuesForRequestParameters", f"Values for request parameters are invalid: {field}.days.")
        out["days"] = days
    if field == "deleteRetentionPolicy":
        out["allowPermanentDelete"] = bool(value.get("allowPermanentDelete", False))
    return out


def apply_blob_service(svc, props):
    p = svc["properties"]
    for field in ("deleteRetentionPolicy", "containerDeleteRetentionPolicy"):
        if props.get(field) is not None:
            p[field] = _policy(props[field], field)
    for flag in ("isVersioningEnabled", "automaticSnapshotPolicyEnabled"):
        if props.get(flag) is not None:
            p[flag] = _bool(props[flag], flag)
    for field in ("cors", "changeFeed", "restorePolicy", "defaultServiceVersion"):
        if props.get(field) is not None:
            p[field] = props[field]
    if props.get("lastAccessTimeTrackingPolicy") is not None:
        p["lastAccessTimeTrackingPolicy"] = _tracking(props["lastAccessTimeTrackingPolicy"])


def _tracking(value):
    """LastAccessTimeTrackingPolicy (swagger; example BlobServicesPutLastAccessTimeBasedTracking): ``enable`` is required;
    name AccessTimeTracking, a granularity of 1 day and blockBlob are the only values the service takes."""
    if not isinstance(value, dict) or not isinstance(value.get("enable"), bool):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Required property 'enable' not found in JSON.'.")
    return {"enable": value["enable"], "name": value.get("name") or "AccessTimeTracking",
            "trackingGranularityInDays": value.get("trackingGranularityInDays") or 1, "blobType": value.get("blobType") or ["blockBlob"]}


def new_container(acct, name, now_iso):
    return {"id": acct["id"] + "/blobServices/default/containers/" + name, "name": name, "type": CONTAINER_TYPE,
            "etag": etag(),
            "properties": {"immutableStorageWithVersioning": {"enabled": False}, "deleted": False, "remainingRetentionDays": 0,
                           "defaultEncryptionScope": "$account-encryption-key", "denyEncryptionScopeOverride": False,
                           "publicAccess": "None", "leaseStatus": "Unlocked", "leaseState": "Available", "lastModifiedTime": now_iso,
                           "hasImmutabilityPolicy": False, "hasLegalHold": False}}


def apply_container(acct, doc, props, creating):
    p = doc["properties"]
    if props.get("publicAccess") is not None:
        access = _enum(props["publicAccess"], PUBLIC_ACCESS, "publicAccess")
        if access != "None" and not acct["properties"].get("allowBlobPublicAccess", False):
            # arm-data.md §5 (409 PublicAccessNotPermitted, "Public access is not permitted on this storage account.").
            raise AzureError(409, "PublicAccessNotPermitted", "Public access is not permitted on this storage account.")
        p["publicAccess"] = access
    if props.get("metadata") is not None:
        if not isinstance(props["metadata"], dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'metadata'.")
        p["metadata"] = dict(props["metadata"])
    if creating:
        if props.get("defaultEncryptionScope"):
            p["defaultEncryptionScope"] = props["defaultEncryptionScope"]
        if props.get("denyEncryptionScopeOverride") is not None:
            p["denyEncryptionScopeOverride"] = bool(props["denyEncryptionScopeOverride"])
    isv = props.get("immutableStorageWithVersioning")
    if isinstance(isv, dict) and isv.get("enabled") is not None:
        p["immutableStorageWithVersioning"] = {"enabled": bool(isv["enabled"])}


def etag():
    return '"0x8D' + os.urandom(6).hex().upper() + '"'


# -- SAS tokens signed by the RP (listAccountSas / listServiceSas) -------------------------------------------
def _hmac(key, text):
    return base64.b64encode(hmac.new(base64.b64decode(key), text.encode(), hashlib.sha256).digest()).decode()


def _need(params, field):
    v = params.get(field)
    if v in (None, ""):
        raise AzureError(400, "InvalidRequestContent",
                         f"The request content was invalid and could not be deserialized: 'Required property '{field}' not found'.")
    return str(v)


def _key(acct, params):
    name = params.get("keyToSign") or "key1"
    for k in acct["_keys"]:
        if k["keyName"] == name:
            return k["value"]
    raise AzureError(400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: keyToSign.")  # unverified


def account_sas(acct, params):
    """Learn "Create an account SAS" (version 2020-12-06 and later string-to-sign, with signed encryption scope)."""
    ss, srt, sp, se = (_need(params, f) for f in ("signedServices", "signedResourceTypes", "signedPermission", "signedExpiry"))
    st, sip, spr = params.get("signedStart") or "", params.get("signedIp") or "", params.get("signedProtocol") or ""
    sts = "\n".join([acct["name"], sp, ss, srt, st, se, sip, spr, SAS_VERSION, "", ""])
    q = {"sv": SAS_VERSION, "ss": ss, "srt": srt, "sp": sp, "st": st, "se": se, "sip": sip, "spr": spr, "sig": _hmac(_key(acct, params), sts)}
    return urllib.parse.urlencode({k: v for k, v in q.items() if v})


def service_sas(acct, params):
    """Learn "Create a service SAS" for blobs (version 2020-12-06 and later string-to-sign)."""
    canon = _need(params, "canonicalizedResource")
    sr = _need(params, "signedResource")
    sp, se = params.get("signedPermission") or "", params.get("signedExpiry") or ""
    si = params.get("signedIdentifier") or ""
    if not si and not (sp and se):
        raise AzureError(400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: signedPermission, signedExpiry.")
    st, sip, spr = params.get("signedStart") or "", params.get("signedIp") or "", params.get("signedProtocol") or ""
    rsc = [params.get(f) or "" for f in ("cacheControl", "contentDisposition", "contentEncoding", "contentLanguage", "contentType")]
    sts = "\n".join([sp, st, se, canon, si, sip, spr, SAS_VERSION, sr, "", "", *rsc])
    q = {"sv": SAS_VERSION, "sr": sr, "sp": sp, "st": st, "se": se, "si": si, "sip": sip, "spr": spr,
         "rscc": rsc[0], "rscd": rsc[1], "rsce": rsc[2], "rscl": rsc[3], "rsct": rsc[4], "sig": _hmac(_key(acct, params), sts)}
    return urllib.parse.urlencode({k: v for k, v in q.items() if v})
