"""Microsoft.Portal/dashboards (shared dashboards): the stored document and its validation.

Sources: azure-rest-api-specs ``specification/portal/resource-manager/Microsoft.Portal`` (``Portal/Dashboard.tsp``; the
swaggers 2020-09-01-preview / 2022-12-01-preview ``portal.json`` and ``common.json``: a TrackedResource whose
``properties`` hold ``lenses`` (DashboardLens: ``order`` and ``parts`` required) and ``metadata``; DashboardParts:
``position`` required with ``x``, ``y``, ``rowSpan``, ``colSpan``; a part's ``metadata`` has the discriminator ``type``;
dashboard names 3-64 characters), the examples ``Dashboards_CreateOrUpdate.json`` / ``Dashboards_Update.json`` (response
``id``, ``name``, ``type`` "Microsoft.Portal/dashboards", ``location``, ``tags``, ``properties`` as sent, no
``provisioningState``) and a real Dashboards_Get quoted in Azure/azure-rest-api-specs#30276 (part metadata carries more
than ``type``: ``inputs``, ``settings``; the portal names dashboards with GUIDs, 36 characters, so the swagger's
``^[a-zA-Z0-9-]{3,24}$`` is not what the service enforces).  Before 2020-09-01-preview ``lenses`` and ``parts`` are
objects keyed "0", "1"... (2015-08-01-preview ... 2019-01-01-preview swaggers: additionalProperties); azsim stores arrays
and answers each client in its version's form.  Validation error texts are unverified (ARM's InvalidRequestContent).
"""

import re

from ...core import locations, resource
from ...core.errors import AzureError

NS = "Microsoft.Portal"
TYPE = NS + "/dashboards"
NAME_RE = re.compile(r"^[a-zA-Z0-9-]{3,64}$")
ARRAY_API = "2020-09-01-preview"  # first version with lenses/parts as arrays


def dashboard_id(sub, rg, name):
    return resource.provider_id(sub, rg, NS, f"dashboards/{name}")


def arrays(api_version):
    return (api_version or "9999")[:10] >= ARRAY_API[:10]


def invalid(message):
    return AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{message}'.")


def validate_name(name):
    if not NAME_RE.match(name or ""):
        raise AzureError(400, "InvalidResourceName", f"The resource name '{name}' is invalid. Dashboard names are 3 to 64 letters, digits "
                                                     "and hyphens.")  # spec min/max length; code and text unverified


def validate_location(loc):
    if not loc:
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
    short = locations.normalize(loc)
    if short is None:
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{loc}' is not available for resource type '{TYPE}'. "
                         f"List of available regions for the resource type is '{','.join(locations.REGIONS)}'.")
    return short


def _listed(value, path, keyed):
    """A JSON array (api >= 2020-09-01-preview) or an object keyed "0", "1"... (older versions), as a list."""
    if keyed and isinstance(value, dict):
        try:
            return [value[k] for k in sorted(value, key=int)]
        except ValueError:
            raise invalid(f"The keys of {path} must be indexes.") from None
    if not isinstance(value, list):
        raise invalid(f"Unexpected value for {path}: expected an {'object' if keyed else 'array'}. Path '{path}'")
    return value


def _int(obj, key, path):
    if key not in obj or obj[key] is None:
        raise invalid(f"Required property '{key}' not found in JSON. Path '{path}'")
    if isinstance(obj[key], bool) or not isinstance(obj[key], int):
        raise invalid(f"Could not convert the value of '{key}' to an integer. Path '{path}.{key}'")


def _object(value, path, required=False):
    if value is None and not required:
        return
    if not isinstance(value, dict):
        raise invalid(f"Unexpected value for {path}: expected an object. Path '{path}'")


def properties(props, api_version):
    """Validate ``properties`` (lenses, metadata) and return them in stored form (lenses and parts as arrays)."""
    if props is None:
        return {}
    _object(props, "properties")
    keyed = not arrays(api_version)
    out = {k: v for k, v in props.items() if k != "provisioningState"}
    if props.get("lenses") is not None:
        lenses = []
        for i, lens in enumerate(_listed(props["lenses"], "properties.lenses", keyed)):
            path = f"properties.lenses[{i}]"
            _object(lens, path, required=True)
            _int(lens, "order", path)
            if lens.get("parts") is None:
                raise invalid(f"Required property 'parts' not found in JSON. Path '{path}'")
            parts = []
            for j, part in enumerate(_listed(lens["parts"], f"{path}.parts", keyed)):
                ppath = f"{path}.parts[{j}]"
                _object(part, ppath, required=True)
                if part.get("position") is None:
                    raise invalid(f"Required property 'position' not found in JSON. Path '{ppath}'")
                _object(part["position"], f"{ppath}.position", required=True)
                for key in ("x", "y", "rowSpan", "colSpan"):
                    _int(part["position"], key, f"{ppath}.position")
                _object(part.get("metadata"), f"{ppath}.metadata")
                if part.get("metadata") is not None and not part["metadata"].get("type"):
                    raise invalid(f"Required property 'type' not found in JSON. Path '{ppath}.metadata'")  # the discriminator
                parts.append(part)
            lenses.append({**lens, "parts": parts})
        out["lenses"] = lenses
    _object(props.get("metadata"), "properties.metadata")
    return out


def render(doc, api_version):
    """The wire form for a client of ``api_version``."""
    out = resource.public(doc)
    props = out.get("properties") or {}
    if not arrays(api_version) and isinstance(props.get("lenses"), list):
        props["lenses"] = {str(i): {**lens, "parts": {str(j): p for j, p in enumerate(lens.get("parts") or [])}}
                           for i, lens in enumerate(props["lenses"])}
    return out
