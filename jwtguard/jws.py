"""Verify a compact JWS and return its payload bytes, with no claim checks.

For payloads that are not JWT claim sets (test vectors, signed documents).
The JWS rules are exactly :class:`jwtguard.Guard`'s, since both run the same
``_jws`` layer: size cap, strict base64url, a duplicate-free JSON header, the
mandatory allow-list, ``crit``/``b64`` refused, key chosen by ``kid`` and bound
to its algorithm family, signature. Nothing is cached; ``exp`` and friends are
not looked at (use :meth:`jwtguard.Guard.verify` for tokens).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from jwtguard.errors import MalformedTokenError, TokenError
from jwtguard.jose import (
    JWSReader,
    check_signature,
    decode_alphabet_checked,
    decode_standard,
    parse_json_object,
)
from jwtguard.keys.coerce import KeyInput, as_key_source
from jwtguard.policy import DEFAULT_MAX_TOKEN_BYTES, Policy

__all__ = ["verify_jws"]

logger = logging.getLogger("jwtguard")


def verify_jws(
    token: str | bytes,
    keys: KeyInput,
    algorithms: str | Iterable[str],
    *,
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
) -> tuple[dict[str, Any], bytes]:
    """Verify a compact JWS; return ``(protected header, payload bytes)``.

    ``keys`` takes what ``Guard(key=...)`` takes; pass a :class:`jwtguard.Key`
    or :class:`jwtguard.KeySet` to parse keys once rather than on every call.
    ``algorithms`` is the mandatory allow-list (``none`` is a
    :class:`jwtguard.ConfigError`). Any token whatsoever ends in the header and
    payload or a :class:`jwtguard.TokenError`; the payload is returned only
    after its signature verified. The JSON serialisations are not read.
    """
    policy = Policy.build(algorithms=algorithms, max_token_bytes=max_token_bytes)
    source = as_key_source(keys, policy.algorithms)
    reader = JWSReader(policy.algorithms, policy.max_token_bytes, None)
    try:
        signed = reader.split(token)
        check_signature(signed, source.find(signed.header.kid, signed.header.alg))
        header_segment = signed.token.partition(".")[0]
        header = parse_json_object(decode_alphabet_checked(header_segment))
        payload = decode_standard(signed.payload_b64)
    except TokenError:
        raise
    except ValueError:  # the payload segment is not canonical base64url
        raise MalformedTokenError from None
    except Exception as exc:  # noqa: BLE001 - the contract: only TokenError escapes
        # Only the exception type is logged: its message could quote the input.
        logger.error("jwtguard: unexpected %s while verifying a JWS", type(exc).__name__)
        raise MalformedTokenError from None
    return header, payload
