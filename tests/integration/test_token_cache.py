"""One token per principal and audience per playbook run (issue 14), counted in azsim's request log.

Each test runs one playbook on two local hosts at once (forks 2: module processes start concurrently) with read-only
module tasks as two principals, in its own TMPDIR so no other run's cache is seen."""

import collections
import json
import os
import stat
import subprocess
import sys

from .conftest import HERE, module_env

TOKEN_PATHS = ("/oauth2/v2.0/token", "/oauth2/token")
ARM = "https://management.azure.com"


def _playbook(path, azsim):
    auditor = azsim.principal("auditor")
    as_auditor = {"client_id": auditor["client_id"], "secret": auditor["client_secret"]}
    tasks = [
        {"name": "Read the resource groups", "erpops.azure.resource_group_info": {}},
        {"name": "Read the Python stacks", "erpops.azure.web_app_stack_info": {"stack": "python"}},
        {"name": "Read the resource groups by tag", "erpops.azure.resource_group_info": {"tags": ["owner"]}},
        {"name": "Read a missing resource group", "erpops.azure.resource_group_info": {"name": "token-cache-absent"}},
        {"name": "Read the resource groups as the auditor", "erpops.azure.resource_group_info": as_auditor, "no_log": True},
        {"name": "Read the Python stacks as the auditor", "erpops.azure.web_app_stack_info": dict(as_auditor, stack="python"), "no_log": True},
    ]
    play = [{"name": "Token cache", "hosts": "all", "gather_facts": False, "tasks": tasks}]
    path.write_text(json.dumps(play))
    return len(tasks)


def _run(azsim, collections_path, workdir, tmpdir, cache=None):
    playbook = workdir / "token_cache.yml"
    tasks = _playbook(playbook, azsim)
    inventory = workdir / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"one": {}, "two": {}},
                                             "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}))
    env = module_env(azsim, "proxy")
    env.pop("ANSIBLE_AZURE_TOKEN_CACHE", None)
    if cache is not None:
        env["ANSIBLE_AZURE_TOKEN_CACHE"] = cache
    env.update({"TMPDIR": str(tmpdir), "ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_FORKS": "2", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins")})
    mark = azsim.last_seq()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory), str(playbook), "-v"],
                          capture_output=True, text=True, env=env, cwd=str(workdir), timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    rows = azsim.requests_since(mark)
    tokens = collections.Counter((r["principal"], r["audience"]) for r in rows if r["method"] == "POST" and r["path"].endswith(TOKEN_PATHS))
    return tokens, tasks * 2, proc.stdout + proc.stderr


def _cache_dir(tmpdir):
    return tmpdir / f"erpops-azure-tokens-{os.getuid()}"


def test_one_token_per_principal_and_audience(azsim, collections_path, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    tokens, module_tasks, output = _run(azsim, collections_path, tmp_path, tmpdir)
    assert module_tasks == 12
    assert tokens == {("deployer", ARM): 1, ("auditor", ARM): 1}, tokens
    cache = _cache_dir(tmpdir)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    entries = [p for p in cache.iterdir() if p.suffix == ".json"]
    assert len(entries) == 2
    secrets = [azsim.principal(n)["client_secret"] for n in ("deployer", "auditor")]
    for p in cache.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert not any(s in p.read_text() for s in secrets)
    # The tokens stay in the cache: never in the output (-v prints every module result).
    for p in entries:
        assert json.loads(p.read_text())["token"] not in output

    # A second run within the tokens' lifetime asks for none.
    tokens, _n, _out = _run(azsim, collections_path, tmp_path, tmpdir)
    assert tokens == {}, tokens


def test_a_refused_cached_token_is_replaced_once(azsim, collections_path, tmp_path):
    """A cached token ARM refuses (revoked, rotated) is dropped at the first 401 and fetched again once for the run."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    _run(azsim, collections_path, tmp_path, tmpdir)
    entries = [p for p in _cache_dir(tmpdir).iterdir() if p.suffix == ".json"]
    forged = []
    for p in entries:
        entry = json.loads(p.read_text())
        head, payload, _sig = entry["token"].split(".")
        entry["token"] = f"{head}.{payload}.bm90LXNpZ25lZC1ieS1henNpbQ"  # azsim's claims, another signature: ARM answers 401
        forged.append(entry["token"])
        p.write_text(json.dumps(entry))
    tokens, _n, _out = _run(azsim, collections_path, tmp_path, tmpdir)
    assert tokens == {("deployer", ARM): 1, ("auditor", ARM): 1}, tokens
    assert not {json.loads(p.read_text())["token"] for p in entries} & set(forged)


def test_cache_off_asks_in_every_task(azsim, collections_path, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    tokens, module_tasks, _out = _run(azsim, collections_path, tmp_path, tmpdir, cache="off")
    assert sum(tokens.values()) == module_tasks and tokens == {("deployer", ARM): 8, ("auditor", ARM): 4}, tokens
    assert not _cache_dir(tmpdir).exists()
