"""Microsoft.KeyVault vaults: state and rules of the management plane (soft delete, recovery, purge).

Shapes follow the azure-rest-api-specs KeyVault.Management examples (createVault.json, getDeletedVault.json,
purgeDeletedVault.json, deleteVault.json, checkVaultNameAvailability.json; 2025-05-01) and azure-mgmt-keyvault 14.x.
Rules name their public source; "unverified" where remembered.

A vault lives in the ``resources`` table like every ARM resource and, keyed by its *global* name, in ``keyvault.vaults``:
Key Vault names are global (``{name}.vault.azure.net``) and outlive the resource group, because deleting a group
soft-deletes its vaults (Learn "Azure Key Vault soft-delete overview": deleting a resource group puts its vaults in
the deleted state).  A tick notices a vault whose document a group delete removed and soft-deletes it.  Secrets are
keyed by vault name too (``keyvault.secrets``), so they survive soft delete and recovery and go with the purge.
"""

import re
import time

from ...core import locations, resource
from ...core.errors import AzureError

NAMESPACE = "Microsoft.KeyVault"
VAULT_TYPE = "Microsoft.KeyVault/vaults"
DELETED_TYPE = "Microsoft.KeyVault/deletedVaults"
DNS_SUFFIX = ".vault.azure.net"
VAULTS = "keyvault.vaults"        # name -> copy of the vault document (the global name registry)
DELETED = "keyvault.deleted"      # name -> deleted-vault record (+ the vault document under _vault)
SECRETS = "keyvault.secrets"      # "{vault}/{secret}" -> secret with its versions
DAY = 86400
SKUS = ("standard", "premium")
SECRET_PERMISSIONS = ("get", "list", "set", "delete", "backup", "restore", "recover", "purge")

# Learn "Resource naming rules" (Microsoft.KeyVault/vaults: 3-24, alphanumerics and hyphens, start with a letter, end
# with a letter or digit, no consecutive hyphens).
_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def name_problem(name):
    """The VaultNameNotValid text (quoted in public deployment logs, e.g. Azure/AI-in-a-Box#104), or None."""
    if isinstance(name, str) and _NAME.match(name):
        return None
    return (f"The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a "
            "letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: "
            "https://go.microsoft.com/fwlink/?linkid=2147742")


def vault_id(sub, rg, name):
    return resource.provider_id(sub, rg, NAMESPACE, f"vaults/{name}")


def deleted_id(sub, location, name):
    return f"/subscriptions/{sub}/providers/{NAMESPACE}/locations/{location}/deletedVaults/{name}"


def vault_uri(name):
    # The RP answers vaultUri with a trailing slash (createVault example; `az keyvault show` output in public issues).
    return f"https://{name.lower()}{DNS_SUFFIX}/"


# -- the global name registry ------------------------------------------------------------------------
def registered(app, name):
    """The live vault of that global name (its resources-table document), or None."""
    entry = app.store.peek(VAULTS, name or "")
    if entry is None:
        return None
    return app.store.peek(resource.TABLE, entry["id"])


def deleted(app, name):
    return app.store.peek(DELETED, name or "")


def save(app, doc):
    resource.put(app, doc)
    app.store.put(VAULTS, doc["name"], doc)


def wire(doc):
    return resource.public(doc)


def recovery_level(props):
    """Secret attributes.recoveryLevel (Key Vault REST "DeletionRecoveryLevel"): Customized* below 90 days' retention."""
    days = props.get("softDeleteRetentionInDays", 90)
    level = "Recoverable" if props.get("enablePurgeProtection") else "Recoverable+Purgeable"
    return ("CustomizedRecoverable" + level[len("Recoverable"):]) if days < 90 else level


# -- validation --------------------------------------------------------------------------------------
def _bad(message, code="BadRequest"):
    return AzureError(400, code, message)


def _bool(props, key):
    v = props.get(key)
    if v is not None and not isinstance(v, bool):
        raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: "
                         f"'Could not convert value of property '{key}' to Boolean.'.")
    return v


def validate_location(value):
    loc = locations.normalize(value)
    if loc is None:
        # ARM's LocationNotAvailableForResourceType (ARM RPC "common API errors").
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{value}' is not available for resource type '{VAULT_TYPE}'. List of available regions for the "
                         f"resource type is '{','.join(locations.REGIONS)}'.")
    return loc


def validate_access_policies(app, policies):
    """AccessPolicyEntry (swagger): tenantId and objectId required, permissions required; at most 1024 entries (Learn
    "Key Vault service limits"; error text unverified)."""
    if policies is None:
        return []
    if not isinstance(policies, list):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'accessPolicies must be an array'.")
    if len(policies) > 1024:
        raise _bad("The number of access policies exceeds the maximum of 1024.")  # unverified text
    out = []
    for p in policies:
        if not isinstance(p, dict) or not p.get("objectId") or not p.get("tenantId") or not isinstance(p.get("permissions"), dict):
            raise _bad("An access policy entry requires 'tenantId', 'objectId' and 'permissions'.")  # unverified text
        perms = {k: list(v or []) for k, v in p["permissions"].items() if k in ("keys", "secrets", "certificates", "storage")}
        for s in perms.get("secrets", []):
            if s.lower() not in (*SECRET_PERMISSIONS, "all"):
                raise _bad(f"Invalid secret permission '{s}'.")  # swagger SecretPermissions enum; text unverified
        out.append({k: v for k, v in {"tenantId": p["tenantId"], "objectId": p["objectId"], "applicationId": p.get("applicationId"),
                                      "permissions": perms}.items() if v is not None})
    return out


def _check_common(app, props, existing_props):
    """Rules shared by create, full update and PATCH."""
    if "tenantId" in props:
        tid = props["tenantId"]
        if not isinstance(tid, str) or not _GUID.match(tid):
            raise _bad(f"The tenant id '{tid}' is not a valid GUID.")  # unverified text
        if tid.lower() != app.identity.tenant_id.lower():
            # azsim has one directory: a vault bound to another tenant could never authenticate anyone (unverified code/text).
            raise _bad(f"The tenant '{tid}' is not the tenant of subscription '{app.identity.subscription_id}'.")
    if "sku" in props:
        sku = props["sku"]
        if not isinstance(sku, dict) or str(sku.get("family", "")).upper() != "A" or str(sku.get("name", "")).lower() not in SKUS:
            # swagger Sku: family "A" (constant), name standard|premium; text unverified.
            raise _bad(f"The sku '{sku}' is invalid. The sku family must be 'A' and its name 'standard' or 'premium'.")
    for key in ("enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment", "enableRbacAuthorization", "enableSoftDelete",
                "enablePurgeProtection"):
        _bool(props, key)
    if props.get("enableSoftDelete") is False:
        # Soft delete is mandatory since 2020 (Learn "Soft-delete will be enabled on all key vaults"); the swagger says it
        # cannot be reverted to false. Text modelled on the purge-protection error below: unverified.
        raise _bad('The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.')
    if props.get("enablePurgeProtection") is False:
        # Verbatim in Azure/azure-cli#29115 and azure-rest-api-specs#18106: refused even on create, and once enabled.
        raise _bad('The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.')
    if "softDeleteRetentionInDays" in props and props["softDeleteRetentionInDays"] is not None:
        days = props["softDeleteRetentionInDays"]
        if not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 90:
            # Learn "soft-delete overview": 7 to 90 days (text unverified).
            raise _bad(f"The property \"softDeleteRetentionInDays\" has an invalid value '{days}'. It must be between 7 and 90.")
        if existing_props is not None and days != existing_props.get("softDeleteRetentionInDays", 90):
            # Learn "soft-delete overview": "Once set, the retention policy interval cannot be changed." (text unverified)
            raise _bad('The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.')
    pna = props.get("publicNetworkAccess")
    if pna is not None and pna not in ("Enabled", "Disabled"):
        raise _bad(f"The value '{pna}' of property 'publicNetworkAccess' is invalid. Allowed values are 'Enabled' and 'Disabled'.")  # unverified text
    acls = props.get("networkAcls")
    if acls is not None:
        if not isinstance(acls, dict) or acls.get("defaultAction", "Allow") not in ("Allow", "Deny") or \
                acls.get("bypass", "AzureServices") not in ("AzureServices", "None"):
            raise _bad("The networkAcls are invalid: defaultAction must be 'Allow' or 'Deny' and bypass 'AzureServices' or 'None'.")  # unverified


def rbac_default(api_version):
    """enableRbacAuthorization when omitted on create: false, and true from api-version 2026-02-01 (Learn "Azure Key Vault
    RBAC as the default permission model"; version boundary unverified)."""
    return (api_version or "")[:10] >= "2026-02-01"


def new_vault(app, req, sub, rg, name, body):
    props = body.get("properties")
    if not isinstance(props, dict):
        raise _bad("The parameter properties is required.", "InvalidRequestContent")  # swagger: properties required; text unverified
    for key in ("tenantId", "sku"):
        if props.get(key) is None:
            raise _bad(f"The parameter '{key}' is required.")  # swagger VaultProperties: tenantId and sku required; text unverified
    _check_common(app, props, None)
    loc = validate_location(body.get("location"))
    out = {
        "tenantId": props["tenantId"], "sku": {"family": "A", "name": props["sku"]["name"].lower()},
        "accessPolicies": validate_access_policies(app, props.get("accessPolicies")),
        "enabledForDeployment": bool(props.get("enabledForDeployment", False)),
        "enabledForDiskEncryption": bool(props.get("enabledForDiskEncryption", False)),
        "enabledForTemplateDeployment": bool(props.get("enabledForTemplateDeployment", False)),
        "enableSoftDelete": True, "softDeleteRetentionInDays": props.get("softDeleteRetentionInDays") or 90,
        "enableRbacAuthorization": props["enableRbacAuthorization"] if props.get("enableRbacAuthorization") is not None else rbac_default(
            req.api_version),
        "vaultUri": vault_uri(name), "provisioningState": "RegisteringDns",
        "publicNetworkAccess": props.get("publicNetworkAccess") or "Enabled",
    }
    if props.get("enablePurgeProtection"):
        out["enablePurgeProtection"] = True
    if props.get("networkAcls") is not None:
        out["networkAcls"] = _acls(props["networkAcls"])
    return {"id": vault_id(sub, rg, name), "name": name, "type": VAULT_TYPE, "location": loc,
            "tags": resource.validate_tags(body.get("tags")), "systemData": resource.system_data(app, req), "properties": out}


def _acls(acls):
    return {"bypass": acls.get("bypass", "AzureServices"), "defaultAction": acls.get("defaultAction", "Allow"),
            "ipRules": [{"value": r.get("value")} for r in acls.get("ipRules") or [] if isinstance(r, dict)],
            "virtualNetworkRules": [r for r in acls.get("virtualNetworkRules") or [] if isinstance(r, dict)]}


def apply_update(app, req, doc, props, tags, full):
    """A PUT on an existing vault (full=True: properties replace, tenantId/sku required) or a PATCH (merge)."""
    if not isinstance(props, dict):
        props = {}
    if full:
        for key in ("tenantId", "sku"):
            if props.get(key) is None:
                raise _bad(f"The parameter '{key}' is required.")  # unverified text
    cur = doc["properties"]
    _check_common(app, props, cur)
    for key in ("tenantId", "enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment", "enableRbacAuthorization",
                "publicNetworkAccess"):
        if props.get(key) is not None:
            cur[key] = props[key]
    if props.get("sku") is not None:
        cur["sku"] = {"family": "A", "name": props["sku"]["name"].lower()}
    if props.get("enablePurgeProtection"):
        cur["enablePurgeProtection"] = True
    if props.get("networkAcls") is not None:
        cur["networkAcls"] = _acls(props["networkAcls"])
    if "accessPolicies" in props and (full or props["accessPolicies"] is not None):
        cur["accessPolicies"] = validate_access_policies(app, props.get("accessPolicies"))
    if tags is not None:
        doc["tags"] = resource.validate_tags(tags)
    doc["systemData"] = resource.system_data(app, req, doc.get("systemData"))
    return doc


def update_access_policies(app, doc, kind, policies):
    """PUT .../accessPolicies/{add|replace|remove} (swagger Vaults_UpdateAccessPolicy): per objectId, permissions are
    merged, replaced or subtracted."""
    if kind not in ("add", "replace", "remove"):
        raise _bad(f"The access policy update kind '{kind}' is invalid.")  # unverified text
    cur = doc["properties"].setdefault("accessPolicies", [])
    for p in validate_access_policies(app, policies):
        match = next((c for c in cur if c["objectId"].lower() == p["objectId"].lower() and c.get("applicationId") == p.get("applicationId")), None)
        if match is None:
            if kind != "remove":
                cur.append(p)
            continue
        for k, v in p["permissions"].items():
            have = match["permissions"].setdefault(k, [])
            if kind == "add":
                have.extend(x for x in v if x.lower() not in {h.lower() for h in have})
            elif kind == "replace":
                match["permissions"][k] = list(v)
            else:
                match["permissions"][k] = [h for h in have if h.lower() not in {x.lower() for x in v}]
        if kind == "remove" and not any(match["permissions"].values()):
            cur.remove(match)
    return cur


# -- soft delete, recovery, purge ------------------------------------------------------------------
def soft_delete(app, doc):
    """Move a vault to the deleted state (getDeletedVault.json shape): name stays taken until purge or recovery."""
    now = app.clock.now()
    props = doc["properties"]
    app.store.delete(resource.TABLE, doc["id"])
    app.store.delete(VAULTS, doc["name"])
    sub = doc["id"].split("/")[2]
    rec = {"id": deleted_id(sub, doc["location"], doc["name"]), "name": doc["name"], "type": DELETED_TYPE,
           "properties": {"vaultId": doc["id"], "location": doc["location"], "deletionDate": _iso_s(now),
                          "scheduledPurgeDate": _iso_s(now + props.get("softDeleteRetentionInDays", 90) * DAY), "tags": doc.get("tags") or {},
                          "purgeProtectionEnabled": bool(props.get("enablePurgeProtection"))},
           "_purge_at": now + props.get("softDeleteRetentionInDays", 90) * DAY, "_vault": doc}
    app.store.put(DELETED, doc["name"], rec)
    return rec


def recover(app, req, rec, rg, body):
    """createMode: recover — the deleted vault comes back with its properties and secrets (Learn "Key Vault recovery
    management"); the request may change tags and properties like an update."""
    doc = rec["_vault"]
    sub = doc["id"].split("/")[2]
    doc["id"] = vault_id(sub, rg, doc["name"])
    doc["properties"]["provisioningState"] = "Succeeded"
    props = {k: v for k, v in (body.get("properties") or {}).items() if k != "createMode"}
    apply_update(app, req, doc, props, body.get("tags"), full=False)
    app.store.delete(DELETED, doc["name"])
    save(app, doc)
    return doc


def purge(app, name):
    """Forget a deleted vault and everything in it; the name is free again."""
    app.store.delete(DELETED, name)
    for key, _unused in app.store.items(SECRETS, name.lower() + "/"):
        app.store.delete(SECRETS, key)


def tick(app):
    """Soft-delete vaults whose resource group was deleted; purge what passed its scheduled purge date (Learn soft-delete
    overview: objects are purged when the retention period ends)."""
    orphans = [v for v in app.store.values(VAULTS) if app.store.peek(resource.TABLE, v["id"]) is None]
    now = app.clock.now()
    due = [d["name"] for d in app.store.values(DELETED) if d["_purge_at"] <= now]
    if not orphans and not due:
        return
    with app.store.transaction():
        for v in orphans:
            if app.store.peek(VAULTS, v["name"]) is not None and app.store.peek(resource.TABLE, v["id"]) is None:
                soft_delete(app, app.store.get(VAULTS, v["name"]))
        for name in due:
            purge(app, name)


def _iso_s(ts):
    """deletionDate / scheduledPurgeDate: seconds precision with a Z (getDeletedVault.json)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
