#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_stack_info
short_description: Read the runtime stacks Azure App Service offers, with their end-of-life dates
version_added: 0.1.0
description:
  - Lists the runtime stacks of App Service web apps (Python, Node, .NET, Java, PHP...) for one operating system, with each
    version's C(linuxFxVersion) / Windows runtime value, its end-of-life date and its deprecated, preview, hidden and
    auto-update flags, through C(GET /providers/Microsoft.Web/webAppStacks) (or C(locations/{location}/webAppStacks)).
  - With O(runtime_version), also returns that version alone and the days left to its end of life, so a monthly update
    check can warn or fail before a runtime goes out of support.
author:
  - erpops.azure maintainers (@erpops)
options:
  stack:
    description:
      - Name of one stack (C(python), C(node), C(dotnet), C(java), C(php)...), case-insensitive. Without it, every stack.
      - A stack App Service does not offer for O(os_type) fails the task, naming the stacks it offers.
    type: str
  os_type:
    description: The operating system whose stacks and runtime values are read.
    type: str
    default: linux
    choices: [linux, windows]
  location:
    description: Read the stacks a region offers (C(westeurope), C(West Europe)) instead of the global list.
    type: str
  runtime_version:
    description:
      - A runtime value as the site configuration names it, C(PYTHON|3.11) for Linux (C(linuxFxVersion)), C(v8.0) or C(~22)
        for Windows; compared case-insensitively.
      - Returns RV(runtime) and RV(days_to_end_of_life); a value App Service does not offer fails the task, naming the
        values it offers.
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
notes:
  - RV(days_to_end_of_life) counts from the controller's UTC date.
"""

EXAMPLES = r"""
- name: Read the Python version the ERP runs
  erpops.azure.web_app_stack_info:
    stack: python
    runtime_version: PYTHON|3.11
  register: python_stack

- name: Warn six months before the end of life of the runtime
  ansible.builtin.debug:
    msg: >-
      {{ python_stack.runtime.display }} reaches its end of life on {{ python_stack.runtime.end_of_life_date }}
      ({{ python_stack.days_to_end_of_life }} days); newest offered:
      {{ (python_stack.versions | rejectattr('is_preview') | first).runtime_version }}
  when: python_stack.days_to_end_of_life is not none and python_stack.days_to_end_of_life < 183
"""

RETURN = r"""
stacks:
  description:
    - The stacks as Azure describes them (C(displayText), C(value), C(preferredOs), C(majorVersions) with their minor versions
      and runtime settings), only O(stack) when set; the resource envelope (C(id), C(type)) is left out.
  returned: always
  type: list
  elements: dict
  sample:
    - displayText: Python
      value: python
      preferredOs: Linux
      majorVersions:
        - displayText: Python 3
          value: "3"
          minorVersions:
            - displayText: Python 3.11
              value: "3.11"
              stackSettings:
                linuxRuntimeSettings: {runtimeVersion: PYTHON|3.11, endOfLifeDate: "2027-10-31T00:00:00Z", isDeprecated: false}
versions:
  description:
    - Every version of the stacks read, flat, in Azure's order (newest first within a stack).
    - C(runtime_version) is empty for the Java versions whose Linux runtime is chosen by the Java container.
  returned: always
  type: list
  elements: dict
  sample:
    - stack: python
      major_version: "3"
      minor_version: "3.11"
      runtime_version: PYTHON|3.11
      display: Python 3.11
      end_of_life_date: "2027-10-31"
      is_deprecated: false
      is_preview: false
      is_hidden: false
      is_auto_update: false
      is_early_access: false
runtime:
  description: The entry of RV(versions) whose C(runtime_version) is O(runtime_version).
  returned: when O(runtime_version) is set
  type: dict
  sample:
    stack: python
    runtime_version: PYTHON|3.11
    display: Python 3.11
    end_of_life_date: "2027-10-31"
    is_deprecated: false
days_to_end_of_life:
  description:
    - Days from today (UTC) to the end-of-life date of O(runtime_version); negative once it has passed, null when Azure
      publishes no date.
  returned: when O(runtime_version) is set
  type: int
  sample: 329
"""

import datetime

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"
SETTINGS_KEY = {"linux": "linuxRuntimeSettings", "windows": "windowsRuntimeSettings"}


def eol_day(value):
    """The date part of an endOfLifeDate (``2027-10-31T00:00:00Z``), or None."""
    if not value:
        return None
    try:
        return datetime.datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def flatten(stacks, os_type):
    key = SETTINGS_KEY[os_type]
    out = []
    for stack in stacks:
        for major in stack.get("majorVersions") or []:
            for minor in major.get("minorVersions") or []:
                settings = (minor.get("stackSettings") or {}).get(key)
                if not settings:
                    continue
                eol = eol_day(settings.get("endOfLifeDate"))
                out.append({"stack": stack.get("value"), "major_version": major.get("value"), "minor_version": minor.get("value"),
                            "runtime_version": settings.get("runtimeVersion") or "", "display": minor.get("displayText"),
                            "end_of_life_date": eol.isoformat() if eol else None,
                            "is_deprecated": bool(settings.get("isDeprecated")), "is_preview": bool(settings.get("isPreview")),
                            "is_hidden": bool(settings.get("isHidden")), "is_auto_update": bool(settings.get("isAutoUpdate")),
                            "is_early_access": bool(settings.get("isEarlyAccess"))})
    return out


def main():
    az = AzureModule(dict(
        stack=dict(type="str"),
        os_type=dict(type="str", default="linux", choices=["linux", "windows"]),
        location=dict(type="str"),
        runtime_version=dict(type="str"),
    ))
    p = az.params
    if p["runtime_version"] is not None and not p["runtime_version"].strip():
        az.fail("runtime_version is empty: give a value such as PYTHON|3.11 (Linux) or v8.0 (Windows), or leave it unset")

    def run():
        if p["location"]:
            path = "/providers/Microsoft.Web/locations/%s/webAppStacks" % p["location"].replace(" ", "").lower()
        else:
            path = "/providers/Microsoft.Web/webAppStacks"
        found = az.arm.list(path, API_VERSION, params={"stackOsType": p["os_type"].capitalize()})
        stacks = [s.get("properties") or {} for s in found]
        if p["stack"]:
            chosen = [s for s in stacks if str(s.get("value", "")).lower() == p["stack"].lower()]
            if not chosen:
                az.fail("stack %s is not offered by App Service on %s%s; offered: %s" % (
                    p["stack"], p["os_type"], " in " + p["location"] if p["location"] else "",
                    ", ".join(sorted(str(s.get("value")) for s in stacks)) or "none"))
            stacks = chosen
        versions = flatten(stacks, p["os_type"])
        result = dict(changed=False, stacks=stacks, versions=versions)
        if p["runtime_version"] is not None:
            wanted = p["runtime_version"].strip().lower()
            runtime = next((v for v in versions if v["runtime_version"].lower() == wanted), None)
            if runtime is None:
                offered = [v["runtime_version"] for v in versions if v["runtime_version"]]
                az.fail("runtime_version %s is not offered by App Service on %s%s; offered: %s" % (
                    p["runtime_version"], p["os_type"], " for stack " + p["stack"] if p["stack"] else "", ", ".join(offered) or "none"))
            today = datetime.datetime.now(datetime.timezone.utc).date()
            eol = eol_day(runtime["end_of_life_date"])
            result.update(runtime=runtime, days_to_end_of_life=(eol - today).days if eol else None)
        return result

    az.run(run)


if __name__ == "__main__":
    main()
