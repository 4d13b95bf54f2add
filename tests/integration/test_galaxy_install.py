"""The collection as Galaxy users get it: `ansible-galaxy collection build`, installed into a fresh virtual environment
(ansible-core and requirements.txt from the package index, nothing of the checkout's), then `ansible-playbook
erpops.azure.deploy` against azsim from the installed collection, from a directory without the checkout's ansible.cfg."""

import os
import re
import subprocess
import sys
import tarfile

import ansible
import pytest

from .stack import started_azsim

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
pytestmark = pytest.mark.timeout(1200)


# The environment pytest started with, taken at collection, before any fixture runs: the azsim fixture of another test in
# the same worker later points HTTPS_PROXY at its front door (which refuses PyPI with 403) and REQUESTS_CA_BUNDLE at its
# own CA (which pip's requests prefers to PIP_CERT, so a MITM'd index then fails verification) for the rest of the session.
PRISTINE_ENV = dict(os.environ)


def index_env():
    """The environment for pip and for the installed collection's runs: this process's, as it was before any fixture."""
    return dict(PRISTINE_ENV)


def sh(argv, cwd, env=None, timeout=900):
    env = index_env() if env is None else env
    proc = subprocess.run([str(a) for a in argv], cwd=str(cwd), env=env, capture_output=True, text=True, check=False, timeout=timeout)
    assert proc.returncode == 0, f"{argv[:3]} failed ({proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh venv's bin directory, the collections path the tarball was installed into)."""
    work = tmp_path_factory.mktemp("galaxy")
    sh([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "build", "--output-path", work / "dist", ROOT], cwd=work)
    tarball = next((work / "dist").glob("erpops-azure-*.tar.gz"))
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    # What Galaxy users need is in; what only the checkout uses is not.
    assert {"MANIFEST.json", "playbooks/deploy.yml", "roles/web_app/tasks/main.yml", "plugins/inventory/erp.py", "requirements.txt",
            "bindep.txt", "meta/execution-environment.yml", "inventories/local/hosts.yml"} <= set(names)
    assert not [n for n in names if n.split("/")[0] in ("tools", ".venv", "node_modules", ".make", "build")]
    sh([sys.executable, "-m", "venv", work / "venv"], cwd=work)
    bin_dir = work / "venv" / "bin"
    sh([bin_dir / "python", "-m", "pip", "install", "-q", f"ansible-core=={ansible.__version__}", "-r", os.path.join(ROOT, "requirements.txt")],
       cwd=work)
    sh([bin_dir / "ansible-galaxy", "collection", "install", "-p", work / "collections", tarball], cwd=work)
    assert (work / "collections" / "ansible_collections" / "erpops" / "azure" / "MANIFEST.json").exists()
    return bin_dir, work / "collections", work


def test_the_installed_collection_deploys_on_azsim_and_reads_well(installed):
    bin_dir, collections, work = installed
    home = collections / "ansible_collections" / "erpops" / "azure"
    run_dir = work / "operator"  # an operator's own directory: no ansible.cfg
    run_dir.mkdir()
    (work / "azsim").mkdir()
    with started_azsim(str(work / "azsim")) as sim:
        env = {k: v for k, v in index_env().items() if not k.startswith(("ANSIBLE_", "AZURE_", "HTTPS_PROXY", "https_proxy", "VIRTUAL_ENV"))}
        env.update({"PATH": str(bin_dir) + os.pathsep + env.get("PATH", ""), "ANSIBLE_COLLECTIONS_PATH": str(collections),
                    "AZSIM_STATE_DIR": sim.state_dir, "ANSIBLE_NOCOLOR": "1", "TMPDIR": str(work)})
        inventory = home / "inventories" / "local" / "hosts.yml"
        sh([bin_dir / "ansible-playbook", "erpops.azure.access", "-i", inventory, "-e", "azsim_principal=owner"], cwd=run_dir, env=env)
        out = sh([bin_dir / "ansible-playbook", "erpops.azure.deploy", "-i", inventory], cwd=run_dir, env=env, timeout=1100)
    assert re.search(r"PLAY RECAP.*\n.*localhost.*failed=0", out), out[-3000:]
    # The summary prints one line per line (a list), not one JSON-escaped string, with the default callback's JSON format.
    summary = out[out.index("Show the summary"):]
    assert '"ERP erp-supermarket-prod in erp-supermarket-production-rg (westeurope)",' in summary, summary[:3000]
    assert re.search(r'^\s+"\s+production\s+https://erp-supermarket-prod\.azurewebsites\.net/",$', summary, re.M), summary[:3000]
    assert "\\n" not in summary.split("PLAY RECAP")[0], summary[:3000]
    # Without the callback enabled, the summary says where the resource counts are, instead of printing none silently.
    assert "ANSIBLE_CALLBACKS_ENABLED=erpops.azure.deploy_summary" in summary and "AZURE RESOURCES" not in out


def test_galaxy_importer_accepts_the_tarball_without_a_warning(installed):
    """galaxy-importer, as Galaxy runs it on an upload (its own ansible-lint and ansible-doc), in a virtual environment
    of its own: the import completes and reports no warning and no error."""
    _bin, _collections, work = installed
    tarball = next((work / "dist").glob("erpops-azure-*.tar.gz"))
    sh([sys.executable, "-m", "venv", work / "importer"], cwd=work)
    importer = work / "importer" / "bin"
    sh([importer / "python", "-m", "pip", "install", "-q", "galaxy-importer", f"ansible-core=={ansible.__version__}"], cwd=work)
    env = {k: v for k, v in index_env().items() if not k.startswith(("ANSIBLE_", "VIRTUAL_ENV"))}
    env.update({"PATH": str(importer) + os.pathsep + env.get("PATH", ""), "HOME": str(work), "TMPDIR": str(work)})
    proc = subprocess.run([str(importer / "python"), "-m", "galaxy_importer.main", str(tarball)], cwd=str(work), env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=900)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:]
    assert "Importer processing completed successfully" in out, out[-3000:]
    flagged = [line for line in out.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert flagged == [], "\n".join(flagged)
