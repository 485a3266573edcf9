"""``request.user`` and ``request.auth`` for the ASGI middleware, in the shape of
Starlette's ``BaseUser`` and ``AuthCredentials`` (duck-typed classes without Starlette)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jwtguard.claims import Claims

if TYPE_CHECKING:
    from starlette.authentication import AuthCredentials as _CredentialsBase
    from starlette.authentication import BaseUser as _UserBase
else:
    try:
        from starlette.authentication import AuthCredentials as _CredentialsBase
        from starlette.authentication import BaseUser as _UserBase
    except ImportError:  # a plain ASGI app without Starlette: duck-typed classes
        _CredentialsBase = _UserBase = object

__all__ = ["ANONYMOUS", "NO_CREDENTIALS", "JWTAuthCredentials", "JWTUser"]


class JWTUser(_UserBase):
    """``request.user`` for a verified token: ``identity``/``display_name`` are ``sub``."""

    def __init__(self, claims: Claims | None) -> None:
        self.claims = claims

    @property
    def is_authenticated(self) -> bool:
        """True when a token was verified (False for anonymous requests)."""
        return self.claims is not None

    @property
    def display_name(self) -> str:
        """The subject (``sub``), or ``""``."""
        return (self.claims.subject if self.claims is not None else None) or ""

    @property
    def identity(self) -> str:
        """The subject (``sub``), or ``""``."""
        return self.display_name


class JWTAuthCredentials(_CredentialsBase):
    """``request.auth``: ``scopes`` and ``claims``.

    ``scopes`` is ``"authenticated"`` followed by the token's scopes, sorted, as a tuple
    (Starlette's is a list): one object serves every request with the same token, so it
    must not be mutable.
    """

    def __init__(self, claims: Claims | None) -> None:
        self.claims = claims
        if claims is None:
            self.scopes = ()  # type: ignore[assignment]
        else:  # Starlette's convention: an authenticated request has "authenticated"
            granted = sorted(claims.scopes - {"authenticated"})
            self.scopes = ("authenticated", *granted)  # type: ignore[assignment]


ANONYMOUS = JWTUser(None)
"""The user of a request without a token (on an optional route)."""
NO_CREDENTIALS = JWTAuthCredentials(None)
"""The credentials of a request without a token."""
