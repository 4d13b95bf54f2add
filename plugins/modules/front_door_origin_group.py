#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: front_door_origin_group
short_description: Create, update or delete an origin group of an Azure Front Door profile
version_added: 0.1.0
description:
  - Creates an Azure Front Door origin group (C(Microsoft.Cdn/profiles/originGroups), API 2024-09-01), the set of origins a route sends
    requests to, with its health probe and load-balancing settings; keeps them as asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing; settings you leave out keep their
    current (or Azure's default) values.
  - An origin group used by a route cannot be deleted; delete the route first (M(erpops.azure.front_door_route)).
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the origin group (1-90 letters, digits and hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  health_probe_settings:
    description:
      - How Front Door probes each origin. Only C(200 OK) answers count as healthy, so probe an HTTPS-only app with
        O(health_probe_settings.probe_protocol=Https) (an HTTP probe would get a redirect).
    type: dict
    suboptions:
      probe_path:
        description: Path probed on each origin, starting with C(/) (for example C(/health/)).
        type: str
      probe_request_type:
        description: HTTP method of the probe. V(HEAD) costs the origin less; use V(GET) when the health view does not answer HEAD.
        type: str
        choices: [GET, HEAD]
      probe_protocol:
        description: Protocol of the probe.
        type: str
        choices: [Http, Https]
      probe_interval_in_seconds:
        description: Seconds between probes from each Front Door point of presence, 1 to 255.
        type: int
  load_balancing_settings:
    description: How many probe results decide an origin's health, and the latency tolerance between origins.
    type: dict
    suboptions:
      sample_size:
        description: Number of recent probe results considered.
        type: int
      successful_samples_required:
        description: Number of them that must succeed for the origin to be healthy; at most O(load_balancing_settings.sample_size).
        type: int
      additional_latency_in_milliseconds:
        description: Origins this much slower than the fastest still get traffic.
        type: int
  session_affinity_state:
    description: Send a client's requests to the same origin (a cookie set by Front Door).
    type: str
    choices: [Enabled, Disabled]
  state:
    description: Whether the origin group should exist. Deleting it deletes its origins.
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
- name: Create the origin group of the ERP web app, probed on /health/
  erpops.azure.front_door_origin_group:
    name: erp-web-app
    profile: erp-supermarket-fd
    resource_group: erp-supermarket-production-rg
    health_probe_settings:
      probe_path: /health/
      probe_request_type: GET
      probe_protocol: Https
      probe_interval_in_seconds: 100
    load_balancing_settings:
      sample_size: 4
      successful_samples_required: 3
      additional_latency_in_milliseconds: 50
"""

RETURN = r"""
front_door_origin_group:
  description: The origin group as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/origingroups/erp-web-app"
    name: erp-web-app
    type: Microsoft.Cdn/profiles/origingroups
    properties:
      healthProbeSettings: {probePath: /health/, probeRequestType: GET, probeProtocol: Https, probeIntervalInSeconds: 100}
      loadBalancingSettings: {sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50}
      sessionAffinityState: Disabled
      provisioningState: Succeeded
      deploymentStatus: NotStarted
operation:
  description: The pending creation or deletion, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
  sample:
    method: PUT
    resource_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/profiles/erp-supermarket-fd/originGroups/erp-web-app?api-version=2024-09-01"
    status_code: 201
    async_url: "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
      /providers/Microsoft.Cdn/operationresults/6a1f7f52-0c4e-4a8e-9d58-1b2f3c4d5e6f?api-version=2024-09-01"
    location_url: null
    retry_after: 5
    done: false
"""

from ansible_collections.erpops.azure.plugins.module_utils import frontdoor
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

PROBE = (("probe_path", "probePath"), ("probe_request_type", "probeRequestType"), ("probe_protocol", "probeProtocol"),
         ("probe_interval_in_seconds", "probeIntervalInSeconds"))
BALANCING = (("sample_size", "sampleSize"), ("successful_samples_required", "successfulSamplesRequired"),
             ("additional_latency_in_milliseconds", "additionalLatencyInMilliseconds"))


def wire(given, fields):
    if not given:
        return None
    return dict((key, given[opt]) for opt, key in fields if given[opt] is not None) or None


def validate(az, p):
    frontdoor.check_name(az, "origin group", 90)
    probe = p["health_probe_settings"] or {}
    if probe.get("probe_path") is not None and not probe["probe_path"].startswith("/"):
        az.fail("health_probe_settings.probe_path must start with '/', not %r" % probe["probe_path"])
    interval = probe.get("probe_interval_in_seconds")
    if interval is not None and not 1 <= interval <= 255:
        # Swagger HealthProbeParameters.probeIntervalInSeconds: minimum 1, maximum 255.
        az.fail("health_probe_settings.probe_interval_in_seconds must be between 1 and 255, not %d" % interval)
    lb = p["load_balancing_settings"] or {}
    for opt in ("sample_size", "successful_samples_required", "additional_latency_in_milliseconds"):
        if lb.get(opt) is not None and lb[opt] < 0:
            az.fail("load_balancing_settings.%s must not be negative" % opt)
    if lb.get("sample_size") is not None and lb.get("successful_samples_required") is not None and lb["successful_samples_required"] > lb["sample_size"]:
        az.fail("load_balancing_settings.successful_samples_required (%d) cannot exceed sample_size (%d)"
                % (lb["successful_samples_required"], lb["sample_size"]))


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        profile=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        health_probe_settings=dict(type="dict", options=dict(probe_path=dict(type="str"), probe_request_type=dict(type="str", choices=["GET", "HEAD"]),
                                                             probe_protocol=dict(type="str", choices=["Http", "Https"]),
                                                             probe_interval_in_seconds=dict(type="int"))),
        load_balancing_settings=dict(type="dict", options=dict(sample_size=dict(type="int"), successful_samples_required=dict(type="int"),
                                                               additional_latency_in_milliseconds=dict(type="int"))),
        session_affinity_state=dict(type="str", choices=["Enabled", "Disabled"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True)
    p = az.params
    validate(az, p)

    def build(current):
        # The PUT carries the whole group (the current settings overlaid with the ones given), so nothing unset is reset.
        return {"properties": {"healthProbeSettings": wire(p["health_probe_settings"], PROBE),
                               "loadBalancingSettings": wire(p["load_balancing_settings"], BALANCING),
                               "sessionAffinityState": p["session_affinity_state"]}}, None

    def run():
        group = frontdoor.resource(az, "%s/originGroups/%s" % (frontdoor.profile_path(az), p["name"]),
                                   ci_paths=("properties.healthProbeSettings.probeRequestType",),
                                   read_only_properties=("provisioningState", "deploymentStatus", "profileName"))
        return frontdoor.converge(az, group, "front_door_origin_group", build, parents=[frontdoor.profile_parent(az)])

    az.run(run)


if __name__ == "__main__":
    main()
