"""Key Vault secrets: state, rules and wire shapes of the secrets data plane (Key Vault REST 7.4-7.6 / 2025-07-01 /
2026-04-01; models of azure-keyvault-secrets 4.12: SecretBundle, SecretItem, DeletedSecretBundle, DeletedSecretItem).

Secrets are kept per vault *name* in ``keyvault.secrets`` (see models.py): they survive a soft-deleted vault's
recovery and go with its purge.  Each secret keeps all its versions in creation order; the last one is "latest".
"""

import base64
import json
import re
import uuid

from . import models

DAY = models.DAY
# Learn "About secrets": names 1-127 characters, alphanumerics and dashes; values up to 25 KB.
_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
MAX_VALUE = 25 * 1024
# App Service Key Vault references (Learn "Use Key Vault references as app settings"): SecretUri=... or VaultName=...;SecretName=...
_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\((.*)\)$", re.IGNORECASE | re.DOTALL)
_SECRET_URI = re.compile(r"^https://([A-Za-z0-9-]+)\.vault\.azure\.net(?::443)?/secrets/([^/]+)(?:/([^/]*))?/?$", re.IGNORECASE)


class KvError(Exception):
    """A Key Vault error: ``{"error": {"code", "message", "innererror": {"code"}}}`` (KeyVaultError in the SDK models)."""

    def __init__(self, status, code, message, inner=None, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.inner, self.headers = status, code, message, inner, dict(headers or {})

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.inner:
            err["innererror"] = {"code": self.inner}
        return {"error": err}


def bad_parameter(message):
    return KvError(400, "BadParameter", message)


def not_found(name, version=None):
    # SecretNotFound as quoted in public client logs (e.g. hashicorp/terraform-provider-azurerm issues); wording from memory.
    ident = f"{name}/{version}" if version else name
    return KvError(404, "SecretNotFound", f"A secret with (name/id) {ident} was not found in this key vault. If you recently deleted this secret you "
                   "may be able to recover it using the correct recovery command. For help resolving this issue, please see "
                   "https://go.microsoft.com/fwlink/?linkid=2125182")


def deleted_not_found(name):
    return KvError(404, "SecretNotFound", f"Deleted Secret not found: {name}")  # unverified text


def check_name(name):
    if not _NAME.match(name or ""):
        raise bad_parameter(f"The request URI contains an invalid name: {name}")  # BadParameter text from memory (unverified)


def base_url(vault_name):
    return f"https://{vault_name.lower()}{models.DNS_SUFFIX}"


def _key(vault_name, name):
    return f"{vault_name}/{name}".lower()


def load(app, vault_name, name):
    return app.store.get(models.SECRETS, _key(vault_name, name))


def _store(app, vault_name, sec):
    app.store.put(models.SECRETS, _key(vault_name, sec["name"]), sec)


def all_secrets(app, vault_name):
    rows = app.store.values(models.SECRETS, vault_name.lower() + "/")
    return sorted(rows, key=lambda s: s["name"].lower())


# -- wire shapes ------------------------------------------------------------------------------------------
def _attributes(vault, ver):
    props = vault["properties"]
    a = {"enabled": ver["attributes"]["enabled"]}
    for k in ("nbf", "exp"):
        if ver["attributes"].get(k) is not None:
            a[k] = ver["attributes"][k]
    a.update({"created": ver["attributes"]["created"], "updated": ver["attributes"]["updated"], "recoveryLevel": models.recovery_level(props),
              "recoverableDays": props.get("softDeleteRetentionInDays", 90)})
    return a


def bundle(vault, sec, ver, with_value=True):
    """SecretBundle: value (GET/PUT only), id with version, contentType, attributes, tags."""
    out = {}
    if with_value:
        out["value"] = ver["value"]
    out["id"] = f"{base_url(vault['name'])}/secrets/{sec['name']}/{ver['version']}"
    if ver.get("contentType") is not None:
        out["contentType"] = ver["contentType"]
    out["attributes"] = _attributes(vault, ver)
    if ver.get("tags"):
        out["tags"] = ver["tags"]
    return out


def item(vault, sec, ver, versioned):
    """SecretItem of the list operations: no value; the secret id (list) or the version id (list versions)."""
    out = {"id": f"{base_url(vault['name'])}/secrets/{sec['name']}" + (f"/{ver['version']}" if versioned else "")}
    out["attributes"] = _attributes(vault, ver)
    if ver.get("tags"):
        out["tags"] = ver["tags"]
    if ver.get("contentType") is not None:
        out["contentType"] = ver["contentType"]
    return out


def _deleted_fields(vault, sec):
    return {"recoveryId": f"{base_url(vault['name'])}/deletedsecrets/{sec['name']}", "scheduledPurgeDate": sec["deleted"]["scheduledPurgeDate"],
            "deletedDate": sec["deleted"]["deletedDate"]}


def deleted_bundle(vault, sec):
    """DeletedSecretBundle (delete / get deleted): the latest version without its value (unverified), plus recovery data."""
    return {**_deleted_fields(vault, sec), **bundle(vault, sec, sec["versions"][-1], with_value=False)}


def deleted_item(vault, sec):
    return {**_deleted_fields(vault, sec), **item(vault, sec, sec["versions"][-1], versioned=False)}


# -- operations -------------------------------------------------------------------------------------------
def _parse_attributes(attrs, current=None):
    out = dict(current or {"enabled": True})
    if attrs is None:
        return out
    if not isinstance(attrs, dict):
        raise bad_parameter("The attributes are invalid.")  # unverified text
    if "enabled" in attrs and attrs["enabled"] is not None:
        if not isinstance(attrs["enabled"], bool):
            raise bad_parameter("The attribute 'enabled' must be a boolean.")  # unverified text
        out["enabled"] = attrs["enabled"]
    for k in ("nbf", "exp"):
        if k in attrs:
            v = attrs[k]
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise bad_parameter(f"The attribute '{k}' must be a Unix time in seconds.")  # unverified text
            out[k] = v
    return out


def _tags(tags):
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise bad_parameter("Tags must be an object of string values.")  # unverified text
    if len(tags) > 15:
        raise bad_parameter("The number of tags exceeds the maximum of 15.")  # Learn "Key Vault service limits": 15 tags; text unverified
    return dict(tags)


def set_secret(app, vault, name, body):
    """PUT /secrets/{name}: a new version (32 hex digits) that becomes the latest."""
    if not isinstance(body, dict) or not isinstance(body.get("value"), str):
        raise bad_parameter("Property value is required.")  # unverified text
    if len(body["value"].encode("utf-8")) > MAX_VALUE:
        raise bad_parameter("The secret value exceeds the maximum size of 25 KB.")  # Learn "About secrets"; text unverified
    sec = load(app, vault["name"], name)
    if sec is not None and sec.get("deleted"):
        # Verbatim in Azure/azure-rest-api-specs#9222 (az keyvault secret set); innererror from external-secrets#3519.
        raise KvError(409, "Conflict", f"Secret {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, "
                      "the secret can only be recovered or purged.", inner="ObjectIsDeletedButRecoverable")
    now = int(app.clock.now())
    attrs = _parse_attributes(body.get("attributes"))
    attrs["created"] = attrs["updated"] = now
    ver = {"version": uuid.uuid4().hex, "value": body["value"], "contentType": body.get("contentType"), "tags": _tags(body.get("tags")),
           "attributes": attrs}
    if sec is None:
        sec = {"name": name, "versions": [], "deleted": None}
    sec["versions"].append(ver)
    _store(app, vault["name"], sec)
    return bundle(vault, sec, ver)


def find(app, vault, name, version=None, deleted_ok=False):
    sec = load(app, vault["name"], name)
    if sec is None or (sec.get("deleted") and not deleted_ok):
        raise not_found(name, version)
    if not version:
        return sec, sec["versions"][-1]
    for ver in sec["versions"]:
        if ver["version"].lower() == version.lower():
            return sec, ver
    raise not_found(name, version)


def get_secret(app, vault, name, version):
    sec, ver = find(app, vault, name, version)
    if not ver["attributes"]["enabled"]:
        # Verbatim in Azure/azure-sdk-for-js#24756 and ansible-collections/azure#1989.
        raise KvError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", inner="SecretDisabled")
    return bundle(vault, sec, ver)


def update_secret(app, vault, name, version, body):
    """PATCH /secrets/{name}/{version}: contentType, attributes and tags of one version (the latest when none given)."""
    sec, ver = find(app, vault, name, version)
    body = body if isinstance(body, dict) else {}
    ver["attributes"] = _parse_attributes(body.get("attributes"), ver["attributes"])
    if "contentType" in body:
        ver["contentType"] = body["contentType"]
    if body.get("tags") is not None:
        ver["tags"] = _tags(body["tags"])
    ver["attributes"]["updated"] = int(app.clock.now())
    _store(app, vault["name"], sec)
    return bundle(vault, sec, ver, with_value=False)


def delete_secret(app, vault, name):
    """DELETE /secrets/{name}: all versions move to the deleted state until recovery, purge or the retention's end."""
    sec, _ver = find(app, vault, name)
    now = int(app.clock.now())
    sec["deleted"] = {"deletedDate": now, "scheduledPurgeDate": now + vault["properties"].get("softDeleteRetentionInDays", 90) * DAY}
    _store(app, vault["name"], sec)
    return deleted_bundle(vault, sec)


def get_deleted(app, vault, name):
    sec = load(app, vault["name"], name)
    if sec is None or not sec.get("deleted"):
        raise deleted_not_found(name)
    return sec


def recover_secret(app, vault, name):
    sec = get_deleted(app, vault, name)
    sec["deleted"] = None
    _store(app, vault["name"], sec)
    return bundle(vault, sec, sec["versions"][-1], with_value=False)


def purge_secret(app, vault, name):
    sec = get_deleted(app, vault, name)
    if vault["properties"].get("enablePurgeProtection"):
        # Verbatim in Azure/sap-automation#200 (autorest log): 403 Forbidden while purge protection is on.
        raise KvError(403, "Forbidden", 'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will '
                      f"automatically purge it after the retention period has passed.\r\nVault: {vault['name']};location={vault['location']}")
    app.store.delete(models.SECRETS, _key(vault["name"], sec["name"]))


def backup_secret(app, vault, name):
    """POST /secrets/{name}/backup: an opaque blob of all versions (Azure's is encrypted; azsim's is base64url JSON)."""
    sec, _ver = find(app, vault, name)
    sub = vault["id"].split("/")[2]
    blob = json.dumps({"azsim": "keyvault-secret-backup-1", "subscription": sub, "secret": sec}).encode()
    return {"value": base64.urlsafe_b64encode(blob).decode().rstrip("=")}


def restore_secret(app, vault, body):
    """POST /secrets/restore: only into a vault of the same subscription (Learn "Azure Key Vault backup"); texts unverified."""
    raw = body.get("value") if isinstance(body, dict) else None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (TypeError, ValueError):
        data = None
    sec = data.get("secret") if isinstance(data, dict) and data.get("azsim") == "keyvault-secret-backup-1" else None
    if not isinstance(sec, dict) or not sec.get("name") or not sec.get("versions") or not isinstance(data.get("subscription"), str):
        raise bad_parameter("Backup blob contains invalid or corrupt version.")
    if data["subscription"].lower() != vault["id"].split("/")[2].lower():
        raise KvError(403, "Forbidden", "Backup blob is not allowed to be restored into a vault of another subscription.")
    if load(app, vault["name"], sec["name"]) is not None:
        raise KvError(409, "Conflict", f"Secret {sec['name']} already exists.")
    sec["deleted"] = None
    _store(app, vault["name"], sec)
    return bundle(vault, sec, sec["versions"][-1], with_value=False)


def purge_due(app, now):
    """Deleted secrets past their scheduled purge date disappear (Learn soft-delete overview)."""
    due = [k for k, s in app.store.items(models.SECRETS) if s.get("deleted") and s["deleted"]["scheduledPurgeDate"] <= now]
    for k in due:
        app.store.delete(models.SECRETS, k)


# -- App Service Key Vault references -----------------------------------------------------------------------
def parse_reference(reference):
    """(vault, secret, version or None) of an ``@Microsoft.KeyVault(...)`` reference, or None when it is not one."""
    m = _REFERENCE.match((reference or "").strip())
    if not m:
        return None
    inner = m.group(1).strip()
    if inner.lower().startswith("secreturi="):
        u = _SECRET_URI.match(inner[len("secreturi="):].strip())
        return (u.group(1), u.group(2), u.group(3) or None) if u else None
    parts = {}
    for piece in inner.split(";"):
        k, _sep, v = piece.partition("=")
        if k.strip():
            parts[k.strip().lower()] = v.strip()
    if not parts.get("vaultname") or not parts.get("secretname"):
        return None
    return parts["vaultname"], parts["secretname"], parts.get("secretversion") or None
