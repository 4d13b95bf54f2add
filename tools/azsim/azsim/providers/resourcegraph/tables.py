"""The tables a Resource Graph query reads, built from azsim's store for one caller.

Microsoft Learn "Azure Resource Graph table and resource type reference" and "Starter Resource Graph query
samples": ``resources`` holds every tracked ARM resource with the columns id, name, type, tenantId, kind, location,
resourceGroup, subscriptionId, managedBy, sku, plan, properties, tags, identity, zones, extendedLocation;
``resourcecontainers`` the subscriptions and resource groups; ``authorizationresources`` role assignments and role
definitions (built-in ones included); ``appserviceresources`` the sites' and slots' ``config/web``;
``securityresources`` what Microsoft.Security holds.  ``type`` and ``resourceGroup`` are lower case and
``location`` the short region name (the reason the Learn samples compare them with ``=~`` or lower-case literals);
``id`` and ``name`` keep their casing.  ``properties`` is what an ARM GET of the resource answers: azsim asks the
GET route the resource provider registered, so a table never drifts from the provider's own rendering.

RBAC: "Resource Graph returns only the resources the caller has at least read access to" (Learn "Overview of Azure
Resource Graph", Permissions): each row is kept only when a role assignment of the caller at or above the row's
scope allows the row's read action (``{Namespace}/{type}/read``).
"""

import json

from ...core import locations, resource
from ...core.errors import AzureError
from ...core.http import Headers, Request
from ...core.router import derive_action
from ..authorization import models as authz
from ..operationalinsights.kql import Table

RESOURCE_COLUMNS = [("id", "string"), ("name", "string"), ("type", "string"), ("tenantId", "string"), ("kind", "string"),
                    ("location", "string"), ("resourceGroup", "string"), ("subscriptionId", "string"), ("managedBy", "string"),
                    ("sku", "dynamic"), ("plan", "dynamic"), ("properties", "dynamic"), ("tags", "dynamic"), ("identity", "dynamic"),
                    ("zones", "dynamic"), ("extendedLocation", "dynamic")]
_DYNAMIC_KEYS = ("sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation")

# appserviceresources: (parent type, child path, row type), Learn "table and resource type reference".
APP_SERVICE_CHILDREN = (("microsoft.web/sites", "config/web", "microsoft.web/sites/config/web"),
                        ("microsoft.web/sites/slots", "config/web", "microsoft.web/sites/slots/config/web"))
TABLES = ("resources", "resourcecontainers", "authorizationresources", "appserviceresources", "securityresources")


class Caller:
    """The caller's role assignments, resolved once per query, and the read checks they allow."""

    def __init__(self, app, principal):
        self.app = app
        self.principal = principal
        sub = app.identity.subscription_id
        self.grants = []
        for a in authz.assignments_for(app.store, principal["object_id"]):
            d = authz.definition(app.store, sub, authz.role_guid(a["properties"]["roleDefinitionId"]))
            if d is not None:
                self.grants.append((a["properties"]["scope"].rstrip("/").lower(), d["properties"]["permissions"]))
        self._allows = {}

    def can_read(self, rid, action=None):
        if action is None:
            action = derive_action(rid.strip("/").split("/"), "GET")
        low = rid.rstrip("/").lower()
        for i, (scope, perms) in enumerate(self.grants):
            if scope and low != scope and not low.startswith(scope + "/"):
                continue
            key = (i, action)
            ok = self._allows.get(key)
            if ok is None:
                ok = self._allows[key] = authz.allows(perms, action)
            if ok:
                return True
        return False

    def sees_subscription(self, sub):
        """A subscription is in scope when any of the caller's assignments lies at, above or below it."""
        s = f"/subscriptions/{sub}".lower()
        return any(not scope or scope == s or scope.startswith(s + "/") or s.startswith(scope + "/") for scope, _unused in self.grants)


class ArmReader:
    """ARM GET answers of stored resources, through the GET route each provider registered (the router picks it, as for a
    client's GET; the api-version, the newest stable one of the type, is looked up once per id shape)."""

    def __init__(self, app, principal):
        self.app = app
        self.principal = principal
        self._versions = {}

    def _api_version(self, segs):
        low = [s.lower() for s in segs]
        if "providers" not in low:
            return "2024-03-01"
        i = low.index("providers")
        ns = self.app.router.namespaces.get(low[i + 1]) if i + 1 < len(low) else None
        versions = []
        if ns is not None:
            rtype = "/".join(low[i + 2::2])
            versions = (ns["types"].get(rtype) or ns["types"].get(low[i + 2]) or (None, []))[1]
        stable = [v for v in versions if "preview" not in v]
        return (stable or versions or ["2024-03-01"])[0]

    def get(self, rid):
        """The body ARM's GET answers for ``rid``, or None when no route answers 200."""
        segs = rid.strip("/").split("/")
        route, params = self.app.router.match("GET", segs)
        if route is None:
            return None
        shape = (len(segs), *(s.lower() for i, s in enumerate(segs) if i % 2 == 0 or i == 5))
        version = self._versions.get(shape)
        if version is None:
            version = self._versions[shape] = self._api_version(segs)
        req = Request("GET", rid + "?api-version=" + version, Headers(), b"", ("127.0.0.1", 0), "https",
                      "management.azure.com", 443, "direct")
        req.principal = self.principal
        req.context = {"kind": "arm", "subscription": self.app.identity.subscription_id, "internal": "resourcegraph"}
        try:
            resp = route.handler(req, **params)
        except AzureError:
            return None
        if resp.status != 200 or not resp.body:
            return None
        try:
            return json.loads(resp.body)
        except ValueError:
            return None


def _rg_of(rid):
    parts = rid.split("/")
    return parts[4].lower() if len(parts) > 4 and parts[3].lower() == "resourcegroups" else ""


def _row(tenant, sub, doc, body, rtype=None):
    src = body if isinstance(body, dict) else resource.public(doc)
    rid = src.get("id") or doc["id"]
    loc = src.get("location") or doc.get("location") or ""
    row = {"id": rid, "name": src.get("name") or doc.get("name") or "", "type": (rtype or src.get("type") or doc.get("type") or "").lower(),
           "tenantId": tenant, "kind": src.get("kind") or "", "location": locations.normalize(loc) or loc.lower().replace(" ", ""),
           "resourceGroup": _rg_of(rid), "subscriptionId": sub, "managedBy": src.get("managedBy") or ""}
    for k in _DYNAMIC_KEYS:
        row[k] = src.get(k)
    if row["tags"] is None:
        row["tags"] = {}
    return row


class Builder:
    """Lazily built tables for one query (the engine asks only for the tables the query names)."""

    def __init__(self, app, caller, subscriptions, scope_filter="AtScopeAndBelow"):
        self.app = app
        self.scope_filter = scope_filter.lower()
        self.caller = caller
        self.subs = {s.lower() for s in subscriptions}
        self.tenant = app.identity.tenant_id
        self.reader = ArmReader(app, caller.principal)
        self.prefilter = None   # (table, predicate on the lower-case type): rows it drops are never built
        self._keep = None
        self._built = {}

    def _in_scope(self, rid):
        parts = rid.split("/")
        return len(parts) > 2 and parts[1].lower() == "subscriptions" and parts[2].lower() in self.subs

    def table(self, name):
        key = name.lower()
        if key not in TABLES:
            return None
        if key not in self._built:
            self._keep = self.prefilter[1] if self.prefilter and self.prefilter[0] == key else None
            self._built[key] = Table(RESOURCE_COLUMNS, [[r[c] for c, _t in RESOURCE_COLUMNS] for r in getattr(self, "_" + key)()])
            self._keep = None
        return self._built[key]

    def _wanted(self, rtype):
        return self._keep is None or self._keep(rtype.lower())

    # -- the tables ---------------------------------------------------------------------------------------------
    def _tracked(self):
        """Every stored ARM resource with a location (tracked resources, slots included) the caller may read."""
        for key, doc in self.app.store.items(resource.TABLE):
            if "location" not in doc or not doc.get("type") or not self._in_scope(key):
                continue
            if not self.caller.can_read(doc["id"]):
                continue
            yield doc

    def _resources(self):
        sub = self.app.identity.subscription_id
        return [_row(self.tenant, sub, doc, self.reader.get(doc["id"])) for doc in self._tracked() if self._wanted(doc["type"])]

    def _resourcecontainers(self):
        sub = self.app.identity.subscription_id
        rows = []
        if sub.lower() in self.subs and self.caller.can_read(f"/subscriptions/{sub}", "Microsoft.Resources/subscriptions/read"):
            body = self.reader.get(f"/subscriptions/{sub}") or {}
            props = {"state": body.get("state", "Enabled"), "subscriptionPolicies": body.get("subscriptionPolicies"),
                     "managementGroupAncestorsChain": []}
            rows.append({"id": f"/subscriptions/{sub}", "name": body.get("displayName", ""), "type": "microsoft.resources/subscriptions",
                         "tenantId": self.tenant, "kind": "", "location": "", "resourceGroup": "", "subscriptionId": sub,
                         "managedBy": "", "sku": None, "plan": None, "properties": props, "tags": body.get("tags") or {},
                         "identity": None, "zones": None, "extendedLocation": None})
        for key, g in self.app.store.items("resourceGroups"):
            if self._in_scope(key) and self.caller.can_read(g["id"], "Microsoft.Resources/subscriptions/resourceGroups/read"):
                rows.append(_row(self.tenant, sub, g, resource.public(g), "microsoft.resources/subscriptions/resourcegroups"))
                rows[-1]["resourceGroup"] = g["name"].lower()
        return rows

    def _appserviceresources(self):
        sub = self.app.identity.subscription_id
        rows = []
        for doc in self._tracked():
            for parent, child, rtype in APP_SERVICE_CHILDREN:
                if doc["type"].lower() != parent or not self._wanted(rtype):
                    continue
                cid = f"{doc['id']}/{child}"
                if not self.caller.can_read(cid):
                    continue
                body = self.reader.get(cid)
                if body is not None:
                    row = _row(self.tenant, sub, {"id": cid, "location": doc.get("location")}, body, rtype)
                    row["id"] = cid
                    rows.append(row)
        return rows

    def _authorizationresources(self):
        sub = self.app.identity.subscription_id
        rows = []
        for a in self.app.store.values(authz.ASSIGNMENTS):
            scope = a["properties"]["scope"]
            if self._assignment_in_scope(scope) and self.caller.can_read(scope, "Microsoft.Authorization/roleAssignments/read"):
                rows.append(_row(self.tenant, sub, a, a))
        # Built-in definitions are tenant-wide (id /providers/Microsoft.Authorization/roleDefinitions/{guid}, no subscription).
        for guid in authz.BUILTIN:
            d = authz.builtin_definition(sub, guid, "")
            row = _row(self.tenant, "", d, d)
            row["resourceGroup"] = ""
            rows.append(row)
        for d in self.app.store.values(authz.DEFINITIONS):
            scopes = d["properties"].get("assignableScopes") or []
            if any(self.caller.can_read(s, "Microsoft.Authorization/roleDefinitions/read") for s in scopes):
                rows.append(_row(self.tenant, sub, d, d))
        return rows

    def _assignment_in_scope(self, scope):
        """``options.authorizationScopeFilter`` (api 2021-06-01-preview and later; spec enum AuthorizationScopeFilter):
        role assignments at the queried subscriptions (AtScopeExact), also below them (AtScopeAndBelow, the default),
        also above them (AtScopeAndAbove: the tenant root and management groups), or both (AtScopeAboveAndBelow)."""
        low = scope.rstrip("/").lower()
        at = {f"/subscriptions/{s}" for s in self.subs}
        exact = low in at
        below = any(low.startswith(s + "/") for s in at)
        above = not low.startswith("/subscriptions/")
        f = self.scope_filter
        return exact or (below and f in ("atscopeandbelow", "atscopeaboveandbelow")) or (above and f in ("atscopeandabove", "atscopeaboveandbelow"))

    def _securityresources(self):
        """Whatever Microsoft.Security documents the store holds (in the resources table or a provider's own)."""
        sub = self.app.identity.subscription_id
        rows, seen = [], set()
        for tbl in self.app.store.tables():
            items = self.app.store.items(tbl)
            if tbl != resource.TABLE and not any(str(d.get("type", "")).lower().startswith("microsoft.security/")
                                                 for _k, d in items[:1] if isinstance(d, dict)):
                continue
            for key, d in items:
                if not isinstance(d, dict) or not str(d.get("type", "")).lower().startswith("microsoft.security/") or key in seen:
                    continue
                if not self._in_scope(key) or not self.caller.can_read(d["id"]):
                    continue
                seen.add(key)
                rows.append(_row(self.tenant, sub, d, self.reader.get(d["id"]) or resource.public(d)))
        return rows
