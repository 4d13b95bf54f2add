"""Make ``ansible_collections.erpops.azure`` importable from this checkout for the unit tests."""

import hashlib
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_path():
    # One link per checkout: several checkouts (worktrees, a CI clone) may run their unit tests at the same time.
    digest = hashlib.sha256(ROOT.encode()).hexdigest()[:10]
    base = os.path.join(tempfile.gettempdir(), f"erpops-azure-unit-{os.getuid()}-{digest}")
    link = os.path.join(base, "ansible_collections", "erpops", "azure")
    if not os.path.islink(link) or os.path.realpath(link) != ROOT:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    return base


sys.path.insert(0, _collection_path())
