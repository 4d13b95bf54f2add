"""Microsoft.KeyVault: vaults on the management plane (soft delete, recovery, purge; azure-mgmt-keyvault 14.x) and the
secrets data plane on ``https://{vault}.vault.azure.net`` through the front door (azure-keyvault-secrets 4.12)."""

from ...core import resource
from . import dataplane, handlers, models, secrets


def register(app):
    handlers.register(app)
    door = dataplane.SecretsFrontDoor(app)
    app.host_handlers.append((door.accepts, door.handle))
    state = {"last": 0.0}

    def tick():
        models.tick(app)
        now = app.clock.now()
        if now - state["last"] >= 1.0:
            state["last"] = now
            if any(s.get("deleted") and s["deleted"]["scheduledPurgeDate"] <= now for s in app.store.values(models.SECRETS)):
                with app.store.transaction():
                    secrets.purge_due(app, now)

    app.tick_hooks.append(tick)


def resolve_reference(app, reference, object_id=None):
    """The value App Service would put in an app setting holding a Key Vault reference, or None when it cannot resolve.

    ``@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{name}[/{version}])`` or
    ``@Microsoft.KeyVault(VaultName={vault};SecretName={name}[;SecretVersion={version}])`` (Learn "Use Key Vault references
    as app settings"): without a version the latest one is used.  The vault must be live, the secret (version) present,
    not deleted and enabled.  With ``object_id`` (the app's managed identity), that identity must also be allowed to get
    the secret (RBAC dataAction or access policy), as App Service resolves references with it.
    """
    parsed = secrets.parse_reference(reference)
    if parsed is None:
        return None
    vault_name, name, version = parsed
    with app.store.lock:
        vault = models.registered(app, vault_name)
        if vault is None or vault["properties"].get("provisioningState") != "Succeeded":
            return None
        vault = resource.public(vault)
        if object_id is not None:
            principal = app.identity.principal_by_object(object_id) or {"object_id": object_id, "client_id": object_id}
            door = dataplane.SecretsFrontDoor(app)
            try:
                door.authorize(vault, principal, f"oid={object_id}", "get", name)
            except secrets.KvError:
                return None
        try:
            return secrets.get_secret(app, vault, name, version)["value"]
        except secrets.KvError:
            return None


def reference_status(app, reference, object_id=None):
    """What App Service reports for a Key Vault reference (``config/configreferences/appsettings``, ResolveStatus): (status,
    details, vault, secret, version or None, the version in use or None). The same checks as :func:`resolve_reference`, each
    failure named: InvalidSyntax, MSINotEnabled (no identity to resolve with), VaultNotFound, AccessToKeyVaultDenied,
    SecretNotFound, SecretVersionNotFound, OtherReasons (a disabled secret); Resolved otherwise. Details texts unverified."""
    parsed = secrets.parse_reference(reference)
    if parsed is None:
        return "InvalidSyntax", "The Key Vault reference syntax is invalid.", None, None, None, None
    vault_name, name, version = parsed
    if object_id is None:
        return "MSINotEnabled", "No managed identity is available to resolve the reference.", vault_name, name, version, None
    with app.store.lock:
        vault = models.registered(app, vault_name)
        if vault is None or vault["properties"].get("provisioningState") != "Succeeded":
            return "VaultNotFound", f"Key Vault '{vault_name}' was not found.", vault_name, name, version, None
        vault = resource.public(vault)
        principal = app.identity.principal_by_object(object_id) or {"object_id": object_id, "client_id": object_id}
        try:
            dataplane.SecretsFrontDoor(app).authorize(vault, principal, f"oid={object_id}", "get", name)
        except secrets.KvError:
            return "AccessToKeyVaultDenied", "The managed identity is not allowed to get the secret.", vault_name, name, version, None
        try:
            got = secrets.get_secret(app, vault, name, version)
        except secrets.KvError as exc:
            if exc.status != 404:
                status = "OtherReasons"
            elif version and (secrets.load(app, vault_name, name) or {}).get("deleted") is None and secrets.load(app, vault_name, name):
                status = "SecretVersionNotFound"
            else:
                status = "SecretNotFound"
            return status, exc.message, vault_name, name, version, None
        return "Resolved", None, vault_name, name, version, got["id"].rstrip("/").split("/")[-1]


__all__ = ["reference_status", "register", "resolve_reference"]
