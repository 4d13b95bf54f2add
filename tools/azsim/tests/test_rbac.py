"""Azure RBAC through azure-mgmt-authorization and the effect of assignments on what each principal may do."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"


def _auth(azsim, mode, principal="owner"):
    return azsim.client(AuthorizationManagementClient, mode, principal)


def _rm(azsim, mode, principal):
    return azsim.client(ResourceManagementClient, mode, principal)


def _role_id(azsim, guid):
    return f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def _denied_message(azsim, principal, action, scope):
    p = azsim.principal(principal)
    return (f"The client '{p['client_id']}' with object id '{p['object_id']}' does not have authorization to perform action '{action}' "
            f"over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.")


def test_reader_reads_but_cannot_write(azsim, mode, resource_group):
    c = _rm(azsim, mode, "auditor")
    assert c.resource_groups.get(resource_group).name == resource_group
    assert any(g.name == resource_group for g in c.resource_groups.list())
    with pytest.raises(HttpResponseError) as exc:
        c.resource_groups.create_or_update(resource_group, {"location": "westeurope", "tags": {"x": "y"}})
    assert exc.value.status_code == 403
    assert exc.value.error.code == "AuthorizationFailed"
    # ARM echoes the scope as the client spelled it (the SDK sends /resourcegroups/).
    assert exc.value.error.message == _denied_message(azsim, "auditor", "Microsoft.Resources/subscriptions/resourceGroups/write",
                                                      f"/subscriptions/{azsim.sub}/resourcegroups/{resource_group}")
    with pytest.raises(HttpResponseError) as exc:
        c.resource_groups.begin_delete(resource_group)
    assert exc.value.status_code == 403
    assert "'Microsoft.Resources/subscriptions/resourceGroups/delete'" in exc.value.error.message


def test_builtin_role_definitions(azsim, mode):
    c = _auth(azsim, mode)
    scope = f"/subscriptions/{azsim.sub}"
    by_name = {d.role_name: d for d in c.role_definitions.list(scope)}
    assert by_name["Owner"].name == OWNER
    assert by_name["Contributor"].name == CONTRIBUTOR
    assert by_name["Reader"].name == READER
    assert by_name["User Access Administrator"].name == UAA
    assert by_name["Contributor"].role_type == "BuiltInRole"
    contrib = c.role_definitions.get(scope, CONTRIBUTOR)
    assert contrib.id == _role_id(azsim, CONTRIBUTOR)
    assert "Microsoft.Authorization/*/Write" in contrib.permissions[0].not_actions
    assert [d.name for d in c.role_definitions.list(scope, filter="roleName eq 'Reader'")] == [READER]
    assert c.role_definitions.get_by_id(_role_id(azsim, READER)).role_name == "Reader"
    with pytest.raises(ResourceNotFoundError) as exc:
        c.role_definitions.get(scope, str(uuid.uuid4()))
    assert exc.value.error.code == "RoleDefinitionDoesNotExist"


def test_seeded_assignments_are_listed(azsim, mode):
    c = _auth(azsim, mode)
    rows = list(c.role_assignments.list_for_subscription())
    mine = {(a.principal_id, a.role_definition_id.rsplit("/", 1)[1]) for a in rows}
    assert (azsim.principal("deployer")["object_id"], CONTRIBUTOR) in mine
    assert (azsim.principal("auditor")["object_id"], READER) in mine
    assert (azsim.principal("owner")["object_id"], OWNER) in mine
    only = list(c.role_assignments.list_for_subscription(filter=f"principalId eq '{azsim.principal('auditor')['object_id']}'"))
    assert {a.principal_id for a in only} == {azsim.principal("auditor")["object_id"]}


def test_assignment_at_resource_group_scope_grants_exactly_that_scope(azsim, mode, unique):
    owner_rm = _rm(azsim, mode, "owner")
    granted, other = f"rg-grant-{unique}", f"rg-other-{unique}"
    for name in (granted, other):
        owner_rm.resource_groups.create_or_update(name, {"location": "westeurope"})
    scope = f"/subscriptions/{azsim.sub}/resourceGroups/{granted}"
    auditor = azsim.principal("auditor")
    c = _auth(azsim, mode)
    name = str(uuid.uuid4())
    a = c.role_assignments.create(scope, name, {"role_definition_id": _role_id(azsim, CONTRIBUTOR), "principal_id": auditor["object_id"],
                                                "principal_type": "ServicePrincipal"})
    assert a.name == name and a.scope == scope and a.principal_id == auditor["object_id"]
    assert a.id == f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert c.role_assignments.get(scope, name).role_definition_id.endswith(CONTRIBUTOR)
    assert name in [x.name for x in c.role_assignments.list_for_scope(scope, filter="atScope()")]
    assert name in [x.name for x in c.role_assignments.list_for_resource_group(granted)]

    rm = _rm(azsim, mode, "auditor")
    assert rm.resource_groups.update(granted, {"tags": {"by": "auditor"}}).tags == {"by": "auditor"}
    with pytest.raises(HttpResponseError) as exc:
        rm.resource_groups.update(other, {"tags": {"by": "auditor"}})
    assert exc.value.status_code == 403 and exc.value.error.code == "AuthorizationFailed"

    # Same principal, role and scope under another name: RoleAssignmentExists.
    with pytest.raises(ResourceExistsError) as exc:
        c.role_assignments.create(scope, str(uuid.uuid4()), {"role_definition_id": _role_id(azsim, CONTRIBUTOR), "principal_id": auditor["object_id"]})
    assert exc.value.error.code == "RoleAssignmentExists"
    assert exc.value.error.message == "The role assignment already exists."

    deleted = c.role_assignments.delete(scope, name)
    assert deleted.name == name
    with pytest.raises(ResourceNotFoundError):
        c.role_assignments.get(scope, name)
    with pytest.raises(HttpResponseError) as exc:
        rm.resource_groups.update(granted, {"tags": {"by": "auditor-again"}})
    assert exc.value.status_code == 403


def test_contributor_cannot_assign_roles(azsim, mode):
    c = _auth(azsim, mode, "deployer")
    scope = f"/subscriptions/{azsim.sub}"
    assert any(d.role_name == "Reader" for d in c.role_definitions.list(scope))  # reading is fine
    name = str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as exc:
        c.role_assignments.create(scope, name, {"role_definition_id": _role_id(azsim, OWNER), "principal_id": azsim.principal("deployer")["object_id"]})
    assert exc.value.status_code == 403
    assert exc.value.error.code == "AuthorizationFailed"
    assert exc.value.error.message == _denied_message(azsim, "deployer", "Microsoft.Authorization/roleAssignments/write",
                                                      f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")


def test_principal_not_found(azsim, mode):
    c = _auth(azsim, mode)
    ghost = str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as exc:
        c.role_assignments.create(f"/subscriptions/{azsim.sub}", str(uuid.uuid4()), {"role_definition_id": _role_id(azsim, READER), "principal_id": ghost})
    assert exc.value.status_code == 400
    assert exc.value.error.code == "PrincipalNotFound"
    assert exc.value.error.message.startswith(f"Principal {ghost.replace('-', '')} does not exist in the directory {azsim.tenant}.")
    # With principalType the directory is not consulted (a managed identity that has not replicated yet is assigned anyway).
    made = c.role_assignments.create(f"/subscriptions/{azsim.sub}", str(uuid.uuid4()),
                                     {"role_definition_id": _role_id(azsim, READER), "principal_id": ghost, "principal_type": "ServicePrincipal"})
    assert made.principal_id == ghost and made.principal_type == "ServicePrincipal"
    c.role_assignments.delete_by_id(made.id)


def test_custom_role_with_narrow_actions(azsim, mode, unique):
    owner_rm = _rm(azsim, mode, "owner")
    rg = f"rg-custom-{unique}"
    owner_rm.resource_groups.create_or_update(rg, {"location": "westeurope"})
    scope = f"/subscriptions/{azsim.sub}/resourceGroups/{rg}"
    c = _auth(azsim, mode)
    role_guid = str(uuid.uuid4())
    d = c.role_definitions.create_or_update(scope, role_guid, {
        "role_name": f"Tagger {unique} {mode}", "description": "May tag one resource group", "role_type": "CustomRole",
        "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/write"], "not_actions": []}],
        "assignable_scopes": [scope]})
    assert d.name == role_guid and d.role_type == "CustomRole"
    assert c.role_definitions.get(scope, role_guid).permissions[0].actions == ["Microsoft.Resources/subscriptions/resourceGroups/write"]
    assignment = str(uuid.uuid4())
    c.role_assignments.create(scope, assignment, {"role_definition_id": d.id, "principal_id": azsim.principal("auditor")["object_id"]})
    rm = _rm(azsim, mode, "auditor")
    assert rm.resource_groups.update(rg, {"tags": {"tagged": "yes"}}).tags == {"tagged": "yes"}
    with pytest.raises(HttpResponseError) as exc:
        rm.resource_groups.begin_delete(rg)
    assert exc.value.status_code == 403
    assert exc.value.error.message == _denied_message(azsim, "auditor", "Microsoft.Resources/subscriptions/resourceGroups/delete",
                                                      scope.replace("resourceGroups", "resourcegroups"))
    # A role in use cannot be deleted; once unassigned it can.
    with pytest.raises(HttpResponseError) as exc:
        c.role_definitions.delete(scope, role_guid)
    assert exc.value.status_code == 409 and exc.value.error.code == "RoleDefinitionHasAssignments"
    c.role_assignments.delete(scope, assignment)
    assert c.role_definitions.delete(scope, role_guid).name == role_guid
    with pytest.raises(ResourceNotFoundError):
        c.role_definitions.get(scope, role_guid)


def test_builtin_roles_cannot_be_modified(azsim, mode):
    c = _auth(azsim, mode)
    scope = f"/subscriptions/{azsim.sub}"
    with pytest.raises(HttpResponseError) as exc:
        c.role_definitions.create_or_update(scope, READER, {"role_name": "Reader", "permissions": [{"actions": ["*"]}], "assignable_scopes": [scope]})
    assert exc.value.status_code == 403


def test_assignment_on_missing_resource_group(azsim, mode):
    c = _auth(azsim, mode)
    scope = f"/subscriptions/{azsim.sub}/resourceGroups/rg-never-made"
    with pytest.raises(ResourceNotFoundError) as exc:
        c.role_assignments.create(scope, str(uuid.uuid4()), {"role_definition_id": _role_id(azsim, READER),
                                                             "principal_id": azsim.principal("auditor")["object_id"]})
    assert exc.value.error.code == "ResourceGroupNotFound"


def test_permissions_list_the_callers_rights_at_a_resource_group_and_a_resource(azsim, mode, unique):
    """Permissions_ListForResourceGroup / _ListForResource: the permission blocks of the roles the caller holds at or above the
    scope (an Owner sees ["*"], the Reader ["*/read"]), a role granted at a resource group counted there and below it only."""
    owner_rm = _rm(azsim, mode, "owner")
    rg, other = f"rg-perm-{unique}", f"rg-perm-other-{unique}"
    for name in (rg, other):
        owner_rm.resource_groups.create_or_update(name, {"location": "westeurope"})
    assert [(p.actions, p.not_actions) for p in _auth(azsim, mode, "owner").permissions.list_for_resource_group(rg)] == [(["*"], [])]
    auditor = _auth(azsim, mode, "auditor")
    assert [p.actions for p in auditor.permissions.list_for_resource_group(rg)] == [["*/read"]]
    deployer = [p for p in _auth(azsim, mode, "deployer").permissions.list_for_resource_group(rg) if p.actions == ["*"]]
    assert deployer and "Microsoft.Authorization/*/Write" in deployer[0].not_actions

    scope = f"/subscriptions/{azsim.sub}/resourceGroups/{rg}"
    c = _auth(azsim, mode)
    role = c.role_definitions.create_or_update(scope, str(uuid.uuid4()), {
        "role_name": f"Drill {unique} {mode}", "description": "Creates and deletes servers", "role_type": "CustomRole",
        "permissions": [{"actions": ["Microsoft.DBforPostgreSQL/flexibleServers/write", "Microsoft.DBforPostgreSQL/flexibleServers/delete"],
                         "not_actions": []}], "assignable_scopes": [scope]})
    assignment = str(uuid.uuid4())
    c.role_assignments.create(scope, assignment, {"role_definition_id": role.id, "principal_id": azsim.principal("auditor")["object_id"]})
    try:
        blocks = [p.actions for p in auditor.permissions.list_for_resource_group(rg)]
        assert sorted(blocks) == [["*/read"], ["Microsoft.DBforPostgreSQL/flexibleServers/write", "Microsoft.DBforPostgreSQL/flexibleServers/delete"]]
        below = [p.actions for p in auditor.permissions.list_for_resource(rg, "Microsoft.DBforPostgreSQL", "", "flexibleServers", "pg-x")]
        assert sorted(below) == sorted(blocks)
        assert [p.actions for p in auditor.permissions.list_for_resource_group(other)] == [["*/read"]]
    finally:
        c.role_assignments.delete(scope, assignment)
    assert [p.actions for p in auditor.permissions.list_for_resource_group(rg)] == [["*/read"]]
    with pytest.raises(ResourceNotFoundError) as exc:
        list(auditor.permissions.list_for_resource_group(f"rg-missing-{unique}"))
    assert exc.value.error.code == "ResourceGroupNotFound"
