#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_configuration
short_description: Set or reset server parameters of an Azure PostgreSQL flexible server
version_added: 0.1.0
description:
  - Sets a server parameter (C(flexibleServers/configurations)) such as C(require_secure_transport) or C(log_connections)
    to a value of your own (C(source=user-override)), or with O(state=absent) puts it back to Azure's default.
  - With O(parameters), several parameters are set in one task, one after another (Azure runs one operation at a time
    on a server), each compared and written only when it differs.
  - Some parameters only take effect after a restart. The module then reports RV(restart_required) and leaves the restart to you.
  - Booleans and enumerations are compared without case, as Azure does (C(ON) equals C(on)).
  - Check mode is a plan. When the server does not exist yet (a run in check mode before it is created), the module
    predicts the resource it would create, with its resource ID and properties, and sends nothing. Outside check mode
    a missing server is an error before any write.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the server.
    type: str
    required: true
  server_name:
    description: Name of the flexible server.
    type: str
    required: true
  name:
    description:
      - Name of the server parameter, for example C(require_secure_transport).
      - Exactly one of O(name) and O(parameters) is required.
    type: str
  value:
    description:
      - Value of the parameter, as Azure's string form (C(on)/C(off) for booleans, digits for integers).
      - Required with O(name) and O(state=present).
    type: str
  parameters:
    description:
      - Several parameters at once, name to value (booleans become C(on)/C(off), numbers their digits), set one after
        another in the order given, each awaited (O(wait=false) takes a single O(name)).
      - With O(state=absent), the parameters named are reset to their defaults (the values are ignored).
    type: dict
  state:
    description: V(present) sets the value(s); V(absent) resets the parameter(s) to the default value.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Refuse unencrypted connections
  erpops.azure.postgresql_flexible_server_configuration:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    name: require_secure_transport
    value: "on"

- name: Log connections, disconnections and checkpoints, and keep the logs 7 days
  erpops.azure.postgresql_flexible_server_configuration:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    parameters:
      log_connections: true
      log_disconnections: true
      log_checkpoints: true
      logfiles.retention_days: 7

- name: Put log_connections back to its default
  erpops.azure.postgresql_flexible_server_configuration:
    resource_group: erp-supermarket-production-rg
    server_name: erp-postgres-prod
    name: log_connections
    state: absent
"""

RETURN = r"""
configuration:
  description: The parameter as Azure returns it.
  returned: with O(name)
  type: dict
  sample:
    name: log_connections
    properties: {value: "on", defaultValue: "on", source: user-override, isDynamicConfig: true, isConfigPendingRestart: false}
per_resource:
  description:
    - With O(parameters), one result per parameter, in the order given (the collection's convention for a task that
      manages several resources; the P(erpops.azure.deploy_summary#callback) callback counts each).
  returned: with O(parameters)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the parameter.
      type: str
    changed:
      description: Whether this parameter was (or, in check mode, would be) changed.
      type: bool
    configuration:
      description: The parameter as Azure returns it.
      type: dict
    diff:
      description: Its C(before) and C(after).
      type: dict
    restart_required:
      description: Whether the server must restart before this value takes effect.
      type: bool
  sample:
    - name: log_disconnections
      changed: true
      configuration: {name: log_disconnections, properties: {value: "on", source: user-override}}
      diff: {before: {properties: {value: "off", source: system-default}}, after: {properties: {value: "on", source: user-override}}}
      restart_required: false
restart_required:
  description: Whether the server must restart before a value takes effect (Azure's C(isConfigPendingRestart)).
  returned: always
  type: bool
  sample: false
operation:
  description: The pending change, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import identity, parent_missing

API_VERSION = "2024-08-01"


def wire_value(value):
    """Azure's string form of a parameter value: on/off for a boolean, the digits of a number."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        server_name=dict(type="str", required=True),
        name=dict(type="str"),
        value=dict(type="str"),
        parameters=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, mutually_exclusive=[("name", "parameters"), ("value", "parameters")], required_one_of=[("name", "parameters")])
    p = az.params
    if p["name"] is not None and p["state"] == "present" and p["value"] is None:
        az.fail("value is required to set parameter %s (state=present)" % p["name"])
    if p["parameters"] is not None:
        if not p["parameters"]:
            az.fail("parameters must name at least one server parameter")
        if not p["wait"]:
            az.fail("parameters are set one after another, each awaited (Azure runs one operation at a time on a server); "
                    "wait=false takes a single name")
        bad = sorted(k for k, v in p["parameters"].items() if v is None or isinstance(v, (dict, list)))
        if bad and p["state"] == "present":
            az.fail("parameters: %s must each have a plain value (a string, a number or a boolean)" % ", ".join(bad))

    def run():
        server = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s" % (
            az.subscription_id, p["resource_group"], p["server_name"])
        if p["parameters"] is None:
            changed, doc, diff, op, pending = converge(server, p["name"], p["value"], p["wait"])
            return dict(changed=changed, configuration=doc, restart_required=pending, diff=diff, **({"operation": op} if op else {}))
        parts, before, after = [], {}, {}
        for name, value in p["parameters"].items():
            changed, doc, diff, _op, restart = converge(server, name, wire_value(value), True)
            parts.append(dict(name=name, changed=changed, configuration=doc, diff=diff, restart_required=restart))
            if changed:
                before[name], after[name] = diff["before"], diff["after"]
        return dict(changed=bool(after), per_resource=parts, restart_required=any(r["restart_required"] for r in parts),
                    diff={"before": before, "after": after})

    def converge(server, name, value, wait):
        """One parameter: (changed, configuration, diff, operation, restart required)."""
        path = "%s/configurations/%s" % (server, name)
        conf = Resource(az, path, API_VERSION, ci_paths=("properties.value",))
        current = conf.get()
        if current is None and parent_missing(az, server, API_VERSION, "server %s in resource group %s" % (p["server_name"], p["resource_group"])):
            # Check mode, the server only planned: its parameters exist once it does, with Azure's defaults (unknown here).
            if p["state"] == "absent":
                return False, {}, {"before": {}, "after": {}}, None, False
            after = dict(identity(path), properties={"value": value, "source": "user-override"})
            return True, after, {"before": {}, "after": after}, None, False
        if current is None:
            az.fail("server %s has no parameter named %s (check the name in the portal's Server parameters, or that the server exists)"
                    % (p["server_name"], name))
        props = current.get("properties") or {}
        if props.get("isReadOnly"):
            az.fail("parameter %s is read-only on Azure and cannot be set" % name)
        if props.get("dataType") not in ("Boolean", "Enumeration"):
            conf.ci_paths = ()
        if p["state"] == "absent":
            compare = {"properties": {"source": "system-default"}}
            body = {"properties": {"value": props.get("defaultValue"), "source": "system-default"}}
        else:
            compare = {"properties": {"value": value, "source": "user-override"}}
            if str(props.get("value")) == value or (conf.ci_paths and str(props.get("value")).lower() == value.lower()):
                compare = {"properties": {"value": value}}  # already that value, whatever its source
            body = {"properties": {"value": value, "source": "user-override"}}
        changed, doc, diff, op = conf.ensure_present(body, compare=compare, body=body, wait=wait, wait_timeout=p["wait_timeout"])
        return changed, doc, diff, op, bool(((doc or {}).get("properties") or {}).get("isConfigPendingRestart"))

    az.run(run)


if __name__ == "__main__":
    main()
