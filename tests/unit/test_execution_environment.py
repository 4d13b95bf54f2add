"""The execution environment AWX runs the collection in: execution-environment.yml is a valid ansible-builder v3
definition, and its build context (written by `ansible-builder create`, no container engine needed) installs the
collection from its tarball with the collection's own Python requirements and system packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*argv, cwd):
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{argv[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The collection tarball, built as a release would be, beside a copy of the EE definition."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(ROOT / "execution-environment.yml", work)
    _run(BIN / "ansible-galaxy", "collection", "build", "--output-path", work / "build", ROOT, cwd=work)
    return work


def test_the_definition_is_a_valid_v3_file():
    from ansible_builder.user_definition import UserDefinition

    definition = UserDefinition(str(ROOT / "execution-environment.yml"))
    definition.validate()
    assert definition.version == 3
    assert definition.raw["dependencies"]["ansible_core"]["package_pip"].startswith("ansible-core>=2.19")


def test_create_writes_a_context_that_installs_the_collection(built):
    _run(BIN / "ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context", "--output-filename", "Containerfile",
         cwd=built)
    context = built / "context"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG EE_BASE_IMAGE="quay.io/fedora/fedora:42"' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.19,<2.20 ansible-runner>=2.4,<2.5"' in containerfile
    # The tarball travels in the context and is installed by the galaxy stage under a fixed name.
    tarballs = sorted(p.name for p in (context / "_build" / "collections").iterdir())
    assert tarballs == [next((built / "build").glob("erpops-azure-*.tar.gz")).name]
    galaxy_stage = containerfile.split("FROM base AS galaxy", 1)[1].split("FROM base AS builder", 1)[0]
    copy_at = galaxy_stage.index("COPY _build/collections/ /tmp/collections/")
    assert copy_at < galaxy_stage.index("ansible-galaxy collection install")
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements == {"collections": [{"name": "/tmp/erpops-azure.tar.gz", "type": "file"}]}  # noqa: S108 - a path in the image
    pip = (context / "_build" / "requirements.txt").read_text(encoding="utf-8").split()
    assert "pip-audit>=2.10" in pip
    assert 'LABEL ansible-execution-environment=true' in containerfile


def test_the_installed_collection_brings_its_requirements_to_the_image(built, tmp_path):
    """What the builder's introspect step (run in the image's builder stage) finds in the installed collection."""
    tarball = next((built / "build").glob("erpops-azure-*.tar.gz"))
    _run(BIN / "ansible-galaxy", "collection", "install", "-p", tmp_path / "collections", tarball, cwd=tmp_path)
    found = yaml.safe_load(_run(BIN / "ansible-builder", "introspect", tmp_path / "collections", cwd=tmp_path).split("\n", 1)[1])
    python = sorted(line.split("#")[0].strip() for line in found["python"])
    wanted = sorted(line for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    assert python == wanted
    system = [line.split("#")[0].strip() for line in found["system"]]
    assert "postgresql-server [platform:rpm]" in system and "postgresql-client [platform:dpkg]" in system
    assert all(line.endswith("# from collection erpops.azure") for line in found["python"] + found["system"])
