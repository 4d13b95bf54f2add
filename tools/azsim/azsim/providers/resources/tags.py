"""The Tags API at a scope: ``{scope}/providers/Microsoft.Resources/tags/default`` (REST "Tags - Get At Scope",
"Create Or Update At Scope", "Update At Scope", "Delete At Scope"; SDK azure-mgmt-resource ``TagsOperations.*_at_scope``).

What ARM does, from the REST reference and Update-AzTag's documentation:
- it reads and writes the tags of any tracked resource, resource group or subscription, whatever its provider, without
  touching the rest of the resource (that is why it exists: a resource whose PATCH has no ``tags`` can still be tagged);
- PUT replaces the whole set; PATCH carries ``operation``: ``Replace`` (the whole set), ``Merge`` (adds new names, updates
  the values of existing ones) or ``Delete`` (removes the given names, or name/value pairs); DELETE removes every tag;
- "the specified entity can have a maximum of 50 tags at the end of the operation"; tag names are case-insensitive;
- the answer is a ``TagsResource``: ``{"id": "<scope>/providers/Microsoft.Resources/tags/default", "name": "default",
  "type": "Microsoft.Resources/tags", "properties": {"tags": {...}}}``. Newer api-versions declare PUT, PATCH and DELETE
  long-running (200 or 202); azsim answers 200 at once, which the SDK's pollers accept.
- Permissions: Microsoft.Resources/tags/read|write|delete at the scope (the "Tag Contributor" role's actions).
A ReadOnly lock refuses the write through ARM's lock guard like any other write. Error texts for a missing scope follow
the provider-neutral ``ResourceNotFound``; the ``Delete`` semantics for a name whose value differs (kept) are unverified.
"""

import re

from ...core import ids, resource
from ...core.errors import AzureError
from ...core.http import Response
from . import models

BASE = "/{scope*}/providers/Microsoft.Resources/tags/default"
OPERATIONS = {"replace": "Replace", "merge": "Merge", "delete": "Delete"}


def register(app):
    h = Handlers(app)
    r = app.router
    r.add("GET", BASE, h.get, action="Microsoft.Resources/tags/read")
    r.add("PUT", BASE, h.put, action="Microsoft.Resources/tags/write")
    r.add("PATCH", BASE, h.patch, action="Microsoft.Resources/tags/write")
    r.add("DELETE", BASE, h.delete, action="Microsoft.Resources/tags/delete")


def _clean(scope):
    return "/" + re.sub(r"/{2,}", "/", scope).strip("/")


class Handlers:
    def __init__(self, app):
        self.app = app

    # -- the tagged entity ---------------------------------------------------------------------------
    def _target(self, scope):
        """(table, key, doc) of the entity at ``scope``: a subscription, a resource group or a tracked resource."""
        sub = self.app.identity.subscription_id
        p = ids.parse(scope)
        if p is None or (p["namespace"] is None and p["types"]):
            raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not a valid resource, resource group or subscription scope.")
        if p["subscription"].lower() != sub.lower():
            raise AzureError(404, "SubscriptionNotFound", f"The subscription '{p['subscription']}' could not be found.")
        rg = p["resource_group"]
        if rg is None:
            if p["namespace"]:
                raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not a valid resource, resource group or subscription scope.")
            key = "subscription-tags"
            return "meta", key, self.app.store.get("meta", key) or {"tags": {}}
        group_key = f"/subscriptions/{sub}/resourcegroups/{rg}".lower()
        group = self.app.store.get(models.TABLE, group_key)
        if group is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        if not p["namespace"]:
            return models.TABLE, group_key, group
        doc = resource.get(self.app, scope)
        if doc is None:
            kind = p["namespace"] + "/" + "/".join(t for t, _n in p["types"])
            raise AzureError(404, "ResourceNotFound", f"The Resource '{kind}/{p['types'][-1][1]}' under resource group '{rg}' was not found. "
                                                      "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        if "location" not in doc:
            # Proxy (child) resources carry no tags of their own; text unverified.
            raise AzureError(400, "InvalidResourceType", f"The resource type '{doc.get('type')}' does not support tags.")
        return resource.TABLE, doc["id"], doc

    def _answer(self, scope, tags):
        return Response(200, {"id": f"{scope}/providers/Microsoft.Resources/tags/default", "name": "default",
                              "type": "Microsoft.Resources/tags", "properties": {"tags": dict(tags)}})

    def _save(self, table, key, doc, tags):
        doc["tags"] = resource.validate_tags(tags)
        self.app.store.put(table, key, doc)
        return doc["tags"]

    @staticmethod
    def _tags_of(body):
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        tags = body["properties"].get("tags")
        return resource.validate_tags(tags if tags is not None else {})

    # -- the operations ----------------------------------------------------------------------------------
    def get(self, req, scope):
        scope = _clean(scope)
        _t, _k, doc = self._target(scope)
        return self._answer(scope, doc.get("tags") or {})

    def put(self, req, scope):
        scope = _clean(scope)
        table, key, doc = self._target(scope)
        return self._answer(scope, self._save(table, key, doc, self._tags_of(req.json())))

    def patch(self, req, scope):
        scope = _clean(scope)
        body = req.json()
        op = OPERATIONS.get(str((body or {}).get("operation") or "").lower())
        if op is None:
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: 'Error converting value "
                                                           f"\"{(body or {}).get('operation')}\" to type 'TagsPatchOperation'.'.")
        given = self._tags_of(body)
        table, key, doc = self._target(scope)
        current = dict(doc.get("tags") or {})
        names = {k.lower(): k for k in current}
        if op == "Replace":
            new = given
        elif op == "Merge":
            new = current
            for k, v in given.items():
                new.pop(names.get(k.lower(), k), None)  # names are case-insensitive: the given spelling wins
                new[k] = v
        else:
            new = current
            for k, v in given.items():
                have = names.get(k.lower())
                if have is not None and (v == "" or current.get(have) == v):
                    new.pop(have, None)
        if len(new) > 50:
            raise AzureError(400, "InvalidTagCount", f"The number of tags '{len(new)}' exceeds the maximum of '50' allowed per resource.")
        return self._answer(scope, self._save(table, key, doc, new))

    def delete(self, req, scope):
        scope = _clean(scope)
        table, key, doc = self._target(scope)
        self._save(table, key, doc, {})
        return Response(200, None)
