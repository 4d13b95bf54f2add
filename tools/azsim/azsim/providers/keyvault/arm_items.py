"""A vault's secrets and keys as Resource Manager shows them (azure-mgmt-keyvault 14.x ``secrets`` and ``keys``): what a
principal without a data-plane role - the Reader - learns of them, their attributes and never a value.

Sources: azure-rest-api-specs ``Microsoft.KeyVault/stable/2023-07-01`` ``secrets.json`` and ``keys.json`` with their examples
(``getSecret.json``, ``listSecrets.json``, ``getKey.json``, ``listKeys.json``, ``createKey.json``): a Secret is
``{id, name, type Microsoft.KeyVault/vaults/secrets, location, tags, properties {contentType, attributes {enabled, nbf, exp,
created, updated} (epoch seconds), secretUri, secretUriWithVersion}}`` - the value is never returned by GET or list; a Key is
``{..., type Microsoft.KeyVault/vaults/keys, properties {attributes {enabled, nbf, exp, created, updated, recoveryLevel,
exportable}, kty, keyOps, keySize, curveName, keyUri, keyUriWithVersion, rotationPolicy {attributes {created, updated,
expiryTime}, lifetimeActions [{trigger {timeAfterCreate|timeBeforeExpiry}, action {type rotate|notify}}]}}}``; Keys_CreateIfNotExist
"creates the first version of a new key if it does not exist. If it already exists, then the existing key is returned without any
write operations being performed" (200 only). The secrets are the ones of the data plane (:mod:`.secrets`); keys exist only
through this API (azsim has no keys data plane). Secret writes through ARM are not simulated.
"""

import re
import uuid

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models, secrets

KEYS = "keyvault.armKeys"
KTY = ("RSA", "RSA-HSM", "EC", "EC-HSM")
CURVES = ("P-256", "P-384", "P-521", "P-256K")
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def register(app, vault_route, vault_of):
    h = Handlers(app, vault_of)
    r = app.router
    r.add("GET", vault_route + "/secrets", h.list_secrets)
    r.add("GET", vault_route + "/secrets/{secretName}", h.get_secret)
    r.add("GET", vault_route + "/keys", h.list_keys)
    r.add("GET", vault_route + "/keys/{keyName}", h.get_key)
    r.add("PUT", vault_route + "/keys/{keyName}", h.put_key)


class Handlers:
    def __init__(self, app, vault_of):
        self.app = app
        self.vault_of = vault_of

    # -- secrets --------------------------------------------------------------------------------------------------
    def _secret(self, vault, sec):
        ver = sec["versions"][-1]
        attrs = {"enabled": ver["attributes"]["enabled"]}
        for k in ("nbf", "exp"):
            if ver["attributes"].get(k) is not None:
                attrs[k] = ver["attributes"][k]
        attrs.update({"created": ver["attributes"]["created"], "updated": ver["attributes"]["updated"]})
        uri = f"{secrets.base_url(vault['name'])}/secrets/{sec['name']}"
        props = {"attributes": attrs, "secretUri": uri, "secretUriWithVersion": f"{uri}/{ver['version']}"}
        if ver.get("contentType") is not None:
            props["contentType"] = ver["contentType"]
        return {"id": f"{vault['id']}/secrets/{sec['name']}", "name": sec["name"], "type": "Microsoft.KeyVault/vaults/secrets",
                "location": vault["location"], "tags": ver.get("tags") or {}, "properties": props}

    def list_secrets(self, req, subscriptionId, resourceGroupName, vaultName):
        vault = self.vault_of(resourceGroupName, vaultName)
        rows = [self._secret(vault, s) for s in secrets.all_secrets(self.app, vault["name"]) if not s.get("deleted")]
        return self.app.page(req, rows)

    def get_secret(self, req, subscriptionId, resourceGroupName, vaultName, secretName):
        vault = self.vault_of(resourceGroupName, vaultName)
        sec = secrets.load(self.app, vault["name"], secretName)
        if sec is None or sec.get("deleted"):
            raise not_found("Microsoft.KeyVault/vaults/secrets", f"{vaultName}/{secretName}", resourceGroupName)
        return Response(200, self._secret(vault, sec))

    # -- keys -------------------------------------------------------------------------------------------------
    def _key_id(self, vault, name):
        return f"{vault['id']}/keys/{name}"

    def list_keys(self, req, subscriptionId, resourceGroupName, vaultName):
        vault = self.vault_of(resourceGroupName, vaultName)
        prefix = f"{vault['id']}/keys/".lower()
        return self.app.page(req, [d for k, d in self.app.store.items(KEYS, prefix)])

    def get_key(self, req, subscriptionId, resourceGroupName, vaultName, keyName):
        vault = self.vault_of(resourceGroupName, vaultName)
        doc = self.app.store.get(KEYS, self._key_id(vault, keyName))
        if doc is None:
            raise not_found("Microsoft.KeyVault/vaults/keys", f"{vaultName}/{keyName}", resourceGroupName)
        return Response(200, doc)

    def put_key(self, req, subscriptionId, resourceGroupName, vaultName, keyName):
        vault = self.vault_of(resourceGroupName, vaultName)
        existing = self.app.store.get(KEYS, self._key_id(vault, keyName))
        if existing is not None:
            return Response(200, existing)  # create-if-not-exist: no write
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        kty = props.get("kty") or "RSA"
        if kty not in KTY:
            raise AzureError(400, "BadParameter", f"The key type '{kty}' is invalid. Valid values: {', '.join(KTY)}.")  # unverified text
        now = int(self.app.clock.now())
        given = props.get("attributes") or {}
        attrs = {"enabled": bool(given.get("enabled", True))}
        for k in ("nbf", "exp"):
            if given.get(k) is not None:
                attrs[k] = int(given[k])
        attrs.update({"created": now, "updated": now, "recoveryLevel": models.recovery_level(vault["properties"]), "exportable": False})
        version = uuid.uuid4().hex
        uri = f"{secrets.base_url(vault['name'])}/keys/{keyName}"
        out = {"attributes": attrs, "kty": kty, "keyOps": list(props.get("keyOps") or ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]),
               "keyUri": uri, "keyUriWithVersion": f"{uri}/{version}"}
        if kty.startswith("RSA"):
            out["keySize"] = int(props.get("keySize") or 2048)
        else:
            curve = props.get("curveName") or "P-256"
            if curve not in CURVES:
                raise AzureError(400, "BadParameter", f"The curve name '{curve}' is invalid.")  # unverified text
            out["curveName"] = curve
        policy = props.get("rotationPolicy")
        if policy is not None:
            out["rotationPolicy"] = self._policy(policy, now)
        doc = {"id": self._key_id(vault, keyName), "name": keyName, "type": "Microsoft.KeyVault/vaults/keys", "location": vault["location"],
               "tags": resource.validate_tags(body.get("tags")), "properties": out}
        self.app.store.put(KEYS, doc["id"], doc)
        return Response(200, doc)

    @staticmethod
    def _policy(policy, now):
        if not isinstance(policy, dict):
            raise AzureError(400, "BadParameter", "The rotation policy is invalid.")  # unverified text
        expiry = (policy.get("attributes") or {}).get("expiryTime")
        actions = []
        for a in policy.get("lifetimeActions") or []:
            trigger = (a or {}).get("trigger") or {}
            kind = ((a or {}).get("action") or {}).get("type")
            times = [trigger.get("timeAfterCreate"), trigger.get("timeBeforeExpiry")]
            if kind not in ("rotate", "notify", "Rotate", "Notify") or sum(t is not None for t in times) != 1 or \
                    not all(DURATION.match(t) for t in times if t is not None):
                # LifetimeAction: one trigger (ISO 8601 duration) and an action rotate|notify (swagger); text unverified.
                raise AzureError(400, "BadParameter", "Each lifetime action needs one trigger (an ISO 8601 duration) and an action type rotate or notify.")
            actions.append({"trigger": {k: v for k, v in trigger.items() if k in ("timeAfterCreate", "timeBeforeExpiry") and v is not None},
                            "action": {"type": kind.lower()}})
        if expiry is not None and not DURATION.match(str(expiry)):
            raise AzureError(400, "BadParameter", f"The expiry time '{expiry}' is not an ISO 8601 duration.")  # unverified text
        attrs = {"created": now, "updated": now}
        if expiry is not None:
            attrs["expiryTime"] = expiry
        return {"attributes": attrs, "lifetimeActions": actions}
