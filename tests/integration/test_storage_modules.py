"""Integration targets of the archive's storage modules against azsim (see conftest.py): the container immutability policy,
the account's lifecycle policy and blobs on the data plane with an Entra token."""

import json


def test_storage_container_immutability_policy(run_target):
    run_target("storage_container_immutability_policy")


def test_storage_management_policy(run_target):
    run_target("storage_management_policy")


def test_storage_blob(run_target, azsim):
    """Run as the deployer (a Contributor); the owner's credentials are passed for the one task that grants the data role."""
    owner = azsim.principal("owner")
    report = run_target("storage_blob", extra_vars={"deployer_object_id": azsim.principal("deployer")["object_id"],
                                                    "owner_client_id": owner["client_id"], "owner_secret": owner["client_secret"]})
    assert owner["client_secret"] not in json.dumps(report)


def test_storage_blob_info(run_target, azsim):
    """As the deployer; the owner's credentials are passed for the one task that grants the data role."""
    owner = azsim.principal("owner")
    report = run_target("storage_blob_info", extra_vars={"deployer_object_id": azsim.principal("deployer")["object_id"],
                                                         "owner_client_id": owner["client_id"], "owner_secret": owner["client_secret"]})
    assert owner["client_secret"] not in json.dumps(report)
