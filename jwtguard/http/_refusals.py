"""How the shared decision refuses: counted, logged once, answered with a cached Denial.

A refusal is counted under the adapter (and the token's tenant), logged with its code and
never the token, and answered with the :class:`Denial` built for the error (cached by its
kind; ``on_deny`` applied once per kind). Under ``report_only`` the request is let through
instead and :func:`let_through` tells an adapter so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Final

from jwtguard.claims import Claims
from jwtguard.errors import TokenError
from jwtguard.guard import Guard
from jwtguard.http.challenges import Challenges
from jwtguard.http.decision import Context, Decision
from jwtguard.http.denial import Denial, deny_for
from jwtguard.observability.counters import REFUSED, WOULD_REFUSE
from jwtguard.observability.logs import refusal_fields

__all__ = ["Refusals", "let_through"]

logger = logging.getLogger("jwtguard.adapters")

_DENIAL_CACHE_SIZE: Final = 256
_LET_THROUGH: Final[ContextVar[str | None]] = ContextVar("jwtguard_let_through", default=None)


def let_through() -> str | None:
    """Under ``report_only``: the code of the refusal a pipeline last let through in this
    context (thread or task), then forgotten; None when it let none through.

    For an adapter whose request may meet a second decision after the first (a view's
    own requirement behind a middleware): enforcement would have stopped at the first
    refusal, so report-only mode must not count or log the request again. Call it before
    deciding (to forget an earlier request's) and after.
    """
    code = _LET_THROUGH.get()
    if code is not None:
        _LET_THROUGH.set(None)
    return code


class Refusals:
    """A pipeline's refusals (its options already checked by the pipeline).

    ``challenges``: the resource server's ``WWW-Authenticate`` challenges by route
    binding (empty without one), set by the pipeline once it has built them.
    """

    def __init__(
        self,
        guard: Guard,
        adapter: str,
        realm: str | None,
        report_only: bool,
        log_level: int,
        on_deny: Callable[[Denial], Denial] | None,
    ) -> None:
        self.guard = guard
        self.adapter = adapter
        self.realm = realm
        self.report_only = report_only
        self.log_level = log_level
        self._decisions = guard.decisions
        self._on_deny = on_deny
        self._denials: dict[tuple[Any, ...], Denial] = {}
        self.challenges: dict[str | None, Challenges] = {}

    def refuse(
        self,
        error: TokenError,
        method: str,
        path: str,
        claims: Claims | None,
        count: bool,
        context: Context = (None, None),
    ) -> Decision:
        """Count and log the refusal of a request for ``error`` (``count``: in the Guard's
        rejections too, for an error the Guard did not count), and answer it: its Denial,
        or under ``report_only`` the request's ``claims`` (let through)."""
        if count:
            self.guard.record_reject(error.code)
        report_only = self.report_only
        tenant = error.tenant or self._tenant_of(claims)
        self._decisions.add(
            self.adapter, WOULD_REFUSE if report_only else REFUSED, error.code, tenant or ""
        )
        if logger.isEnabledFor(self.log_level):
            method = method[:16] if method.isalnum() else "?"
            path = path[:200]
            logger.log(
                self.log_level,
                "jwtguard: %s %s %r: %d %s",
                "would reject" if report_only else "rejected",
                method,
                path,
                error.status_code,
                error.code,
                extra=refusal_fields(
                    error.code,
                    error.status_code,
                    self.adapter,
                    method,
                    path,
                    report_only,
                    tenant,
                    error.kid,
                ),
            )
        if self.report_only:
            _LET_THROUGH.set(error.code)
            return claims
        return self.denial(error, context)

    def _tenant_of(self, claims: Claims | None) -> str | None:
        """The tenant of verified ``claims`` (its configured issuer), for the log record."""
        if claims is None:
            return None
        issuer = claims.get("iss")
        return issuer if isinstance(issuer, str) and issuer in self.guard.tenants else None

    def denial(self, error: TokenError, context: Context = (None, None)) -> Denial:
        """The (cached) :class:`Denial` answering ``error``. Under a resource server,
        ``context`` is the request's scheme (whose challenge carries the error) and the
        route's binding (which challenges it answers with)."""
        scheme, binding = context
        challenges = self.challenges.get(binding) or self.challenges.get(None)
        if getattr(error, "retry_after", None) is not None or getattr(error, "nonce", None):
            return self._customise(deny_for(error, self.realm, challenges, scheme))
        key = (type(error), error.description, getattr(error, "required", ()), scheme, binding)
        found = self._denials.get(key)
        if found is None:
            found = self._customise(deny_for(error, self.realm, challenges, scheme))
            if len(self._denials) >= _DENIAL_CACHE_SIZE:
                self._denials.clear()
            self._denials[key] = found
        return found

    def _customise(self, denial: Denial) -> Denial:
        return denial if self._on_deny is None else self._on_deny(denial)
