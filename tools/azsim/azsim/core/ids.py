"""ARM resource ids: parsing and comparison (ids are case-insensitive, their casing is echoed)."""

import re
import uuid

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(text):
    return isinstance(text, str) and bool(GUID_RE.match(text))


def new_guid():
    return str(uuid.uuid4())


def parse(resource_id):
    """Split an ARM id into subscription, resource group, namespace and (type, name) pairs.

    Returns None when the text is not a resource id.
    """
    if not isinstance(resource_id, str) or not resource_id.startswith("/"):
        return None
    segs = resource_id.strip("/").split("/")
    if len(segs) < 2 or segs[0].lower() != "subscriptions":
        return None
    out = {"subscription": segs[1], "resource_group": None, "namespace": None, "types": []}
    rest = segs[2:]
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        out["resource_group"] = rest[1]
        rest = rest[2:]
    if len(rest) >= 2 and rest[0].lower() == "providers":
        out["namespace"] = rest[1]
        rest = rest[2:]
        if len(rest) % 2:
            return None
        out["types"] = [(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    elif rest:
        return None
    return out


def same(a, b):
    return isinstance(a, str) and isinstance(b, str) and a.rstrip("/").lower() == b.rstrip("/").lower()


def under(scope, resource_id):
    """True when ``resource_id`` equals ``scope`` or lies below it (segment-wise, case-insensitive)."""
    s = scope.rstrip("/").lower()
    r = resource_id.rstrip("/").lower()
    return r == s or r.startswith(s + "/") or s == ""
