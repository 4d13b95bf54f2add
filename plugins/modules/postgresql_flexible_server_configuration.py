#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_configuration
short_description: Set or reset a server parameter of an Azure PostgreSQL flexible server
version_added: 0.1.0
description:
  - Sets a server parameter (C(flexibleServers/configurations)) such as C(require_secure_transport) or C(log_connections)
    to a value of your own (C(source=user-override)), or with O(state=absent) puts it back to Azure's default.
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
    description: Name of the server parameter, for example C(require_secure_transport).
    type: str
    required: true
  value:
    description:
      - Value of the parameter, as Azure's string form (C(on)/C(off) for booleans, digits for integers).
      - Required with O(state=present).
    type: str
  state:
    description: V(present) sets O(value); V(absent) resets the parameter to its default value.
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
  returned: always
  type: dict
  sample:
    name: log_connections
    properties: {value: "on", defaultValue: "on", source: user-override, isDynamicConfig: true, isConfigPendingRestart: false}
restart_required:
  description: Whether the server must restart before the value takes effect (Azure's C(isConfigPendingRestart)).
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


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        server_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        value=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, required_if=[("state", "present", ("value",))])
    p = az.params

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s/configurations/%s" % (
            az.subscription_id, p["resource_group"], p["server_name"], p["name"])
        conf = Resource(az, path, API_VERSION, ci_paths=("properties.value",))
        current = conf.get()
        server = path.rsplit("/configurations/", 1)[0]
        if current is None and parent_missing(az, server, API_VERSION, "server %s in resource group %s" % (p["server_name"], p["resource_group"])):
            # Check mode, the server only planned: its parameters exist once it does, with Azure's defaults (unknown here).
            if p["state"] == "absent":
                return dict(changed=False, configuration={}, restart_required=False, diff={"before": {}, "after": {}})
            after = dict(identity(path), properties={"value": p["value"], "source": "user-override"})
            return dict(changed=True, configuration=after, restart_required=False, diff={"before": {}, "after": after})
        if current is None:
            az.fail("server %s has no parameter named %s (check the name in the portal's Server parameters, or that the server exists)"
                    % (p["server_name"], p["name"]))
        props = current.get("properties") or {}
        if props.get("isReadOnly"):
            az.fail("parameter %s is read-only on Azure and cannot be set" % p["name"])
        if props.get("dataType") not in ("Boolean", "Enumeration"):
            conf.ci_paths = ()
        if p["state"] == "absent":
            compare = {"properties": {"source": "system-default"}}
            body = {"properties": {"value": props.get("defaultValue"), "source": "system-default"}}
        else:
            compare = {"properties": {"value": p["value"], "source": "user-override"}}
            if str(props.get("value")) == p["value"] or (conf.ci_paths and str(props.get("value")).lower() == p["value"].lower()):
                compare = {"properties": {"value": p["value"]}}  # already that value, whatever its source
            body = {"properties": {"value": p["value"], "source": "user-override"}}
        changed, doc, diff, op = conf.ensure_present(body, compare=compare, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
        pending = bool(((doc or {}).get("properties") or {}).get("isConfigPendingRestart"))
        return dict(changed=changed, configuration=doc, restart_required=pending, diff=diff, **({"operation": op} if op else {}))

    az.run(run)


if __name__ == "__main__":
    main()
