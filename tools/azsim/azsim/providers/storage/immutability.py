"""Container-level WORM: the time-based immutability policy (``.../containers/{c}/immutabilityPolicies/default``) and
legal holds (``setLegalHold`` / ``clearLegalHold``) of a blob container, and what they forbid on the data plane.

Sources: azure-rest-api-specs Storage ``BlobContainers_*ImmutabilityPolicy`` / ``*LegalHold`` operations and examples
(2023-05-01 and later), azure-mgmt-storage 25.x models, Learn "Container-level WORM policies for immutable blob data"
(its "Scenarios" table), "Time-based retention policies for immutable blob data" and "Blob Storage error codes".
The policy lives inside the container document (``properties.immutabilityPolicy``, as ``BlobContainers_Get`` shows it);
its etag in ``_ipEtag``, also when there is no policy (GET then answers the empty Unlocked policy, period 0).
"""

import os
import re

from ...core.errors import AzureError

POLICY_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies"
MIN_DAYS, MAX_DAYS = 1, 146000      # Learn: one day to 146,000 days (400 years)
MAX_EXTENDS = 5                     # Learn: at most five increases over the lifetime of a locked container-level policy
MAX_TAGS = 10                       # Learn "Limits": at most 10 legal hold tags on a container
_TAG = re.compile(r"^[a-z0-9]{3,23}$")  # swagger LegalHold.tags: 3 to 23 alphanumeric characters, normalized to lower case

# Texts of the storage RP: pulumi-azure-native PR 2154 ("Status=412 Code=ContainerImmutabilityPolicyFailure Message=Operation
# not allowed on immutability policy with incorrect etag.", a DELETE without If-Match) and azure-powershell's storage tests
# (a PUT or DELETE on a locked policy: "Operation not allowed on immutability policy with current state."; status unverified).
CODE = "ContainerImmutabilityPolicyFailure"
BAD_ETAG = "Operation not allowed on immutability policy with incorrect etag."
BAD_STATE = "Operation not allowed on immutability policy with current state."


def new_etag():
    # Policy etags look like "\"8d59f81a87b40c0\"" (examples BlobContainersGet, BlobContainersDeleteImmutabilityPolicy).
    return '"8d' + os.urandom(7).hex()[:13] + '"'


def policy_of(container):
    """The container's policy properties ({period, state, allowProtectedAppendWrites...}) or None."""
    ip = container["properties"].get("immutabilityPolicy")
    return ip["properties"] if container["properties"].get("hasImmutabilityPolicy") and ip else None


def legal_hold(container):
    return bool(container["properties"].get("hasLegalHold"))


def etag_of(container):
    if not container.get("_ipEtag"):
        container["_ipEtag"] = new_etag()
    return container["_ipEtag"]


def resource(container):
    """The ImmutabilityPolicy resource (BlobContainers_GetImmutabilityPolicy): the empty Unlocked policy with period 0
    when none is set (azure-powershell storage tests read it before any PUT; pulumi-azure-native issue 1492)."""
    props = policy_of(container) or {"immutabilityPeriodSinceCreationInDays": 0, "state": "Unlocked"}
    return {"id": container["id"] + "/immutabilityPolicies/default", "name": "default", "type": POLICY_TYPE,
            "etag": etag_of(container), "properties": dict(props)}


def check_if_match(container, if_match, required):
    """If-Match against the policy's etag: required for DELETE, lock and extend, honoured when given on PUT and GET
    (swagger descriptions).  ``*`` is not a value the RP supports (azure-rest-api-specs PR 29632)."""
    if if_match is None:
        if required:
            raise AzureError(412, CODE, BAD_ETAG)
        return
    if _bare(if_match) != _bare(etag_of(container)):
        raise AzureError(412, CODE, BAD_ETAG)


def _bare(tag):
    t = tag.strip()
    if t.startswith("W/"):
        t = t[2:]
    return t.strip('"')


def _period(value, field="immutabilityPeriodSinceCreationInDays"):
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
        # Learn: the interval is 1 to 146,000 days; code and text unverified.
        raise AzureError(400, CODE, f"The value of {field} must be between {MIN_DAYS} and {MAX_DAYS} days.")
    return value


def _append_flags(props):
    apw, apw_all = props.get("allowProtectedAppendWrites"), props.get("allowProtectedAppendWritesAll")
    for name, v in (("allowProtectedAppendWrites", apw), ("allowProtectedAppendWritesAll", apw_all)):
        if v is not None and not isinstance(v, bool):
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{name} must be a boolean'.")
    if apw and apw_all:
        # Swagger ImmutabilityPolicyProperty: "allowProtectedAppendWrites and allowProtectedAppendWritesAll properties are
        # mutually exclusive"; text unverified.
        raise AzureError(400, CODE, "allowProtectedAppendWrites and allowProtectedAppendWritesAll are mutually exclusive.")
    return apw, apw_all


def _history(container, update, who, now_iso):
    """updateHistory entries (example BlobContainersGet: update put/lock/extend, period, objectIdentifier, tenantId, timestamp)."""
    p = container["properties"]["immutabilityPolicy"]
    props = p["properties"]
    p.setdefault("updateHistory", []).append({
        "update": update, "immutabilityPeriodSinceCreationInDays": props["immutabilityPeriodSinceCreationInDays"], "timestamp": now_iso,
        "objectIdentifier": who.get("object_id"), "tenantId": who.get("tenant_id"),
        "allowProtectedAppendWrites": props.get("allowProtectedAppendWrites", False),
        "allowProtectedAppendWritesAll": props.get("allowProtectedAppendWritesAll", False)})


def _commit(container, now_iso):
    tag = new_etag()
    container["_ipEtag"] = tag
    ip = container["properties"].get("immutabilityPolicy")
    if ip is not None:
        ip["etag"] = tag
    container["properties"]["lastModifiedTime"] = now_iso


def put(container, body, who, now_iso):
    """BlobContainers_CreateOrUpdateImmutabilityPolicy: creates or updates an *unlocked* policy."""
    props = (body or {}).get("properties")
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Required property 'properties' not found in JSON.'.")
    current = policy_of(container)
    if current is not None and current["state"] == "Locked":
        raise AzureError(409, CODE, BAD_STATE)
    period = _period(props.get("immutabilityPeriodSinceCreationInDays"))
    apw, apw_all = _append_flags(props)
    new = {"immutabilityPeriodSinceCreationInDays": period, "state": "Unlocked",
           "allowProtectedAppendWrites": bool(apw), "allowProtectedAppendWritesAll": bool(apw_all)}
    p = container["properties"]
    history = (p.get("immutabilityPolicy") or {}).get("updateHistory", []) if current is not None else []
    p["immutabilityPolicy"] = {"properties": new, "updateHistory": history}
    p["hasImmutabilityPolicy"] = True
    container["_ipExtends"] = 0
    _history(container, "put", who, now_iso)
    _commit(container, now_iso)


def delete(container, now_iso):
    """BlobContainers_DeleteImmutabilityPolicy: aborts an unlocked policy; the answer has period 0 (swagger)."""
    current = policy_of(container)
    if current is not None and current["state"] == "Locked":
        raise AzureError(409, CODE, BAD_STATE)
    p = container["properties"]
    p.pop("immutabilityPolicy", None)
    p["hasImmutabilityPolicy"] = False
    _commit(container, now_iso)
    out = resource(container)
    out["properties"] = {"immutabilityPeriodSinceCreationInDays": 0, "state": "Unlocked"}
    return out


def lock(container, who, now_iso):
    """BlobContainers_LockImmutabilityPolicy: Unlocked -> Locked, irreversibly."""
    current = policy_of(container)
    if current is None or current["state"] != "Unlocked":
        raise AzureError(409, CODE, BAD_STATE)
    current["state"] = "Locked"
    _history(container, "lock", who, now_iso)
    _commit(container, now_iso)


def extend(container, body, who, now_iso):
    """BlobContainers_ExtendImmutabilityPolicy: the only change a locked policy accepts (Learn: increase only, at most
    five times; allowProtectedAppendWrites(All) cannot change with this API, swagger)."""
    current = policy_of(container)
    if current is None or current["state"] != "Locked":
        raise AzureError(409, CODE, BAD_STATE)
    props = (body or {}).get("properties") or {}
    period = _period(props.get("immutabilityPeriodSinceCreationInDays"))
    if period < current["immutabilityPeriodSinceCreationInDays"]:
        raise AzureError(400, CODE, "The immutability period of a locked policy can only be extended.")  # unverified text
    for flag in ("allowProtectedAppendWrites", "allowProtectedAppendWritesAll"):
        if props.get(flag) is not None and bool(props[flag]) != bool(current.get(flag)):
            raise AzureError(400, CODE, f"{flag} cannot be changed with ExtendImmutabilityPolicy.")  # unverified text
    if container.get("_ipExtends", 0) >= MAX_EXTENDS:
        raise AzureError(409, CODE, BAD_STATE)  # Learn: five extensions at most; answer unverified
    container["_ipExtends"] = container.get("_ipExtends", 0) + 1
    current["immutabilityPeriodSinceCreationInDays"] = period
    _history(container, "extend", who, now_iso)
    _commit(container, now_iso)


# -- legal hold -------------------------------------------------------------------------------------------
def _tags(body):
    tags = (body or {}).get("tags")
    if not isinstance(tags, list) or not tags:
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                         "'Required property 'tags' not found in JSON.'.")
    out = []
    for t in tags:
        low = str(t).lower()
        if not _TAG.match(low):
            # Swagger LegalHold.tags: 3 to 23 alphanumeric characters; text unverified.
            raise AzureError(400, "ContainerOperationFailure", f"The legal hold tag '{t}' is invalid. Each tag must be 3 to 23 alphanumeric characters.")
        if low not in out:
            out.append(low)
    return out


def _hold(container):
    return container["properties"].setdefault("legalHold", {"hasLegalHold": False, "tags": []})


def legal_hold_answer(container):
    """The LegalHold body setLegalHold / clearLegalHold answer (examples: {hasLegalHold, tags: [strings]})."""
    hold = _hold(container)
    out = {"hasLegalHold": hold["hasLegalHold"], "tags": [t["tag"] for t in hold["tags"]]}
    if "protectedAppendWritesHistory" in hold:
        out["allowProtectedAppendWritesAll"] = hold["protectedAppendWritesHistory"]["allowProtectedAppendWritesAll"]
    return out


def set_legal_hold(container, body, who, now_iso):
    """BlobContainers_SetLegalHold: appends tags (the same tag again is idempotent; swagger)."""
    tags = _tags(body)
    hold = _hold(container)
    have = [t["tag"] for t in hold["tags"]]
    new = [t for t in tags if t not in have]
    if len(have) + len(new) > MAX_TAGS:
        raise AzureError(400, "ContainerOperationFailure", f"A container can have at most {MAX_TAGS} legal hold tags.")  # unverified text
    for t in new:
        hold["tags"].append({"tag": t, "timestamp": now_iso, "objectIdentifier": who.get("object_id"), "tenantId": who.get("tenant_id")})
    apw_all = (body or {}).get("allowProtectedAppendWritesAll")
    if apw_all is not None:
        hold["protectedAppendWritesHistory"] = {"allowProtectedAppendWritesAll": bool(apw_all), "timestamp": now_iso}
    _sync_hold(container, now_iso)


def clear_legal_hold(container, body, now_iso):
    """BlobContainers_ClearLegalHold: removes only the tags named (clearing an absent tag is idempotent; swagger)."""
    tags = _tags(body)
    hold = _hold(container)
    hold["tags"] = [t for t in hold["tags"] if t["tag"] not in tags]
    _sync_hold(container, now_iso)


def _sync_hold(container, now_iso):
    hold = _hold(container)
    # Swagger LegalHoldProperties.hasLegalHold: true while at least one tag exists, false when all are cleared.
    hold["hasLegalHold"] = bool(hold["tags"])
    container["properties"]["hasLegalHold"] = hold["hasLegalHold"]
    container["properties"]["lastModifiedTime"] = now_iso


# -- what the data plane refuses -------------------------------------------------------------------------------
BLOB_POLICY = ("BlobImmutableDueToPolicy", "This operation is not permitted as the blob is immutable due to a policy.")
BLOB_HOLD = ("BlobImmutableDueToLegalHold", "This operation is not permitted as the blob is immutable due to one or more legal holds.")


def active(policy, created_sim, modified_sim, append_blob, now_sim):
    """Is the blob inside its effective retention period?  Learn: creation time + interval; for append blobs under a
    policy allowing protected append writes, last modification + interval."""
    start = modified_sim if append_blob and (policy.get("allowProtectedAppendWrites") or policy.get("allowProtectedAppendWritesAll")) else created_sim
    return now_sim < start + policy["immutabilityPeriodSinceCreationInDays"] * 86400.0


def appends_allowed(container):
    policy = policy_of(container) or {}
    hold = container["properties"].get("legalHold") or {}
    if legal_hold(container) and not (hold.get("protectedAppendWritesHistory") or {}).get("allowProtectedAppendWritesAll"):
        return False
    return not policy or bool(policy.get("allowProtectedAppendWrites") or policy.get("allowProtectedAppendWritesAll"))
