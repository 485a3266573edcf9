"""The counters the request path feeds: decisions by adapter, outcome and error code.

Each counter is an :func:`itertools.count`: ``next()`` on it is one C call, atomic under
the GIL, so counting takes no lock and loses no count between threads, and a counted
decision costs a few tens of nanoseconds. The exporters read the values when they are
scraped or collected (:meth:`DecisionCounters.snapshot`), never on the request path.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Final, Literal

__all__ = [
    "ALLOWED",
    "ANONYMOUS",
    "EXEMPT",
    "OUTCOMES",
    "REFUSED",
    "WOULD_REFUSE",
    "DecisionCounters",
    "DecisionKey",
    "Outcome",
]

Outcome = Literal["allowed", "refused", "anonymous", "exempt", "would_refuse"]
ALLOWED: Final = "allowed"
"""A verified token met the route's requirement."""
REFUSED: Final = "refused"
"""The request was answered with a refusal (401, 403, 400, 503)."""
ANONYMOUS: Final = "anonymous"
"""No token on an optional route: let through without claims."""
EXEMPT: Final = "exempt"
"""An exempt path or method, or a CORS preflight: no authentication asked."""
WOULD_REFUSE: Final = "would_refuse"
"""Report-only mode: the request would have been refused, and was let through."""
OUTCOMES: Final[tuple[Outcome, ...]] = (ALLOWED, REFUSED, ANONYMOUS, EXEMPT, WOULD_REFUSE)

DecisionKey = tuple[str, str, str, str]
"""``(adapter, outcome, code, tenant)``: ``code`` is the error code of a refusal, else
``""``; ``tenant`` the issuer of the tenant the token named (a Guard with ``tenants``),
else ``""``."""


def _value(counter: itertools.count[int]) -> int:
    # itertools.count exposes its next value only through its repr: "count(41)"
    return int(repr(counter)[6:-1])


class DecisionCounters:
    """Decisions counted by ``(adapter, outcome, code, tenant)``; one per Guard, shared by
    every adapter in front of it (each counts under its own name)."""

    def __init__(self) -> None:
        self._counts: dict[DecisionKey, itertools.count[int]] = {}
        self._lock = threading.Lock()  # only to create a counter, never to count

    def counter(
        self, adapter: str, outcome: Outcome, code: str = "", tenant: str = ""
    ) -> Callable[[], int]:
        """The callable that counts one kind of decision (see :data:`DecisionKey`):
        adapters bind the ones of their hot path once."""
        key = (adapter, outcome, code, tenant)
        found = self._counts.get(key)
        if found is None:
            with self._lock:
                found = self._counts.setdefault(key, itertools.count())
        return found.__next__

    def add(self, adapter: str, outcome: Outcome, code: str = "", tenant: str = "") -> None:
        """Count one decision (for the outcomes off the hot path: refusals)."""
        found = self._counts.get((adapter, outcome, code, tenant))
        if found is None:
            self.counter(adapter, outcome, code, tenant)()
        else:
            next(found)

    def snapshot(self) -> Mapping[DecisionKey, int]:
        """Every counter's value now (monotonic since start-up)."""
        with self._lock:
            counts = list(self._counts.items())
        return {key: _value(counter) for key, counter in counts}
