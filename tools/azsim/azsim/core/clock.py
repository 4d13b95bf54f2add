"""Simulated time.

azsim's clock is the wall clock plus an offset that the admin API can move forward
(``POST /_azsim/clock``).  Durations of simulated work (a site create, a certificate
issuance...) are realistic figures multiplied by the time scale, so a test at
``--time-scale 0.01`` waits 0.2 s for a site that Azure builds in about 20 s.
"""

import datetime as _dt
import threading
import time


class Clock:
    def __init__(self, time_scale=1.0):
        self._lock = threading.Lock()
        self._offset = 0.0
        self._history = []  # (wall time of an advance, offset from then on), oldest first
        self.time_scale = float(time_scale)

    def now(self):
        """Seconds since the epoch, in simulated time."""
        return time.time() + self._offset

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)
            self._history.append((time.time(), self._offset))

    @property
    def offset(self):
        """Seconds simulated time is ahead of the wall clock."""
        return self._offset

    def at(self, wall_ts):
        """The simulated time it was at wall time ``wall_ts``: real services azsim runs (Azurite) stamp their
        objects with the wall clock, and an object made after an advance is that much later in simulated time."""
        with self._lock:
            offset = 0.0
            for when, value in self._history:
                if when > wall_ts:
                    break
                offset = value
        return wall_ts + offset

    def wall_at(self, sim_ts):
        """The wall time at which simulated time was ``sim_ts`` (the inverse of :meth:`at`): a time a client sends about an
        object a real service stamped (an If-Modified-Since) compared on that service's wall clock.  An instant a forward
        advance skipped maps to the advance itself; one a backward move repeated, to its latest occurrence."""
        with self._lock:
            segments = [(float("-inf"), 0.0)] + list(self._history)
        found = None
        for i, (start, offset) in enumerate(segments):
            end = segments[i + 1][0] if i + 1 < len(segments) else float("inf")
            if start <= sim_ts - offset < end:
                found = sim_ts - offset
        if found is None:
            found = next((start for start, offset in segments[1:] if start + offset > sim_ts), time.time())
        return found

    def scaled(self, seconds):
        """Wall seconds that ``seconds`` of Azure work take at the current scale."""
        return max(0.0, float(seconds) * self.time_scale)

    def utcnow(self):
        return _dt.datetime.fromtimestamp(self.now(), tz=_dt.UTC)

    def iso(self, ts=None):
        return iso(self.now() if ts is None else ts)


def iso(ts):
    """ARM's timestamp format: ISO 8601 UTC with 7 fractional digits and a Z."""
    d = _dt.datetime.fromtimestamp(ts, tz=_dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}0Z"


def parse_iso(text):
    """Parse the ISO 8601 forms Azure clients send; returns epoch seconds or None."""
    if not isinstance(text, str) or not text:
        return None
    t = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python accepts at most 6 fractional digits.
    if "." in t:
        head, _sep, rest = t.partition(".")
        frac = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            frac += rest[i]
            i += 1
        t = head + "." + (frac[:6] or "0") + rest[i:]
    try:
        d = _dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.UTC)
    return d.timestamp()
