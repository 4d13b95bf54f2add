#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: front_door_route
short_description: Create, update or delete a route of an Azure Front Door endpoint
version_added: 0.1.0
description:
  - Creates an Azure Front Door route (C(Microsoft.Cdn/profiles/afdEndpoints/routes), API 2024-09-01), which sends the requests of an
    endpoint that match its path patterns to an origin group; keeps its protocols, HTTPS redirect and link to the endpoint's domain as
    asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing; settings you leave out keep their
    current (or Azure's default) values. Lists are compared without regard to order.
  - Custom domains, rule sets and caching are not managed by this module.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the route (1-90 letters, digits and hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  endpoint:
    description: Name of the Front Door endpoint.
    type: str
    required: true
  origin_group:
    description: Name of the origin group (in the same profile) the route sends requests to. Required to create the route.
    type: str
  patterns_to_match:
    description: Paths the route matches, each starting with C(/) (C(/*) is every path). Azure uses C(/*) when unset at creation.
    type: list
    elements: str
  supported_protocols:
    description:
      - Protocols the route accepts from clients. Keep V(Http) next to V(Https) with O(https_redirect=Enabled), so plain HTTP requests
        are answered with a redirect rather than refused.
    type: list
    elements: str
    choices: [Http, Https]
  https_redirect:
    description: Redirect HTTP requests to HTTPS (the first rule Front Door runs).
    type: str
    choices: [Enabled, Disabled]
  forwarding_protocol:
    description: Protocol used towards the origin. V(HttpsOnly) keeps the traffic encrypted to an HTTPS-only App Service app.
    type: str
    choices: [HttpOnly, HttpsOnly, MatchRequest]
  link_to_default_domain:
    description: Serve the route on the endpoint's own host name (C(*.azurefd.net)).
    type: str
    choices: [Enabled, Disabled]
  origin_path:
    description: Path prefix added to the forwarded requests' paths on the origin.
    type: str
  enabled_state:
    description: Whether the route is in use.
    type: str
    choices: [Enabled, Disabled]
  state:
    description: Whether the route should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.front_door
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Send every path of the ERP's endpoint to the web app, over HTTPS only
  erpops.azure.front_door_route:
    name: erp-default
    endpoint: erp-supermarket
    profile: erp-supermarket-fd
    resource_group: erp-supermarket-production-rg
    origin_group: erp-web-app
    patterns_to_match: ["/*"]
    supported_protocols: [Http, Https]
    https_redirect: Enabled
    forwarding_protocol: HttpsOnly
    link_to_default_domain: Enabled
"""

RETURN = r"""
front_door_route:
  description: The route as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/afdendpoints/erp-supermarket/routes/erp-default"
    name: erp-default
    type: Microsoft.Cdn/profiles/afdendpoints/routes
    properties:
      originGroup: {id: "/subscriptions/.../profiles/erp-supermarket-fd/origingroups/erp-web-app"}
      patternsToMatch: ["/*"]
      supportedProtocols: [Http, Https]
      httpsRedirect: Enabled
      forwardingProtocol: HttpsOnly
      linkToDefaultDomain: Enabled
      enabledState: Enabled
      customDomains: []
      provisioningState: Succeeded
      deploymentStatus: NotStarted
operation:
  description: The pending creation or deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
  sample:
    method: PUT
    resource_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/afdEndpoints/erp-supermarket/routes/erp-default?api-version=2024-09-01"
    status_code: 201
    async_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/operationresults/6a1f7f52-0c4e-4a8e-9d58-1b2f3c4d5e6f?api-version=2024-09-01"
    location_url: null
    retry_after: 5
    done: false
"""

from ansible_collections.erpops.azure.plugins.module_utils import frontdoor
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        endpoint=dict(type="str", required=True),
        profile=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        origin_group=dict(type="str"),
        patterns_to_match=dict(type="list", elements="str"),
        supported_protocols=dict(type="list", elements="str", choices=["Http", "Https"]),
        https_redirect=dict(type="str", choices=["Enabled", "Disabled"]),
        forwarding_protocol=dict(type="str", choices=["HttpOnly", "HttpsOnly", "MatchRequest"]),
        link_to_default_domain=dict(type="str", choices=["Enabled", "Disabled"]),
        origin_path=dict(type="str"),
        enabled_state=dict(type="str", choices=["Enabled", "Disabled"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    frontdoor.check_name(az, "route", 90)
    for pattern in p["patterns_to_match"] or []:
        if not pattern.startswith("/"):
            az.fail("patterns_to_match: %r must start with '/' (for example /* or /static/*)" % pattern)
    if p["supported_protocols"] is not None and not p["supported_protocols"]:
        az.fail("supported_protocols must list Http, Https or both")
    if p["origin_path"] is not None and p["origin_path"] and not p["origin_path"].startswith("/"):
        az.fail("origin_path must start with '/', not %r" % p["origin_path"])

    def run():
        profile_path = frontdoor.profile_path(az)
        endpoint_path = "%s/afdEndpoints/%s" % (profile_path, p["endpoint"])
        group_path = "%s/originGroups/%s" % (profile_path, p["origin_group"]) if p["origin_group"] else None

        def build(current):
            if current is None and not p["origin_group"]:
                az.fail("origin_group is required to create route %s" % p["name"])
            # Azure spells ids with lower-case type segments ("/origingroups/"); ids compare case-insensitively.
            # The PUT carries the whole route (the current settings overlaid with the ones given), so nothing unset is reset.
            return {"properties": {"originGroup": {"id": group_path} if group_path else None, "patternsToMatch": p["patterns_to_match"],
                                   "supportedProtocols": p["supported_protocols"], "httpsRedirect": p["https_redirect"],
                                   "forwardingProtocol": p["forwarding_protocol"], "linkToDefaultDomain": p["link_to_default_domain"],
                                   "originPath": p["origin_path"] or None, "enabledState": p["enabled_state"]}}, None

        route = frontdoor.resource(az, "%s/routes/%s" % (endpoint_path, p["name"]), unordered=("properties.patternsToMatch", "properties.supportedProtocols"),
                                   read_only_properties=("provisioningState", "deploymentStatus", "endpointName"))
        parents = [("endpoint %s" % p["endpoint"], frontdoor.in_profile(az), endpoint_path, "front_door_endpoint")]
        if group_path:
            parents.append(("origin group %s" % p["origin_group"], frontdoor.in_profile(az), group_path, "front_door_origin_group"))
        return frontdoor.converge(az, route, "front_door_route", build, parents=parents)

    az.run(run)


if __name__ == "__main__":
    main()
