"""Application Insights availability tests (Microsoft.Insights/webtests, azure-mgmt-applicationinsights 4.1.0
``web_tests`` api 2022-06-15): standard tests linked to a component through the ``hidden-link:`` tag.

Sources: SDK 2022-06-15 models (PascalCase properties ``SyntheticMonitorId``, ``Name``, ``Kind``, ``Locations[{Id}]``,
``Request``, ``ValidationRules``), SDK status codes (PUT/PATCH 200, DELETE 200/204), arm-data.md §3.5, Learn
"Application Insights availability tests" (frequencies, location population tags, URL ping retirement on
30 September 2026, multi-step retirement on 31 August 2024), public issues quoted next to each error.
"""

import calendar
import re

from ...core import locations, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from ...core.ids import new_guid
from .components import TYPE as COMPONENT_TYPE
from .components import find as find_component

API_VERSIONS = ["2022-06-15", "2020-10-05-preview", "2018-05-01-preview", "2015-05-01"]
TYPE = "Microsoft.Insights/webtests"
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ITEM = RG + "/providers/Microsoft.Insights/webtests/{webTestName}"
# Learn "Availability tests - location population tags" (public cloud).
LOCATION_IDS = ("us-va-ash-azr", "us-ca-sjc-azr", "us-tx-sn1-azr", "us-il-ch1-azr", "us-fl-mia-edge", "emea-nl-ams-azr", "emea-gb-db3-azr",
                "emea-fr-pra-edge", "emea-se-sto-edge", "emea-ru-msa-edge", "emea-ch-zrh-edge", "apac-sg-sin-azr", "apac-hk-hkn-azr",
                "apac-jp-kaw-edge", "latam-br-gru-edge", "emea-au-syd-edge")
FREQUENCIES = (300, 600, 900)  # seconds (Learn: test frequency 5, 10 or 15 minutes)
TIMEOUTS = (30, 60, 90, 120)  # seconds (Learn: test timeout; arm-data.md §3.5)
KINDS = ("standard", "ping", "multistep")
RETIRED = {"ping": calendar.timegm((2026, 9, 30, 0, 0, 0)), "multistep": calendar.timegm((2024, 8, 31, 0, 0, 0))}
HIDDEN_LINK = re.compile(r"^hidden-link:(/.+)$", re.IGNORECASE)
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def register(app):
    app.namespace("Microsoft.Insights", {"webtests": API_VERSIONS, "components/webtests": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Insights/webtests", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Insights/webtests", h.list_rg)
    r.add("GET", RG + "/providers/Microsoft.Insights/components/{componentName}/webtests", h.list_component)
    r.add("GET", ITEM, h.get)
    r.add("PUT", ITEM, h.put)
    r.add("PATCH", ITEM, h.patch_tags)
    r.add("DELETE", ITEM, h.delete)


def webtest_id(sub, rg, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/webtests/{name}"


def find(app, wid):
    doc = resource.peek(app, wid) if isinstance(wid, str) else None
    return doc if doc is not None and doc.get("type", "").lower() == TYPE.lower() else None


def linked_components(tags):
    """Component ids named by ``hidden-link:{id}: Resource`` tags."""
    out = []
    for k, v in (tags or {}).items():
        m = HIDDEN_LINK.match(k)
        if m and str(v).lower() == "resource" and f"/providers/{COMPONENT_TYPE}/".lower() in m.group(1).lower():
            out.append(m.group(1))
    return out


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def _validate(app, body, props):
    kind = (props.get("Kind") or body.get("kind") or "").lower()
    if kind not in KINDS:
        raise _bad(f"The web test kind '{props.get('Kind')}' is invalid. Valid values are 'standard', 'ping' and 'multistep'.", "Kind")  # unverified
    if app.clock.now() >= RETIRED.get(kind, float("inf")):
        # Learn: URL ping tests retire on 30 September 2026, multi-step tests retired on 31 August 2024; after
        # retirement new ones cannot be created (text unverified).
        raise _bad(f"Creating '{kind}' availability tests is no longer supported: this test type has been retired. "
                   "Use a standard availability test (Kind 'standard').", "Kind")
    for field in ("SyntheticMonitorId", "Name"):
        if not props.get(field):
            raise _bad(f"The property '{field}' is required.", field)  # required in the 2022-06-15 swagger; text unverified
    freq = props.get("Frequency", 300)
    if freq not in FREQUENCIES:
        raise _bad(f"The Frequency '{freq}' is invalid. Valid values are 300, 600 and 900 seconds.", "Frequency")  # unverified text
    timeout = props.get("Timeout", 30)
    if timeout not in TIMEOUTS:
        raise _bad(f"The Timeout '{timeout}' is invalid. Valid values are 30, 60, 90 and 120 seconds.", "Timeout")  # unverified text
    locs = props.get("Locations")
    if not isinstance(locs, list) or not locs:
        raise _bad("At least one test location is required.", "Locations")  # Locations required (swagger); text unverified
    seen = set()
    for loc in locs:
        lid = str((loc or {}).get("Id", "")).lower() if isinstance(loc, dict) else ""
        if lid not in LOCATION_IDS:
            raise _bad(f"The test location '{(loc or {}).get('Id') if isinstance(loc, dict) else loc}' is invalid.", "Locations")  # unverified
        if lid in seen:
            raise _bad(f"The test location '{lid}' is specified more than once.", "Locations")  # unverified
        seen.add(lid)
    if kind == "standard":
        request = props.get("Request")
        if not isinstance(request, dict) or not request.get("RequestUrl"):
            raise _bad("A standard test requires Request.RequestUrl.", "Request")  # unverified text
        url = str(request["RequestUrl"])
        if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
            raise _bad(f"The RequestUrl '{url}' is not a valid absolute http or https URL.", "Request.RequestUrl")  # unverified
        verb = str(request.get("HttpVerb") or "GET").upper()
        if verb not in VERBS:
            raise _bad(f"The HttpVerb '{request.get('HttpVerb')}' is invalid.", "Request.HttpVerb")  # unverified
        rules = props.get("ValidationRules") or {}
        life = rules.get("SSLCertRemainingLifetimeCheck")
        if life is not None and (not isinstance(life, int) or not 1 <= life <= 365):
            # Learn: "SSL certificate remaining lifetime check" 1-365 days (text unverified).
            raise _bad(f"SSLCertRemainingLifetimeCheck '{life}' is invalid; it must be between 1 and 365 days.", "ValidationRules")
        if life is not None and not rules.get("SSLCheck"):
            raise _bad("SSLCertRemainingLifetimeCheck requires SSLCheck to be enabled.", "ValidationRules")  # unverified
    elif not (props.get("Configuration") or {}).get("WebTest"):
        raise _bad(f"A '{kind}' test requires Configuration.WebTest.", "Configuration")  # unverified
    return kind


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = find(self.app, webtest_id(self.sub, rg, name))
        if doc is None and required:
            raise not_found("Microsoft.Insights/webtests", name, rg)
        return doc

    def _all(self, rg=None):
        return resource.tracked_in(self.app, self.sub, rg, TYPE)

    def list_sub(self, req, subscriptionId):
        return self.app.page(req, [resource.public(d) for d in self._all()])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return self.app.page(req, [resource.public(d) for d in self._all(resourceGroupName)])

    def list_component(self, req, subscriptionId, resourceGroupName, componentName):
        comp = find_component(self.app, f"/subscriptions/{self.sub}/resourceGroups/{resourceGroupName}/providers/{COMPONENT_TYPE}/{componentName}")
        if comp is None:
            raise AzureError(404, "ResourceNotFound", f"The Resource '{COMPONENT_TYPE}/{componentName}' under resource group '{resourceGroupName}' "
                                                      "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        items = [resource.public(d) for d in self._all() if any(c.lower() == comp["id"].lower() for c in linked_components(d.get("tags")))]
        return self.app.page(req, items)

    def get(self, req, subscriptionId, resourceGroupName, webTestName):
        return Response(200, resource.public(self._get(resourceGroupName, webTestName)))

    def put(self, req, subscriptionId, resourceGroupName, webTestName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        loc = body.get("location")
        short = locations.normalize(loc) if loc else None
        if short is None:
            raise AzureError(400, "LocationRequired" if not loc else "LocationNotAvailableForResourceType",
                             "The location property is required for this definition." if not loc else
                             f"The provided location '{loc}' is not available for resource type '{TYPE}'.")
        tags = resource.validate_tags(body.get("tags"))
        # Quoted in MicrosoftDocs/feedback#3491 and public Bicep samples: 400 BadRequest without exactly one hidden-link
        # tag to an existing component ("Found none." when none is tagged or the component does not exist).
        links = [c for c in linked_components(tags) if find_component(self.app, c) is not None]
        if len(links) != 1:
            found = "none" if not links else str(len(links))
            raise _bad(f"A single 'hidden-link' tag pointing to an existing AI component is required. Found {found}.")
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        kind = _validate(self.app, body, props)
        existing = self._get(resourceGroupName, webTestName, required=False)
        p = {"SyntheticMonitorId": props["SyntheticMonitorId"], "Name": props["Name"], "Description": props.get("Description"),
             "Enabled": bool(props.get("Enabled", False)), "Frequency": props.get("Frequency", 300), "Timeout": props.get("Timeout", 30),
             "Kind": kind, "RetryEnabled": bool(props.get("RetryEnabled", False)),
             "Locations": [{"Id": str(x["Id"]).lower()} for x in props["Locations"]], "provisioningState": "Succeeded"}
        if kind == "standard":
            req_in = props["Request"]
            p["Request"] = {"RequestUrl": req_in["RequestUrl"], "Headers": req_in.get("Headers"), "HttpVerb": str(req_in.get("HttpVerb") or "GET").upper(),
                            "RequestBody": req_in.get("RequestBody"), "ParseDependentRequests": bool(req_in.get("ParseDependentRequests", False)),
                            "FollowRedirects": bool(req_in.get("FollowRedirects", True))}
            rules = props.get("ValidationRules") or {}
            p["ValidationRules"] = {"ContentValidation": rules.get("ContentValidation"), "SSLCheck": bool(rules.get("SSLCheck", False)),
                                    "SSLCertRemainingLifetimeCheck": rules.get("SSLCertRemainingLifetimeCheck"),
                                    "ExpectedHttpStatusCode": rules.get("ExpectedHttpStatusCode", 200),
                                    "IgnoreHttpStatusCode": bool(rules.get("IgnoreHttpStatusCode", False))}
        else:
            p["Configuration"] = props["Configuration"]
        doc = existing or {"id": webtest_id(self.sub, resourceGroupName, webTestName), "name": webTestName, "type": TYPE}
        doc.update({"location": short, "tags": tags, "kind": body.get("kind") or kind, "properties": p, "etag": f'"{new_guid()}"'})
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))  # SDK create_or_update accepts 200 only

    def patch_tags(self, req, subscriptionId, resourceGroupName, webTestName):
        body = req.json()
        doc = self._get(resourceGroupName, webTestName)
        tags = resource.validate_tags((body or {}).get("tags"))
        if len([c for c in linked_components(tags) if find_component(self.app, c)]) != 1:
            raise _bad("A single 'hidden-link' tag pointing to an existing AI component is required. Found none.")  # as on PUT
        doc["tags"] = tags
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, webTestName):
        doc = self._get(resourceGroupName, webTestName, required=False)
        if doc is None:
            return Response(204)
        resource.delete_tree(self.app, doc["id"])
        return Response(200)
