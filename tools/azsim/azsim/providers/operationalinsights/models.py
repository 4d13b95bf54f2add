"""Log Analytics workspaces (Microsoft.OperationalInsights/workspaces): names, SKUs, retention, caps, the
stored document and soft delete.

Sources: REST spec examples (OperationalInsights.Management ``Workspaces_CreateOrUpdate``/``Workspaces_Get``:
200/201 answering ``provisioningState: Creating``, ids lower-cased by the RP, ``customerId`` GUID),
Microsoft Learn "Workspaces - Delete" (soft delete, 14 days, re-create with same name, subscription, resource
group and location to recover, ``force`` deletes permanently; name regex ``^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$``),
Learn "Naming rules" (4-63 characters), arm-data.md §4, public issues quoted next to each error.
"""

import base64
import os
import re

from ...core import locations, resource
from ...core.errors import AzureError
from ...core.ids import new_guid

TYPE = "Microsoft.OperationalInsights/workspaces"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$")
# Soft-deleted workspaces outlive their resource group (Azure/azure-powershell#12841: a purge needs the group
# re-created first), so this table is NOT keyed by the resource id and no group delete cascades to it.
DELETED = "operationalinsights.deleted"
SOFT_DELETE_SECONDS = 14 * 86400
SKUS = {s.lower(): s for s in ("Free", "Standard", "Premium", "PerNode", "PerGB2018", "Standalone", "CapacityReservation", "LACluster")}
# Learn "Azure Monitor Logs pricing details - legacy pricing tiers": Free/Standalone/PerNode only for subscriptions
# that had a workspace on 2 April 2018 (Standard/Premium since October 2016); a new subscription is refused with this
# text (quoted in MicrosoftDocs/azure-docs#25161, MicrosoftDocs/architecture-center#3069 with target PricingTier).
LEGACY_SKUS = ("free", "standard", "premium", "pernode", "standalone")
# LACluster is assigned by linking a dedicated cluster, never by a workspace PUT (unverified refusal text).
CAPACITY_LEVELS = (100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000)  # WorkspaceSku docs
NETWORK_ACCESS = ("Enabled", "Disabled", "SecuredByPerimeter")  # PublicNetworkAccessType enum (SDK models)


def workspace_id(sub, rg, name):
    # The RP answers ids in lower case (spec examples Workspaces_CreateOrUpdate / Workspaces_Get; terraform's
    # azurerm provider parses them insensitively for that reason).
    return f"/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.operationalinsights/workspaces/{name}".lower()


def validate_name(name):
    if not (4 <= len(name) <= 63) or not NAME_RE.match(name):
        # Rule from Learn (naming rules + REST regex); message and code unverified.
        raise AzureError(400, "InvalidParameter", f"The workspace name '{name}' is invalid. The name must be 4 to 63 characters long, "
                                                  "contain only letters, digits and hyphens, and start and end with a letter or digit.",
                         target="name")


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def validate_location(loc):
    short = locations.normalize(loc) if loc else None
    if not loc:
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    if short is None:
        # ARM's manifest check (same text the other providers use; arm-data.md §1).
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{loc}' is not available for resource type '{TYPE}'. "
                         f"List of available regions for the resource type is '{','.join(locations.REGIONS)}'.")
    return short


def _sku(sku, previous):
    if sku is None:
        return dict(previous) if previous else {"name": "PerGB2018"}
    if not isinstance(sku, dict) or not sku.get("name"):
        raise _bad("The sku name is required.", "sku")  # unverified text
    name = SKUS.get(str(sku["name"]).lower())
    if name is None:
        raise _bad(f"The sku '{sku['name']}' is invalid. Valid values are: {', '.join(SKUS.values())}.", "sku")  # unverified text
    low = name.lower()
    if low in LEGACY_SKUS and (previous or {}).get("name", "").lower() != low:
        raise AzureError(400, "BadRequest", "Pricing tier doesn't match the subscription's billing model. Read http://aka.ms/PricingTierWarning "
                                            "for more details.", target="PricingTier")
    if low == "lacluster":
        raise _bad("The LACluster sku is set by linking the workspace to a dedicated cluster.", "sku")  # unverified text
    out = {"name": name}
    level = sku.get("capacityReservationLevel")
    if low == "capacityreservation":
        if level not in CAPACITY_LEVELS:
            # WorkspaceSku.capacityReservationLevel: required for CapacityReservation, one of the listed tiers (text unverified).
            raise _bad(f"The capacity reservation level '{level}' is invalid. Valid values are: {', '.join(map(str, CAPACITY_LEVELS))}.",
                       "sku.capacityReservationLevel")
        out["capacityReservationLevel"] = level
    elif level is not None:
        raise _bad("capacityReservationLevel can only be set with the CapacityReservation sku.", "sku.capacityReservationLevel")  # unverified
    return out


def _retention(value, sku_name):
    if sku_name.lower() == "free":
        return 7  # Learn: the Free tier keeps data 7 days, not configurable
    if value is None or value == -1:
        return 30  # WorkspaceProperties.retentionInDays default for PerGB2018 (arm-data.md §4)
    if not isinstance(value, int) or isinstance(value, bool) or not (30 <= value <= 730):
        # Learn "Manage data retention": 30 to 730 days for interactive retention (text unverified).
        raise _bad(f"The retention period {value} is invalid. Retention must be between 30 and 730 days.", "properties.retentionInDays")
    return value


def _capping(capping, previous):
    out = dict(previous or {"dailyQuotaGb": -1.0, "dataIngestionStatus": "RespectQuota"})
    if capping is None:
        return out
    if not isinstance(capping, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'workspaceCapping'.")
    quota = capping.get("dailyQuotaGb", out.get("dailyQuotaGb", -1))
    if isinstance(quota, bool) or not isinstance(quota, (int, float)) or (quota != -1 and quota <= 0):
        # WorkspaceCapping.dailyQuotaGb: -1 means unlimited; any positive GB value otherwise (text unverified).
        raise _bad(f"The daily quota '{quota}' is invalid. Use -1 for no cap or a positive number of GB.", "properties.workspaceCapping.dailyQuotaGb")
    out["dailyQuotaGb"] = float(quota)
    return out


def _access(value, field, previous):
    if value is None:
        return previous or "Enabled"
    for v in NETWORK_ACCESS:
        if str(value).lower() == v.lower():
            return v
    raise _bad(f"The value '{value}' of {field} is invalid. Valid values are: {', '.join(NETWORK_ACCESS)}.", f"properties.{field}")  # unverified


def apply_properties(props, previous_props=None):
    """Validate the writable properties; returns the new properties merged over ``previous_props``."""
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
    prev = previous_props or {}
    sku = _sku(props.get("sku"), prev.get("sku"))
    if prev.get("sku", {}).get("name") != sku["name"] or "lastSkuUpdate" not in prev.get("sku", {}):
        sku["lastSkuUpdate"] = None  # filled by the caller with the clock
    else:
        sku["lastSkuUpdate"] = prev["sku"]["lastSkuUpdate"]
    retention = props.get("retentionInDays", prev.get("retentionInDays"))
    features = dict(prev.get("features") or {"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": True})
    if isinstance(props.get("features"), dict):
        features.update(props["features"])
    out = dict(prev)
    out.update({
        "sku": sku,
        "retentionInDays": _retention(retention, sku["name"]),
        "workspaceCapping": _capping(props.get("workspaceCapping"), prev.get("workspaceCapping")),
        "publicNetworkAccessForIngestion": _access(props.get("publicNetworkAccessForIngestion"), "publicNetworkAccessForIngestion",
                                                   prev.get("publicNetworkAccessForIngestion")),
        "publicNetworkAccessForQuery": _access(props.get("publicNetworkAccessForQuery"), "publicNetworkAccessForQuery",
                                               prev.get("publicNetworkAccessForQuery")),
        "features": features,
    })
    if "forceCmkForQuery" in props:
        out["forceCmkForQuery"] = bool(props["forceCmkForQuery"])
    return out


def new_key():
    """A shared key: base64 of 64 random bytes, the shape of real workspace keys (88 characters)."""
    return base64.b64encode(os.urandom(64)).decode()


def new_document(app, req, sub, rg, name, location, tags, props):
    now = app.clock.iso()
    props["sku"]["lastSkuUpdate"] = props["sku"].get("lastSkuUpdate") or now
    props.update({"customerId": new_guid(), "provisioningState": "Creating", "createdDate": now, "modifiedDate": now})
    props["workspaceCapping"].setdefault("quotaNextResetTime", now)
    return {"id": workspace_id(sub, rg, name), "name": name, "type": TYPE, "location": location, "tags": tags,
            "etag": f'"{new_guid()}"', "systemData": resource.system_data(app, req),
            "properties": {**props, "_keys": {"primarySharedKey": new_key(), "secondarySharedKey": new_key()}}}


# -- soft delete ------------------------------------------------------------------------------------------
def _deleted_key(wid):
    return "softdeleted:" + wid.lower()


def purge_expired(app):
    now = app.clock.now()
    for key, doc in list(app.store.items(DELETED)):
        if now - doc["_deletedAt"] >= SOFT_DELETE_SECONDS:
            app.store.delete(DELETED, key)


def soft_deleted(app, wid):
    purge_expired(app)
    return app.store.get(DELETED, _deleted_key(wid))


def soft_delete(app, doc):
    doc = dict(doc)
    doc["_deletedAt"] = app.clock.now()
    app.store.put(DELETED, _deleted_key(doc["id"]), doc)


def forget_deleted(app, wid):
    app.store.delete(DELETED, _deleted_key(wid))


def deleted_in(app, sub, rg=None):
    purge_expired(app)
    prefix = f"softdeleted:/subscriptions/{sub}/resourcegroups/" + (f"{rg}/" if rg else "")
    return [d for _key, d in app.store.items(DELETED, prefix.lower())]


def public(doc):
    out = resource.public(doc)
    out.pop("_deletedAt", None)
    return out
