# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every erpops.azure module stands on: shared options, one ARM client, one way to fail,
and the reconcile loop (get -> compare the fields the user set -> create/update -> wait)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.arm import ArmClient, AzureConnectionError, CheckModeWrite
from ansible_collections.erpops.azure.plugins.module_utils.auth import AuthError, auth_argument_spec, resolve
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError


def _missing(names):
    """The packages of ``names`` Python cannot find, without importing them: importing azure-identity (and MSAL,
    requests, cryptography with it) costs a task a tenth of a second or more, and with a cached token it is never used."""
    missing = []
    for name in names:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    return missing


# Presence check only: the pipeline and the one credential class needed are imported when first used.
_MISSING = _missing(("azure.core", "azure.identity", "azure.mgmt.core"))
HAS_AZURE = not _MISSING
AZURE_IMPORT_ERROR = None if HAS_AZURE else "ImportError: no module named %s" % ", ".join(_MISSING)

READ_ONLY_KEYS = ("id", "name", "type", "etag", "systemData")

# What a prediction shows for a value Azure only assigns when it creates the resource (an address, a principal id, a
# thumbprint) and that no public rule lets us compute.
KNOWN_AFTER_CREATE = "(known after create)"


def wait_argument_spec():
    return dict(wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=1800))


class AzureModule:
    """An AnsibleModule with the Azure options of the ``erpops.azure.azure`` doc fragment."""

    def __init__(self, argument_spec, wait=False, **kwargs):
        spec = auth_argument_spec()
        if wait:
            spec.update(wait_argument_spec())
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._arm = None
        if not HAS_AZURE:
            self.module.fail_json(msg=missing_required_lib("azure-identity and azure-mgmt-core (see requirements.txt)"),
                                  exception=AZURE_IMPORT_ERROR)

    @property
    def arm(self):
        if self._arm is None:
            try:
                auth = resolve(self.params)
            except AuthError as exc:
                self.module.fail_json(msg="Azure authentication: %s" % exc)
            self._arm = ArmClient(auth, check_mode=self.check_mode)
        return self._arm

    @property
    def subscription_id(self):
        return self.arm.subscription_id

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def parent_missing(self, msg):
        """A resource this one needs (resource group, plan, site, slot, zone...) answered 404.

        Outside check mode that is an error, reported before any write. In check mode the parent may be one an earlier
        task only predicted (a plan on an empty subscription): this returns, and the caller predicts what it would create
        against the planned parent, writing nothing.
        """
        if not self.check_mode:
            self.fail(msg)

    def resource_group_location(self, name):
        """The location of resource group ``name``; KNOWN_AFTER_CREATE when it does not exist yet (check mode)."""
        group = self.arm.get("/subscriptions/%s/resourceGroups/%s" % (self.subscription_id, name), "2024-11-01")
        return group["location"] if group else KNOWN_AFTER_CREATE

    def run(self, fn):
        """Run the module body; Azure errors become one clear failure message."""
        try:
            result = fn()
        except AzureApiError as exc:
            self.module.fail_json(msg=exc.describe(), status=exc.status, error_code=exc.code, request_id=exc.request_id)
        except AzureConnectionError as exc:
            self.module.fail_json(msg="no answer from Azure (connection failed or dropped, after retries): %s; "
                                      "re-run the play: every task converges from where Azure is" % exc)
        except CheckModeWrite as exc:
            self.module.fail_json(msg="internal error: %s (nothing was sent)" % exc)
        except TimeoutError as exc:
            self.module.fail_json(msg=str(exc))
        self.module.exit_json(**result)


class Resource:
    """The reconcile loop for one ARM resource addressed by ``path``.

    ``desired`` holds only what the user set (None values are skipped); ``secret_keys`` / ``secret_paths``
    are redacted in diffs and never compared when ``compare_secrets`` is False (write-only values).
    """

    def __init__(self, az, path, api_version, ci_paths=(), unordered=(), exact=("tags",), secret_keys=(), secret_paths=(), update_method="PUT",
                 read_only_keys=READ_ONLY_KEYS, read_only_properties=("provisioningState",), exact_trees=(), replaced=("tags",)):
        self.az = az
        self.path = path
        self.api_version = api_version
        self.ci_paths = ci_paths
        self.unordered = unordered
        self.exact = exact
        # Documents compared exactly at every depth, and the dotted paths whose sent value replaces the current one in the
        # prediction (ARM replaces tags whole; a dict merged key by key would keep what the request removes).
        self.exact_trees = exact_trees
        self.replaced = replaced
        self.secret_keys = secret_keys
        self.secret_paths = secret_paths
        self.update_method = update_method
        self.read_only_keys = read_only_keys
        self.read_only_properties = read_only_properties
        self.current = None

    def get(self):
        self.current = self.az.arm.get(self.path, self.api_version)
        return self.current

    def writable(self, doc):
        out = dict((k, v) for k, v in (doc or {}).items() if k not in self.read_only_keys)
        if isinstance(out.get("properties"), dict):
            out["properties"] = dict((k, v) for k, v in out["properties"].items() if k not in self.read_only_properties)
        return out

    def redacted(self, doc):
        return reconcile.redact(doc, self.secret_paths, self.secret_keys) if doc is not None else None

    def ensure_present(self, desired, compare=None, body=None, wait=True, wait_timeout=1800):
        """(changed, resource, diff, operation). ``compare``: what must match (defaults to ``desired``);
        ``body``: the full request body (defaults to the current writable state merged with ``desired``)."""
        current = self.get() if self.current is None else self.current
        want = desired if compare is None else compare
        if current is not None and not reconcile.differences(want, current, ci_paths=self.ci_paths, unordered=self.unordered, exact=self.exact,
                                                             exact_trees=self.exact_trees):
            return False, current, {"before": self.redacted(current), "after": self.redacted(current)}, None
        payload = body if body is not None else reconcile.merge(self.writable(current) if current else {}, desired)
        predicted = reconcile.merge(current or {}, payload)
        for dotted in self.replaced:
            if reconcile.lookup(payload, dotted) is not None:
                reconcile.replace_at(predicted, dotted, reconcile.lookup(payload, dotted))
        if current is None:
            # A resource this run creates (or, in check mode, would create) carries the id and name Azure gives it, also
            # when its creation is not awaited (wait=false returns before Azure's answer holds the whole resource).
            predicted = dict({"id": self.path, "name": self.path.rstrip("/").rsplit("/", 1)[-1]}, **predicted)
        diff = {"before": self.redacted(current) or {}, "after": self.redacted(predicted)}
        if self.az.check_mode:
            return True, predicted, diff, None
        method = "PUT" if current is None else self.update_method
        op = self.az.arm.start(method, self.path, self.api_version, body=payload)
        if wait:
            result = self.az.arm.wait(op, wait_timeout)
            return True, result if result is not None else self.get(), diff, None
        return True, op.get("result") or predicted, diff, op

    def ensure_absent(self, wait=True, wait_timeout=1800, params=None):
        current = self.get() if self.current is None else self.current
        if current is None:
            return False, None, {"before": {}, "after": {}}, None
        diff = {"before": self.redacted(current), "after": {}}
        if self.az.check_mode:
            return True, None, diff, None
        op = self.az.arm.start("DELETE", self.path, self.api_version, params=params)
        if wait:
            self.az.arm.wait(op, wait_timeout)
            return True, None, diff, None
        return True, None, diff, op


def parameter_sets(az, option, spec, required=(), mutually_exclusive=None, required_by=None):
    """The resources one module run manages: its own options, or one set per element of ``option`` (a list of dicts of the
    module's per-resource options ``spec``, validated as Ansible validates options, whose values override the top-level
    ones, which serve as the elements' defaults). Each resulting set must then hold the ``required`` options and follow
    ``mutually_exclusive`` and ``required_by``, wherever its values came from. A wrong set fails the task before any
    request, naming its element."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    listed = az.params.get(option)
    elements = [(None, {})] if listed is None else list(enumerate(listed))
    validator = ArgumentSpecValidator(spec)
    # Presence only: the values were validated already, the top-level ones by the module, each element's just below.
    effective = ArgumentSpecValidator(dict((k, {"type": "raw", "required": k in required}) for k in spec),
                                      mutually_exclusive=mutually_exclusive, required_by=required_by)
    sets = []
    for index, item in elements:
        where = "" if listed is None else "%s[%s]" % (option, index)
        checked = validator.validate(item)
        if checked.error_messages:
            az.fail("%s: %s" % (where, "; ".join(checked.error_messages)))
        given = dict((k, v) for k, v in checked.validated_parameters.items() if v is not None)
        merged = dict(az.params, **given)
        problems = effective.validate(dict((k, merged[k]) for k in spec if merged.get(k) is not None)).error_messages
        if problems:
            name = merged.get("name")
            az.fail("%s%s%s" % (where, " (%s): " % name if where and name else ": " if where else "", "; ".join(problems)))
        sets.append(merged)
    return sets


def per_resource_result(results):
    """One module result for several resources, ``results`` being ``(name, result)`` pairs in order: changed when one
    changed, ``per_resource`` (each result with its name; the collection's convention, which the deploy_summary callback
    counts resource by resource) and a diff whose before and after hold the changed resources by name."""
    before, after, parts = {}, {}, []
    for name, res in results:
        parts.append(dict(res, name=name))
        if res.get("changed"):
            diff = res.get("diff") or {}
            before[name], after[name] = diff.get("before") or {}, diff.get("after") or {}
    return dict(changed=any(r.get("changed") for _n, r in results), per_resource=parts, diff={"before": before, "after": after})
