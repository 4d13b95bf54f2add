"""Azure RBAC's reading of permission blocks, as authorization_permission_info checks a playbook's actions with it."""

from ansible_collections.erpops.azure.plugins.module_utils import rbac

CONTRIBUTOR = {"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                                                "Microsoft.Authorization/elevateAccess/Action"], "dataActions": [], "notDataActions": []}
READER = {"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}
WEBSITE_CONTRIBUTOR = {"actions": ["Microsoft.Authorization/*/read", "Microsoft.Web/sites/*", "Microsoft.Web/serverFarms/join/action"]}
BLOB_READER = {"actions": [], "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]}


def test_wildcards_match_any_characters_case_insensitively():
    assert rbac.grants([CONTRIBUTOR], "Microsoft.DBforPostgreSQL/flexibleServers/write")
    assert rbac.grants([WEBSITE_CONTRIBUTOR], "microsoft.web/sites/slots/backups/restore/action")
    assert rbac.grants([READER], "Microsoft.Web/sites/slots/read")
    assert not rbac.grants([READER], "Microsoft.Web/sites/slots/write")
    assert not rbac.grants([READER], "Microsoft.Web/sites/config/list/Action")  # a list action is not a read
    assert not rbac.grants([WEBSITE_CONTRIBUTOR], "Microsoft.Web/serverFarms/write")


def test_not_actions_only_subtract_from_their_own_block():
    assert not rbac.grants([CONTRIBUTOR], "Microsoft.Authorization/roleAssignments/write")
    assert rbac.grants([CONTRIBUTOR], "Microsoft.Authorization/roleAssignments/read")
    uaa = {"actions": ["*/read", "Microsoft.Authorization/*"]}
    assert rbac.grants([CONTRIBUTOR, uaa], "Microsoft.Authorization/roleAssignments/write")


def test_data_actions_are_checked_apart():
    action = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    assert not rbac.grants([CONTRIBUTOR], action, data=True)  # "*" in actions grants no data action
    assert rbac.grants([BLOB_READER], action, data=True)
    assert not rbac.grants([BLOB_READER], action)


def test_missing_keeps_the_order_asked_and_handles_no_permissions():
    wanted = ["Microsoft.Web/sites/slots/Write", "Microsoft.DBforPostgreSQL/flexibleServers/delete", "Microsoft.Web/sites/slots/Delete"]
    assert rbac.missing([READER, WEBSITE_CONTRIBUTOR], wanted) == ["Microsoft.DBforPostgreSQL/flexibleServers/delete"]
    assert rbac.missing([], wanted) == wanted
    assert rbac.missing(None, []) == []
