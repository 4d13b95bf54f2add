"""HTTP handlers of Microsoft.Storage (azure-mgmt-storage StorageManagementClient 25.x; api 2023-05-01 ... 2026-09-01)."""

from ...core import locations, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import immutability, lifecycle, models, softdelete

API_VERSIONS = ["2026-09-01", "2025-08-01", "2025-06-01", "2025-01-01", "2024-01-01", "2023-05-01", "2023-01-01", "2022-09-01",
                "2021-09-01", "2021-04-01", "2019-06-01"]
SUB = "/subscriptions/{subscriptionId}"
ACCOUNTS = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/storageAccounts"
ACCOUNT = ACCOUNTS + "/{accountName}"
SERVICE = ACCOUNT + "/blobServices/{blobServicesName}"
CONTAINERS = ACCOUNT + "/blobServices/default/containers"
CONTAINER = CONTAINERS + "/{containerName}"
POLICY = CONTAINER + "/immutabilityPolicies/{immutabilityPolicyName}"


def register(app, azurite):
    app.namespace(models.NAMESPACE, {"storageAccounts": API_VERSIONS, "storageAccounts/blobServices": API_VERSIONS,
                                     "storageAccounts/blobServices/containers": API_VERSIONS,
                                     "storageAccounts/blobServices/containers/immutabilityPolicies": API_VERSIONS,
                                     "storageAccounts/managementPolicies": API_VERSIONS, "checkNameAvailability": API_VERSIONS,
                                     "operations": API_VERSIONS, "locations": API_VERSIONS, "locations/asyncoperations": API_VERSIONS})
    h = Handlers(app, azurite)
    r = app.router
    r.add("POST", SUB + "/providers/Microsoft.Storage/checkNameAvailability", h.check_name, action="Microsoft.Storage/checknameavailability/read")
    # The create LRO's Location (oav "arm-storage" wire capture: .../providers/Microsoft.Storage/operations/{id}?monitor=true).
    r.add("GET", SUB + "/providers/Microsoft.Storage/operations/{operationId}", h.operation_result, action="Microsoft.Storage/operations/read")
    r.add("GET", SUB + "/providers/Microsoft.Storage/storageAccounts", h.list_sub)
    r.add("GET", ACCOUNTS, h.list_rg)
    r.add("GET", ACCOUNT, h.get)
    r.add("PUT", ACCOUNT, h.put)
    r.add("PATCH", ACCOUNT, h.patch)
    r.add("DELETE", ACCOUNT, h.delete)
    r.add("POST", ACCOUNT + "/listKeys", h.list_keys)
    r.add("POST", ACCOUNT + "/regenerateKey", h.regenerate_key)
    r.add("POST", ACCOUNT + "/listAccountSas", h.list_account_sas)
    r.add("POST", ACCOUNT + "/listServiceSas", h.list_service_sas)
    r.add("GET", ACCOUNT + "/blobServices", h.list_services)
    r.add("GET", SERVICE, h.get_service)
    r.add("PUT", SERVICE, h.put_service)
    r.add("GET", CONTAINERS, h.list_containers)
    r.add("GET", CONTAINERS + "/{containerName}", h.get_container)
    r.add("PUT", CONTAINERS + "/{containerName}", h.put_container)
    r.add("PATCH", CONTAINERS + "/{containerName}", h.patch_container)
    r.add("DELETE", CONTAINERS + "/{containerName}", h.delete_container)
    r.add("GET", POLICY, h.get_policy)
    r.add("PUT", POLICY, h.put_policy)
    r.add("DELETE", POLICY, h.delete_policy)
    r.add("POST", CONTAINER + "/immutabilityPolicies/default/lock", h.lock_policy)
    r.add("POST", CONTAINER + "/immutabilityPolicies/default/extend", h.extend_policy)
    r.add("POST", CONTAINER + "/setLegalHold", h.set_legal_hold)
    r.add("POST", CONTAINER + "/clearLegalHold", h.clear_legal_hold)
    r.add("GET", ACCOUNT + "/managementPolicies/{managementPolicyName}", h.get_management_policy)
    r.add("PUT", ACCOUNT + "/managementPolicies/{managementPolicyName}", h.put_management_policy)
    r.add("DELETE", ACCOUNT + "/managementPolicies/{managementPolicyName}", h.delete_management_policy)
    app.lro.register("storage.account.created", h.finish_create)
    app.lro.register("storage.account.create_failed", h.fail_create)


class Handlers:
    def __init__(self, app, azurite):
        self.app = app
        self.azurite = azurite

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _account(self, rg, name):
        doc = resource.get(self.app, models.account_id(self.sub, rg, name))
        if doc is None:
            raise not_found(models.ACCOUNT_TYPE, name, rg)
        return doc

    # -- names -------------------------------------------------------------------------------------
    def check_name(self, req, subscriptionId):
        body = req.json_object()
        name = body.get("name")
        if str(body.get("type", "")).lower() != models.ACCOUNT_TYPE.lower():
            # Swagger StorageAccountCheckNameAvailabilityParameters.type is the constant Microsoft.Storage/storageAccounts; text unverified.
            raise AzureError(400, "InvalidResourceType", f"The resource type '{body.get('type')}' is not supported by checkNameAvailability.")
        problem = models.name_problem(name)
        if problem:
            return Response(200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message": problem})
        if models.name_taken(self.app, name):
            # arm-data.md §5: "The storage account named foo is already taken."
            return Response(200, {"nameAvailable": False, "reason": "AlreadyExists", "message": f"The storage account named {name} is already taken."})
        return Response(200, {"nameAvailable": True})

    # -- accounts ------------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        return self.app.page(req, [models.wire(d) for d in models.all_accounts(self.app) if d["id"].lower().startswith(prefix)])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        docs = [d for d in resource.tracked_in(self.app, self.sub, resourceGroupName) if d.get("type") == models.ACCOUNT_TYPE]
        return self.app.page(req, [models.wire(d) for d in docs])

    def get(self, req, subscriptionId, resourceGroupName, accountName):
        return Response(200, models.wire(self._account(resourceGroupName, accountName)))

    def put(self, req, subscriptionId, resourceGroupName, accountName):
        body = req.json_object()
        problem = models.name_problem(accountName)
        if problem:
            raise AzureError(400, "AccountNameInvalid", problem)  # arm-data.md §5 (PUT errors)
        existing = resource.get(self.app, models.account_id(self.sub, resourceGroupName, accountName))
        if existing is None:
            other = models.account_by_name(self.app, accountName)
            if other is not None:
                # arm-data.md §5: 409 StorageAccountAlreadyExists in the same subscription (other group),
                # StorageAccountAlreadyTaken elsewhere (azsim has one subscription). Texts unverified.
                raise AzureError(409, "StorageAccountAlreadyExists", f"The storage account named {accountName} already exists under the subscription.")
            doc = models.new_account(self.app, req, self.sub, resourceGroupName, accountName, body)
            resource.put(self.app, doc)
            self.azurite.kick()
            op = self.app.lro.create(req, namespace=models.NAMESPACE, location=doc["location"], duration_key="storage.account.create",
                                     on_done="storage.account.created", on_fail="storage.account.create_failed", resource_id=doc["id"],
                                     poll_hint=17)
            # Storage create answers 202 with Location only (no body, no Azure-AsyncOperation); polling the Location gives
            # 202 until done, then 200 with the account (arm-data.md §1.4/§5; oav arm-storage wire capture).
            path = f"/subscriptions/{self.sub}/providers/Microsoft.Storage/operations/{op['id']}"
            resp = self.app.lro.accepted(req, op, async_header=False, result_path=path)
            resp.headers["Location"] += "&monitor=true"
            return resp
        if self.app.lro.pending_for(existing["id"]):
            # Unverified text: a second PUT while the account is still being created.
            raise AzureError(409, "StorageAccountOperationInProgress",
                             "An operation is currently performing on this storage account that requires exclusive access.")
        if locations.normalize(body.get("location")) != existing["location"]:
            raise AzureError(409, "InvalidResourceLocation", f"The resource '{accountName}' already exists in location '{existing['location']}' "
                             f"in resource group '{resourceGroupName}'. A resource with the same name cannot be created in location "
                             f"'{body.get('location')}'. Please select a new resource name.")
        # Swagger StorageAccounts_Create: "If an account is already created and a subsequent create request is issued with
        # different properties, the account properties will be updated" — answered 200 with the account (spec issue 22897).
        self._update(req, existing, body)
        return Response(200, models.wire(existing))

    def _update(self, req, doc, body):
        if "sku" in body and body["sku"] is not None:
            sku = models.sku_of(body["sku"])
            if sku["tier"] != doc["sku"]["tier"]:
                # Learn "Change how a storage account is replicated": Standard and Premium cannot be converted; text unverified.
                raise AzureError(400, "InvalidAccountType", "The account type cannot be changed between Standard and Premium.")
            doc["sku"] = sku
            doc["properties"].update(models.endpoints(doc["name"], doc["location"], sku["name"]))
            for gone in ("secondaryLocation", "statusOfSecondary", "secondaryEndpoints"):
                if gone not in models.endpoints(doc["name"], doc["location"], sku["name"]):
                    doc["properties"].pop(gone, None)
        if body.get("kind") is not None:
            kind = models._enum(body["kind"], models.KINDS, "kind")  # noqa: SLF001 - same package
            if kind != doc["kind"] and not (doc["kind"] == "Storage" and kind == "StorageV2"):
                # Learn "Upgrade to a general-purpose v2 storage account": the only kind change allowed; text unverified.
                raise AzureError(400, "InvalidKindChange", f"The kind of the storage account cannot be changed from {doc['kind']} to {kind}.")
            doc["kind"] = kind
        if "tags" in body:
            doc["tags"] = resource.validate_tags(body.get("tags"))
        models.apply_properties(doc, body.get("properties") or {}, creating=False)
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        resource.put(self.app, doc)

    def finish_create(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is None:
            raise AzureError(404, "ResourceNotFound", "The storage account was deleted before its creation completed.")  # unverified
        doc["properties"]["provisioningState"] = "Succeeded"
        resource.put(self.app, doc)
        return {"status": 200, "body": models.wire(doc)}

    def fail_create(self, op):
        resource.delete_tree(self.app, op["resource_id"])
        self.azurite.kick()

    def operation_result(self, req, subscriptionId, operationId):
        op = self.app.store.get("operations", operationId)
        if op is None or op.get("namespace") != models.NAMESPACE:
            raise AzureError(404, "NotFound", f"The requested resource '{req.path}' was not found.")
        self.app.lro.settle()
        op = self.app.store.get("operations", operationId)
        if op["status"] not in ("Succeeded", "Failed", "Canceled"):
            return Response(202, None, {"Location": req.base_url + req.raw_path + "?" + req.query_string,
                                        "Retry-After": str(self.app.lro.retry_after(op))})
        if op["status"] != "Succeeded":
            return Response(op.get("error_status") or 500, {"error": op["error"]})
        result = op.get("result") or {"status": 200}
        return Response(result.get("status", 200), result.get("body"))

    def patch(self, req, subscriptionId, resourceGroupName, accountName):
        doc = self._account(resourceGroupName, accountName)
        body = req.json_object()
        if "location" in body and locations.normalize(body["location"]) != doc["location"]:
            raise AzureError(400, "LocationNotUpdatable", "The location of a storage account cannot be changed.")  # unverified
        self._update(req, doc, body)
        return Response(200, models.wire(doc))

    def delete(self, req, subscriptionId, resourceGroupName, accountName):
        doc = resource.get(self.app, models.account_id(self.sub, resourceGroupName, accountName))
        if doc is None:
            return Response(204)  # swagger StorageAccounts_Delete: 200 deleted, 204 no content
        containers = models.all_containers(self.app, accountName)
        locked = [c["name"] for c in containers if (immutability.policy_of(c) or {}).get("state") == "Locked"]
        held = [c["name"] for c in containers if immutability.legal_hold(c)]
        if locked or held:
            # Learn "Container-level WORM policies" and "Common REST API error codes" (AccountProtectedFromDeletion: containers
            # that "have legal hold\locked immutability policy"): such an account cannot be deleted.  Text as azure-powershell
            # issue 26148 quotes the RP for the locked case; the legal-hold wording is unverified.
            what = (f"{', '.join(locked)} have a locked immutability policy" if locked else f"{', '.join(held)} have legal hold")
            raise AzureError(409, "AccountProtectedFromDeletion", f"{accountName} is protected from deletion. The container(s) {what}.",
                             target=doc["id"])
        resource.delete_tree(self.app, doc["id"])
        self.azurite.kick()
        return Response(200)

    # -- keys and SAS ------------------------------------------------------------------------------
    def list_keys(self, req, subscriptionId, resourceGroupName, accountName):
        doc = self._account(resourceGroupName, accountName)
        return Response(200, {"keys": doc["_keys"]})

    def regenerate_key(self, req, subscriptionId, resourceGroupName, accountName):
        doc = self._account(resourceGroupName, accountName)
        body = req.json_object()
        name = str(body.get("keyName") or "")
        hit = next((k for k in doc["_keys"] if k["keyName"].lower() == name.lower()), None)
        if hit is None:
            # Unverified text; swagger StorageAccountRegenerateKeyParameters.keyName is key1/key2 (kerb1/kerb2 with AD DS).
            raise AzureError(400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: keyName.")
        now = self.app.clock.iso()
        hit["value"] = models.new_key()
        hit["creationTime"] = now
        doc["properties"]["keyCreationTime"][hit["keyName"]] = now
        resource.put(self.app, doc)
        self.azurite.kick()
        return Response(200, {"keys": doc["_keys"]})

    def list_account_sas(self, req, subscriptionId, resourceGroupName, accountName):
        doc = self._account(resourceGroupName, accountName)
        return Response(200, {"accountSasToken": models.account_sas(doc, req.json_object())})

    def list_service_sas(self, req, subscriptionId, resourceGroupName, accountName):
        doc = self._account(resourceGroupName, accountName)
        return Response(200, {"serviceSasToken": models.service_sas(doc, req.json_object())})

    # -- blob service -------------------------------------------------------------------------------------
    def _service(self, acct):
        return resource.get(self.app, acct["id"] + "/blobServices/default") or models.blob_service(acct)

    def _check_service_name(self, name):
        if name.lower() != "default":
            # swagger: blobServicesName is the constant "default"; text unverified.
            raise AzureError(400, "InvalidBlobServiceName", f"The blob service name '{name}' is invalid; it must be 'default'.")

    def list_services(self, req, subscriptionId, resourceGroupName, accountName):
        acct = self._account(resourceGroupName, accountName)
        return Response(200, {"value": [resource.public(self._service(acct))]})

    def get_service(self, req, subscriptionId, resourceGroupName, accountName, blobServicesName):
        self._check_service_name(blobServicesName)
        return Response(200, resource.public(self._service(self._account(resourceGroupName, accountName))))

    def put_service(self, req, subscriptionId, resourceGroupName, accountName, blobServicesName):
        self._check_service_name(blobServicesName)
        acct = self._account(resourceGroupName, accountName)
        svc = self._service(acct)
        was_tracking = ((svc["properties"].get("lastAccessTimeTrackingPolicy") or {}).get("enable"))
        models.apply_blob_service(svc, req.json_object().get("properties") or {})
        if (svc["properties"].get("lastAccessTimeTrackingPolicy") or {}).get("enable") and not was_tracking:
            # Learn (lifecycle policy structure, "Access time tracking"): a blob never read since is aged from the
            # date tracking was enabled.
            svc["_accessTrackingSince"] = self.app.clock.now()
        resource.put(self.app, svc)
        out = resource.public(svc)
        out.pop("sku", None)  # the PUT answer carries no sku (swagger example BlobServicesPut)
        return Response(200, out)

    # -- containers -------------------------------------------------------------------------------------------
    def _container(self, acct, name, required=True):
        doc = resource.get(self.app, acct["id"] + "/blobServices/default/containers/" + name)
        if doc is None and required:
            # The blob service's own text, relayed by the RP (unverified for ARM).
            raise AzureError(404, "ContainerNotFound", "The specified container does not exist.")
        return doc

    def list_containers(self, req, subscriptionId, resourceGroupName, accountName):
        acct = self._account(resourceGroupName, accountName)
        items = resource.children(self.app, acct["id"] + "/blobServices/default", "containers")
        flt = req.query.get("$filter") or ""
        if flt.lower().startswith("name ge ") or flt.lower().startswith("startswith(name,"):
            # swagger BlobContainers_List $filter: "only container names starting with the filter are listed"; unverified grammar.
            prefix = flt.split("'")[1] if "'" in flt else ""
            items = [c for c in items if c["name"].startswith(prefix)]
        size = req.query.get("$maxpagesize")
        return self.app.page(req, [resource.public(c) for c in items], page_size=int(size) if size and size.isdigit() else None)

    def get_container(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        return Response(200, resource.public(self._container(acct, containerName)))

    def put_container(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        models.validate_container_name(containerName)
        props = req.json_object().get("properties") or {}
        existing = self._container(acct, containerName, required=False)
        doc = existing or models.new_container(acct, containerName, self.app.clock.iso())
        isv = props.get("immutableStorageWithVersioning")
        if isinstance(isv, dict) and isv.get("enabled") and not self._service(acct)["properties"].get("isVersioningEnabled"):
            # Learn "Configure immutability policies for blob versions": versioning must be enabled first; text unverified.
            raise AzureError(400, "ContainerOperationFailure", "Version-level immutability requires blob versioning to be enabled on the account.")
        models.apply_container(acct, doc, props, creating=existing is None)
        doc["etag"] = models.etag()
        doc["properties"]["lastModifiedTime"] = self.app.clock.iso()
        resource.put(self.app, doc)
        self.azurite.touch(acct["name"], containerName)
        # REST spec example PutContainers: 201 when created; an existing container is updated (200). SDK accepts both.
        return Response(200 if existing else 201, resource.public(doc))

    def patch_container(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        models.apply_container(acct, doc, req.json_object().get("properties") or {}, creating=False)
        doc["etag"] = models.etag()
        doc["properties"]["lastModifiedTime"] = self.app.clock.iso()
        resource.put(self.app, doc)
        self.azurite.touch(acct["name"], containerName)
        return Response(200, resource.public(doc))

    def delete_container(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName, required=False)
        if doc is None:
            return Response(204)  # swagger BlobContainers_Delete: 200 / 204
        if immutability.legal_hold(doc):
            # The blob service's text for a container under legal hold (MicrosoftDocs/feedback issue 1844:
            # ContainerHasLegalHold), relayed by the RP; code unverified.
            raise AzureError(409, "ContainerOperationFailure", "The requested operation is not allowed as the container has one or more legal holds.")
        if immutability.policy_of(doc) is not None and not self._container_empty(acct, doc):
            # Learn "Container-level WORM policies", "Deletion": a container with a policy must be empty before it can be
            # deleted, through the control plane only (azure-powershell's tests delete an emptied locked one); text unverified.
            raise AzureError(409, "ContainerOperationFailure",
                             "This operation is not permitted as the container has an immutability policy and is not empty.")
        softdelete.forget_container(self.app, acct["id"], doc["name"])
        resource.delete_tree(self.app, doc["id"])
        self.azurite.touch(acct["name"], containerName)
        return Response(200)

    def _container_empty(self, acct, doc):
        """Whether Azurite holds no blob in the container: a container no blob was ever written to through the front door
        is empty; else Azurite is asked, without waiting (this runs under the state lock)."""
        if not self.azurite.available or not doc.get("_hasBlobs"):
            return True
        if self.azurite.try_acquire() is None:
            return False
        try:
            return not any(True for _unused in self.azurite.list_blobs(acct["name"].lower(), acct["_keys"][0]["value"], doc["name"]))
        except OSError:
            return False
        finally:
            self.azurite.release()

    # -- immutability policies and legal holds ---------------------------------------------------------------
    def _who(self, req):
        return {"object_id": (req.principal or {}).get("object_id"), "tenant_id": self.app.identity.tenant_id}

    def _policy_name(self, req, name):
        if name.lower() != "default":
            # The policy is a singleton named "default" (swagger immutabilityPolicyName enum); ARM finds no other route.
            raise AzureError(404, "HttpResourceNotFound", f"The request url {req.base_url}{req.raw_path}?{req.query_string} is not found.")

    def _policy_answer(self, container, status=200):
        body = immutability.resource(container)
        return Response(status, body, {"ETag": body["etag"]})  # the SDK reads the ETag header too (swagger: ETag in headers)

    def get_policy(self, req, subscriptionId, resourceGroupName, accountName, containerName, immutabilityPolicyName):
        self._policy_name(req, immutabilityPolicyName)
        doc = self._container(self._account(resourceGroupName, accountName), containerName)
        immutability.check_if_match(doc, req.headers.get("if-match"), required=False)
        if not doc.get("_ipEtag"):
            immutability.etag_of(doc)
            resource.put(self.app, doc)
        return self._policy_answer(doc)

    def _save(self, acct, doc):
        doc["etag"] = models.etag()
        resource.put(self.app, doc)

    def put_policy(self, req, subscriptionId, resourceGroupName, accountName, containerName, immutabilityPolicyName):
        self._policy_name(req, immutabilityPolicyName)
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        # "ETag in If-Match is honored if given but not required for this operation" (swagger).
        immutability.check_if_match(doc, req.headers.get("if-match"), required=False)
        immutability.put(doc, req.json_object(), self._who(req), self.app.clock.iso())
        self._save(acct, doc)
        return self._policy_answer(doc)

    def delete_policy(self, req, subscriptionId, resourceGroupName, accountName, containerName, immutabilityPolicyName):
        self._policy_name(req, immutabilityPolicyName)
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        immutability.check_if_match(doc, req.headers.get("if-match"), required=True)  # "ETag in If-Match is required"
        body = immutability.delete(doc, self.app.clock.iso())
        self._save(acct, doc)
        return Response(200, body, {"ETag": body["etag"]})

    def lock_policy(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        immutability.check_if_match(doc, req.headers.get("if-match"), required=True)
        immutability.lock(doc, self._who(req), self.app.clock.iso())
        self._save(acct, doc)
        return self._policy_answer(doc)

    def extend_policy(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        immutability.check_if_match(doc, req.headers.get("if-match"), required=True)
        immutability.extend(doc, req.json_object(required=False), self._who(req), self.app.clock.iso())
        self._save(acct, doc)
        return self._policy_answer(doc)

    def set_legal_hold(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        immutability.set_legal_hold(doc, req.json_object(), self._who(req), self.app.clock.iso())
        self._save(acct, doc)
        return Response(200, immutability.legal_hold_answer(doc))

    def clear_legal_hold(self, req, subscriptionId, resourceGroupName, accountName, containerName):
        acct = self._account(resourceGroupName, accountName)
        doc = self._container(acct, containerName)
        immutability.clear_legal_hold(doc, req.json_object(), self.app.clock.iso())
        self._save(acct, doc)
        return Response(200, immutability.legal_hold_answer(doc))

    # -- lifecycle management --------------------------------------------------------------------------------
    def _management_policy_name(self, req, name):
        if name.lower() != "default":
            # ManagementPolicyName is the constant "default"; any other name is an unknown URL to ARM (bicep-types-az
            # issue 2494 quotes "The request url .../managementPolicies/notDefault?api-version=2024-01-01 is not found.").
            raise AzureError(404, "HttpResourceNotFound", f"The request url {req.base_url}{req.raw_path}?{req.query_string} is not found.")

    def get_management_policy(self, req, subscriptionId, resourceGroupName, accountName, managementPolicyName):
        self._management_policy_name(req, managementPolicyName)
        acct = self._account(resourceGroupName, accountName)
        doc = resource.get(self.app, acct["id"] + "/managementPolicies/default")
        if doc is None:
            # azure-sdk-for-net Storage tests expect ManagementPolicyNotFound after a delete; text as az CLI prints it
            # ("(ManagementPolicyNotFound) No ManagementPolicy found for account ...").
            raise AzureError(404, "ManagementPolicyNotFound", f"No ManagementPolicy found for account {acct['name']}")
        return Response(200, resource.public(doc))

    def put_management_policy(self, req, subscriptionId, resourceGroupName, accountName, managementPolicyName):
        self._management_policy_name(req, managementPolicyName)
        acct = self._account(resourceGroupName, accountName)
        svc = self._service(acct)
        tracking = bool((svc["properties"].get("lastAccessTimeTrackingPolicy") or {}).get("enable"))
        policy = lifecycle.validate(req.json_object(), tracking)
        doc = lifecycle.wire(acct["id"], {"lastModifiedTime": self.app.clock.iso(), "policy": policy})
        resource.put(self.app, doc)
        return Response(200, doc)  # ManagementPolicies_CreateOrUpdate answers 200 only (swagger, SDK)

    def delete_management_policy(self, req, subscriptionId, resourceGroupName, accountName, managementPolicyName):
        self._management_policy_name(req, managementPolicyName)
        acct = self._account(resourceGroupName, accountName)
        # Swagger ManagementPolicies_Delete: 200 or 204; deleting an absent policy does not fail (azure-sdk-for-net tests).
        return Response(200 if self.app.store.delete(resource.TABLE, acct["id"] + "/managementPolicies/default") else 204)
