# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes every task's result, action and wall time to the JSON file named by IT_REPORT."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: it_report
type: aggregate
short_description: Record task results and durations for the integration tests
description: Writes a JSON list of tasks (name, action, duration, results) to the file named by E(IT_REPORT).
requirements: []
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "it_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.tasks = []
        self.started = {}
        self.items = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.time()

    def _record(self, result, status):
        task = result._task
        started = self.started.get(task._uuid, time.time())
        res = dict(result._result)
        self.tasks.append({"name": task.get_name(), "action": task.action, "status": status, "start": started,
                           "duration": time.time() - started, "items": self.items.pop(task._uuid, 0),
                           "ignore_errors": bool(task.ignore_errors), "msg": str(res.get("msg", "")) if status == "failed" else None,
                           "changed": bool(res.get("changed"))})

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def _item(self, result):
        self.items[result._task._uuid] = self.items.get(result._task._uuid, 0) + 1

    v2_runner_item_on_ok = v2_runner_item_on_failed = _item

    def v2_runner_item_on_skipped(self, result):
        pass

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("IT_REPORT")
        if path:
            with open(path, "w") as f:
                json.dump(self.tasks, f)
