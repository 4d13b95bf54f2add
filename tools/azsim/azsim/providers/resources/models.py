"""Resource groups: names, locations, the delete cascade, and ``$filter`` on resource lists."""

import re

from ...core import locations, resource
from ...core.errors import AzureError

TABLE = "resourceGroups"
# Microsoft Learn "Naming rules and restrictions for Azure resources": 1-90 characters,
# Unicode letters and digits, '_', '-', '.', '(' and ')', not ending in '.'.
_RG_CHARS = re.compile(r"[\w\-.()]", re.UNICODE)


def key(sub, name):
    return f"/subscriptions/{sub}/resourcegroups/{name}"


def validate_name(name):
    bad = sorted({c for c in name if not _RG_CHARS.match(c)})
    if bad:
        raise AzureError(400, "InvalidResourceGroup",
                         f"The provided resource group name '{name}' has these invalid characters: '{''.join(bad)}'. "
                         "The name can only be a letter, digit, '-', '.', '(', ')' or '_'.")
    if len(name) > 90 or name.endswith("."):
        raise AzureError(400, "InvalidResourceGroup",
                         f"The provided resource group name '{name}' is invalid: it must be 1 to 90 characters long and cannot end with a period.")


def validate_location(loc):
    short = locations.normalize(loc)
    if loc is None or loc == "":
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    if short is None:
        raise AzureError(400, "LocationNotAvailableForResourceGroup",
                         f"The provided location '{loc}' is not available for resource group. List of available regions is "
                         f"'{','.join(locations.REGIONS)}'.")
    return short


def new_group(sub, name, location, tags, managed_by=None):
    doc = {"id": resource.rg_id(sub, name), "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location,
           "tags": tags, "properties": {"provisioningState": "Succeeded"}}
    if managed_by:
        doc["managedBy"] = managed_by
    return doc


def wire(doc):
    out = dict(doc)
    if not out.get("tags"):
        out.pop("tags", None)  # ARM omits empty tags on resource groups
    return out


# -- $filter on GET .../resources (ARM "Resources - List": resourceType, name, substringof,
#    tagName/tagValue, location, resourceGroup; combined with 'and' / 'or') ---------------------
_TERM = re.compile(
    r"\s*(?:(?P<fn>substringof|startswith)\(\s*(?:'(?P<a1>[^']*)'\s*,\s*(?P<f1>\w+)|(?P<f2>\w+)\s*,\s*'(?P<a2>[^']*)')\s*\)"
    r"|(?P<field>\w+)\s+(?P<op>eq|ne)\s+'(?P<val>[^']*)')\s*",
    re.IGNORECASE)


def parse_filter(text):
    """A list of OR-groups, each a list of predicates; raises 400 InvalidFilterInQueryString."""
    if not text:
        return None
    groups = []
    for part in re.split(r"\s+or\s+", text, flags=re.IGNORECASE):
        preds = []
        for term in re.split(r"\s+and\s+", part, flags=re.IGNORECASE):
            m = _TERM.fullmatch(term)
            if not m:
                raise AzureError(400, "InvalidFilterInQueryString", f"Invalid $filter '{text}' specified in the query string.")
            if m.group("fn"):
                field = (m.group("f1") or m.group("f2")).lower()
                arg = m.group("a1") if m.group("a1") is not None else m.group("a2")
                preds.append((m.group("fn").lower(), field, arg))
            else:
                preds.append((m.group("op").lower(), m.group("field").lower(), m.group("val")))
        groups.append(preds)
    return groups


def _field(doc, field, tag_name):
    if field == "resourcetype":
        return doc.get("type", "")
    if field == "name":
        return doc.get("name", "")
    if field == "location":
        return locations.normalize(doc.get("location")) or doc.get("location", "")
    if field == "resourcegroup":
        return doc["id"].split("/")[4]
    if field == "tagname":
        return list((doc.get("tags") or {}).keys())
    if field == "tagvalue":
        tags = doc.get("tags") or {}
        return [tags[k] for k in tags if tag_name is None or k.lower() == tag_name.lower()]
    raise AzureError(400, "InvalidFilterInQueryString", f"The filter field '{field}' is not supported.")


def matches(doc, groups):
    if not groups:
        return True
    for preds in groups:
        tag_name = next((v for op, f, v in preds if f == "tagname" and op == "eq"), None)
        ok = True
        for op, field, val in preds:
            got = _field(doc, field, tag_name)
            if field == "location":
                val = locations.normalize(val) or val
            values = got if isinstance(got, list) else [got]
            low = [str(x).lower() for x in values]
            if op == "eq":
                hit = val.lower() in low
            elif op == "ne":
                hit = val.lower() not in low
            elif op == "substringof":
                hit = any(val.lower() in x for x in low)
            else:
                hit = any(x.startswith(val.lower()) for x in low)
            if not hit:
                ok = False
                break
        if ok:
            return True
    return False
