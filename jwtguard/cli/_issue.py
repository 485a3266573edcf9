"""``jwtguard issue``: a token from the JWTGUARD_* configuration that its own verify accepts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from jwtguard.cli._common import UsageError
from jwtguard.config.settings import Settings, parse_duration
from jwtguard.errors import (
    ClaimError,
    ConfigError,
    IssuedInFutureError,
    NotYetValidError,
    TokenError,
)
from jwtguard.guard import Guard
from jwtguard.jose.claims_check import NUMERIC_DATE_CLAIMS

__all__ = ["configure_issue"]

_CLAIM_HELP = (
    "NAME=TEXT sets a string; NAME:=JSON sets a JSON value (tenant:=42, roles:='[\"a\"]', "
    "flag:=true); exp, nbf and iat take a number either way (repeatable)"
)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _claim(text: str) -> tuple[str, Any]:
    """``--claim NAME=TEXT`` (a string, so ``sub=123`` is "123") or ``NAME:=JSON``."""
    name, sep, value = text.partition("=")
    as_json = name.endswith(":")
    name = name[:-1] if as_json else name
    if not sep or not name:
        raise UsageError("--claim expects NAME=TEXT or NAME:=JSON")
    if as_json or name in NUMERIC_DATE_CLAIMS:
        try:
            return name, json.loads(value, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            if as_json:
                raise UsageError(
                    f"--claim {name[:40]}:=...: not a JSON value (a string is NAME=TEXT)"
                ) from None
    return name, value  # a date that is not a number: refused below, in the verifier's words


def _claims(args: argparse.Namespace) -> dict[str, Any]:
    """Every claim the options set; one that is set twice is refused, not overwritten."""
    given = [_claim(text) for text in args.claim]
    if args.sub is not None:
        given.append(("sub", args.sub))
    if args.scope:
        given.append(("scope", " ".join(args.scope)))
    claims: dict[str, Any] = {}
    for name, value in given:
        if name in claims:
            raise UsageError(f"the {name[:40]!r} claim is given twice")
        claims[name] = value
    if args.ttl is not None and "exp" in claims:
        raise UsageError("--ttl and --claim exp=... both set the expiry: give one")
    return claims


def _signing_guard(settings: Settings) -> Guard:
    """A Guard that can sign with the configuration (no revocation store: nothing to check)."""
    if settings.secret_key is None and settings.private_key is None:
        if settings.jwks_url is not None or settings.oidc_issuer is not None:
            raise ConfigError(
                "JWTGUARD_JWKS_URL/JWTGUARD_OIDC_ISSUER: remote keys only verify; to issue, "
                "configure JWTGUARD_SECRET_KEY or JWTGUARD_PRIVATE_KEY_FILE instead"
            )
        raise ConfigError(
            "JWTGUARD_PUBLIC_KEY can only verify: to issue, also set JWTGUARD_PRIVATE_KEY_FILE "
            "(or JWTGUARD_PRIVATE_KEY) to its private key"
        )
    return Guard.from_settings(settings, revocation=None)


def _issue(args: argparse.Namespace) -> int:
    claims = _claims(args)
    settings = Settings.from_env()
    guard = _signing_guard(settings)
    try:
        token = guard.issue(claims, ttl=args.ttl)
    except TokenError as exc:  # a registered claim of the wrong type: verify would refuse it
        raise UsageError(exc.description) from None
    if settings.jwks_url is None and settings.oidc_issuer is None:
        try:
            guard.verify(token)
        except (NotYetValidError, IssuedInFutureError):
            # Valid later, as a future nbf or iat asks: then it must be accepted.
            starts = max(float(claims.get(name, 0)) for name in ("nbf", "iat"))
            _check_accepted(Guard.from_settings(settings, revocation=None, clock=lambda: starts),
                            token)  # fmt: skip
        except TokenError as exc:
            raise _refused(exc) from None
    print(token)
    return 0


def _check_accepted(guard: Guard, token: str) -> None:
    try:
        guard.verify(token)
    except TokenError as exc:
        raise _refused(exc, " once valid") from None


def _refused(exc: TokenError, when: str = "") -> UsageError:
    """Why a token that ``jwtguard verify`` with this configuration refuses is not printed."""
    what = f" (claim {exc.claim!r})" if isinstance(exc, ClaimError) else ""
    if exc.code == "invalid_signature":
        what = ": JWTGUARD_PRIVATE_KEY is not the private key of JWTGUARD_PUBLIC_KEY"
    return UsageError(
        f"this configuration's verify would refuse the token{when}: {exc.description}{what}"
    )


def _lifetime(text: str) -> float:
    """``--ttl``: a positive duration (argparse reports the error on one line)."""
    try:
        seconds = parse_duration(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("expected a duration such as 900, 15m or 1h") from None
    if seconds < 1:
        raise argparse.ArgumentTypeError("must be at least 1 second")
    return seconds


def configure_issue(issue: argparse.ArgumentParser) -> None:
    """The arguments of ``issue``."""
    issue.add_argument("--sub", help="subject")
    issue.add_argument(
        "--ttl",
        type=_lifetime,
        help="lifetime, e.g. 900, 15m, 1h (default: JWTGUARD_ACCESS_TTL, else 15m)",
    )
    issue.add_argument("--scope", action="append", default=[], help="a scope (repeatable)")
    issue.add_argument(
        "--claim", action="append", default=[], metavar="NAME=TEXT|NAME:=JSON", help=_CLAIM_HELP
    )
    issue.set_defaults(func=_issue)
