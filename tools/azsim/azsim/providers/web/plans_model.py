"""App Service plans (Microsoft.Web/serverfarms): validation and the stored/wire document.

Sources: azure-rest-api-specs ``CreateOrUpdateAppServicePlan.json`` / ``GetAppServicePlan.json``
examples (shape, ``status``, ``geoRegion``, ``maximumNumberOfWorkers``), the azure-mgmt-web 11.0.1
models ``AppServicePlan``/``SkuDescription`` (field names, read-only flags), Microsoft Learn
"App Service limits" (workers per tier, via ``common.TIERS``).
"""

import re

from ...core import locations, resource
from ...core.errors import AzureError, WebError
from . import common

TYPE = "Microsoft.Web/serverfarms"
KINDS = {"app", "linux", "windows", "elastic", "functionapp", "xenon", "app,linux"}


def validate_location(loc):
    """ARM's location check for ``Microsoft.Web/serverFarms`` (arm-web.md §1.2; message from ARM's
    LocationNotAvailableForResourceType, text partly unverified)."""
    if loc is None or loc == "":
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    short = locations.normalize(loc)
    if short is None:
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{loc}' is not available for resource type '{TYPE}'. List of available regions for the "
                         f"resource type is '{','.join(locations.REGIONS)}'.")
    return short


def validate_name(name):
    """serverfarms: 1-60 alphanumerics and hyphens (Microsoft Learn "Naming rules and restrictions
    for Azure resources", Microsoft.Web).  Error text unverified."""
    if not (1 <= len(name) <= 60) or not all(c.isalnum() or c == "-" for c in name):
        raise WebError(400, "BadRequest", f"The app service plan name '{name}' is invalid. It can contain only letters, numbers and hyphens "
                       "and must be 1 to 60 characters long.", extended_code=None, parameters=[name])  # unverified text


def resolve_sku(sku, previous=None):
    """A complete ``SkuDescription`` from what the client sent.

    Azure derives tier/family/size from ``sku.name`` (clients often send only ``name``, e.g. az CLI
    and the Ansible module); a tier that contradicts the name is refused (unverified text).  Without
    ``capacity`` the plan keeps its current worker count (a create starts at 1): the autoscale engine
    relies on a PUT that omits capacity not resetting the scale-out.
    """
    if sku is None:
        if previous is not None:
            return dict(previous)
        sku = {"name": "S1"}  # unverified: Azure's default SKU for a plan PUT without one
    if not isinstance(sku, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'sku must be an object'.")
    name = sku.get("name") or (previous or {}).get("name")
    info = common.sku_info(name)
    if info is None:
        raise WebError(400, "BadRequest", "The parameter SKU has an invalid value.", extended_code="01007",  # unverified code
                       template="The parameter {0} has an invalid value.", parameters=["SKU"])
    tier, family = info
    sent_tier = sku.get("tier")
    if sent_tier and sent_tier.replace(" ", "").lower() != tier.lower():
        raise WebError(400, "BadRequest", "The parameter SKU has an invalid value.", extended_code="01007",  # unverified: tier/name mismatch
                       template="The parameter {0} has an invalid value.", parameters=["SKU"])
    capacity = sku.get("capacity")
    if capacity is None:
        capacity = (previous or {}).get("capacity", 1)
        limit = common.tier_limits(tier)["max_workers"]
        capacity = min(capacity, limit)  # a scale-down of the tier clamps the kept worker count (unverified)
    validate_capacity(capacity, tier)
    canon = canonical_sku_name(name)
    return {"name": canon, "tier": tier, "size": canon, "family": family, "capacity": capacity}


def canonical_sku_name(name):
    """Azure echoes ``P1v3``/``P1mv3``/``I1v2`` with a lower-case version suffix (GetAppServicePlan examples)."""
    m = re.match(r"^([A-Z]+\d)(M?V\d)$", name.upper())
    return m.group(1) + m.group(2).lower() if m else name.upper()


def validate_capacity(capacity, tier):
    """``sku.capacity`` must lie in 1..max workers of the tier (Microsoft Learn "App Service limits").
    Azure refuses more with a 400 BadRequest Web error; exact text unverified (arm-web.md §2)."""
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Could not convert sku.capacity to Int32'.")
    limit = common.tier_limits(tier)["max_workers"]
    if capacity < 1 or capacity > limit:
        raise WebError(400, "BadRequest", f"The requested worker count {capacity} is not valid for the '{tier}' SKU. "
                       f"It must be between 1 and {limit}.", extended_code=None,  # unverified text and code
                       parameters=[str(capacity), tier, str(limit)])


def new_plan(sub, rg, name, body, req_location):
    short = validate_location(req_location)
    kind = (body.get("kind") or "app").lower()
    props = body.get("properties") or {}
    # Linux plans: kind "linux" + reserved true (arm-web.md §2 note; GetAppServicePlan example).
    reserved = bool(props.get("reserved", False)) or kind in ("linux", "app,linux")
    if reserved and kind in ("app", "windows"):
        kind = "linux"
    sku = resolve_sku(body.get("sku"))
    doc = {
        "id": common.plan_id(sub, rg, name), "name": name, "type": TYPE, "kind": kind, "location": locations.display(short),
        "tags": resource.validate_tags(body.get("tags")), "sku": sku,
        "properties": {
            "name": name, "status": "Ready", "subscription": sub, "geoRegion": locations.display(short),
            "maximumNumberOfWorkers": common.tier_limits(sku["tier"])["max_workers"], "numberOfWorkers": sku["capacity"],
            "perSiteScaling": bool(props.get("perSiteScaling", False)), "elasticScaleEnabled": bool(props.get("elasticScaleEnabled", False)),
            "maximumElasticWorkerCount": int(props.get("maximumElasticWorkerCount") or 1), "numberOfSites": 0,
            "isSpot": bool(props.get("isSpot", False)), "reserved": reserved, "isXenon": bool(props.get("isXenon", False)),
            "hyperV": bool(props.get("hyperV", False)), "targetWorkerCount": int(props.get("targetWorkerCount") or 0),
            "targetWorkerSizeId": int(props.get("targetWorkerSizeId") or 0), "zoneRedundant": bool(props.get("zoneRedundant", False)),
            "provisioningState": "Succeeded", "resourceGroup": rg, "kind": kind,
        },
    }
    return doc


def apply_update(doc, body, *, patch):
    """PUT on an existing plan or PATCH: sku/tags/writable properties replace, the rest stays."""
    if "location" in body and not patch:
        short = validate_location(body["location"])
        if locations.normalize(doc["location"]) != short:
            # Moving a plan between regions is not possible (unverified text).
            raise WebError(409, "Conflict", f"Cannot change the location of App Service plan '{doc['name']}'.", parameters=[doc["name"]])
    if body.get("tags") is not None or (not patch and "tags" in body):
        doc["tags"] = resource.validate_tags(body.get("tags"))
    if "sku" in body and body["sku"] is not None:
        sku = resolve_sku(body["sku"], previous=doc["sku"])
        doc["sku"] = sku
    props = body.get("properties") or {}
    p = doc["properties"]
    for key in ("perSiteScaling", "elasticScaleEnabled", "isSpot", "zoneRedundant", "hyperV", "isXenon"):
        if key in props and props[key] is not None:
            p[key] = bool(props[key])
    for key in ("maximumElasticWorkerCount", "targetWorkerCount", "targetWorkerSizeId"):
        if props.get(key) is not None:
            p[key] = int(props[key])
    if props.get("reserved") is not None and bool(props["reserved"]) != p["reserved"]:
        # The OS of a plan cannot change after creation (unverified text).
        raise WebError(409, "Conflict", "Cannot change the operating system of an existing App Service plan.")
    p["numberOfWorkers"] = doc["sku"]["capacity"]
    p["maximumNumberOfWorkers"] = common.tier_limits(doc["sku"]["tier"])["max_workers"]
    return doc


def sites_on(app, plan_doc):
    """Production sites whose ``serverFarmId`` names the plan (any resource group)."""
    pid = plan_doc["id"].lower()
    return [d for d in common.all_sites(app)
            if d.get("type") == "Microsoft.Web/sites" and (d["properties"].get("serverFarmId") or "").lower() == pid]


def wire(app, doc):
    out = resource.public(doc)
    out["properties"]["numberOfSites"] = len(sites_on(app, doc))
    return out
