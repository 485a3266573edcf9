"""A refusal ready to send, in every adapter's terms (RFC 6750 section 3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jwtguard.errors import InvalidClaimError, TokenError
from jwtguard.http.challenges import Challenges, challenge, error_body

__all__ = ["Denial", "deny_for", "unknown_user"]

_NO_USER = "The access token's user is unknown or inactive."


@dataclass(frozen=True, slots=True)
class Denial:
    """A refusal, ready to send: status, headers (``str`` and ASGI bytes) and JSON body."""

    status: int
    code: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...] = field(default=(), repr=False)

    @classmethod
    def build(
        cls, status: int, code: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Denial:
        """A Denial whose ASGI headers are derived from ``headers`` (latin-1)."""
        pairs = tuple(headers)
        raw = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs)
        return cls(status, code, pairs, body, raw)

    def joined_headers(self) -> dict[str, str]:
        """The headers as one value per name, repeated ones joined with ``", "`` (RFC 9110
        section 5.3; two challenges become one ``WWW-Authenticate`` list), for frameworks
        whose response headers are a mapping."""
        joined: dict[str, str] = {}
        for name, value in self.headers:
            joined[name] = joined[name] + ", " + value if name in joined else value
        return joined


def deny_for(
    error: TokenError,
    realm: str | None,
    challenges: Challenges | None = None,
    scheme: str | None = None,
) -> Denial:
    """The RFC 6750 answer to ``error``: its status, a JSON body, no-store, and a challenge
    on every 401 (RFC 9110 section 15.5.2) and on a 400 or 403 that carries an RFC 6750
    error (not a CSRF refusal: no token would answer it).

    With ``challenges`` (a resource server's), every challenge they name is sent, the
    error on the one of ``scheme`` (the request's), and a ``use_dpop_nonce`` refusal
    carries its ``DPoP-Nonce`` (RFC 9449 section 9).
    """
    body = error_body(error)
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
    ]
    if error.status_code == 401 or (error.rfc6750_error and error.status_code in (400, 403)):
        if challenges is None:
            headers.append(("WWW-Authenticate", challenge(realm, error)))
        else:
            headers.extend(("WWW-Authenticate", v) for v in challenges.values(error, scheme))
    nonce = getattr(error, "nonce", None)
    if isinstance(nonce, str):
        headers.append(("DPoP-Nonce", nonce))
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, (int, float)) and retry_after >= 0:
        headers.append(("Retry-After", str(int(retry_after + 0.999))))
    return Denial.build(error.status_code, error.code, headers, body)


def unknown_user() -> InvalidClaimError:
    """The refusal of a verified token whose user a loader could not find (or found
    inactive): 401 ``invalid_token``, code ``invalid_claim``, as every adapter answers it."""
    return InvalidClaimError("sub", "no active user", _NO_USER)
