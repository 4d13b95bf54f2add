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
    audit modules (they write local files only) are not counted, nor tasks written with C(check_mode=true) (reads).
  - A task that manages several resources (a module's C(per_resource) list) counts each of them.
  - A resource that several tasks touch (a storage account created, then read by another role; a domain started, then
    finished) is counted once, by its resource ID (else its module and name), with the most telling outcome (created, then
    deleted, then changed, then unchanged).
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


RANK = ("unchanged", "changed", "deleted", "created")


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


def _resource_id(result):
    """The ARM id of the resource a module result is about (the resource it returns, else its diff's), or None."""
    for key, value in result.items():
        if key not in ("diff", "invocation") and isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"].startswith("/"):
            return value["id"]
    diff = result.get("diff")
    if isinstance(diff, list):
        diff = diff[0] if diff else {}
    if isinstance(diff, dict):
        for side in ("after", "before"):
            doc = diff.get(side)
            if isinstance(doc, dict) and isinstance(doc.get("id"), str) and doc["id"].startswith("/"):
                return doc["id"]
    return None


def results(res):
    """The per-resource results of a task: each loop item's, and within one, each of ``per_resource`` (a module that
    manages several resources in one call lists them there, each with its own changed, resource and diff)."""
    out = []
    for item in res["results"] if isinstance(res.get("results"), list) else [res]:
        if not isinstance(item, dict):
            continue
        parts = item.get("per_resource")
        if isinstance(parts, list):
            out.extend(dict(part, invocation=item.get("invocation")) for part in parts if isinstance(part, dict))
        else:
            out.append(item)
    return out


def _forced_check_mode(task):
    """A task written with check_mode: true never writes: it reads a resource (its state, or a secret under no_log)."""
    ds = getattr(task, "_ds", None)
    return isinstance(ds, dict) and ds.get("check_mode") is True


def _on_owner(label, ident, typed):
    """``label (on <owner>)``: the names of the resource's owner (type/name pairs after its namespace, such as
    erp-supermarket-prod or erpsupermarketmedia/default), with their types when ``typed``; ``label`` alone without an owner."""
    if not ident or "/providers/" not in ident:
        return label
    owner = ident.rsplit("/providers/", 1)[0]
    pairs = owner.split("/providers/")[-1].split("/")[1:] if "/providers/" in owner else ["resourceGroups", owner.rsplit("/", 1)[-1]]
    return "%s (on %s)" % (label, "/".join(pairs if typed else pairs[1::2]))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "erpops.azure.deploy_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.resources = {}  # key -> [label, outcome, id], in the order first seen
        self.check_mode = False

    def _key(self, label, ident):
        if ident:
            return ident.lower()
        # No id (a module that returns none): the one resource seen with the same label, else the label.
        same = [k for k, (seen, _outcome_seen, _id) in self.resources.items() if seen == label]
        return same[0] if len(same) == 1 else label

    def _record(self, task, result):
        args = result.get("invocation", {}).get("module_args") or {}
        ident = _resource_id(result)
        name = next((args[k] for k in NAME_ARGS if isinstance(args.get(k), str) and args.get(k)), None)
        if not name and ident:
            name = ident.rstrip("/").rsplit("/", 1)[-1]
        module = task.resolved_action.split(".")[-1]
        label = "%s %s" % (module, name) if name else "%s (%s)" % (module, task.get_name())
        outcome = _outcome(result)
        key = self._key(label, ident)
        if key in self.resources:
            entry = self.resources[key]
            if RANK.index(outcome) > RANK.index(entry[1]):
                entry[1] = outcome
            entry[2] = entry[2] or ident
        else:
            self.resources[key] = [label, outcome, ident]

    def _labels(self):
        """(outcome, label) in the order first seen; labels that several resources share name the resource they belong to."""
        counts = {}
        for label, _outcome_seen, _ident in self.resources.values():
            counts[label] = counts.get(label, 0) + 1
        named = [(label if counts[label] == 1 else _on_owner(label, ident, False), outcome, ident)
                 for label, outcome, ident in self.resources.values()]
        # Owners of different types that share a name (a domain, its DNS zone and its certificate, each tagged): their types too.
        again = {}
        for label, _outcome, _ident in named:
            again[label] = again.get(label, 0) + 1
        out = []
        for (label, outcome, ident), (first, _o, _i) in zip(named, self.resources.values()):
            out.append((outcome, _on_owner(first, ident, True) if again[label] > 1 else label))
        return out

    def v2_runner_on_ok(self, result):
        task = result._task
        action = task.resolved_action or ""
        if not action.startswith(PREFIX):
            return
        module = action[len(PREFIX):]
        if module.endswith("_info") or module in NOT_RESOURCES or _forced_check_mode(task):
            return
        for item in results(result._result):
            if not item.get("skipped") and not item.get("failed"):
                self._record(task, item)

    def v2_playbook_on_stats(self, stats):
        if not self.resources:
            return
        self.check_mode = bool((context.CLIARGS or {}).get("check"))
        labels = self._labels()
        counts = ", ".join("%d %s" % (len([o for o, _l in labels if o == k]), k) for k in ("created", "changed", "deleted", "unchanged"))
        verb = " (check mode: what a real run would do; nothing was written)" if self.check_mode else ""
        self._display.banner("AZURE RESOURCES")
        self._display.display("%s%s" % (counts, verb))
        for kind in ("created", "changed", "deleted"):
            for outcome, label in labels:
                if outcome == kind:
                    self._display.display("  %-9s %s" % (kind, label))
