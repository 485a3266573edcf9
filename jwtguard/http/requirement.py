"""Per-route requirements a verified token must also meet: scopes, roles, a predicate,
its sender binding."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jwtguard.claims import Claims
from jwtguard.errors import ConfigError, InsufficientScopeError, TokenError
from jwtguard.oauth.binding import Binding, check_binding, confirmation, demand_refusal

__all__ = ["Predicate", "Requirement"]

logger = logging.getLogger("jwtguard.adapters")

Predicate = Callable[[Claims], bool]


def _words(value: str | Iterable[str], what: str) -> frozenset[str]:
    items = value.split() if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) and v and not any(c.isspace() for c in v) for v in items):
        raise ConfigError(f"{what}: each entry must be a non-empty string without spaces")
    return frozenset(items)


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a verified token must also satisfy for one route (or the whole app).

    ``scopes``: all of them must be granted (``scope`` space-separated or ``scp``).
    ``roles``: all of them must be in the roles claim. ``predicate(claims)``
    must return True (an exception counts as False). ``optional``: a request
    without any token is let through anonymously; a bad token is still refused.
    ``binding``: the sender constraint the token must have (see
    :data:`jwtguard.oauth.Binding`; None: the resource server's default, which accepts
    bearer tokens unless ``require_binding``). A pipeline without a resource server
    accepts no bound token, so a route demanding a binding refuses every token there.
    """

    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    predicate: Predicate | None = None
    optional: bool = False
    binding: Binding | None = None
    checks_claims: bool = field(init=False, repr=False, compare=False)
    """True when a verified token can still fail this requirement."""

    def __post_init__(self) -> None:
        checks = bool(self.scopes or self.roles or self.predicate is not None) or (
            self.binding not in (None, "bearer")
        )
        object.__setattr__(self, "checks_claims", checks)
        check_binding(self.binding, "binding")

    @classmethod
    def build(
        cls,
        scopes: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        predicate: Predicate | None = None,
        optional: bool = False,
        binding: Binding | None = None,
    ) -> Requirement:
        """A Requirement from strings (space-separated) or iterables, validated."""
        if predicate is not None and not callable(predicate):
            raise ConfigError("predicate: must be callable")
        return cls(
            _words(scopes, "scopes"), _words(roles, "roles"), predicate, bool(optional), binding
        )

    def check(self, claims: Claims, roles_claim: tuple[str, ...]) -> TokenError | None:
        """The refusal for ``claims``, or None when they satisfy this requirement. The
        binding is read from the ``cnf`` of claims a pipeline accepted (with its proof or
        certificate checked), so it holds after authentication too (DRF permissions)."""
        if self.binding is not None and self.binding != "bearer":
            try:
                refusal = demand_refusal(self.binding, confirmation(claims))
            except TokenError as exc:
                return exc
            if refusal is not None:
                return refusal
        if self.scopes and not self.scopes <= claims.scopes:
            return InsufficientScopeError(sorted(self.scopes))
        if self.roles and not self.roles <= _roles(claims, roles_claim):
            return InsufficientScopeError(
                sorted(self.scopes), "The access token lacks the required role."
            )
        if self.predicate is not None:
            try:
                ok = self.predicate(claims) is True
            except Exception as exc:  # noqa: BLE001 - hostile claims must not become a 500
                logger.warning("jwtguard: claim predicate raised %s", type(exc).__name__)
                ok = False
            if not ok:
                return InsufficientScopeError(
                    sorted(self.scopes), "The access token does not grant access."
                )
        return None


def _roles(claims: Claims, path: tuple[str, ...]) -> frozenset[str]:
    value: Any = claims
    for name in path:
        if not isinstance(value, Mapping):
            return frozenset()
        value = value.get(name)
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, tuple):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset()
