"""Fault injection rules (``POST /_azsim/faults``): throttling, server errors, busy conflicts,
dropped connections and long-running operations that end Failed.

A rule with a ``probability`` below 1 draws from its own random generator; ``seed`` (an integer) makes that generator's
sequence repeatable, so a chaos run can be replayed: the n-th request the rule matches faults or not alike in every run
with the same seed (which request is the n-th still depends on the order the clients send them in)."""

import random
import re
import threading

from .errors import AzureError
from .throttle import request_class

ACTIONS = ("respond", "drop", "fail_lro")
STATUSES = (409, 429, 500, 502, 503, 504)


class FaultRule:
    def __init__(self, spec, rule_id):
        if not isinstance(spec, dict):
            raise ValueError("a fault rule is a JSON object")
        unknown = set(spec) - {"method", "path", "host", "status", "count", "probability", "latency_ms", "retry_after", "action", "code", "message", "seed"}
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
        self.id = rule_id
        self.method = (spec.get("method") or "").upper() or None
        self.path_text = spec.get("path") or ".*"
        try:
            self.path = re.compile(self.path_text, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"path is not a valid regular expression: {exc}") from None
        self.host = (spec.get("host") or "").lower() or None
        self.action = spec.get("action", "respond")
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        self.status = int(spec.get("status", 500 if self.action != "drop" else 0))
        if self.action == "respond" and self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES} for action 'respond'")
        self.count = spec.get("count")
        if self.count is not None:
            self.count = int(self.count)
            if self.count < 1:
                raise ValueError("count must be at least 1")
        self.probability = float(spec.get("probability", 1.0))
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        self.seed = spec.get("seed")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ValueError("seed must be an integer")
        self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not crypto
        self.latency_ms = float(spec.get("latency_ms", 0))
        self.retry_after = spec.get("retry_after")
        self.code = spec.get("code")
        self.message = spec.get("message")
        self.hits = 0

    def describe(self):
        return {"id": self.id, "method": self.method, "path": self.path_text, "host": self.host, "action": self.action,
                "status": self.status, "count": self.count, "probability": self.probability, "latency_ms": self.latency_ms,
                "retry_after": self.retry_after, "seed": self.seed, "hits": self.hits}

    def error(self, req, subscription):
        """The error this rule answers with, in the shape the addressed service uses."""
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
        s = self.status
        if s == 429 and "/providers/microsoft.costmanagement/" in req.path.lower():
            # Cost Management throttles on its own (QPU) quotas, not ARM's buckets: code "429", "Too many requests. Please
            # retry." (bodies quoted in cloudquery/cloudquery#9860 and Azure/azure-powershell#27734), the wait in
            # x-ms-ratelimit-microsoft.costmanagement-{qpu,entity,tenant,client}-retry-after (Azure/azqr#745) and no
            # Retry-After, which is why azure-core's retry policy does not wait for it (elastic/beats#53129).
            wait = headers.pop("Retry-After", "1")
            return AzureError(429, self.code or "429", self.message or "Too many requests. Please retry.",
                              headers={"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": wait})
        if s == 429:
            headers.setdefault("Retry-After", "1")
            return AzureError(429, self.code or "SubscriptionRequestsThrottled", self.message or
                              f"Number of '{request_class(req.method)[:-1]}' requests for subscription '{subscription}' actor '{req.context.get('actor')}' "
                              "exceeded. Please try again after '1' seconds after additional tokens are available. "
                              "Refer to https://aka.ms/arm-throttling for additional information.", headers=headers)
        if s == 409:
            path = req.path.lower()
            if "/microsoft.dbforpostgresql/" in path:
                m = re.search(r"/flexibleservers/([^/]+)", req.path, re.IGNORECASE)
                name = m.group(1) if m else "server"
                return AzureError(409, self.code or "ServerBusy", self.message or f"Server '{name}' is busy with another operation. Please try again later.",
                                  headers=headers)
            if "/microsoft.web/" in path:
                return AzureError(409, self.code or "Conflict", self.message or "Cannot modify this site because another operation is in progress.",
                                  headers=headers)
            return AzureError(409, self.code or "AnotherOperationInProgress", self.message or
                              "Another operation on this or dependent resource is in progress.", headers=headers)
        if s == 503:
            headers.setdefault("Retry-After", "1")
            return AzureError(503, self.code or "ServiceUnavailable", self.message or "The service is temporarily unavailable. Please try again later.",
                              headers=headers)
        return AzureError(s, self.code or ("InternalServerError" if s == 500 else "GatewayTimeout" if s == 504 else "BadGateway"),
                          self.message or "Encountered internal server error. Diagnostic information: tracking id "
                          f"'{req.context.get('request_id', '')}'.", headers=headers)


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._next = 1

    def add(self, specs):
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list) or not specs:
            raise ValueError("send one rule object or a non-empty list of rules")
        with self._lock:
            rules = []
            for spec in specs:
                rules.append(FaultRule(spec, self._next))
                self._next += 1
            self._rules.extend(rules)
            return [r.describe() for r in rules]

    def clear(self):
        with self._lock:
            self._rules = []

    def list(self):
        with self._lock:
            return [r.describe() for r in self._rules]

    def match(self, req):
        with self._lock:
            for rule in self._rules:
                if rule.method and rule.method != req.method:
                    continue
                if rule.host and rule.host != req.host:
                    continue
                if not rule.path.search(req.path):
                    continue
                if rule.probability < 1.0 and rule._random.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                return rule
        return None
