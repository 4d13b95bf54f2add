"""Every role follows roles/README.md: guide defaults, a validated and documented argument spec with a `validate` entry point,
a README with an example, and nothing it does not document."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


def _yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def test_every_role_is_in_the_roles_table():
    table = (ROOT / "roles" / "README.md").read_text(encoding="utf-8")
    missing = [r for r in ROLES if f"`{r}`" not in table and r not in ("deploy_summary", "sql_export", "teardown")]
    assert not missing, f"roles/README.md does not list {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_role_layout(role):
    base = ROOT / "roles" / role
    for rel in ("defaults/main.yml", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml", "tasks/validate.yml", "README.md"):
        assert (base / rel).is_file(), f"roles/{role}/{rel} is missing"
    meta = _yaml(base / "meta/main.yml")
    assert meta["galaxy_info"]["license"] == "GPL-3.0-or-later" and meta.get("dependencies") == []
    assert "```yaml" in (base / "README.md").read_text(encoding="utf-8"), f"roles/{role}/README.md has no example"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_documented_and_prefixed(role):
    base = ROOT / "roles" / role
    specs = _yaml(base / "meta/argument_specs.yml")["argument_specs"]
    assert "main" in specs and "validate" in specs, f"roles/{role}: entry points {sorted(specs)}"
    for entry, spec in specs.items():
        assert (base / "tasks" / f"{entry}.yml").is_file(), f"roles/{role}: entry point {entry} has no tasks/{entry}.yml"
        assert spec.get("options") == specs["main"].get("options"), f"roles/{role}: entry point {entry} validates other options than main"
    documented = set(specs["main"].get("options") or {})
    defaults = set(_yaml(base / "defaults/main.yml"))
    assert defaults <= documented, f"roles/{role}: defaults not in argument_specs: {sorted(defaults - documented)}"
    assert all(name.startswith(role + "_") for name in documented), f"roles/{role}: unprefixed {sorted(n for n in documented if not n.startswith(role + '_'))}"
