"""ARM request throttling: one token bucket per principal, subscription and request class.

Since 2024 ARM throttles with token buckets (Microsoft Learn, "Understand how Azure Resource
Manager throttles requests"): reads 250 burst refilled at 25/s, writes 200 at 10/s, deletes
200 at 10/s.  Remaining tokens are reported in ``x-ms-ratelimit-remaining-subscription-*``
headers; an empty bucket answers 429 ``SubscriptionRequestsThrottled`` with ``Retry-After``.
"""

import math
import threading
import time

from .errors import AzureError

DEFAULT_LIMITS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}

_CLASS_BY_METHOD = {"GET": "reads", "HEAD": "reads", "OPTIONS": "reads", "DELETE": "deletes"}


def request_class(method):
    return _CLASS_BY_METHOD.get(method, "writes")


class Throttle:
    def __init__(self):
        self._lock = threading.Lock()
        self._buckets = {}
        self.limits = dict(DEFAULT_LIMITS)
        self.enabled = True

    def configure(self, limits=None, enabled=None):
        with self._lock:
            if enabled is not None:
                self.enabled = bool(enabled)
            for cls, spec in (limits or {}).items():
                if cls not in DEFAULT_LIMITS:
                    raise ValueError(f"unknown request class {cls!r}: expected one of {sorted(DEFAULT_LIMITS)}")
                self.limits[cls] = (float(spec["capacity"]), float(spec["refill_per_second"]))
            self._buckets.clear()

    def describe(self):
        return {"enabled": self.enabled,
                "limits": {k: {"capacity": c, "refill_per_second": r} for k, (c, r) in self.limits.items()}}

    def take(self, principal_oid, subscription, method):
        """Spend one token; returns the header to add, or raises the 429."""
        cls = request_class(method)
        capacity, refill = self.limits[cls]
        key = (principal_oid, subscription.lower(), cls)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * refill)
            if self.enabled and tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / refill)) if refill > 0 else 60
                kind = cls[:-1]
                raise AzureError(429, "SubscriptionRequestsThrottled",
                                 f"Number of '{kind}' requests for subscription '{subscription}' actor '{principal_oid}' exceeded. "
                                 f"Please try again after '{wait}' seconds after additional tokens are available. "
                                 "Refer to https://aka.ms/arm-throttling for additional information.",
                                 headers={"Retry-After": str(wait), f"x-ms-ratelimit-remaining-subscription-{cls}": "0"})
            if self.enabled:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
        remaining = str(int(tokens))
        return {f"x-ms-ratelimit-remaining-subscription-{cls}": remaining,
                f"x-ms-ratelimit-remaining-subscription-global-{cls}": remaining}
