"""The request log behind ``GET /_azsim/requests``: what tests and benchmarks count."""

import collections
import threading


class RequestLog:
    def __init__(self, maxlen=200_000):
        self._lock = threading.Lock()
        self._seq = 0
        self._rows = collections.deque(maxlen=maxlen)

    def add(self, time_iso, method, host, path, query, status, principal, duration_ms, audience=None):
        """``principal``: the caller's name once authenticated (on a token request: the principal the token was issued
        to); ``audience``: on a token request, the resource the token was issued for (None on every other request)."""
        with self._lock:
            self._seq += 1
            self._rows.append({"seq": self._seq, "time": time_iso, "method": method, "host": host, "path": path,
                               "query": query, "status": status, "principal": principal, "duration_ms": round(duration_ms, 3),
                               "audience": audience})

    def since(self, seq=0):
        with self._lock:
            return [r for r in self._rows if r["seq"] > seq]

    def clear(self):
        with self._lock:
            self._rows.clear()

    @property
    def last_seq(self):
        return self._seq
