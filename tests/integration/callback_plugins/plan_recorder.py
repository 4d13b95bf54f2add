# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per result of an erpops.azure module task (each loop item apart), appended to the
file named by PLAN_RECORD. The plan test reads what a ``--check --diff`` run said it would do, resource by resource."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

# The id the summary counts a resource by is the id the plan names it by.
from ansible_collections.erpops.azure.plugins.callback.deploy_summary import _resource_id, results

DOCUMENTATION = r"""
name: plan_recorder
type: aggregate
short_description: Record what each erpops.azure module task would do (or did), as JSON lines
description:
  - Appends to the file named by E(PLAN_RECORD) one JSON object per module result of an C(erpops.azure.*) task (each loop
    item apart), with the task's name, the module, C(changed), the resource's C(id) (from the result's resource, else from
    C(diff.after) or C(diff.before)) and the C(diff); C(read) is true for a task written with C(check_mode=true) (it never writes).
  - A task whose result Ansible hid (C(no_log)) is recorded with C(censored) true and no diff.
requirements: []
"""

PREFIX = "erpops.azure."


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "plan_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("PLAN_RECORD")
        task = result._task
        action = task.resolved_action or task.action or ""
        if not path or not action.startswith(PREFIX):
            return
        res = result._result
        with open(path, "a", encoding="utf-8") as f:
            for item in results(res):
                if item.get("skipped"):
                    continue
                diff = item.get("diff")
                if isinstance(diff, list):
                    diff = diff[0] if diff else None
                ds = getattr(task, "_ds", None)
                row = {"task": task.get_name(), "read": isinstance(ds, dict) and ds.get("check_mode") is True, "module": action[len(PREFIX):],
                       "status": status, "changed": bool(item.get("changed")),
                       "censored": "censored" in item, "id": _resource_id(item), "diff": diff, "msg": item.get("msg") if status == "failed" else None}
                f.write(json.dumps(row, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")
