# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: deploy_summary
type: aggregate
short_description: Count the Azure resources a run created, changed, deleted or left as they were
version_added: 0.1.0
description:
  - At the end of a playbook, prints how many Azure resources the collection's modules created, changed, deleted and
    found already as wanted, and names the ones that moved. In check mode it says what would move.
  - A resource is C(created) when its module reported a change from nothing (an empty C(diff.before)), C(deleted) when it
    reported a change to nothing; C(_info) modules, M(erpops.azure.operation_wait), M(erpops.azure.web_app_command) and the
    audit modules (they write local files only) are not counted.
author:
  - erpops.azure maintainers (@erpops)
requirements:
  - Enabled in C(callbacks_enabled) (the checkout's C(ansible.cfg) does it).
"""

from ansible import context
from ansible.plugins.callback import CallbackBase

PREFIX = "erpops.azure."
NOT_RESOURCES = ("operation_wait", "resource_inventory", "web_app_command", "audit_inventory", "audit_evaluate")
NAME_ARGS = ("name", "hostname", "slot", "vault_name", "role")


def _outcome(result):
    if not result.get("changed"):
        return "unchanged"
    diff = result.get("diff")
    if isinstance(diff, list):
        diff = diff[0] if diff else {}
    if not isinstance(diff, dict):
        return "changed"
    if diff.get("before") in ({}, None) and diff.get("after"):
        return "created"
    if diff.get("after") in ({}, None) and diff.get("before"):
        return "deleted"
    return "changed"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "erpops.azure.deploy_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.outcomes = {"created": [], "changed": [], "deleted": [], "unchanged": []}
        self.check_mode = False

    def _record(self, task, result):
        args = result.get("invocation", {}).get("module_args") or {}
        name = next((args[k] for k in NAME_ARGS if isinstance(args.get(k), str) and args.get(k)), None)
        module = task.resolved_action.split(".")[-1]
        label = "%s %s" % (module, name) if name else "%s (%s)" % (module, task.get_name())
        self.outcomes[_outcome(result)].append(label)

    def v2_runner_on_ok(self, result):
        task = result._task
        action = task.resolved_action or ""
        if not action.startswith(PREFIX):
            return
        module = action[len(PREFIX):]
        if module.endswith("_info") or module in NOT_RESOURCES:
            return
        res = result._result
        for item in res.get("results", [res]) if "results" in res else [res]:
            if isinstance(item, dict) and not item.get("skipped") and not item.get("failed"):
                self._record(task, item)

    def v2_playbook_on_stats(self, stats):
        if not any(self.outcomes.values()):
            return
        self.check_mode = bool((context.CLIARGS or {}).get("check"))
        counts = ", ".join("%d %s" % (len(self.outcomes[k]), k) for k in ("created", "changed", "deleted", "unchanged"))
        verb = " (check mode: what a real run would do; nothing was written)" if self.check_mode else ""
        self._display.banner("AZURE RESOURCES")
        self._display.display("%s%s" % (counts, verb))
        for kind in ("created", "changed", "deleted"):
            for label in self.outcomes[kind]:
                self._display.display("  %-9s %s" % (kind, label))
