"""The README's module table lists every module of plugins/modules, once and in order (it listed 35 of 45 once)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `erpops\.azure\.([a-z_0-9]+)` \| .+ \|$", re.M)


def test_the_module_table_lists_every_module_once_in_order():
    listed = ROW.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert listed == modules
