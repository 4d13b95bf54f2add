"""Management locks (Microsoft.Authorization/locks, api 2020-05-01 and 2016-09-01; azure-mgmt-resource-locks 1.0.0
``ManagementLockClient``) at subscription, resource-group and resource scope, and their enforcement by ARM.

Sources: azure-rest-api-specs ``specification/resources/resource-manager/Microsoft.Authorization/stable/2020-05-01/locks.json``
(ManagementLockObject: ``properties.level`` CanNotDelete|ReadOnly required, ``notes`` up to 512 characters, ``owners``
[{applicationId}]; PUT 200/201, GET 200, DELETE 200/204; one list per level plus ``ListByScope``, ``$filter`` passed through;
the lock name "can be a maximum of 260 characters. It cannot contain <, > %, &, :, \\, ?, /, or any control characters");
Learn REST "Management Locks - Create Or Update At Resource Level" ("When you apply a lock at a parent scope, all child
resources inherit the same lock. To create management locks, you must have access to Microsoft.Authorization/* or
Microsoft.Authorization/locks/* actions. Of the built-in roles, only Owner and User Access Administrator are granted those
actions."); Learn "Lock your resources to protect your infrastructure" (CanNotDelete: read and modify, no delete; ReadOnly:
read only - no PUT, PATCH, DELETE or POST, so a ReadOnly lock on a storage account refuses listKeys; locks apply to the
control plane only); the list semantics of Get-AzResourceLock (``-AtScope``: the locks at or above the scope; without it, at,
above or below), which the REST ``$filter=atScope()`` carries; the ``ScopeLocked`` 409 as quoted in
Azure-Player/azure.datafactory.devops#183 and Azure/apiops#606 ("The scope '...' cannot perform delete operation because
following scope(s) are locked: '...'. Please remove the lock and try again.") and, for writes and listKeys,
Azure/azure-rest-api-specs#6363 ("... cannot perform write operation ...").
"""

import re

from ...core import ids, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response

API_VERSIONS = ["2020-05-01", "2016-09-01", "2015-01-01"]
TABLE = "authorization.locks"
TYPE = "Microsoft.Authorization/locks"
LEVELS = {"cannotdelete": "CanNotDelete", "readonly": "ReadOnly"}
BASE = "/{scope*}/providers/Microsoft.Authorization/locks"
NAME_FORBIDDEN = re.compile(r"[<>%&:\\?/\x00-\x1f\x7f]")
LOCK_ACTIONS = "microsoft.authorization/locks/"


def register(app):
    app.namespace("Microsoft.Authorization", {"locks": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", BASE, h.list, action="Microsoft.Authorization/locks/read")
    r.add("GET", BASE + "/{lockName}", h.get, action="Microsoft.Authorization/locks/read")
    r.add("PUT", BASE + "/{lockName}", h.put, action="Microsoft.Authorization/locks/write")
    r.add("DELETE", BASE + "/{lockName}", h.delete, action="Microsoft.Authorization/locks/delete")
    app.write_guards.append(h.guard)


def _clean(scope):
    # The SDK's *_at_resource_level with an empty parent path sends "//" (as for permissions), which ARM reads as one separator.
    return "/" + re.sub(r"/{2,}", "/", scope).strip("/")


def scope_of_lock(lock_id):
    low = lock_id.lower()
    return lock_id[: low.rindex("/providers/microsoft.authorization/locks/")]


def all_locks(app):
    return app.store.values(TABLE)


class Handlers:
    def __init__(self, app):
        self.app = app

    # -- enforcement -----------------------------------------------------------------------------------
    def guard(self, req, action, target):
        """ARM's lock check before a write reaches the resource provider: a DELETE is refused when any lock sits at, above
        or below its target (deleting a parent deletes what is locked under it); PUT, PATCH and POST when a ReadOnly lock sits
        at or above it. Lock management itself is exempt, or no lock could ever be removed."""
        if action.lower().startswith(LOCK_ACTIONS) or not target.lower().startswith("/subscriptions/"):
            return
        target = _clean(target)
        blocking = []
        for lock in all_locks(self.app):
            at = scope_of_lock(lock["id"])
            above = ids.under(at, target)
            if req.method == "DELETE":
                hit = above or ids.under(target, at)
            else:
                hit = above and lock["properties"]["level"] == "ReadOnly"
            if hit and at not in blocking:
                blocking.append(at)
        if blocking:
            verb = "delete" if req.method == "DELETE" else "write"
            # Several locked scopes: joined with commas inside the quotes (unverified; one scope is the quoted form).
            raise AzureError(409, "ScopeLocked", f"The scope '{target}' cannot perform {verb} operation because following scope(s) are locked: "
                                                 f"'{','.join(blocking)}'. Please remove the lock and try again.")

    # -- CRUD ---------------------------------------------------------------------------------------------
    def _check_scope(self, scope):
        sub = self.app.identity.subscription_id
        p = ids.parse(scope)
        if p is None:
            # Locks live at subscription, resource group or resource scope only (Learn: "You can't add a lock to management
            # groups"); text unverified.
            raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not valid for a management lock.")
        if p["subscription"].lower() != sub.lower():
            raise AzureError(404, "SubscriptionNotFound", f"The subscription '{p['subscription']}' could not be found.")
        rg = p["resource_group"]
        if rg and not self.app.store.exists("resourceGroups", f"/subscriptions/{sub}/resourcegroups/{rg}"):
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        if p["types"]:
            top = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{p['namespace']}/{p['types'][0][0]}/{p['types'][0][1]}"
            if resource.peek(self.app, top) is None:
                raise not_found(f"{p['namespace']}/{p['types'][0][0]}", p["types"][0][1], rg or "")

    def _id(self, scope, name):
        return f"{scope}/providers/Microsoft.Authorization/locks/{name}"

    def _wire(self, req, doc):
        out = resource.public(doc)
        if (req.api_version or "") < "2020-05-01":
            out.pop("systemData", None)  # systemData arrived with 2020-05-01 (locks.json)
        return out

    def list(self, req, scope):
        scope = _clean(scope)
        self._check_scope(scope)
        f = (req.query.get("$filter") or "").strip()
        rows = all_locks(self.app)
        if f.lower().replace(" ", "") == "atscope()":
            rows = [d for d in rows if ids.under(scope_of_lock(d["id"]), scope)]
        elif f:
            # Only atScope() is documented for locks (text unverified, modelled on role assignments' answer).
            raise AzureError(400, "UnsupportedQuery", f"The filter '{f}' is not supported. Supported filter is 'atScope()'.")
        else:
            rows = [d for d in rows if ids.under(scope_of_lock(d["id"]), scope) or ids.under(scope, scope_of_lock(d["id"]))]
        return self.app.page(req, [self._wire(req, d) for d in rows])

    def get(self, req, scope, lockName):
        scope = _clean(scope)
        self._check_scope(scope)
        doc = self.app.store.get(TABLE, self._id(scope, lockName))
        if doc is None:
            raise AzureError(404, "LockNotFound", f"The lock '{lockName}' could not be found.")  # text unverified
        return Response(200, self._wire(req, doc))

    def put(self, req, scope, lockName):
        scope = _clean(scope)
        if len(lockName) > 260 or NAME_FORBIDDEN.search(lockName):
            raise AzureError(400, "InvalidLockName", f"The lock name '{lockName}' is invalid. The lock name can be a maximum of 260 characters. "
                                                     "It cannot contain <, > %, &, :, \\, ?, /, or any control characters.")  # code unverified
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        level = LEVELS.get(str(props.get("level") or "").lower())
        if level is None:
            # ManagementLockProperties.level is required, enum CanNotDelete|ReadOnly (NotSpecified is not accepted); text unverified.
            raise AzureError(400, "LockLevelInvalid", f"The lock level '{props.get('level')}' is invalid. Valid values are 'CanNotDelete' and 'ReadOnly'.")
        notes = props.get("notes")
        if notes is not None and (not isinstance(notes, str) or len(notes) > 512):
            raise AzureError(400, "LockNotesTooLong", "The lock notes can be a maximum of 512 characters.")  # swagger: "maximum of 512"; text unverified
        owners = props.get("owners")
        if owners is not None and (not isinstance(owners, list) or not all(isinstance(o, dict) for o in owners)):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'owners'.")
        self._check_scope(scope)
        lid = self._id(scope, lockName)
        existing = self.app.store.get(TABLE, lid)
        out = {"level": level}
        if notes is not None:
            out["notes"] = notes
        if owners:
            out["owners"] = [{"applicationId": o.get("applicationId")} for o in owners]
        doc = {"properties": out, "id": lid, "type": TYPE, "name": lockName,
               "systemData": resource.system_data(self.app, req, (existing or {}).get("systemData"))}
        self.app.store.put(TABLE, lid, doc)
        return Response(200 if existing else 201, self._wire(req, doc))

    def delete(self, req, scope, lockName):
        scope = _clean(scope)
        self._check_scope(scope)
        if not self.app.store.delete(TABLE, self._id(scope, lockName)):
            return Response(204)
        return Response(200)
