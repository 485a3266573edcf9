"""``jwtguard bench``: what verification costs on this machine, with the floor beside it.

The key, algorithm and policy are the ``JWTGUARD_*`` configuration's (or an
ephemeral key for ``--alg``), the token is the user's own (``--token``), one
re-signed like it, or a typical access token. Each jwtguard path is timed side
by side with its floor (see ``_floors``) and reported as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.metadata
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jwtguard import __version__
from jwtguard.cli._common import UsageError, read_token
from jwtguard.cli._serve import ADAPTERS
from jwtguard.cli._table import table
from jwtguard.cli._timing import Timing, side_by_side
from jwtguard.config.dotenv import read_dotenv
from jwtguard.config.settings import Settings
from jwtguard.errors import TokenError
from jwtguard.guard import Guard
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.keys import Key
from jwtguard.testing import generate_key

if TYPE_CHECKING:
    from jwtguard.cli._contenders import Row

__all__ = ["configure_bench"]

_AUDIENCE = "https://api.example.com"
_ISSUER = "https://issuer.example.com/"
_CACHE_SIZE = 10_000
_LIFETIME = 3600


@dataclass(frozen=True)
class _Subject:
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


def _ephemeral(algorithm: str, audience: tuple[str, ...], issuer: str | None) -> _Subject:
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

    return _Subject(f"an ephemeral {algorithm} key", make_guard, True, audience, issuer)


def _key_source(settings: Settings) -> str:
    """The variable the key came from, as the user spelt it."""
    if settings.secret_key is not None:
        name = "JWTGUARD_SECRET_KEY" if "JWTGUARD_SECRET_KEY" in os.environ else "JWT_SECRET_KEY"
        return name if name in os.environ else "JWTGUARD_SECRET_KEY (.env)"
    name = "JWTGUARD_PUBLIC_KEY" if settings.public_key is not None else "JWTGUARD_PRIVATE_KEY"
    return name + "_FILE" if os.environ.get(name + "_FILE") else name


def _configured_subject() -> _Subject:
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
    return _Subject(_key_source(settings), make_guard, can_sign, audience, issuer)


def _subject(args: argparse.Namespace) -> _Subject:
    if args.alg is not None:
        return _ephemeral(args.alg, (_AUDIENCE,), _ISSUER)
    if _configured():
        return _configured_subject()
    subject = _ephemeral("HS256", (_AUDIENCE,), _ISSUER)
    return replace(
        subject, notes=("no JWTGUARD_* configuration; --alg ALG times another algorithm",)
    )


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
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


def _token(
    args: argparse.Namespace, subject: _Subject, guard: Guard, theirs: str | None
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
    _, template = _unverified(theirs)
    for name in ("exp", "nbf", "iat", "aud", "iss"):
        template.pop(name, None)
    try:
        token = guard.issue(template, ttl=max(_LIFETIME, margin))
        guard.verify(token)
    except TokenError as exc:
        raise UsageError(f"--token: refused even re-signed: {exc.description}") from None
    return token, f"a token like yours, re-signed ({reason})"


@dataclass(frozen=True)
class _Timed:
    """The subject with its token chosen: the token's algorithm and the key that verifies it."""

    subject: _Subject
    token: str
    token_source: str
    algorithm: str
    key: Key

    @classmethod
    def of(cls, subject: _Subject, token: str, token_source: str) -> _Timed:
        header, _ = _unverified(token)
        keys = subject.make_guard(False).keys
        key = keys.find(header.get("kid"), header["alg"])[0]
        return cls(subject, token, token_source, header["alg"], key)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _report(
    args: argparse.Namespace,
    timed: _Timed,
    timings: dict[str, Timing],
    rows: list[Row],
    rounds: int,
    elapsed: float,
) -> dict[str, Any]:
    subject = timed.subject
    results = []
    for row in rows:
        timing = timings[row.name]
        floor = timings.get(row.name + ".floor")
        result: dict[str, Any] = {
            "name": row.name,
            "label": row.label,
            "ns": timing.median_ns,
            "quartiles_ns": list(timing.quartiles_ns()),
            "floor": None if floor is None else {"label": row.floor_label, "ns": floor.median_ns},
            "ratio": None if floor is None else timing.ratio_to(floor),
        }
        bare = timings.get(row.name + ".bare")
        if bare is not None:
            result["bare_app_ns"] = bare.median_ns
        results.append(result)
    return {
        "algorithm": timed.algorithm,
        "key": subject.key_source,
        "token": {"source": timed.token_source, "bytes": len(timed.token)},
        "audience": list(subject.audience),
        "issuer": subject.issuer,
        "revocation": "not included",
        "security_headers": "the defaults" if args.adapter != "none" else None,
        "rounds": rounds,
        "seconds": round(elapsed, 2),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "cpus": os.cpu_count(),
            "jwtguard": __version__,
            "cryptography": _version("cryptography"),
        },
        "notes": list(subject.notes),
        "results": results,
    }


def _bench(args: argparse.Namespace) -> int:
    theirs = None if args.token is None else read_token(args.token)
    if theirs is not None:
        _unverified(theirs)  # a usage error before any key is made
    subject = _subject(args)
    timed = _Timed.of(subject, *_token(args, subject, subject.make_guard(False), theirs))
    # Imported here rather than at the top: the ASGI adapter imports Starlette when it is
    # installed, and every other jwtguard command starts without loading a web framework.
    from jwtguard.cli._contenders import Target, contenders

    target = Target(
        timed.token,
        timed.algorithm,
        timed.key,
        subject.audience,
        subject.issuer,
        uncached=subject.make_guard(False),
        cached=subject.make_guard(True),
    )
    loop = asyncio.new_event_loop()
    try:
        started = time.perf_counter()
        adapter = None if args.adapter == "none" else args.adapter
        runners, rows = contenders(target, adapter, loop)
        timings, rounds = side_by_side(runners, args.seconds - (time.perf_counter() - started))
        elapsed = time.perf_counter() - started
    finally:
        loop.close()
    report = _report(args, timed, timings, rows, rounds, elapsed)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number of seconds, e.g. 2") from None
    if not 0.05 <= value <= 600:
        raise argparse.ArgumentTypeError("between 0.05 and 600 seconds")
    return value


def configure_bench(bench: argparse.ArgumentParser) -> None:
    """The arguments of ``bench``."""
    bench.add_argument(
        "--alg",
        choices=sorted(SUPPORTED_ALGORITHMS),
        metavar="ALG",
        help="time an ephemeral key of this algorithm instead of the JWTGUARD_* key",
    )
    bench.add_argument(
        "--token",
        metavar="TOKEN",
        help="one of your tokens (- reads standard input): timed as is when the configuration "
        "accepts it, else re-signed with the same claims",
    )
    bench.add_argument(
        "--adapter",
        choices=(*ADAPTERS, "none"),
        default="asgi",
        help="also time a request through this middleware, in process (default: asgi)",
    )
    bench.add_argument("--seconds", type=_seconds, default=2.0, help="time budget (default: 2)")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.set_defaults(func=_bench)
