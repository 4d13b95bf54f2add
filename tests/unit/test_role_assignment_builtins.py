"""role_assignment resolves built-in role names without a request: its table agrees with azsim's copy of Microsoft Learn's
"Azure built-in roles" (same names, same GUIDs), and covers every role the collection's roles and playbooks assign."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "azsim"))

from ansible_collections.erpops.azure.plugins.modules import role_assignment as ra  # noqa: E402
from azsim.providers.authorization import models  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def test_builtin_table_matches_azsim():
    azsim_by_name = {entry[0]: guid for guid, entry in models.BUILTIN.items()}
    for key, (name, guid) in ra.BUILTIN_ROLES.items():
        assert key == name.lower()
        assert azsim_by_name.get(name) == guid, name
        assert ra.GUID_RE.match(guid)
    assert ra.BUILTIN_GUIDS == {guid: name for name, guid in ra.BUILTIN_ROLES.values()}


def test_roles_the_collection_assigns_are_built_in():
    used = set()
    with open(os.path.join(ROOT, "roles", "storage", "defaults", "main.yml")) as handle:
        used.update(re.findall(r"^storage_blob_role: (.+)$", handle.read(), re.M))
    for path in ("roles/keyvault/tasks/access.yml", "roles/keyvault/tasks/vault.yml"):
        with open(os.path.join(ROOT, path)) as handle:
            used.update(re.findall(r"^\s+role: ([A-Z][^{\n]+)$", handle.read(), re.M))
    with open(os.path.join(ROOT, "playbooks", "access.yml")) as handle:
        text = handle.read()
    used.update(re.findall(r"'([A-Z][A-Za-z ]+)'", re.search(r"Grant the deploying principal.*?loop: (.*?)\n", text, re.S).group(1)))
    used.update(re.findall(r"[\[,] ?([A-Z][A-Za-z ]+)", re.search(r"Grant the read-only maintenance.*?loop: (.*?)\n", text, re.S).group(1)))
    assert used >= {"Storage Blob Data Contributor", "Key Vault Secrets User", "Key Vault Secrets Officer", "User Access Administrator",
                    "Reader", "Storage Blob Data Reader"}
    assert all(name.strip().lower() in ra.BUILTIN_ROLES for name in used), used
