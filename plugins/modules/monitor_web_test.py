#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_web_test
short_description: Create, update or delete an Application Insights standard availability test
version_added: 0.1.0
description:
  - Creates a standard availability test (C(Microsoft.Insights/webtests), kind C(standard)) that requests a URL from
    several Azure locations, linked to its Application Insights component by the C(hidden-link:<component id>) tag
    Azure requires; keeps it as asked, or deletes it.
  - URL ping tests retire on 30 September 2026 and multi-step tests were retired on 31 August 2024, so only standard
    tests are managed.
  - Only the options you set are compared, so a second run with the same options changes nothing. Values described
    as defaults are used when the test is created.
  - Check mode is a plan. When the Application Insights component does not exist yet (a run in check mode before it is created), the module
    predicts the resource it would create, with its resource ID and properties, and sends nothing. Outside check mode
    a missing Application Insights component is an error before any write.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the test resource (also used as its display name and synthetic monitor ID).
    type: str
    required: true
  resource_group:
    description: Resource group of the test.
    type: str
    required: true
  location:
    description: Azure region of the test; the component's region is the usual choice. Required to create the test.
    type: str
  component_id:
    description: Resource ID of the Application Insights component the test reports to.
    type: str
  component_name:
    description: Name of the component in O(resource_group), instead of O(component_id).
    type: str
  url:
    description: The absolute C(http) or C(https) URL requested. Required to create the test.
    type: str
  http_verb:
    description: HTTP method of the request. V(GET) at creation.
    type: str
    choices: [GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS]
  frequency:
    description: Seconds between two runs from each location. V(300) at creation.
    type: int
    choices: [300, 600, 900]
  timeout:
    description: Seconds before a request counts as failed. V(30) at creation.
    type: int
    choices: [30, 60, 90, 120]
  locations:
    description:
      - Test location IDs (population tags), at least five recommended. At creation, five locations in Europe and the
        United States are used when it is not set (V(emea-nl-ams-azr), V(emea-gb-db3-azr), V(emea-fr-pra-edge),
        V(us-va-ash-azr), V(us-ca-sjc-azr)).
    type: list
    elements: str
  expected_status_code:
    description: HTTP status code a successful request answers; V(0) accepts any. V(200) at creation.
    type: int
  ssl_check:
    description: Fail when the server's TLS certificate is not valid.
    type: bool
  ssl_cert_remaining_lifetime_check:
    description: Fail when the certificate expires within this many days (1-365); needs O(ssl_check=true).
    type: int
  retry_enabled:
    description: Retry a failed request once before counting it as failed.
    type: bool
  follow_redirects:
    description: Follow HTTP redirects.
    type: bool
  enabled:
    description: Whether the test runs. Enabled at creation when not set.
    type: bool
  description:
    description: Description of the test.
    type: str
  tags:
    description: Tags of the test, besides the C(hidden-link:) tag the module manages.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags) (the C(hidden-link:) tag is always kept).
    type: bool
    default: true
  state:
    description: Whether the test should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Test the ERP health endpoint every five minutes
  erpops.azure.monitor_web_test:
    name: erp-supermarket-prod-health
    resource_group: erp-supermarket-production-rg
    location: West Europe
    component_name: erp-supermarket-prod-insights
    url: https://erp-supermarket-prod.azurewebsites.net/health/
    frequency: 300
    timeout: 30
    ssl_check: true
    ssl_cert_remaining_lifetime_check: 7
    retry_enabled: true
"""

RETURN = r"""
web_test:
  description: The test as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Insights/webtests/erp-supermarket-prod-health"
    name: erp-supermarket-prod-health
    location: westeurope
    kind: standard
    properties:
      Enabled: true
      Frequency: 300
      Timeout: 30
      Kind: standard
      Locations: [{Id: emea-nl-ams-azr}, {Id: us-va-ash-azr}]
      Request: {RequestUrl: "https://erp-supermarket-prod.azurewebsites.net/health/", HttpVerb: GET}
      ValidationRules: {ExpectedHttpStatusCode: 200, SSLCheck: true, SSLCertRemainingLifetimeCheck: 7}
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2022-06-15"
# Learn "Availability tests - location population tags" (public cloud).
LOCATIONS = ("us-va-ash-azr", "us-ca-sjc-azr", "us-tx-sn1-azr", "us-il-ch1-azr", "us-fl-mia-edge", "emea-nl-ams-azr", "emea-gb-db3-azr",
             "emea-fr-pra-edge", "emea-se-sto-edge", "emea-ru-msa-edge", "emea-ch-zrh-edge", "apac-sg-sin-azr", "apac-hk-hkn-azr",
             "apac-jp-kaw-edge", "latam-br-gru-edge", "emea-au-syd-edge")
DEFAULT_LOCATIONS = ["emea-nl-ams-azr", "emea-gb-db3-azr", "emea-fr-pra-edge", "us-va-ash-azr", "us-ca-sjc-azr"]


def validate(az, p):
    for loc in p["locations"] or []:
        if loc.lower() not in LOCATIONS:
            az.fail("locations: %r is not an availability test location; use one of %s" % (loc, ", ".join(LOCATIONS)))
    if p["locations"] is not None and (not p["locations"] or len({x.lower() for x in p["locations"]}) != len(p["locations"])):
        az.fail("locations must list at least one location, each once")
    if p["url"] is not None and not p["url"].lower().startswith(("http://", "https://")):
        az.fail("url must be an absolute http or https URL, got %r" % p["url"])
    life = p["ssl_cert_remaining_lifetime_check"]
    if life is not None and not 1 <= life <= 365:
        az.fail("ssl_cert_remaining_lifetime_check must be between 1 and 365 days, got %s" % life)
    if life is not None and p["ssl_check"] is False:
        az.fail("ssl_cert_remaining_lifetime_check needs ssl_check=true")


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        component_id=dict(type="str"),
        component_name=dict(type="str"),
        url=dict(type="str"),
        http_verb=dict(type="str", choices=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        frequency=dict(type="int", choices=[300, 600, 900]),
        timeout=dict(type="int", choices=[30, 60, 90, 120]),
        locations=dict(type="list", elements="str"),
        expected_status_code=dict(type="int"),
        ssl_check=dict(type="bool"),
        ssl_cert_remaining_lifetime_check=dict(type="int"),
        retry_enabled=dict(type="bool"),
        follow_redirects=dict(type="bool"),
        enabled=dict(type="bool"),
        description=dict(type="str"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), mutually_exclusive=[("component_id", "component_name")])
    p = az.params
    validate(az, p)

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/webtests/%s" % (az.subscription_id, p["resource_group"], p["name"])
        wt = Resource(az, path, API_VERSION, unordered=("properties.Locations",), ci_paths=("properties.Request.HttpVerb",))
        current = wt.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = wt.ensure_absent()
            return dict(changed=changed, web_test={}, diff=diff)
        component = p["component_id"]
        if p["component_name"]:
            component = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/components/%s" % (
                az.subscription_id, p["resource_group"], p["component_name"])
        cur_tags = (current or {}).get("tags") or {}
        links = [k for k in cur_tags if k.lower().startswith("hidden-link:")]
        if current is None:
            missing = [o for o, v in (("location", p["location"]), ("component_id or component_name", component), ("url", p["url"])) if not v]
            if missing:
                az.fail("%s required to create availability test %s" % (" and ".join(missing) + (" are" if len(missing) > 1 else " is"), p["name"]))
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("availability test %s is in %s; a test cannot move to %s" % (p["name"], current["location"], p["location"]))
        if component and not (current is not None and any(k[len("hidden-link:"):].lower() == component.lower() for k in links)):
            # A component only planned (check mode before the first deployment): the test is predicted with its link to it.
            parent_missing(az, component, "2020-02-02",
                           "Application Insights component %s (create it first with erpops.azure.application_insights)" % component)
        same = [k for k in links if component and k[len("hidden-link:"):].lower() == component.lower()]
        link = same[0] if same else ("hidden-link:" + component if component else (links[0] if links else None))
        tags = reconcile.tags_wanted(dict((k, v) for k, v in cur_tags.items() if not k.lower().startswith("hidden-link:")), p["tags"], p["purge_tags"])
        if tags is not None or component:
            tags = dict(tags if tags is not None else ((k, v) for k, v in cur_tags.items() if not k.lower().startswith("hidden-link:")))
            tags[link] = "Resource"
        rules = {"ExpectedHttpStatusCode": p["expected_status_code"], "SSLCheck": p["ssl_check"],
                 "SSLCertRemainingLifetimeCheck": p["ssl_cert_remaining_lifetime_check"]}
        request = {"RequestUrl": p["url"], "HttpVerb": p["http_verb"], "FollowRedirects": p["follow_redirects"]}
        desired = {"location": p["location"], "tags": tags,
                   "properties": {"Enabled": p["enabled"], "Frequency": p["frequency"], "Timeout": p["timeout"], "Description": p["description"],
                                  "RetryEnabled": p["retry_enabled"], "Request": request, "ValidationRules": rules,
                                  "Locations": [{"Id": x.lower()} for x in p["locations"]] if p["locations"] is not None else None}}
        cur = (current or {}).get("properties") or {}
        defaults = {"Enabled": True, "Frequency": 300, "Timeout": 30, "RetryEnabled": False, "Locations": [{"Id": x} for x in DEFAULT_LOCATIONS],
                    "Request": {"HttpVerb": "GET", "FollowRedirects": True, "ParseDependentRequests": False},
                    "ValidationRules": {"ExpectedHttpStatusCode": 200, "SSLCheck": False}}
        base = reconcile.merge(defaults, dict((k, v) for k, v in cur.items() if k != "provisioningState"))
        props = reconcile.merge(base, desired["properties"])
        props.update({"Kind": "standard", "SyntheticMonitorId": cur.get("SyntheticMonitorId") or p["name"], "Name": cur.get("Name") or p["name"]})
        body = {"location": p["location"] or current["location"], "kind": "standard", "properties": props, "tags": tags if tags is not None else cur_tags}
        changed, doc, diff, _op = wt.ensure_present(desired, body=body)
        doc, diff = planned(az, wt.path, changed, doc, diff)
        return dict(changed=changed, web_test=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
