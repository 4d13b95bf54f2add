"""Integration targets of the storage readers against azsim (see conftest.py): containers with their retention and
lifecycle rules (management plane), blobs with their times and SHA-256 record (data plane, with an Entra token)."""

import json


def test_storage_container_info(run_target):
    run_target("storage_container_info")


def test_storage_blob_info(run_target, azsim):
    """Run as the deployer (a Contributor); the owner's credentials are passed for the one task that grants the data role."""
    owner = azsim.principal("owner")
    report = run_target("storage_blob_info", extra_vars={"deployer_object_id": azsim.principal("deployer")["object_id"],
                                                         "owner_client_id": owner["client_id"], "owner_secret": owner["client_secret"]})
    assert owner["client_secret"] not in json.dumps(report)
