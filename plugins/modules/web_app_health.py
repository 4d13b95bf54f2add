#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_health
short_description: Check that an Azure App Service web app answers its health endpoint on every host name
version_added: 0.2.0
description:
  - Reads the web app (or slot) from Resource Manager, then requests O(path) over HTTPS on each of its host names - the
    default one and every bound custom domain - plus O(host_names), all in parallel, until each answers healthy or
    O(timeout) seconds have passed. When the caller already knows the app's host names (O(app_host_names)), the app is
    not read, only the host names are requested.
  - An answer is healthy when its status is O(status_code) and, only then, when its JSON body has the values of
    O(expect_json). The status is judged first, so an error page that carries the expected fields is never healthy.
  - Read-only; it never writes to Azure nor to the app. It fails (unless O(fail_on_unhealthy=false)) with one message
    naming each unhealthy host name, the status it answered and the reason its body gives.
  - Each answer also reports its latency and, over HTTPS, the TLS protocol and the certificate the server presented
    (subject, issuer, expiry, days left).
  - Requests go through the HTTPS proxy of the environment (E(HTTPS_PROXY), E(NO_PROXY)) and trust O(ca_path), else
    E(REQUESTS_CA_BUNDLE), else the system's certificate authorities. Redirects are not followed.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  web_app:
    description: Name of the web app.
    type: str
    required: true
  slot:
    description: Deployment slot to check (for example V(staging)); the production app when unset.
    type: str
  path:
    description: The health endpoint's path, requested on every host name.
    type: str
    default: /health/
  host_names:
    description:
      - Host names to check in addition to the app's own (for example a Front Door endpoint in front of the app).
    type: list
    elements: str
    default: []
  app_host_names:
    description:
      - The app's (or slot's) own host names, when the caller already has them from Resource Manager (C(properties.hostNames)
        of the app as erpops.azure.web_app or erpops.azure.web_app_slot returned it earlier in the play, for example).
      - When set, the app is not read from Resource Manager (no request but the health checks); these host names and
        O(host_names) are checked, RV(state) is C(null) and a missing app shows as host names that do not answer.
      - Unset or empty, the module reads the app and checks its C(hostNames).
    type: list
    elements: str
    version_added: 0.4.0
  status_code:
    description: The status a healthy answer has.
    type: int
    default: 200
  expect_json:
    description:
      - Fields a healthy answer's JSON body must have, with these values (compared as text), for example the release
        id the app must run and V(database=ok).
    type: dict
    default: {}
  timeout:
    description:
      - Seconds to keep asking a host name that is not healthy yet (a cold start, a restart). V(0) asks once.
    type: int
    default: 60
  delay:
    description: Seconds between two requests to a host name that is not healthy yet.
    type: float
    default: 3
  request_timeout:
    description: Seconds one request may take.
    type: int
    default: 15
  fatal_status_codes:
    description:
      - Statuses that end the wait for a host name at once (the app is up and says it is broken, for example V(404) or
        V(500)). Others (a cold start's V(502) or V(503)) are waited out until O(timeout).
    type: list
    elements: int
    default: []
  ca_path:
    description: PEM bundle of the certificate authorities to trust.
    type: path
  validate_certs:
    description: Verify the certificate each host name presents (its chain, its name, its dates).
    type: bool
    default: true
  fail_on_unhealthy:
    description: Fail the task when a host name is not healthy. With V(false) the verdict is only returned.
    type: bool
    default: true
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: >-
      It only reads, so it runs the same in check mode; a web app that does not exist yet is reported, not failed
      (when the module reads it, without O(app_host_names)).
  diff_mode:
    support: none
notes:
  - Needs read access to the web app (Reader) and a network path to its host names.
"""

EXAMPLES = r"""
- name: Check production on each of its host names
  erpops.azure.web_app_health:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    expect_json:
      version: "{{ release_id }}"
      database: ok

- name: Read the staging slot's health without failing, for a report
  erpops.azure.web_app_health:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    timeout: 0
    fail_on_unhealthy: false
  register: staging_health
"""

RETURN = r"""
healthy:
  description: Whether every host name answered healthy; C(null) when the web app does not exist (check mode only).
  returned: always
  type: bool
  sample: true
state:
  description: The app's state in Resource Manager (C(Running) or C(Stopped)); C(null) when O(app_host_names) is set (the app is not read).
  returned: always
  type: str
  sample: Running
msg:
  description: The verdict in one sentence, naming the unhealthy host names with their status and reason.
  returned: always
  type: str
  sample: "https://erp-supermarket-prod.azurewebsites.net/health/ answered HTTP 503 (status: error, database: unavailable)"
endpoints:
  description: One entry per host name, in the order they were checked.
  returned: always
  type: list
  elements: dict
  contains:
    host_name:
      description: The host name.
      type: str
    url:
      description: The URL requested.
      type: str
    healthy:
      description: Whether the last answer was healthy.
      type: bool
    status:
      description: The HTTP status of the last answer; C(null) when there was none (connection or TLS failure).
      type: int
    reason:
      description: Why the answer is (not) healthy - the status, then what the body says.
      type: str
    body:
      description: The JSON body of the last answer (C(null) when it was not JSON).
      type: dict
    latency_ms:
      description: Milliseconds from the request to the end of the answer.
      type: float
    attempts:
      description: Requests made to this host name.
      type: int
    tls_version:
      description: The TLS protocol the server chose (for example C(TLSv1.3)).
      type: str
    certificate:
      description: The certificate the server presented (C(null) when it was not verified or not HTTPS).
      type: dict
      contains:
        subject: {description: Its subject's common name., type: str}
        issuer: {description: Its issuer's common name., type: str}
        not_after: {description: When it expires (UTC)., type: str}
        days_left: {description: Whole days until it expires., type: int}
        names: {description: Its DNS subject alternative names., type: list, elements: str}
  sample:
    - host_name: erp-supermarket-demo.com
      url: https://erp-supermarket-demo.com/health/
      healthy: true
      status: 200
      reason: HTTP 200
      body: {status: ok, database: ok, version: a1936ab8bcee}
      latency_ms: 41.7
      attempts: 1
      tls_version: TLSv1.3
      certificate: {subject: erp-supermarket-demo.com, issuer: Microsoft Azure RSA TLS Issuing CA 04,
                    not_after: "2027-06-01T12:00:00Z", days_left: 177, names: [erp-supermarket-demo.com]}
"""

from ansible_collections.erpops.azure.plugins.module_utils import probe
from ansible_collections.erpops.azure.plugins.module_utils.kudu import site_path
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"


def host_names(site, extra):
    """The app's host names (ARM's C(hostNames): the default one and the bound custom domains, never the scm host), then
    the extra ones, each once, in that order."""
    names = []
    for name in list((site.get("properties") or {}).get("hostNames") or []) + list(extra):
        name = name.lower().rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def summary(endpoints):
    bad = [e for e in endpoints if not e["healthy"]]
    if not bad:
        return "%d host name(s) healthy: %s" % (len(endpoints), ", ".join(e["host_name"] for e in endpoints))
    return "; ".join("%s answered %s after %d attempt(s)" % (e["url"], e["reason"], e["attempts"]) for e in bad)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        slot=dict(type="str"),
        path=dict(type="str", default="/health/"),
        host_names=dict(type="list", elements="str", default=[]),
        app_host_names=dict(type="list", elements="str"),
        status_code=dict(type="int", default=200),
        expect_json=dict(type="dict", default={}),
        timeout=dict(type="int", default=60),
        delay=dict(type="float", default=3),
        request_timeout=dict(type="int", default=15),
        fatal_status_codes=dict(type="list", elements="int", default=[]),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        fail_on_unhealthy=dict(type="bool", default=True),
    ))
    p = az.params
    if not p["path"].startswith("/"):
        az.fail("path must start with '/', got %r" % p["path"])
    if p["timeout"] < 0 or p["delay"] < 0 or p["request_timeout"] < 1:
        az.fail("timeout and delay must be 0 or more, request_timeout 1 or more")

    def run():
        what = "slot %s of web app %s" % (p["slot"], p["web_app"]) if p["slot"] else "web app %s" % p["web_app"]
        if p["app_host_names"]:
            # The caller knows the app's host names: no read of the app (its state stays unknown).
            site = {"properties": {"hostNames": p["app_host_names"]}}
        else:
            site = az.arm.get(site_path(az.subscription_id, p["resource_group"], p["web_app"], p["slot"]), API_VERSION)
        if site is None:
            if az.check_mode:
                return dict(changed=False, healthy=None, state=None, endpoints=[],
                            msg="%s does not exist yet in resource group %s: nothing to check" % (what, p["resource_group"]))
            az.fail("%s not found in resource group %s" % (what, p["resource_group"]), healthy=False, endpoints=[])
        state = (site.get("properties") or {}).get("state")
        names = host_names(site, p["host_names"])
        ctx = probe.ssl_context(p["ca_path"], p["validate_certs"])
        answers = probe.probe_until(["https://%s%s" % (n, p["path"]) for n in names], ctx, status_code=p["status_code"],
                                    expect_json=p["expect_json"], timeout=p["timeout"], delay=p["delay"],
                                    request_timeout=p["request_timeout"], fatal_statuses=p["fatal_status_codes"])
        endpoints = [dict(host_name=n, url=a["url"], healthy=a["healthy"], status=a["status"], reason=a["reason"],
                          body=a["json"] if isinstance(a["json"], dict) else None, latency_ms=a["latency_ms"], attempts=a["attempts"],
                          tls_version=a["tls_version"], certificate=a["certificate"]) for n, a in zip(names, answers)]
        healthy = bool(endpoints) and all(e["healthy"] for e in endpoints)
        msg = summary(endpoints) if endpoints else "%s has no host name" % what
        if state and state.lower() != "running":
            msg = "%s is %s in Resource Manager; %s" % (what, state, msg)
        result = dict(changed=False, healthy=healthy, state=state, endpoints=endpoints, msg=msg)
        if not healthy and p["fail_on_unhealthy"]:
            az.fail("%s is not healthy: %s" % (what, msg), **dict((k, v) for k, v in result.items() if k != "msg"))
        return result

    az.run(run)


if __name__ == "__main__":
    main()
