"""HTTP handlers of Microsoft.KeyVault vaults (management plane; azure-mgmt-keyvault 14.x, api 2023-07-01 ... 2026-05-15)."""

from ...core import locations, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import arm_items, models

API_VERSIONS = ["2026-05-15", "2025-05-01", "2024-11-01", "2024-04-01-preview", "2023-07-01", "2023-02-01", "2022-07-01", "2021-10-01",
                "2019-09-01", "2018-02-14", "2016-10-01"]
SUB = "/subscriptions/{subscriptionId}"
VAULTS = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults"
VAULT = VAULTS + "/{vaultName}"
DELETED = SUB + "/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{vaultName}"
# The VaultAlreadyExists text, verbatim in public deployment logs (e.g. Esri/arcgis-gitops#174, 2025).
ALREADY_EXISTS = ("The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If "
                  "you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not "
                  "purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged "
                  "before reusing the name. For more information about VaultAlreadyExists, soft delete and purging a vault follow this link "
                  "https://go.microsoft.com/fwlink/?linkid=2147740.")
# ConflictError for a name held by a soft-deleted vault, verbatim in Azure/azure-cli#29115.
IN_DELETED_STATE = ("A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow "
                    "this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.")


def register(app):
    app.namespace(models.NAMESPACE, {"vaults": API_VERSIONS, "vaults/accessPolicies": API_VERSIONS, "vaults/secrets": API_VERSIONS,
                                     "vaults/keys": API_VERSIONS, "deletedVaults": API_VERSIONS,
                                     "locations": API_VERSIONS, "locations/deletedVaults": API_VERSIONS, "locations/operationResults": API_VERSIONS,
                                     "checkNameAvailability": API_VERSIONS, "operations": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("POST", SUB + "/providers/Microsoft.KeyVault/checkNameAvailability", h.check_name, action="Microsoft.KeyVault/checkNameAvailability/read")
    r.add("GET", SUB + "/providers/Microsoft.KeyVault/vaults", h.list_sub)
    r.add("GET", SUB + "/providers/Microsoft.KeyVault/deletedVaults", h.list_deleted)
    r.add("GET", DELETED, h.get_deleted)
    r.add("POST", DELETED + "/purge", h.purge)
    r.add("GET", VAULTS, h.list_rg)
    r.add("GET", VAULT, h.get)
    r.add("PUT", VAULT, h.put)
    r.add("PATCH", VAULT, h.patch)
    r.add("DELETE", VAULT, h.delete)
    r.add("PUT", VAULT + "/accessPolicies/{operationKind}", h.access_policies)
    arm_items.register(app, VAULT, h._vault)
    app.lro.register("keyvault.vault.registered", h.finish_create)
    app.lro.register("keyvault.vault.purged", h.finish_purge)


def _deleted_not_found(name):
    # unverified: the RP's text for a missing deleted vault.
    return AzureError(404, "ResourceNotFound", f"The Resource 'Microsoft.KeyVault/deletedVaults/{name}' was not found.")


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _vault(self, rg, name):
        doc = resource.get(self.app, models.vault_id(self.sub, rg, name))
        if doc is None:
            raise not_found(models.VAULT_TYPE, name, rg)
        return doc

    # -- names ---------------------------------------------------------------------------------------
    def check_name(self, req, subscriptionId):
        body = req.json_object()
        name = body.get("name")
        if str(body.get("type", "")).lower() != models.VAULT_TYPE.lower():
            # swagger VaultCheckNameAvailabilityParameters.type is the constant Microsoft.KeyVault/vaults; text unverified.
            raise AzureError(400, "InvalidResourceType", f"The resource type '{body.get('type')}' is not supported by checkNameAvailability.")
        problem = models.name_problem(name)
        if problem:
            # swagger Reason enum: AccountNameInvalid | AlreadyExists (checkVaultNameAvailability.json).
            return Response(200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message": problem})
        if models.registered(self.app, name) is not None or models.deleted(self.app, name) is not None:
            return Response(200, {"nameAvailable": False, "reason": "AlreadyExists", "message": ALREADY_EXISTS.format(name=name)})
        return Response(200, {"nameAvailable": True})

    # -- vaults --------------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        docs = [d for d in self.app.store.values(models.VAULTS) if d["id"].lower().startswith(prefix)]
        return self.app.page(req, [models.wire(resource.peek(self.app, d["id"]) or d) for d in docs])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        docs = [d for d in resource.tracked_in(self.app, self.sub, resourceGroupName) if d.get("type") == models.VAULT_TYPE]
        return self.app.page(req, [models.wire(d) for d in docs])

    def get(self, req, subscriptionId, resourceGroupName, vaultName):
        return Response(200, models.wire(self._vault(resourceGroupName, vaultName)))

    def put(self, req, subscriptionId, resourceGroupName, vaultName):
        body = req.json_object()
        problem = models.name_problem(vaultName)
        if problem:
            raise AzureError(400, "VaultNameNotValid", problem)
        rid = models.vault_id(self.sub, resourceGroupName, vaultName)
        existing = resource.get(self.app, rid)
        if existing is not None:
            loc = models.validate_location(body.get("location"))
            if loc != existing["location"]:
                # ARM's InvalidResourceLocation for a name re-used in another region (ARM RPC common errors).
                raise AzureError(409, "InvalidResourceLocation", f"The resource '{vaultName}' already exists in location '{existing['location']}' in "
                                 f"resource group '{resourceGroupName}'. A resource with the same name cannot be created in location '{loc}'. "
                                 "Please select a new resource name.")
            models.apply_update(self.app, req, existing, body.get("properties"), body.get("tags") or {}, full=True)
            models.save(self.app, existing)
            return Response(200, models.wire(existing))
        if models.registered(self.app, vaultName) is not None:
            raise AzureError(409, "VaultAlreadyExists", ALREADY_EXISTS.format(name=vaultName))
        held = models.deleted(self.app, vaultName)
        mode = str((body.get("properties") or {}).get("createMode") or "default").lower()
        if mode == "recover":
            if held is None or held["id"].split("/")[2].lower() != self.sub.lower():
                # unverified code/text: recovering a name that is not soft-deleted in this subscription.
                raise AzureError(404, "ResourceNotFound", f"The vault '{vaultName}' was not found in deleted state in this subscription.")
            doc = models.recover(self.app, req, self.app.store.get(models.DELETED, vaultName), resourceGroupName, body)
            return Response(200, models.wire(doc))
        if mode != "default":
            raise AzureError(400, "BadRequest", f"The createMode '{mode}' is invalid. Allowed values are 'default' and 'recover'.")  # unverified
        if held is not None:
            raise AzureError(409, "ConflictError", IN_DELETED_STATE)
        doc = models.new_vault(self.app, req, self.sub, resourceGroupName, vaultName, body)
        models.save(self.app, doc)
        # The RP answers at once with provisioningState RegisteringDns (swagger VaultProvisioningState) and the SDK's ARMPolling
        # polls the vault until Succeeded (arm-data.md §7: 10-60 s). Status 200 for a create is unverified (the spec allows 200|201).
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location=doc["location"], duration_key="keyvault.vault.create",
                                 on_done="keyvault.vault.registered", resource_id=doc["id"])
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
        return Response(200, models.wire(resource.get(self.app, doc["id"])))

    def finish_create(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is not None:
            doc["properties"]["provisioningState"] = "Succeeded"
            models.save(self.app, doc)

    def patch(self, req, subscriptionId, resourceGroupName, vaultName):
        body = req.json_object()
        doc = self._vault(resourceGroupName, vaultName)
        models.apply_update(self.app, req, doc, body.get("properties"), body.get("tags"), full=False)
        models.save(self.app, doc)
        return Response(200, models.wire(doc))

    def delete(self, req, subscriptionId, resourceGroupName, vaultName):
        doc = resource.get(self.app, models.vault_id(self.sub, resourceGroupName, vaultName))
        if doc is None:
            return Response(204)  # deleteVault.json: 200 | 204
        # Soft delete is always on (Learn "soft-delete overview"): the vault and its secrets move to the deleted state.
        models.soft_delete(self.app, doc)
        return Response(200)

    def access_policies(self, req, subscriptionId, resourceGroupName, vaultName, operationKind):
        body = req.json_object()
        doc = self._vault(resourceGroupName, vaultName)
        policies = (body.get("properties") or {}).get("accessPolicies")
        if policies is None:
            raise AzureError(400, "BadRequest", "The parameter accessPolicies is required.")  # swagger: required; text unverified
        current = models.update_access_policies(self.app, doc, operationKind.lower(), policies)
        models.save(self.app, doc)
        return Response(200, {"id": f"{doc['id']}/accessPolicies/{operationKind}", "name": operationKind, "type": f"{models.VAULT_TYPE}/accessPolicies",
                              "location": doc["location"], "properties": {"accessPolicies": current}})

    # -- deleted vaults --------------------------------------------------------------------------------
    def _held(self, location, name):
        rec = models.deleted(self.app, name)
        if rec is None or rec["id"].split("/")[2].lower() != self.sub.lower() or rec["properties"]["location"] != locations.normalize(location):
            raise _deleted_not_found(name)
        return rec

    def list_deleted(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        return self.app.page(req, [resource.public(d) for d in self.app.store.values(models.DELETED) if d["id"].lower().startswith(prefix)])

    def get_deleted(self, req, subscriptionId, location, vaultName):
        return Response(200, resource.public(self._held(location, vaultName)))

    def purge(self, req, subscriptionId, location, vaultName):
        rec = self._held(location, vaultName)
        if rec["properties"]["purgeProtectionEnabled"]:
            # "InvalidOperation: Operation 'DeletedVaultPurge' is not allowed." (quoted in Azure/azure-sdk-tools#9329); status unverified.
            raise AzureError(400, "InvalidOperation", "Operation 'DeletedVaultPurge' is not allowed.")
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location=rec["properties"]["location"], duration_key="keyvault.vault.purge",
                                 on_done="keyvault.vault.purged", args={"name": rec["name"]}, result={"status": 200}, poll_hint=5)
        # purgeDeletedVault.json: 202 with a Location; polling it gives 202 until the purge is done, then 200.
        loc = rec["properties"]["location"]
        return self.app.lro.accepted(req, op, async_header=False,
                                     result_path=f"/subscriptions/{self.sub}/providers/Microsoft.KeyVault/locations/{loc}/operationResults/{op['id']}")

    def finish_purge(self, op):
        models.purge(self.app, op["args"]["name"])
