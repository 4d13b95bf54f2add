"""Integration target of the role_assignment module against azsim (see conftest.py).

The target runs as azsim's Owner (a Contributor cannot assign roles); the deployer's credentials are passed for the one
task that shows the Contributor's 403.
"""

import uuid

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def test_role_assignment(run_target, azsim):
    prefix = "it-role-assignment-proxy"
    rg = f"/subscriptions/{azsim.sub}/resourceGroups/{prefix}-rg"
    s = azsim.session("direct", principal="owner")
    r = s.put(f"{azsim.url}{rg}", params={"api-version": "2024-11-01"}, json={"location": "westeurope"})
    assert r.status_code in (200, 201), r.text
    # An assignment made elsewhere (portal, az CLI) under a random name: the module must recognise it, not add a twin.
    preexisting = str(uuid.uuid4())
    r = s.put(f"{azsim.url}{rg}/providers/Microsoft.Authorization/roleAssignments/{preexisting}", params={"api-version": "2022-04-01"},
              json={"properties": {"roleDefinitionId": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                                   "principalId": azsim.principal("auditor")["object_id"], "principalType": "ServicePrincipal"}})
    assert r.status_code == 201, r.text
    deployer = azsim.principal("deployer")
    report = run_target("role_assignment", principal="owner", extra_vars={
        "auditor_object_id": azsim.principal("auditor")["object_id"], "preexisting_name": preexisting,
        "deployer_object_id": deployer["object_id"], "deployer_client_id": deployer["client_id"], "deployer_secret": deployer["client_secret"]})
    assert deployer["client_secret"] not in str(report)
