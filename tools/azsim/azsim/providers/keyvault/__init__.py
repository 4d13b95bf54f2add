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


__all__ = ["register", "resolve_reference"]
