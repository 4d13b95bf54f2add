"""HTTP handlers of Microsoft.Cache/Redis.

Status codes follow azure-mgmt-redis 14.5 (``RedisOperations``): create 200/201 (LRO, body polling on
``provisioningState``), update 200/202, delete 200/202/204 (LRO), get/list/listKeys/regenerateKey 200,
CheckNameAvailability 200 without a body or 409 ``NameNotAvailable``.
"""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models

API_VERSIONS = ["2024-11-01", "2024-04-01-preview", "2024-03-01", "2023-08-01", "2023-04-01", "2022-06-01"]
SUB = "/subscriptions/{subscriptionId}"
CACHES = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Cache/redis"
CACHE = CACHES + "/{name}"


def register(app):
    app.namespace(models.NAMESPACE, {"redis": API_VERSIONS, "checkNameAvailability": API_VERSIONS, "locations": API_VERSIONS,
                                     "locations/asyncOperations": API_VERSIONS, "locations/operationResults": API_VERSIONS,
                                     "operations": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("POST", SUB + "/providers/Microsoft.Cache/CheckNameAvailability", h.check_name, action="Microsoft.Cache/checknameavailability/action")
    r.add("GET", SUB + "/providers/Microsoft.Cache/redis", h.list_sub)
    r.add("GET", CACHES, h.list_rg)
    r.add("GET", CACHE, h.get)
    r.add("PUT", CACHE, h.put)
    r.add("PATCH", CACHE, h.patch)
    r.add("DELETE", CACHE, h.delete)
    r.add("POST", CACHE + "/listKeys", h.list_keys)
    r.add("POST", CACHE + "/regenerateKey", h.regenerate_key)
    app.lro.register("redis.created", h.finish)
    app.lro.register("redis.updated", h.finish)
    app.lro.register("redis.deleted", h.finish_delete)


class Handlers:
    def __init__(self, app):
        self.app = app

    def _cache(self, sub, rg, name):
        doc = resource.get(self.app, models.cache_id(sub, rg, name))
        if doc is None:
            raise not_found(models.TYPE, name, rg)
        return doc

    def _busy(self, doc):
        if self.app.lro.pending_for(doc["id"]):
            # Unverified text: the RP refuses a change while the cache is Creating/Scaling/Updating.
            raise AzureError(409, "Conflict", f"The resource '{doc['name']}' is busy processing a previous update request or is undergoing "
                             "system maintenance. As such, it is currently unable to accept the update request. Please try again later.")

    def check_name(self, req, subscriptionId):
        body = req.json()
        if str((body or {}).get("type", "")).lower() != models.TYPE.lower():
            raise AzureError(400, "InvalidRequestBody", f"The resource type '{(body or {}).get('type')}' is not valid for CheckNameAvailability.")  # unverified
        models.validate_name(body.get("name"))
        if models.by_name(self.app, body["name"]) is not None:
            raise models.name_taken_error()
        return Response(200)

    def list_sub(self, req, subscriptionId):
        return self.app.page(req, [models.wire(d) for d in resource.tracked_in(self.app, subscriptionId) if d["type"] == models.TYPE])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        docs = resource.tracked_in(self.app, subscriptionId, resourceGroupName)
        return self.app.page(req, [models.wire(d) for d in docs if d["type"] == models.TYPE])

    def get(self, req, subscriptionId, resourceGroupName, name):
        return Response(200, models.wire(self._cache(subscriptionId, resourceGroupName, name)))

    def put(self, req, subscriptionId, resourceGroupName, name):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        existing = resource.get(self.app, models.cache_id(subscriptionId, resourceGroupName, name))
        if existing is not None:
            return self._update(req, existing, body, status=200)
        models.validate_name(name)
        if models.by_name(self.app, name) is not None:
            raise models.name_taken_error()  # host names are global (…redis.cache.windows.net)
        doc = models.new_cache(self.app, req, subscriptionId, resourceGroupName, name, body, self.app.clock.iso())
        resource.put(self.app, doc)
        self.app.lro.create(req, namespace=models.NAMESPACE, location=doc["location"], duration_key="redis.create", on_done="redis.created",
                            resource_id=doc["id"], poll_hint=30)
        # RedisCacheCreate.json: 201 with the cache (accessKeys included); provisioningState Creating drives body polling.
        return Response(201, models.wire(doc, with_keys=True))

    def _update(self, req, doc, body, status):
        self._busy(doc)
        if body.get("location") and (body["location"] or "").replace(" ", "").lower() != doc["location"].replace(" ", "").lower():
            raise AzureError(400, "LocationNotUpdatable", "The location of an existing cache cannot be changed.")  # unverified
        scaling = models.apply_update(doc, body)
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        if scaling:
            doc["properties"]["provisioningState"] = "Scaling"
            self.app.lro.create(req, namespace=models.NAMESPACE, location=doc["location"], duration_key="redis.update", on_done="redis.updated",
                                resource_id=doc["id"], poll_hint=30)
        resource.put(self.app, doc)
        return Response(status, models.wire(doc))

    def patch(self, req, subscriptionId, resourceGroupName, name):
        doc = self._cache(subscriptionId, resourceGroupName, name)
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        return self._update(req, doc, body, status=200)

    def finish(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is not None and doc["properties"]["provisioningState"] in ("Creating", "Scaling", "Updating"):
            doc["properties"]["provisioningState"] = "Succeeded"
            resource.put(self.app, doc)
        return None

    def delete(self, req, subscriptionId, resourceGroupName, name):
        doc = resource.get(self.app, models.cache_id(subscriptionId, resourceGroupName, name))
        if doc is None:
            return Response(204)
        doc["properties"]["provisioningState"] = "Deleting"
        resource.put(self.app, doc)
        op = self.app.lro.create(req, namespace=models.NAMESPACE, location=doc["location"], duration_key="redis.delete", on_done="redis.deleted",
                                 resource_id=doc["id"], result={"status": 200}, poll_hint=15)
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
            return Response(200)
        base = f"/subscriptions/{subscriptionId}/providers/Microsoft.Cache/locations/{op['location']}"
        # RedisCacheAsyncOperationStatus.json: the monitor lives at .../locations/{location}/asyncOperations/{id}.
        return self.app.lro.accepted(req, op, status_path=f"{base}/asyncOperations/{op['id']}", result_path=f"{base}/operationResults/{op['id']}")

    def finish_delete(self, op):
        resource.delete_tree(self.app, op["resource_id"])
        return {"status": 200}

    def list_keys(self, req, subscriptionId, resourceGroupName, name):
        doc = self._cache(subscriptionId, resourceGroupName, name)
        return Response(200, dict(doc["properties"]["_keys"]))

    def regenerate_key(self, req, subscriptionId, resourceGroupName, name):
        doc = self._cache(subscriptionId, resourceGroupName, name)
        body = req.json()
        kind = str((body or {}).get("keyType", ""))
        if kind.lower() not in ("primary", "secondary"):
            raise AzureError(400, "InvalidRequestBody", f"The value '{kind}' is not valid for keyType. Valid values are Primary, Secondary.")  # unverified
        doc["properties"]["_keys"][kind.lower() + "Key"] = models.new_key()
        resource.put(self.app, doc)
        return Response(200, dict(doc["properties"]["_keys"]))
