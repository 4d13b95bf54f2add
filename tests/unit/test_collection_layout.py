"""The collection's metadata files say what Galaxy, ansible-core and pip need to know."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

# Required SDKs of the collection (see README "Requirements"): the distributions of what plugins/ imports, nothing more.
RUNTIME_SDKS = {"azure-core", "azure-mgmt-core", "azure-identity", "certifi"}
# Import name -> distribution, for the third-party packages plugins/ may import. PyYAML, cryptography and packaging come
# with ansible-core (its own requirements), so requirements.txt does not repeat them.
DISTRIBUTIONS = {"azure.core": "azure-core", "azure.mgmt.core": "azure-mgmt-core", "azure.identity": "azure-identity", "certifi": "certifi"}
WITH_ANSIBLE_CORE = {"yaml", "cryptography", "packaging"}
# Deprecated: msrestazure pulls adal (replaced by MSAL) and msrest; azure-core/azure-identity do their job.
FORBIDDEN = {"msrestazure", "adal", "msrest"}
MINIMUM_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9_,-]+\])?>=(?P<version>[0-9]+(\.[0-9]+)*)$")


def _yaml(relpath):
    with open(ROOT / relpath, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _requirement_lines(relpath):
    lines = (line.split("#", 1)[0].strip() for line in (ROOT / relpath).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def test_galaxy_identifies_the_collection():
    galaxy = _yaml("galaxy.yml")
    assert galaxy["namespace"] == "erpops"
    assert galaxy["name"] == "azure"
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", galaxy["version"])
    assert (ROOT / galaxy["readme"]).is_file()
    assert {"azure", "cloud", "appservice", "postgresql", "django"} <= set(galaxy["tags"])


def test_galaxy_build_leaves_dev_tooling_out():
    ignored = set(_yaml("galaxy.yml")["build_ignore"])
    assert {"tools", ".venv", "node_modules", "tests/output", ".azsim", "*.tar.gz"} <= ignored


def test_runtime_requires_ansible_218_or_newer():
    spec = _yaml("meta/runtime.yml")["requires_ansible"]
    match = re.fullmatch(r">=\s*(\d+\.\d+\.\d+)", spec)
    assert match, f"requires_ansible should be a single >= bound, got {spec!r}"
    assert Version(match.group(1)) == Version("2.18.0")


def test_runtime_declares_the_azure_action_group():
    groups = _yaml("meta/runtime.yml")["action_groups"]
    assert isinstance(groups["azure"], list)
    # module_defaults resolve group members by short name inside the collection.
    assert all(isinstance(member, str) and "." not in member for member in groups["azure"])


@pytest.mark.parametrize("relpath", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_minimums_only(relpath):
    for line in _requirement_lines(relpath):
        if line.startswith(("-r ", "-e ")):
            continue
        assert MINIMUM_LINE.match(line), f"{relpath}: {line!r} is not of the form name>=version"


def test_runtime_requirements_list_the_sdks_and_no_deprecated_ones():
    names = {MINIMUM_LINE.match(line).group("name").lower() for line in _requirement_lines("requirements.txt")}
    assert names == RUNTIME_SDKS
    assert not names & FORBIDDEN


def _third_party_imports():
    found = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return {name for name in found if name.split(".")[0] not in sys.stdlib_module_names | {"ansible", "ansible_collections"}}


def test_runtime_requirements_are_what_the_plugins_import():
    needed = set()
    for name in _third_party_imports():
        if name.split(".")[0] in WITH_ANSIBLE_CORE:
            continue
        dist = next((d for prefix, d in DISTRIBUTIONS.items() if name == prefix or name.startswith(prefix + ".")), None)
        assert dist, f"plugins import {name}: add its distribution to requirements.txt (and DISTRIBUTIONS here)"
        needed.add(dist)
    assert needed == RUNTIME_SDKS


def test_dev_requirements_include_the_runtime_ones_and_the_test_sdks():
    lines = _requirement_lines("requirements-dev.txt")
    assert "-r requirements.txt" in lines
    names = {MINIMUM_LINE.match(line).group("name").lower() for line in lines if MINIMUM_LINE.match(line)}
    assert {"azure-mgmt-resource", "azure-mgmt-web", "azure-storage-blob", "azure-keyvault-secrets"} <= names
    assert not names & RUNTIME_SDKS  # listed once, in requirements.txt


def test_changelog_fragments_use_configured_sections():
    config = _yaml("changelogs/config.yaml")
    sections = {name for name, _title in config["sections"]} | {config["trivial_section_name"], config["prelude_section_name"]}
    fragments = sorted((ROOT / "changelogs" / "fragments").glob("*.yml"))
    assert fragments
    for path in fragments:
        with open(path, encoding="utf-8") as f:
            fragment = yaml.safe_load(f)
        assert set(fragment) <= sections, f"{path.name}: unknown sections {set(fragment) - sections}"
        for section, entries in fragment.items():
            # The release summary is one text; every other section is a list of entries.
            expected = str if section == config["prelude_section_name"] else list
            assert isinstance(entries, expected) and entries, f"{path.name}: {section} should be a non-empty {expected.__name__}"


def test_action_group_lists_every_module():
    """module_defaults for group/erpops.azure.azure (the playbooks' credentials) reach every module."""
    members = set(_yaml("meta/runtime.yml")["action_groups"]["azure"])
    modules = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"}
    assert members == modules, f"missing {sorted(modules - members)}, extra {sorted(members - modules)}"
