"""What an access token is bound to (its ``cnf`` claim, RFC 7800) and what a route demands.

``cnf.jkt`` binds it to a DPoP key (RFC 9449 section 6), ``cnf["x5t#S256"]`` to a client
certificate (RFC 8705 section 3.1). A ``cnf`` jwtguard cannot check (another
confirmation method, a wrong type) refuses the token: accepting it as a bearer token
would drop the very constraint its issuer put on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, cast

from jwtguard.claims import FrozenDict
from jwtguard.errors import BindingRequiredError, ConfigError, TokenBindingError

__all__ = [
    "BINDINGS",
    "Binding",
    "Confirmation",
    "check_binding",
    "confirmation",
    "demand_refusal",
]

Binding = Literal["bearer", "dpop", "mtls", "bound"]
"""A route's demand: ``"bearer"`` also accepts unbound tokens, ``"dpop"`` only
DPoP-bound ones with their proof, ``"mtls"`` only certificate-bound ones, ``"bound"``
either kind."""

BINDINGS: Final = frozenset({"bearer", "dpop", "mtls", "bound"})
_METHODS: Final = frozenset({"jkt", "x5t#S256"})
_UNCHECKABLE: Final = "The access token's confirmation method is not supported."

Confirmation = tuple[str | None, str | None]
"""``(jkt, x5t#S256)`` of a token; ``(None, None)`` for an unbound one."""

_UNBOUND: Final[Confirmation] = (None, None)
_OBJECTS: Final = (FrozenDict, dict)
_NEEDS: Final[dict[str, str]] = {
    "dpop": "This resource requires a DPoP-bound access token.",
    "mtls": "This resource requires a certificate-bound access token.",
    "bound": "This resource requires a sender-constrained access token.",
}


def confirmation(claims: Mapping[str, object]) -> Confirmation:
    """The DPoP key thumbprint and certificate thumbprint ``claims`` are bound to.

    Raises :class:`TokenBindingError` for a ``cnf`` that is not an object of string
    ``jkt``/``x5t#S256`` members.
    """
    found = claims.get("cnf")
    if found is None:
        return _UNBOUND
    # type() first: a Claims' objects are FrozenDicts (a parsed payload's are dicts),
    # and an ABC check costs a microsecond
    if type(found) not in _OBJECTS and not isinstance(found, Mapping):
        raise TokenBindingError(_UNCHECKABLE)
    cnf = cast("Mapping[str, object]", found)
    if not cnf or not _METHODS.issuperset(cnf):
        raise TokenBindingError(_UNCHECKABLE)
    jkt = cnf.get("jkt")
    x5t = cnf.get("x5t#S256")
    if (jkt is not None and (type(jkt) is not str or not jkt)) or (
        x5t is not None and (type(x5t) is not str or not x5t)
    ):
        raise TokenBindingError(_UNCHECKABLE)
    return jkt, x5t


def check_binding(value: object, what: str) -> Binding | None:
    """``value`` as a :data:`Binding` (None stays None); ConfigError otherwise."""
    if value is None:
        return None
    if value not in BINDINGS:
        raise ConfigError(f"{what}: one of {', '.join(sorted(BINDINGS))}")
    return value  # type: ignore[return-value]


def demand_refusal(demand: Binding, bound: Confirmation) -> BindingRequiredError | None:
    """The refusal of a token bound to ``bound`` (``(jkt, x5t#S256)``) on a route that
    demands ``demand``, or None. Only tokens whose binding was checked get here (a
    ``jkt`` with its proof, an ``x5t#S256`` with its certificate), so the ``cnf`` says
    how the request was sent."""
    jkt, x5t = bound
    if (
        demand == "bearer"
        or (demand == "dpop" and jkt is not None)
        or (demand == "mtls" and x5t is not None)
        or (demand == "bound" and (jkt is not None or x5t is not None))
    ):
        return None
    return BindingRequiredError(_NEEDS[demand])
