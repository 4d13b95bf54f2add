#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: front_door_origin
short_description: Create, update or delete an origin of an Azure Front Door origin group
version_added: 0.1.0
description:
  - Creates an Azure Front Door origin (C(Microsoft.Cdn/profiles/originGroups/origins), API 2024-09-01), the back end Front Door forwards
    requests to (an App Service app, a storage account, any public host); keeps its address, host header, ports and weight as asked, or
    deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing; settings you leave out keep their
    current (or Azure's default) values.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the origin (1-90 letters, digits and hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  origin_group:
    description: Name of the origin group.
    type: str
    required: true
  host_name:
    description:
      - Address of the origin, a host name or an IP address (for a web app, its default host name C(<app>.azurewebsites.net)).
      - Required to create the origin.
    type: str
  origin_host_header:
    description:
      - C(Host) header sent to the origin. App Service routes requests by host name, so set it to the app's host name (Azure uses
        O(host_name) when it is unset at creation).
    type: str
  http_port:
    description: HTTP port of the origin, 1 to 65535. Azure uses 80 when unset.
    type: int
  https_port:
    description: HTTPS port of the origin, 1 to 65535. Azure uses 443 when unset.
    type: int
  priority:
    description: Priority in the group, 1 (highest) to 5; lower priorities get traffic only when the higher ones are unhealthy.
    type: int
  weight:
    description: Share of the traffic among origins of the same priority, 1 to 1000.
    type: int
  enabled_state:
    description: Whether Front Door sends traffic to the origin.
    type: str
    choices: [Enabled, Disabled]
  enforce_certificate_name_check:
    description: Check that the origin's TLS certificate matches O(host_name). Azure checks when unset; keep it for App Service origins.
    type: bool
  state:
    description: Whether the origin should exist.
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
- name: Send the ERP's traffic to its web app
  erpops.azure.front_door_origin:
    name: erp-supermarket-prod
    origin_group: erp-web-app
    profile: erp-supermarket-fd
    resource_group: erp-supermarket-production-rg
    host_name: erp-supermarket-prod.azurewebsites.net
    origin_host_header: erp-supermarket-prod.azurewebsites.net
    priority: 1
    weight: 1000
"""

RETURN = r"""
front_door_origin:
  description: The origin as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/origingroups/erp-web-app/origins/erp-supermarket-prod"
    name: erp-supermarket-prod
    type: Microsoft.Cdn/profiles/origingroups/origins
    properties:
      hostName: erp-supermarket-prod.azurewebsites.net
      originHostHeader: erp-supermarket-prod.azurewebsites.net
      httpPort: 80
      httpsPort: 443
      priority: 1
      weight: 1000
      enabledState: Enabled
      enforceCertificateNameCheck: true
      provisioningState: Succeeded
      deploymentStatus: NotStarted
operation:
  description: The pending creation or deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
  sample:
    method: PUT
    resource_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/originGroups/erp-web-app/origins/erp-supermarket-prod?api-version=2024-09-01"
    status_code: 201
    async_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/operationresults/6a1f7f52-0c4e-4a8e-9d58-1b2f3c4d5e6f?api-version=2024-09-01"
    location_url: null
    retry_after: 5
    done: false
"""

from ansible_collections.erpops.azure.plugins.module_utils import frontdoor
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# Swagger AFDOriginProperties limits.
RANGES = (("http_port", 1, 65535), ("https_port", 1, 65535), ("priority", 1, 5), ("weight", 1, 1000))


def validate(az, p):
    frontdoor.check_name(az, "origin", 90)
    for opt, low, high in RANGES:
        if p[opt] is not None and not low <= p[opt] <= high:
            az.fail("%s must be between %d and %d, not %d" % (opt, low, high, p[opt]))
    for opt in ("host_name", "origin_host_header"):
        # A URL or host:port is a common slip; IPv6 addresses have several colons.
        if p[opt] is not None and (not p[opt].strip() or "/" in p[opt] or " " in p[opt] or p[opt].count(":") == 1):
            az.fail("%s must be a bare host name or IP address (no scheme, path or port), not %r" % (opt, p[opt]))


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        origin_group=dict(type="str", required=True),
        profile=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        host_name=dict(type="str"),
        origin_host_header=dict(type="str"),
        http_port=dict(type="int"),
        https_port=dict(type="int"),
        priority=dict(type="int"),
        weight=dict(type="int"),
        enabled_state=dict(type="str", choices=["Enabled", "Disabled"]),
        enforce_certificate_name_check=dict(type="bool"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    validate(az, p)

    def build(current):
        if current is None and not p["host_name"]:
            az.fail("host_name is required to create origin %s" % p["name"])
        # The PUT carries the whole origin (the current settings overlaid with the ones given), so nothing unset is reset.
        return {"properties": {"hostName": p["host_name"], "originHostHeader": p["origin_host_header"], "httpPort": p["http_port"],
                               "httpsPort": p["https_port"], "priority": p["priority"], "weight": p["weight"], "enabledState": p["enabled_state"],
                               "enforceCertificateNameCheck": p["enforce_certificate_name_check"]}}, None

    def run():
        group_path = "%s/originGroups/%s" % (frontdoor.profile_path(az), p["origin_group"])
        origin = frontdoor.resource(az, "%s/origins/%s" % (group_path, p["name"]), ci_paths=("properties.hostName", "properties.originHostHeader"),
                                    read_only_properties=("provisioningState", "deploymentStatus", "originGroupName"))
        return frontdoor.converge(az, origin, "front_door_origin", build,
                                  parents=[("origin group %s" % p["origin_group"], frontdoor.in_profile(az), group_path, "front_door_origin_group")])

    az.run(run)


if __name__ == "__main__":
    main()
