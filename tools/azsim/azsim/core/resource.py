"""Helpers every provider uses for ARM resources: ids, the ``resources`` table, tags,
``systemData`` and cascading deletes.

All ARM resources (tracked and child) live in one table, ``resources``, keyed by their
lower-cased id and stored in their wire shape; private data a provider must not return
(passwords, keys) goes under keys starting with ``_``, which :func:`public` strips.
"""

import copy

from .errors import AzureError

TABLE = "resources"
UNTOUCHED_BY_CASCADE = ("meta", "principals", "operations", "resourceGroups")
TAG_FORBIDDEN = set('<>%&\\?/')


def rg_id(sub, rg):
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def provider_id(sub, rg, namespace, *pairs):
    path = rg_id(sub, rg) + f"/providers/{namespace}"
    for p in pairs:
        path += "/" + p
    return path


def get(app, resource_id):
    return app.store.get(TABLE, resource_id)


def peek(app, resource_id):
    return app.store.peek(TABLE, resource_id)


def put(app, doc):
    app.store.put(TABLE, doc["id"], doc)


def public(doc):
    """The wire representation: a copy without azsim's private ``_`` keys (at any depth of ``properties``)."""
    if doc is None:
        return None
    out = {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}
    props = out.get("properties")
    if isinstance(props, dict):
        out["properties"] = {k: v for k, v in props.items() if not k.startswith("_")}
    return out


def children(app, parent_id, child_type):
    """Direct children of ``parent_id`` of one type (``.../sites/x`` + ``slots``), in creation order."""
    prefix = f"{parent_id}/{child_type}/".lower()
    depth = prefix.count("/")
    return [d for k, d in app.store.items(TABLE, prefix) if k.count("/") == depth]


def delete_tree(app, resource_id):
    """Delete a resource, its children and everything providers keep under its id, in every table."""
    key = resource_id.rstrip("/").lower()
    found = False
    for tbl in app.store.tables():
        if tbl in UNTOUCHED_BY_CASCADE:
            continue
        for k, _unused in app.store.items(tbl, key):
            if k == key or k.startswith(key + "/"):
                app.store.delete(tbl, k)
                found = True
    return found


def validate_tags(tags):
    """ARM's tag rules (Microsoft Learn, "Use tags to organize your Azure resources": at most 50
    tags, names up to 512 characters without ``<>%&\\?/``, values up to 256)."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'tags must be an object'.")
    if len(tags) > 50:
        raise AzureError(400, "InvalidTagCount", f"The number of tags '{len(tags)}' exceeds the maximum of '50' allowed per resource.")
    for k, v in tags.items():
        if not isinstance(v, str):
            raise AzureError(400, "InvalidRequestContent",
                             f"The request content was invalid and could not be deserialized: 'Error converting value for tag '{k}' to type String.'.")
        # Resource ids inside ``hidden-link:`` / ``hidden-related:`` tag names carry '/' and Azure accepts them
        # (the portal, CLI and templates put them on App Insights components, web tests, alert rules and sites).
        forbidden = TAG_FORBIDDEN - {"/"} if k.lower().startswith(("hidden-link:", "hidden-related:")) else TAG_FORBIDDEN
        if not k or forbidden & set(k):
            raise AzureError(400, "InvalidTagNameCharacters",
                             f"The tag names '{k}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")
        if len(k) > 512:
            raise AzureError(400, "InvalidTagNameLength", f"The tag name '{k[:32]}...' exceeds the maximum length of '512' characters.")
        if len(v) > 256:
            raise AzureError(400, "InvalidTagValueLength", f"The tag value '{v[:32]}...' exceeds the maximum length of '256' characters.")
    return dict(tags)


def system_data(app, req, previous=None):
    """ARM's ``systemData`` (common-types v2): who created and last modified the resource."""
    who = req.principal["client_id"] if req.principal else None
    now = app.clock.iso()
    created = previous or {"createdBy": who, "createdByType": "Application", "createdAt": now}
    return {**{k: created[k] for k in ("createdBy", "createdByType", "createdAt")},
            "lastModifiedBy": who, "lastModifiedByType": "Application", "lastModifiedAt": now}


def tracked_in(app, sub, rg=None, rtype=None):
    """Top-level (tracked) resources of a subscription or a resource group, optionally of one type."""
    prefix = f"/subscriptions/{sub}/resourcegroups/" + (f"{rg.lower()}/" if rg else "")
    out = []
    for k, d in app.store.items(TABLE, prefix):
        parts = k.split("/")
        # /subscriptions/s/resourcegroups/rg/providers/ns/type/name -> 9 parts when split on '/'
        if len(parts) == 9 and "location" in d and (rtype is None or d.get("type", "").lower() == rtype.lower()):
            out.append(d)
    return out
