"""How a refusal is answered (RFC 6750 section 3): the ``WWW-Authenticate`` challenges
and the JSON error body. Fixed descriptions only: never a token or a claim value.

A resource server that accepts DPoP (RFC 9449 section 7.1) answers with a ``DPoP``
challenge (``algs`` naming the proof algorithms) beside or instead of the ``Bearer`` one,
and names its RFC 9728 metadata in each (``resource_metadata``); the error is carried by
the challenge of the scheme the request used (a proof error always by ``DPoP``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from jwtguard.errors import TokenError

__all__ = ["Challenges", "challenge", "error_body", "quote"]

_NOT_DESCRIPTION: Final = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
_NOT_SCOPE: Final = re.compile(r"[^\x21\x23-\x5b\x5d-\x7e]")


def quote(value: str) -> str:
    """An RFC 9110 quoted-string; control characters are dropped (no header injection)."""
    cleaned = "".join(c for c in value if c == "\t" or 0x20 <= ord(c) < 0x7F)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def challenge(
    realm: str | None,
    error: TokenError | None = None,
    *,
    scheme: str = "Bearer",
    extra: tuple[str, ...] = (),
) -> str:
    """The ``WWW-Authenticate`` value for a refusal (RFC 6750 section 3).

    No error attributes when ``error`` is None or a :class:`MissingTokenError`;
    ``scope`` is added for an insufficient scope that names what is required.
    ``extra``: further ready ``name="value"`` parameters (``algs``, ``resource_metadata``).
    """
    params = [] if realm is None else [f"realm={quote(realm)}"]
    if error is not None and error.rfc6750_error:
        params.append(f'error="{error.rfc6750_error}"')
        description = _NOT_DESCRIPTION.sub("", error.description)
        if description:
            params.append(f'error_description="{description}"')
        required = getattr(error, "required", ())
        if error.rfc6750_error == "insufficient_scope" and required:
            scopes = " ".join(s for s in (_NOT_SCOPE.sub("", r) for r in required) if s)
            if scopes:
                params.append(f'scope="{scopes}"')
    params.extend(extra)
    return scheme + " " + ", ".join(params) if params else scheme


@dataclass(frozen=True, slots=True)
class Challenges:
    """The challenges a route answers with: ``Bearer`` (when bearer tokens are accepted),
    ``DPoP`` with ``algs`` (when ``dpop_algs``), each naming ``resource_metadata``."""

    realm: str | None
    bearer: bool = True
    dpop_algs: str | None = None
    resource_metadata: str | None = None

    def values(self, error: TokenError | None, scheme: str | None) -> list[str]:
        """The ``WWW-Authenticate`` values for ``error`` on a request that used ``scheme``
        (``"DPoP"``, ``"Bearer"``, or None): the error goes on that scheme's challenge."""
        metadata = (
            ()
            if self.resource_metadata is None
            else (f"resource_metadata={quote(self.resource_metadata)}",)
        )
        dpop_carries = self.dpop_algs is not None and (scheme == "DPoP" or not self.bearer)
        carrier = "DPoP" if dpop_carries else "Bearer"
        found = []
        if self.bearer or self.dpop_algs is None:
            found.append(
                challenge(self.realm, error if carrier == "Bearer" else None, extra=metadata)
            )
        if self.dpop_algs is not None:
            extra = (f'algs="{self.dpop_algs}"', *metadata)
            found.append(
                challenge(
                    self.realm, error if carrier == "DPoP" else None, scheme="DPoP", extra=extra
                )
            )
        return found


def error_body(error: TokenError) -> bytes:
    """The JSON body ``{"error": ..., "error_description": ...}`` for a refusal.

    ``error`` is the RFC 6750 code, except for server-side failures (5xx, e.g. the
    revocation store is down), where ``invalid_token`` would make a client throw
    away a good token: those carry jwtguard's own code.
    """
    code = error.rfc6750_error if error.status_code < 500 else ""
    return json.dumps(
        {"error": code or error.code, "error_description": error.description},
        separators=(",", ":"),
    ).encode("utf-8")
