"""The one source of "now" (G-08: UTC, via arrow). Tests and the demo use a clock that
can be frozen and moved."""
from __future__ import annotations

import threading
from typing import Protocol

import arrow


class Clock(Protocol):
    def now(self) -> arrow.Arrow: ...


class SystemClock:
    def now(self) -> arrow.Arrow:
        return arrow.utcnow()


class FrozenClock:
    """A clock that stands still until it is set or advanced."""

    def __init__(self, start: arrow.Arrow | str | None = None):
        self._lock = threading.Lock()
        self._now = arrow.get(start).to("UTC") if start is not None else arrow.utcnow()

    def now(self) -> arrow.Arrow:
        with self._lock:
            return self._now

    def set(self, when: arrow.Arrow | str) -> None:
        with self._lock:
            self._now = arrow.get(when).to("UTC")

    def advance(self, **shift) -> arrow.Arrow:
        """`advance(days=14)`, `advance(seconds=-1)`: anything arrow's shift takes."""
        with self._lock:
            self._now = self._now.shift(**shift)
            return self._now


class OffsetClock:
    """The real clock moved by a fixed offset: demo time travel on a live app."""

    def __init__(self, offset_seconds: float = 0.0):
        self.offset_seconds = offset_seconds

    def now(self) -> arrow.Arrow:
        return arrow.utcnow().shift(seconds=self.offset_seconds)

    def advance(self, **shift) -> arrow.Arrow:
        base = arrow.utcnow()
        self.offset_seconds += (base.shift(**shift) - base).total_seconds()
        return self.now()


SYSTEM_CLOCK = SystemClock()
