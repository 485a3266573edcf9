"""How a refusal is answered (RFC 6750 section 3): the ``WWW-Authenticate`` challenge
and the JSON error body. Fixed descriptions only: never a token or a claim value."""

from __future__ import annotations

import json
import re
from typing import Final

from jwtguard.errors import TokenError

__all__ = ["challenge", "error_body", "quote"]

_NOT_DESCRIPTION: Final = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
_NOT_SCOPE: Final = re.compile(r"[^\x21\x23-\x5b\x5d-\x7e]")


def quote(value: str) -> str:
    """An RFC 9110 quoted-string; control characters are dropped (no header injection)."""
    cleaned = "".join(c for c in value if c == "\t" or 0x20 <= ord(c) < 0x7F)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def challenge(realm: str | None, error: TokenError | None = None) -> str:
    """The ``WWW-Authenticate`` value for a refusal (RFC 6750 section 3).

    No error attributes when ``error`` is None or a :class:`MissingTokenError`;
    ``scope`` is added for an insufficient scope that names what is required.
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
    return "Bearer " + ", ".join(params) if params else "Bearer"


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
