"""`make docs`: the documentation site builds without a warning of its own (docs/build.py fails on any antsibull-docs
validation error and on any Sphinx warning but the references into Ansible's own documentation an offline build cannot
resolve), with a page for every module, plugin and role of the collection and for each guide chapter."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HTML = os.path.join(ROOT, "docs", "build", "html")
pytestmark = pytest.mark.timeout(600)


def names(folder, suffix=".py"):
    return sorted(n[: -len(suffix)] for n in os.listdir(os.path.join(ROOT, folder)) if n.endswith(suffix) and not n.startswith("_"))


def test_the_site_documents_every_module_plugin_role_and_chapter():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "build.py")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "pages in docs/build/html/" in proc.stdout
    pages = os.path.join(HTML, "collections", "erpops", "azure")
    wanted = ([f"{m}_module.html" for m in names("plugins/modules")] + [f"{p}_inventory.html" for p in names("plugins/inventory")]
              + [f"{c}_callback.html" for c in names("plugins/callback")]
              + [f"{f}_filter.html" for f in names("plugins/filter", ".yml")]
              + [f"{r}_role.html" for r in os.listdir(os.path.join(ROOT, "roles"))
                 if os.path.exists(os.path.join(ROOT, "roles", r, "meta", "argument_specs.yml"))])
    missing = [w for w in wanted if not os.path.exists(os.path.join(pages, w))]
    assert not missing, missing
    for chapter, text in (("deploy", "deploy.yml"), ("release", "staging"), ("maintain", "maintain_"), ("audit", "SARIF"), ("awx", "ansible-runner")):
        with open(os.path.join(HTML, f"{chapter}.html"), encoding="utf-8") as f:
            assert text in f.read(), chapter
    with open(os.path.join(pages, "erp_inventory.html"), encoding="utf-8") as f:
        page = f.read()
    assert "Resource Graph" in page and "keyed_groups" in page
