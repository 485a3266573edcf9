"""What ``jwtguard bench`` times: the key, algorithm and policy of the ``JWTGUARD_*``
configuration (or an ephemeral key for ``--alg``), and the token: the user's own
(``--token``), one re-signed like it, or a typical access token."""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jwtguard.cli._common import UsageError
from jwtguard.config.dotenv import read_dotenv
from jwtguard.config.settings import Settings
from jwtguard.errors import TokenError
from jwtguard.guard import Guard
from jwtguard.keys import Key
from jwtguard.testing import generate_key

if TYPE_CHECKING:
    pass

__all__ = ["Subject", "Timed", "chosen_token", "subject_for", "unverified"]

_AUDIENCE = "https://api.example.com"
_ISSUER = "https://issuer.example.com/"
_CACHE_SIZE = 10_000
_LIFETIME = 3600


@dataclass(frozen=True)
class Subject:
    """What is timed: a key and a policy, as the user has them."""

    key_source: str
    make_guard: Callable[[bool], Guard]  # cached? -> a Guard
    can_sign: bool = True
    audience: tuple[str, ...] = ()
    issuer: str | None = None
    notes: tuple[str, ...] = ()


def _configured() -> bool:
    """Whether any jwtguard variable is set (in the environment or ./.env)."""
    names = {**read_dotenv(None, []), **os.environ}
    return any(n.startswith("JWTGUARD_") or n == "JWT_SECRET_KEY" for n in names)


def _ephemeral(algorithm: str, audience: tuple[str, ...], issuer: str | None) -> Subject:
    try:
        key = generate_key(algorithm)
    except ValueError:
        raise UsageError(f"--alg {algorithm}: no key generator for it; try --alg ES256") from None

    def make_guard(cached: bool) -> Guard:
        return Guard(
            key,
            algorithms=[algorithm],
            audience=audience or None,
            issuer=issuer,
            cache_size=_CACHE_SIZE if cached else 0,
        )

    return Subject(f"an ephemeral {algorithm} key", make_guard, True, audience, issuer)


def _key_source(settings: Settings) -> str:
    """The variable the key came from, as the user spelt it."""
    if settings.secret_key is not None:
        name = "JWTGUARD_SECRET_KEY" if "JWTGUARD_SECRET_KEY" in os.environ else "JWT_SECRET_KEY"
        return name if name in os.environ else "JWTGUARD_SECRET_KEY (.env)"
    name = "JWTGUARD_PUBLIC_KEY" if settings.public_key is not None else "JWTGUARD_PRIVATE_KEY"
    return name + "_FILE" if os.environ.get(name + "_FILE") else name


def _configuredsubject_for() -> Subject:
    settings = Settings.from_env()
    audience, issuer = settings.audience, settings.issuer
    if settings.jwks_url is not None or settings.oidc_issuer is not None:
        subject = _ephemeral(settings.algorithms[0], audience, issuer)
        return replace(subject, key_source=subject.key_source + " (the configured keys are remote)")
    cache_size = settings.cache_size or _CACHE_SIZE

    def make_guard(cached: bool) -> Guard:
        size = cache_size if cached else 0
        return Guard.from_settings(settings, revocation=None, cache_size=size)

    can_sign = settings.secret_key is not None or settings.private_key is not None
    return Subject(_key_source(settings), make_guard, can_sign, audience, issuer)


def subject_for(args: argparse.Namespace) -> Subject:
    if args.alg is not None:
        return _ephemeral(args.alg, (_AUDIENCE,), _ISSUER)
    if _configured():
        return _configuredsubject_for()
    subject = _ephemeral("HS256", (_AUDIENCE,), _ISSUER)
    return replace(
        subject, notes=("no JWTGUARD_* configuration; --alg ALG times another algorithm",)
    )


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of ``token``, read without any check (only to copy its shape)."""
    try:
        header, payload, _ = token.split(".")
        parts = [
            json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (header, payload)
        ]
    except (ValueError, RecursionError):  # RecursionError: JSON nested beyond reason
        raise UsageError("--token: not a compact JWS with a JSON header and payload") from None
    if not all(isinstance(part, dict) for part in parts):
        raise UsageError("--token: not a compact JWS with a JSON header and payload")
    return parts[0], parts[1]


def chosen_token(
    args: argparse.Namespace, subject: Subject, guard: Guard, theirs: str | None
) -> tuple[str, str]:
    """The token to time and what it is: the user's own, one like it, or a typical one."""
    margin = args.seconds + 60
    if theirs is None and not subject.can_sign:
        raise UsageError(
            f"{subject.key_source} only verifies: pass --token with one of your tokens, set "
            "JWTGUARD_PRIVATE_KEY_FILE, or --alg ALG for an ephemeral key"
        )
    if theirs is None:
        claims = {"sub": "user-42", "scope": "read write"}
        return guard.issue(claims, ttl=max(_LIFETIME, margin)), "a typical access token"
    try:
        claims_now = guard.verify(theirs)
        exp = claims_now.get("exp")
        if isinstance(exp, (int, float)) and exp - time.time() > margin:
            return theirs, "your token"
        reason = "it expires too soon" if isinstance(exp, (int, float)) else "it has no exp"
    except TokenError as exc:
        reason = f"this configuration refuses it: {exc.code}"
    if not subject.can_sign:
        raise UsageError(
            f"--token: {reason}; with only a public key, bench needs a token the configuration "
            "accepts for the next minute (or --alg for an ephemeral key)"
        )
    _, template = unverified(theirs)
    for name in ("exp", "nbf", "iat", "aud", "iss"):
        template.pop(name, None)
    try:
        token = guard.issue(template, ttl=max(_LIFETIME, margin))
        guard.verify(token)
    except TokenError as exc:
        raise UsageError(f"--token: refused even re-signed: {exc.description}") from None
    return token, f"a token like yours, re-signed ({reason})"


@dataclass(frozen=True)
class Timed:
    """The subject with its token chosen: the token's algorithm and the key that verifies it."""

    subject: Subject
    token: str
    token_source: str
    algorithm: str
    key: Key

    @classmethod
    def of(cls, subject: Subject, token: str, token_source: str) -> Timed:
        header, _ = unverified(token)
        keys = subject.make_guard(False).keys
        key = keys.find(header.get("kid"), header["alg"])[0]
        return cls(subject, token, token_source, header["alg"], key)
