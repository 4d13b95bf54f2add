"""Unpack one collection from the community ``ansible`` wheel into a collections path: how `make bootstrap` gets awx.awx
(playbooks/awx_configure.yml) on machines that reach PyPI but not Galaxy. The wheel bundles each collection as released.

  python tests/ci/unpack_collection.py <wheel> <namespace>/<name> <collections path>
"""

import os
import shutil
import sys
import zipfile


def main(wheel, fqcn, dest):
    prefix = f"ansible_collections/{fqcn}/"
    target = os.path.join(dest, "ansible_collections", *fqcn.split("/"))
    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if m.startswith(prefix) and not m.endswith("/")]
        if not members:
            sys.exit(f"{wheel} holds no {fqcn}")
        for name in members:
            path = os.path.join(staging, name[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with zf.open(name) as src, open(path, "wb") as out:
                shutil.copyfileobj(src, out)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)  # whole or not at all: MANIFEST.json is the target's completion mark
    print(f"{fqcn.replace('/', '.')}: {len(members)} files from {os.path.basename(wheel)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
