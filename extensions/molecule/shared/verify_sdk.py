"""Molecule "verify": read the deployment back from azsim with the official Azure SDK clients (not the collection's modules).

    python verify_sdk.py deployed   # the guide's deployment is there
    python verify_sdk.py empty      # nothing but the resource group (after a check-mode converge)
"""

import json
import os
import sys

from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

RG = "erp-supermarket-production-rg"


def main(expect):
    with open(os.path.join(os.environ["AZSIM_STATE_DIR"], "azsim.json"), encoding="utf-8") as f:
        info = json.load(f)
    p = info["principals"]["auditor"]  # a Reader is enough to verify
    cred = ClientSecretCredential(info["tenant_id"], p["client_id"], p["client_secret"], authority=info["authority_host"],
                                  disable_instance_discovery=True, connection_verify=info["ca_bundle"])
    kwargs = {"base_url": info["arm_endpoint"], "credential_scopes": [info["arm_endpoint"] + "/.default"], "connection_verify": info["ca_bundle"]}
    resources = ResourceManagementClient(cred, info["subscription_id"], **kwargs)
    names = sorted(r.type + "/" + r.name for r in resources.resources.list_by_resource_group(RG))
    if expect == "empty":
        assert names == [], f"check mode created resources: {names}"
        print("verified: check mode created nothing")
        return
    web = WebSiteManagementClient(cred, info["subscription_id"], **kwargs)
    plan = web.app_service_plans.get(RG, "erp-production-plan")
    assert (plan.sku.name, plan.sku.capacity, plan.reserved) == ("S1", 2, True), plan.sku
    site = web.web_apps.get(RG, "erp-supermarket-prod")
    assert site.https_only, "HTTPS only is off"
    config = web.web_apps.get_configuration(RG, "erp-supermarket-prod")
    assert (config.linux_fx_version, config.min_tls_version, config.ftps_state) == ("PYTHON|3.11", "1.2", "Disabled"), config
    slots = [s.name.split("/")[-1] for s in web.web_apps.list_slots(RG, "erp-supermarket-prod")]
    assert slots == ["staging"], slots
    for kind in ("Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod", "Microsoft.Insights/components/erp-insights",
                 "Microsoft.OperationalInsights/workspaces/erp-logs"):
        assert kind in names, f"{kind} missing from {names}"
    print(f"verified: {len(names)} resources in {RG}, plan S1 x2, web app HTTPS-only TLS 1.2 with its staging slot")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "deployed")
