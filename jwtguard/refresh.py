"""Access and refresh token pairs with rotation and reuse detection (RFC 9700 section 4.14).

Login issues a pair: a short-lived access token and a long-lived refresh token,
both carrying a random family id (``fam``). Each :meth:`RefreshTokens.refresh`
spends the refresh token (its ``jti`` is revoked) and returns a new pair in the
same family. Presenting a spent refresh token again is reuse (a stolen copy, or
the legitimate client after the thief): the whole family is revoked, so both
parties must log in again. Logout revokes the family.

The two kinds can never stand in for each other: refresh tokens carry their own
``aud`` (which the access Guard refuses: it is not one of its audiences) and the
header ``typ`` ``rt+jwt`` (which the refresh verifier requires). Their lifetime
is their signed ``exp``.

Kept whole: :class:`RefreshTokens` is one rotation scheme (issue, rotate, detect reuse,
log out), each sequence written once as a flow for its sync and async stores.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from jwtguard._flow import Call, arun_calls, run_calls
from jwtguard.claims import thaw
from jwtguard.errors import ConfigError, ExpiredTokenError, RevokedTokenError
from jwtguard.guard import Guard
from jwtguard.issuer import TokenIssuer
from jwtguard.keys import Key
from jwtguard.protocols import AsyncRevocationStore, RevocationStore
from jwtguard.revocation import FAMILY_CLAIM, MemoryRevocationStore

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.guard import KeyInput

__all__ = [
    "DEFAULT_REFRESH_AUDIENCE",
    "REFRESH_TYP",
    "RefreshTokenReusedError",
    "RefreshTokens",
    "TokenPair",
]

REFRESH_TYP: Final = "rt+jwt"
"""The header ``typ`` of refresh tokens."""

DEFAULT_REFRESH_AUDIENCE: Final = "jwtguard:refresh"
"""The ``aud`` of refresh tokens unless configured: never an access audience."""

_REGISTERED: Final = frozenset(
    {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", FAMILY_CLAIM, "auth_time"}
)
_CARRIED: Final = "ctx"  # the access claims a refresh token carries to the next pair


class RefreshTokenReusedError(RevokedTokenError):
    """A refresh token was presented after it had been used: its family is now revoked."""

    code = "refresh_token_reused"
    default_description = "The refresh token was already used; the session is revoked."


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What login and refresh return. ``as_dict`` is the RFC 6749 section 5.1 body."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    family: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret

    def as_dict(self) -> dict[str, Any]:
        """``{"access_token", "token_type", "expires_in", "refresh_token"}`` for a JSON body."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }

    def __repr__(self) -> str:
        return f"TokenPair(<tokens hidden>, expires_in={self.expires_in})"


class RefreshTokens:
    """Issues pairs, rotates refresh tokens, detects reuse, logs out. Thread-safe.

    Args:
        access: the Guard that verifies access tokens (and issues them). Give it
            the same store (``Guard(..., revocation=store)``) so that logout and
            reuse detection also stop the family's access tokens at once.
        store: where spent tokens and revoked families are recorded; default
            ``access.revocation`` when that is a store, else a new memory store.
        refresh_key: sign and verify refresh tokens with another key (default:
            the access signing key; the audience and ``typ`` keep them apart).
        refresh_algorithms: the allow-list for ``refresh_key`` (default: its own
            algorithms when it is a :class:`Key`, else the access Guard's).
        refresh_audience: ``aud`` of refresh tokens; must not be an access audience.
        refresh_ttl: refresh-token lifetime (seconds); each rotation starts a new one.
        max_session: optional cap (seconds since login) no rotation can extend.
        access_ttl: access-token lifetime (default: the access Guard's).
        reload: ``reload(refresh_claims) -> claims`` builds the next access token's
            claims (e.g. re-read roles; raise a ``TokenError`` to refuse). By
            default the claims given at login are carried, signed, in the refresh token.
    """

    def __init__(
        self,
        access: Guard,
        *,
        store: RevocationStore | AsyncRevocationStore | None = None,
        refresh_key: KeyInput | None = None,
        refresh_algorithms: Iterable[str] | None = None,
        refresh_audience: str = DEFAULT_REFRESH_AUDIENCE,
        refresh_ttl: float = 14 * 86400,
        max_session: float | None = None,
        access_ttl: float | None = None,
        reload: Callable[[Claims], Mapping[str, Any]] | None = None,
    ) -> None:
        policy = access.policy
        problems = []
        if refresh_audience in policy.audience:
            problems.append("refresh_audience: must differ from every access-token audience")
        if (policy.typ or "").lower().removeprefix("application/") == REFRESH_TYP:
            problems.append(f"typ: the access Guard must not accept {REFRESH_TYP!r}")
        for name, value in (("refresh_ttl", refresh_ttl), ("max_session", max_session)):
            if value is not None and (
                not isinstance(value, (int, float)) or not 0 < value < math.inf
            ):
                problems.append(f"{name}: must be a positive number of seconds")
        if problems:
            raise ConfigError(problems)
        if store is None:
            found = access.revocation
            store = (
                found
                if isinstance(found, (RevocationStore, AsyncRevocationStore))
                else MemoryRevocationStore(clock=access.clock)
            )
        self.access = access
        self.store = store
        self.refresh_ttl = float(refresh_ttl)
        self.max_session = max_session
        self.access_ttl = access_ttl
        self.reload = reload
        self.clock = access.clock
        self.verifier = Guard(
            access.keys if refresh_key is None else refresh_key,
            algorithms=_refresh_algorithms(refresh_key, refresh_algorithms, policy.algorithms),
            audience=refresh_audience,
            issuer=policy.issuer or None,
            leeway=policy.leeway,
            require=("exp", "iat", "jti", "sub", FAMILY_CLAIM),
            typ=REFRESH_TYP,
            max_token_bytes=policy.max_token_bytes,
            cache_size=0,  # each refresh token is used once: nothing to gain
            clock=access.clock,
        )
        """Verifies refresh tokens (signature, ``typ``, ``aud``, ``exp``); no revocation."""
        if refresh_key is None:
            signer = access.issuer
            self.issuer = TokenIssuer(
                signer.key,
                signer.algorithm,
                audience=refresh_audience,
                issuer=policy.issuer[0] if policy.issuer else None,
                ttl=self.refresh_ttl,
                typ=REFRESH_TYP,
                clock=access.clock,
            )
        else:
            self.issuer = TokenIssuer.for_guard(self.verifier, None, self.refresh_ttl)

    # -- issuing -----------------------------------------------------------------------

    def issue(self, claims: Mapping[str, Any]) -> TokenPair:
        """Log in: a new pair (a new family) for ``claims``, which must include ``sub``."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ValueError("claims must include 'sub', a non-empty string")
        now = self.clock()
        return self._pair(dict(claims), secrets.token_urlsafe(16), now, now)

    def _pair(self, claims: dict[str, Any], family: str, auth_time: float, now: float) -> TokenPair:
        refresh_ttl = self.refresh_ttl
        if self.max_session is not None:
            refresh_ttl = min(refresh_ttl, auth_time + self.max_session - now)
            if refresh_ttl < 1:
                raise ExpiredTokenError("auth_time", "session", "The session expired.")
        access_ttl = self.access_ttl if self.access_ttl is not None else self.access.issuer.ttl
        access_ttl = min(access_ttl, refresh_ttl)
        carried = {k: v for k, v in claims.items() if k not in _REGISTERED}
        access_token = self.access.issue({**claims, FAMILY_CLAIM: family}, ttl=access_ttl)
        refresh_claims = {
            "sub": claims["sub"],
            FAMILY_CLAIM: family,
            "auth_time": int(auth_time),
            _CARRIED: carried,
        }
        refresh_token = self.issuer.issue(refresh_claims, ttl=refresh_ttl)
        return TokenPair(access_token, refresh_token, int(access_ttl), int(refresh_ttl), family)

    def _next(self, claims: Claims) -> TokenPair:
        if self.reload is not None:
            fresh = dict(self.reload(claims))
        else:
            carried = claims.get(_CARRIED)
            fresh = dict(carried) if isinstance(carried, Mapping) else {}
        fresh["sub"] = claims["sub"]
        auth_time = claims.get("auth_time")
        start = auth_time if isinstance(auth_time, (int, float)) else claims["iat"]
        return self._pair(thaw(fresh), claims[FAMILY_CLAIM], start, self.clock())

    def _family_until(self) -> float:
        return self.clock() + self.refresh_ttl

    # -- rotation ----------------------------------------------------------------------

    def refresh(self, refresh_token: str | bytes) -> TokenPair:
        """Spend ``refresh_token`` and return a new pair in its family.

        Raises a ``TokenError``: :class:`RefreshTokenReusedError` on reuse (the
        family is revoked), ``RevokedTokenError`` after logout, a claim error
        when it expired, ``RevocationUnavailableError`` when the store is away.
        """
        store = self._sync_store()
        return run_calls(self._rotation(self.verifier.verify(refresh_token)), store)

    async def arefresh(self, refresh_token: str | bytes) -> TokenPair:
        """:meth:`refresh` for async code (the store is awaited)."""
        store = self._async_store()
        return await arun_calls(self._rotation(self.verifier.verify(refresh_token)), store)

    def _rotation(self, claims: Claims) -> Generator[Call, Any, TokenPair]:
        """Spend a verified refresh token: the sequence both drivers run."""
        jti, family = claims["jti"], claims[FAMILY_CLAIM]
        if (yield Call("check", claims)):
            if (yield Call("is_jti_revoked", jti)):
                yield Call("revoke_family", family, self._family_until())
                raise RefreshTokenReusedError
            raise RevokedTokenError("The refresh token was revoked.")
        if not (yield Call("revoke", jti, claims["exp"])):  # lost a race with another use
            yield Call("revoke_family", family, self._family_until())
            raise RefreshTokenReusedError
        return self._next(claims)

    # -- logout ------------------------------------------------------------------------

    def logout(self, token: str | bytes | Claims) -> None:
        """Revoke the family of a refresh token (or of verified access-token claims).

        Raises a ``TokenError`` when a token given as text does not verify; a
        family without ``fam`` (a token from elsewhere) is left alone.
        """
        run_calls(self._logout(token), self._sync_store())

    async def alogout(self, token: str | bytes | Claims) -> None:
        """:meth:`logout` for async code."""
        await arun_calls(self._logout(token), self._async_store())

    def _logout(self, token: str | bytes | Claims) -> Generator[Call, Any, None]:
        family = self._family_of(token)
        if family is not None:
            yield Call("revoke_family", family, self._family_until())

    def logout_everywhere(self, subject: str) -> None:
        """Revoke every token of ``subject`` issued until now (every session, every device)."""
        run_calls(self._logout_everywhere(subject), self._sync_store())

    async def alogout_everywhere(self, subject: str) -> None:
        """:meth:`logout_everywhere` for async code."""
        await arun_calls(self._logout_everywhere(subject), self._async_store())

    def _logout_everywhere(self, subject: str) -> Generator[Call, Any, None]:
        cutoff = math.floor(self.clock()) + 1.0
        yield Call(
            "revoke_subject", subject, issued_before=cutoff, expires_at=cutoff + self.refresh_ttl
        )

    def _family_of(self, token: str | bytes | Claims) -> str | None:
        claims = token if isinstance(token, Mapping) else self.verifier.verify(token)
        family = claims.get(FAMILY_CLAIM)
        return family if isinstance(family, str) else None

    def _sync_store(self) -> RevocationStore:
        if not isinstance(self.store, RevocationStore):
            raise ConfigError("store: this store is async-only; use the a* methods")
        return self.store

    def _async_store(self) -> AsyncRevocationStore:
        if not isinstance(self.store, AsyncRevocationStore):
            raise ConfigError("store: this store is sync-only; use the sync methods")
        return self.store


def _refresh_algorithms(
    key: Any, chosen: Iterable[str] | None, access: tuple[str, ...]
) -> tuple[str, ...]:
    if chosen is not None:
        return tuple(chosen)
    if isinstance(key, Key):
        return tuple(key.algorithms)
    return access
