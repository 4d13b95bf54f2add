"""HTTP handlers of Microsoft.Authorization (roleAssignments, roleDefinitions) and the RBAC hook; management locks in
``locks.py``, policy assignments and classic administrators in ``policy.py``."""

import re
import uuid

from ...core import ids
from ...core.errors import AzureError
from ...core.http import Response
from . import locks, models, policy

API_VERSIONS = ["2022-04-01", "2022-05-01-preview", "2020-10-01-preview", "2020-04-01-preview", "2018-07-01", "2015-07-01"]
TENANT_LEVEL_READS = ("Microsoft.Resources/subscriptions/read", "Microsoft.Resources/tenants/read")
RA = "/{scope*}/providers/Microsoft.Authorization/roleAssignments"
RD = "/{scope*}/providers/Microsoft.Authorization/roleDefinitions"
PERMISSIONS = "/{scope*}/providers/Microsoft.Authorization/permissions"
PERMISSIONS_READ = "Microsoft.Authorization/permissions/read"
# Permissions_ListForResourceGroup and Permissions_ListForResource (REST spec authorization 2022-04-01, SDK
# azure-mgmt-authorization permissions.list_for_resource_group / list_for_resource): a resource group, or a resource in one.
PERMISSION_SCOPE = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?$", re.IGNORECASE)


def register(app):
    app.namespace("Microsoft.Authorization", {"roleAssignments": API_VERSIONS, "roleDefinitions": API_VERSIONS, "permissions": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", RA, h.list_assignments, action="Microsoft.Authorization/roleAssignments/read")
    r.add("GET", RA + "/{name}", h.get_assignment, action="Microsoft.Authorization/roleAssignments/read")
    r.add("PUT", RA + "/{name}", h.put_assignment, action="Microsoft.Authorization/roleAssignments/write")
    r.add("DELETE", RA + "/{name}", h.delete_assignment, action="Microsoft.Authorization/roleAssignments/delete")
    r.add("GET", RD, h.list_definitions, action="Microsoft.Authorization/roleDefinitions/read")
    r.add("GET", RD + "/{name}", h.get_definition, action="Microsoft.Authorization/roleDefinitions/read")
    r.add("GET", "/providers/Microsoft.Authorization/roleDefinitions/{name}", h.get_definition, action="Microsoft.Authorization/roleDefinitions/read")
    r.add("PUT", RD + "/{name}", h.put_definition, action="Microsoft.Authorization/roleDefinitions/write")
    r.add("DELETE", RD + "/{name}", h.delete_definition, action="Microsoft.Authorization/roleDefinitions/delete")
    r.add("GET", PERMISSIONS, h.list_permissions, action=PERMISSIONS_READ)
    app.authorizer = h.authorize
    locks.register(app)
    policy.register(app)
    app.reset_hooks.append(h.seed)
    h.seed()


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def authorize(self, req, action, scope):
        if scope in ("", "/") and action in TENANT_LEVEL_READS:
            return  # ARM answers these lists for any signed-in principal, filtered to what it can see (never a 403)
        if action in self.app.open_actions:
            return  # the handler filters its answer by the caller's rights (e.g. Resource Graph queries)
        if action == PERMISSIONS_READ:
            return  # "Gets all permissions the caller has": the caller's own rights, answered to any signed-in principal (unverified)
        if scope.lower().startswith("/providers/") and req.method in ("GET", "HEAD"):
            return  # tenant-level provider metadata (operations, event categories...) is readable by any signed-in principal
        models.check(self.app.store, self.sub, req.principal, action, scope)

    def seed(self):
        """The role assignments of azsim's built-in principals (deployer, auditor, owner)."""
        scope = f"/subscriptions/{self.sub}"
        with self.app.store.transaction():
            for p in self.app.store.values("principals"):
                role = self.app.builtin_principals.get(p["name"])
                if not role:
                    continue
                d = models.by_role_name(self.app.store, self.sub, role)
                name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"azsim:{p['object_id']}:{role}"))
                rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
                if not self.app.store.exists(models.ASSIGNMENTS, rid):
                    self.app.store.put(models.ASSIGNMENTS, rid, self._assignment(rid, name, scope, d["id"], p["object_id"], None, None))

    def _assignment(self, rid, name, scope, role_id, principal_id, description, creator):
        now = self.app.clock.iso()
        return {"id": rid, "type": "Microsoft.Authorization/roleAssignments", "name": name,
                "properties": {"roleDefinitionId": role_id, "principalId": principal_id, "principalType": "ServicePrincipal", "scope": scope,
                               "condition": None, "conditionVersion": None, "description": description, "createdOn": now, "updatedOn": now,
                               "createdBy": creator, "updatedBy": creator, "delegatedManagedIdentityResourceId": None}}

    # -- the caller's permissions -----------------------------------------------------------------
    def list_permissions(self, req, scope):
        """The permission blocks of every role assigned to the caller at or above ``scope``, one per block, as ARM lists them
        (PermissionGetResult: ``value`` of Permission {actions, notActions, dataActions, notDataActions}); deny assignments and
        conditions are not simulated. Empty when nothing is assigned."""
        # The SDK's list_for_resource sends an empty parentResourcePath as "//" (azure-mgmt-authorization 4.0.0), which ARM reads
        # as one separator.
        scope = re.sub(r"/{2,}", "/", scope)
        if not PERMISSION_SCOPE.match(scope):
            # Only resource groups and resources have this list in the REST spec; text unverified.
            raise AzureError(404, "InvalidResourceType", f"The resource type 'permissions' could not be found at scope '{scope}'.")
        self._check_scope_exists(scope)
        rows = []
        for a in models.assignments_for(self.app.store, req.principal["object_id"]):
            if not ids.under(a["properties"]["scope"], scope):
                continue
            d = models.definition(self.app.store, self.sub, models.role_guid(a["properties"]["roleDefinitionId"]))
            for block in (d or {}).get("properties", {}).get("permissions", []):
                row = {k: list(block.get(k) or []) for k in ("actions", "notActions", "dataActions", "notDataActions")}
                if row not in rows:
                    rows.append(row)
        return self.app.page(req, rows)

    # -- role assignments ----------------------------------------------------------------------
    def list_assignments(self, req, scope):
        f = (req.query.get("$filter") or "").strip()
        rows = self.app.store.values(models.ASSIGNMENTS)
        m_principal = re.fullmatch(r"principalId\s+eq\s+'([^']+)'", f, re.IGNORECASE)
        m_assigned = re.fullmatch(r"assignedTo\('([^']+)'\)", f, re.IGNORECASE)
        if f.lower() == "atscope()":
            rows = [a for a in rows if ids.under(a["properties"]["scope"], scope)]
        elif m_principal or m_assigned:
            pid = (m_principal or m_assigned).group(1).lower()
            rows = [a for a in rows if a["properties"]["principalId"].lower() == pid
                    and (ids.under(a["properties"]["scope"], scope) or ids.under(scope, a["properties"]["scope"]))]
        elif f:
            raise AzureError(400, "UnsupportedQuery", f"The filter '{f}' is not supported. Supported filters are 'atScope()', "
                             "'principalId eq '{value}'' and 'assignedTo('{value}')'.")
        else:
            rows = [a for a in rows if ids.under(a["properties"]["scope"], scope) or ids.under(scope, a["properties"]["scope"])]
        return self.app.page(req, rows)

    def _rid(self, scope, name):
        return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"

    def get_assignment(self, req, scope, name):
        a = self.app.store.get(models.ASSIGNMENTS, self._rid(scope, name))
        if a is None:
            raise AzureError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
        return Response(200, a)

    def put_assignment(self, req, scope, name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not ids.is_guid(name):
            raise AzureError(400, "InvalidRoleAssignmentId", f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")
        if not isinstance(props, dict) or not props.get("roleDefinitionId") or not props.get("principalId"):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                             "'properties.roleDefinitionId and properties.principalId are required'.")
        role = models.definition(self.app.store, self.sub, models.role_guid(props["roleDefinitionId"]))
        if role is None:
            raise AzureError(400, "RoleDefinitionDoesNotExist",
                             f"The specified role definition with ID '{models.role_guid(props['roleDefinitionId'])}' does not exist.")
        principal = self.app.identity.principal_by_object(props["principalId"])
        # With principalType set, ARM does not look the principal up in the directory (the error text below and Learn "Assign
        # Azure roles using the REST API": set principalType to avoid the replication delay of a new service principal, such as
        # a web app's just-created managed identity, which azsim's directory does not list either).
        if principal is None and not props.get("principalType"):
            raise AzureError(400, "PrincipalNotFound",
                             f"Principal {props['principalId'].replace('-', '')} does not exist in the directory {self.app.identity.tenant_id}. Check that you "
                             "have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might "
                             "be related to a replication delay. In this case, set the role assignment principalType property to a value, such as "
                             "ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype")
        self._check_scope_exists(scope)
        rid = self._rid(scope, name)
        role_guid = models.role_guid(role["id"])
        existing = self.app.store.get(models.ASSIGNMENTS, rid)
        if existing is not None:
            same = (models.role_guid(existing["properties"]["roleDefinitionId"]) == role_guid
                    and existing["properties"]["principalId"].lower() == props["principalId"].lower())
            if not same:
                raise AzureError(409, "RoleAssignmentUpdateNotPermitted",
                                 "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
            return Response(200, existing)
        for a in self.app.store.values(models.ASSIGNMENTS):
            p = a["properties"]
            if (ids.same(p["scope"], scope) and p["principalId"].lower() == props["principalId"].lower()
                    and models.role_guid(p["roleDefinitionId"]) == role_guid):
                raise AzureError(409, "RoleAssignmentExists", "The role assignment already exists.")
        role_id = f"/subscriptions/{self.sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
        doc = self._assignment(rid, name, scope, role_id, props["principalId"], props.get("description"), req.principal["object_id"])
        if props.get("principalType"):
            doc["properties"]["principalType"] = props["principalType"]
        self.app.store.put(models.ASSIGNMENTS, rid, doc)
        return Response(201, doc)

    def _check_scope_exists(self, scope):
        parsed = ids.parse(scope)
        if parsed is None:
            raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not valid.")
        if parsed["resource_group"] and not self.app.store.exists("resourceGroups", f"/subscriptions/{self.sub}/resourcegroups/{parsed['resource_group']}"):
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{parsed['resource_group']}' could not be found.")

    def delete_assignment(self, req, scope, name):
        rid = self._rid(scope, name)
        a = self.app.store.get(models.ASSIGNMENTS, rid)
        if a is None:
            return Response(204)
        self.app.store.delete(models.ASSIGNMENTS, rid)
        return Response(200, a)

    # -- role definitions --------------------------------------------------------------------------
    def list_definitions(self, req, scope):
        f = (req.query.get("$filter") or "").strip()
        rows = [models.builtin_definition(self.sub, g, scope) for g in models.BUILTIN]
        rows += [d for d in self.app.store.values(models.DEFINITIONS) if any(ids.under(s, scope) or ids.under(scope, s)
                                                                             for s in d["properties"]["assignableScopes"])]
        m_name = re.fullmatch(r"roleName\s+eq\s+'([^']+)'", f, re.IGNORECASE)
        m_type = re.fullmatch(r"type\s+eq\s+'([^']+)'", f, re.IGNORECASE)
        if m_name:
            rows = [d for d in rows if d["properties"]["roleName"].lower() == m_name.group(1).lower()]
        elif m_type:
            rows = [d for d in rows if d["properties"]["type"].lower() == m_type.group(1).lower()]
        elif f:
            raise AzureError(400, "UnsupportedQuery", f"The filter '{f}' is not supported.")
        return self.app.page(req, rows)

    def get_definition(self, req, name, scope=""):
        guid = name.lower()
        if guid in models.BUILTIN:
            return Response(200, models.builtin_definition(self.sub, guid, scope))
        d = models.definition(self.app.store, self.sub, guid)
        if d is None:
            raise AzureError(404, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{name}' does not exist.")
        return Response(200, d)

    def put_definition(self, req, scope, name):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not ids.is_guid(name):
            raise AzureError(400, "InvalidRoleDefinitionId", f"The role definition ID '{name}' is not valid. The role definition ID must be a GUID.")
        if name.lower() in models.BUILTIN:
            raise AzureError(403, "BuiltInRoleDefinitionModificationNotAllowed", "Built-in role definitions cannot be modified.")
        if not isinstance(props, dict) or not props.get("roleName"):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties.roleName is required'.")
        scopes = props.get("assignableScopes") or []
        if not scopes or not any(ids.under(s, scope) or ids.same(s, scope) for s in scopes):
            raise AzureError(400, "InvalidAssignableScopes" if scopes else "MissingAssignableScopes",
                             "The role definition must have at least one assignable scope that includes the scope of the request.")
        for d in self.app.store.values(models.DEFINITIONS):
            if d["properties"]["roleName"].lower() == props["roleName"].lower() and d["name"].lower() != name.lower():
                raise AzureError(409, "RoleDefinitionWithSameNameExists",
                                 "A custom role with the same name already exists in this directory. Use a different name.")
        if any(props["roleName"].lower() == spec[0].lower() for spec in models.BUILTIN.values()):
            raise AzureError(409, "RoleDefinitionWithSameNameExists", "A role with the same name already exists. Use a different name.")
        perms = props.get("permissions") or [{"actions": [], "notActions": []}]
        rid = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}"
        existing = models.definition(self.app.store, self.sub, name)
        now = self.app.clock.iso()
        doc = {"id": rid, "name": name, "type": "Microsoft.Authorization/roleDefinitions",
               "properties": {"roleName": props["roleName"], "type": "CustomRole", "description": props.get("description"),
                              "assignableScopes": scopes,
                              "permissions": [{"actions": p.get("actions", []), "notActions": p.get("notActions", []),
                                               "dataActions": p.get("dataActions", []), "notDataActions": p.get("notDataActions", [])} for p in perms],
                              "createdOn": existing["properties"]["createdOn"] if existing else now, "updatedOn": now,
                              "createdBy": existing["properties"]["createdBy"] if existing else req.principal["object_id"],
                              "updatedBy": req.principal["object_id"]}}
        self.app.store.put(models.DEFINITIONS, name, doc)
        return Response(200 if existing else 201, doc)

    def delete_definition(self, req, scope, name):
        d = self.app.store.get(models.DEFINITIONS, name)
        if d is None:
            return Response(204)
        if any(models.role_guid(a["properties"]["roleDefinitionId"]) == name.lower() for a in self.app.store.values(models.ASSIGNMENTS)):
            raise AzureError(409, "RoleDefinitionHasAssignments",
                             "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).")
        self.app.store.delete(models.DEFINITIONS, name)
        return Response(200, d)
