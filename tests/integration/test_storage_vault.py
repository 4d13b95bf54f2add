"""Integration targets of the storage, Key Vault, budget and inventory modules against azsim (see conftest.py)."""

import json
import uuid

import pytest

SECRET_VALUE = "it-" + uuid.uuid4().hex + "-django"
SECRET_VALUE_2 = "it-" + uuid.uuid4().hex + "-rotated"


@pytest.mark.parametrize("name", ["storage_account", "storage_container"])
def test_storage(run_target, name):
    run_target(name)


def test_key_vault(run_target):
    run_target("key_vault")


def test_key_vault_secret(run_target, deployer_secrets_officer):
    report = run_target("key_vault_secret", extra_vars={"secret_value": SECRET_VALUE, "secret_value_2": SECRET_VALUE_2})
    # The value never appears in what the playbook reported (results, diffs, messages).
    text = json.dumps(report)
    assert SECRET_VALUE not in text and SECRET_VALUE_2 not in text


def test_budget(run_target):
    run_target("budget")


def test_resource_inventory(run_target):
    run_target("resource_inventory")


def test_web_app_backup(run_target):
    run_target("web_app_backup")
