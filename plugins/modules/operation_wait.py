#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: operation_wait
short_description: Wait for Azure long-running operations started earlier
version_added: 0.1.0
description:
  - Modules run with O(ignore:wait=false) return an C(operation) handle as soon as Azure accepted a change.
    This module polls one or many of them, in parallel, until each has finished, so a playbook can start the slow
    resources first (a PostgreSQL server, a managed certificate, a domain purchase) and wait where something depends on them.
  - Polling follows Azure Resource Manager's rules (C(Azure-AsyncOperation), then C(Location), then the resource's
    C(provisioningState)) and each answer's C(Retry-After).
author:
  - erpops.azure maintainers (@erpops)
options:
  operations:
    description: Operation handles returned by other modules of this collection (the C(operation) value).
    type: list
    elements: dict
    required: true
  wait_timeout:
    description: Seconds to wait for all of them before failing (the operations keep running in Azure).
    type: int
    default: 1800
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: Polling only reads.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Start deleting two test groups without waiting
  erpops.azure.resource_group:
    name: "{{ item }}"
    state: absent
    force_delete_nonempty: true
    wait: false
  loop: [erp-test1-rg, erp-test2-rg]
  register: deletions

- name: Wait for both
  erpops.azure.operation_wait:
    operations: "{{ deletions.results | selectattr('operation', 'defined') | map(attribute='operation') | list }}"
"""

RETURN = r"""
results:
  description: The final resource (or operation result) of each operation, in the order given.
  returned: always
  type: list
  elements: dict
"""

import time

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def main():
    az = AzureModule(dict(operations=dict(type="list", elements="dict", required=True), wait_timeout=dict(type="int", default=1800)))
    p = az.params

    def run():
        ops = [dict(op) for op in p["operations"]]
        for op in ops:
            if not op.get("method") or not op.get("resource_url"):
                az.fail("each operation must be a handle returned by an erpops.azure module (method, resource_url, ...); got keys %s"
                        % sorted(op))
        deadline = time.time() + p["wait_timeout"]
        while True:
            pending = [op for op in ops if not op.get("done")]
            for op in pending:
                az.arm.poll_once(op)
            pending = [op for op in ops if not op.get("done")]
            if not pending:
                break
            if time.time() >= deadline:
                az.fail("%d of %d operations still running after %d s: %s"
                        % (len(pending), len(ops), p["wait_timeout"], ", ".join(op["resource_url"].split("?", 1)[0] for op in pending)))
            time.sleep(max(1, min([op.get("retry_after") or 5 for op in pending] + [max(1, deadline - time.time())])))
        return dict(changed=False, results=[op.get("result") or {} for op in ops])

    az.run(run)


if __name__ == "__main__":
    main()
