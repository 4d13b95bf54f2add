#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_command
short_description: Run a command on an Azure App Service web app or slot through Kudu's command API
version_added: 0.1.0
description:
  - Runs O(command) with C(sh -c) through Kudu's C(POST /api/command) on C(<app>[-<slot>].scm.azurewebsites.net), with the
    module's Microsoft Entra credential (the basic publishing credentials can stay disabled), in the app's environment
    (its app settings, connection strings and Key Vault references), and returns its output and exit code.
  - Meant for the once-per-release steps of a deployment, run once from the playbook rather than by every instance at
    start-up - for example Django's C(migrate) or a management command that creates the first administrator.
  - A command is an action, so the task reports a change unless O(unchanged_regex) matches its output.
  - O(environment) passes values without putting them on the command line, which Kudu and the process list show. They
    are written as app settings of the app or slot for the command's duration and removed afterwards, even when the
    command fails. Changing app settings restarts the app or slot, twice, so use it on a slot that takes no traffic, such
    as the staging slot before a swap.
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
    description: Deployment slot to run the command on (for example V(staging)); the production app when unset.
    type: str
  command:
    description: The command line, run with C(sh -c). Never put a secret here; use O(environment).
    type: str
    required: true
  chdir:
    description:
      - Directory to run the command in (Kudu's C(dir)); C(/home/...) and paths relative to C(/home) are the app's storage.
      - Kudu's default, C(site/wwwroot) (the deployed code), when unset.
    type: str
  environment:
    description:
      - Variables the command sees, given as temporary app settings of the app or slot (names of app settings it already
        has are refused; it sees those anyway). Their values are never logged nor returned.
      - A value may be a Key Vault reference (C(@Microsoft.KeyVault(VaultName=...;SecretName=...))), resolved by the app's
        managed identity, so the secret never passes through Ansible.
      - If a run is killed before it removes them, the next run of this module on the same app or slot removes them first.
    type: dict
  unchanged_regex:
    description:
      - A regular expression searched in the command's standard output; when it matches the task reports no change (for
        example V(No migrations to apply) for Django's C(migrate)).
    type: str
  fail_on_nonzero:
    description: Fail the task when the command's exit code is not 0. With V(false) the exit code is only returned.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the command's answer. Kudu itself ends a command that shows no output and no CPU activity for
        C(SCM_COMMAND_IDLE_TIMEOUT) seconds (60 by default), and App Service's front end ends requests after 230 seconds.
    type: int
    default: 230
  environment_timeout:
    description:
      - Seconds to wait for Kudu to see O(environment) (Kudu restarts with the app settings it is given).
    type: int
    default: 300
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The command is not run (a command cannot be predicted); the task reports a change, with empty output.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Apply the database migrations of the release on the staging slot
  erpops.azure.web_app_command:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    command: python manage.py migrate --noinput
    unchanged_regex: No migrations to apply

- name: Create the first superuser, the password passed out of the command line
  erpops.azure.web_app_command:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    command: DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_EMAIL=ops@example.com python manage.py ensure_superuser
    environment:
      DJANGO_SUPERUSER_PASSWORD: "{{ erp_superuser_password }}"
    unchanged_regex: exists, unchanged

- name: Read the disk usage of the app's storage, whatever the exit code
  erpops.azure.web_app_command:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    command: du -sh /home/site /home/LogFiles
    chdir: /home
    fail_on_nonzero: false
  register: usage
"""

RETURN = r"""
output:
  description: The command's standard output (Kudu's C(Output)).
  returned: always
  type: str
  sample: "Operations to perform:\n  Apply all migrations: admin, auth, contenttypes, inventory, sessions\nRunning migrations:\n  No migrations to apply.\n"
error:
  description: The command's standard error (Kudu's C(Error)).
  returned: always
  type: str
  sample: ""
exit_code:
  description: The command's exit code (Kudu's C(ExitCode)); C(-1) when Kudu ended it; C(null) in check mode.
  returned: always
  type: int
  sample: 0
command:
  description: The command line that was run.
  returned: always
  type: str
  sample: python manage.py migrate --noinput
"""

import re
import time
import uuid

from ansible_collections.erpops.azure.plugins.module_utils.kudu import API_VERSION, KuduClient, read_site, scm_host
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# Which temporary settings a run added (so a later run can remove what a killed one left), and the run's id (so the
# module knows when Kudu has restarted with them).
NAMES_SETTING = "ERPOPS_COMMAND_ENVIRONMENT"
ID_SETTING = "ERPOPS_COMMAND_ID"
POLL_INTERVAL = 2


class Settings:
    """The app settings of the app or slot, read and written whole (the API has no per-setting call)."""

    def __init__(self, az, path):
        self.az = az
        self.path = path

    def read(self):
        _status, _hdrs, body = self.az.arm.request("POST", self.path + "/config/appsettings/list", API_VERSION, read_only=True)
        return dict((body or {}).get("properties") or {})

    def write(self, values):
        self.az.arm.request("PUT", self.path + "/config/appsettings", API_VERSION, body={"properties": values})


def temporary_names(values):
    names = [n for n in (values.get(NAMES_SETTING) or "").split(",") if n]
    return set(names + [NAMES_SETTING, ID_SETTING])


def without_temporary(values):
    drop = temporary_names(values)
    return dict((k, v) for k, v in values.items() if k not in drop)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        slot=dict(type="str"),
        command=dict(type="str", required=True),
        chdir=dict(type="str"),
        environment=dict(type="dict", no_log=True),
        unchanged_regex=dict(type="str"),
        fail_on_nonzero=dict(type="bool", default=True),
        timeout=dict(type="int", default=230),
        environment_timeout=dict(type="int", default=300),
    ))
    p = az.params

    def run():
        if not p["command"].strip():
            az.fail("command is empty")
        pattern = None
        if p["unchanged_regex"]:
            try:
                pattern = re.compile(p["unchanged_regex"])
            except re.error as exc:
                az.fail("unchanged_regex is not a valid regular expression: %s" % exc)
        env = dict((str(k), "" if v is None else str(v)) for k, v in (p["environment"] or {}).items())
        for name in env:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                az.fail("environment: %r is not a valid variable name (letters, digits and _, not starting with a digit)" % name)
        skipped = dict(changed=True, output="", error="", exit_code=None, command=p["command"])
        path, site = read_site(az, p)
        if site is None:  # check mode, the app only predicted
            return skipped
        kudu = KuduClient(az.arm.auth, scm_host(site, p["web_app"], p["slot"]), check_mode=az.check_mode)
        settings = Settings(az, path)
        current = settings.read()
        clash = sorted(n for n in env if n in current and n not in temporary_names(current))
        if clash:
            az.fail("environment: %s already %s of %s; the command sees %s without being given %s"
                    % (", ".join(clash), "an app setting" if len(clash) == 1 else "app settings", kudu.host,
                       "it" if len(clash) == 1 else "them", "it" if len(clash) == 1 else "them"))
        if az.check_mode:
            return skipped

        leftovers = sorted(n for n in temporary_names(current) if n in current)
        if env:
            run_id = str(uuid.uuid4())
            wanted = without_temporary(current)
            wanted.update(env)
            wanted.update({NAMES_SETTING: ",".join(sorted(env)), ID_SETTING: run_id})
            settings.write(wanted)
        elif leftovers:
            settings.write(without_temporary(current))
        try:
            if env:
                wait_for_environment(az, kudu, run_id, p)
            body = {"command": p["command"], "dir": p["chdir"]} if p["chdir"] else {"command": p["command"]}
            _status, _hdrs, out = kudu.request("POST", "/api/command", json_body=body, expect=(200,), timeout=p["timeout"])
        finally:
            if env:
                settings.write(without_temporary(settings.read()))
        out = out if isinstance(out, dict) else {}
        result = dict(output=out.get("Output") or "", error=out.get("Error") or "", exit_code=out.get("ExitCode"), command=p["command"])
        result["changed"] = not (pattern is not None and pattern.search(result["output"]))
        if p["fail_on_nonzero"] and result["exit_code"] != 0:
            tail = (result["error"].strip() or result["output"].strip()).splitlines()[-5:]
            az.fail("the command exited with %s on %s: %s" % (result["exit_code"], kudu.host, " | ".join(tail) or "no output"), **result)
        return result

    az.run(run)


def wait_for_environment(az, kudu, run_id, p):
    """App Service restarts the app and its Kudu with new app settings; until then a command may still see the old ones."""
    deadline = time.time() + p["environment_timeout"]
    probe = {"command": 'test "${%s:-}" = "%s"' % (ID_SETTING, run_id)}
    while True:
        status, _hdrs, out = kudu.request("POST", "/api/command", json_body=probe, expect=(200, 502, 503))
        if status == 200 and isinstance(out, dict) and out.get("ExitCode") == 0:
            return
        if time.time() + POLL_INTERVAL > deadline:
            az.fail("Kudu on %s did not see the new app settings within %d s" % (kudu.host, p["environment_timeout"]))
        time.sleep(POLL_INTERVAL)


if __name__ == "__main__":
    main()
