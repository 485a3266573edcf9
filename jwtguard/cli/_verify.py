"""``jwtguard verify`` and ``inspect``: check a token, or show it unverified."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from jwtguard.cli._common import UsageError, read_token
from jwtguard.config.settings import Settings
from jwtguard.errors import ClaimError, MalformedTokenError, TokenError
from jwtguard.guard import Guard
from jwtguard.jose import b64url_decode, parse_json_object
from jwtguard.keys.remote import JWKSFetchError

__all__ = ["configure_inspect", "configure_verify"]


# Blank, not removed: a blank variable counts as unset and also hides a value in ./.env.
_LOCAL_KEY_VARIABLES = {
    **{f"JWTGUARD_{name}": "" for name in ("SECRET_KEY", "PUBLIC_KEY", "PUBLIC_KEY_FILE",
                                           "PRIVATE_KEY", "PRIVATE_KEY_FILE", "JWKS_URL",
                                           "OIDC_ISSUER")},
    "JWT_SECRET_KEY": "",
}  # fmt: skip


def _check_remote_url(flag: str, url: str, allow_http: bool) -> None:
    """``--jwks-url``/``--oidc-issuer`` checked here, so every message names the CLI flag."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError(f"{flag}: not a valid URL") from None
    if parts.scheme == "http" and not allow_http:
        raise UsageError(f"{flag}: http:// needs --allow-insecure-http (loopback tests only)")
    if parts.scheme not in ("https", "http") or not host:
        raise UsageError(f"{flag}: expected an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{flag}: credentials in the URL are not allowed")


def _remote_environment(args: argparse.Namespace) -> dict[str, str] | None:
    """The environment with ``--jwks-url``/``--oidc-issuer`` in place of any local key."""
    if args.jwks_url is None and args.oidc_issuer is None:
        if args.allow_insecure_http:
            raise UsageError("--allow-insecure-http goes with --jwks-url or --oidc-issuer")
        return None
    flag, variable, url = (
        ("--jwks-url", "JWTGUARD_JWKS_URL", args.jwks_url)
        if args.jwks_url is not None
        else ("--oidc-issuer", "JWTGUARD_OIDC_ISSUER", args.oidc_issuer)
    )
    _check_remote_url(flag, url, args.allow_insecure_http)
    return {
        **os.environ,
        **_LOCAL_KEY_VARIABLES,
        variable: url,
        "JWTGUARD_JWKS_ALLOW_INSECURE_HTTP": "true" if args.allow_insecure_http else "false",
    }


def _refusal(exc: TokenError) -> dict[str, Any]:
    """What ``verify`` prints for a refused token: the stable code, never the token."""
    answer: dict[str, Any] = {"valid": False, "code": exc.code, "error": exc.description}
    if isinstance(exc, ClaimError):
        answer["claim"] = exc.claim
    return answer


def _verify(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}
    if args.audience:
        if not all(args.audience):
            raise UsageError("--audience: must not be empty")
        overrides["audience"] = tuple(args.audience)
    if args.issuer is not None:
        if not args.issuer:
            raise UsageError("--issuer: must not be empty")
        overrides["issuer"] = args.issuer
    environ = _remote_environment(args)
    guard = Guard.from_settings(Settings.from_env(environ), **overrides)
    if environ is not None:
        # The failure is reported below, once; the library's log line would say it twice.
        logging.getLogger("jwtguard").addHandler(logging.NullHandler())
        try:
            guard.keys.preload()  # type: ignore[attr-defined]
        except JWKSFetchError as exc:
            flag = "--jwks-url" if args.jwks_url is not None else "--oidc-issuer"
            raise UsageError(f"{flag}: {exc}") from None
    try:
        claims = guard.verify(read_token(args.token))
    except TokenError as exc:
        print(json.dumps(_refusal(exc)))
        return 1
    print(json.dumps({"valid": True, "claims": claims.to_dict()}, indent=2, sort_keys=True))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    token = read_token(args.token)
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise MalformedTokenError
        header = parse_json_object(b64url_decode(parts[0]))
        payload = parse_json_object(b64url_decode(parts[1]))
    except (ValueError, TokenError):
        print("malformed: not a compact JWS with JSON header and payload", file=sys.stderr)
        return 1
    print("UNVERIFIED: the signature and claims below have NOT been checked.")
    print(json.dumps({"header": header, "payload": payload}, indent=2, sort_keys=True))
    return 0


def configure_verify(verify: argparse.ArgumentParser) -> None:
    """The arguments of ``verify``."""
    verify.add_argument("token", help="the token, or - to read it from standard input")
    remote = verify.add_mutually_exclusive_group()
    remote.add_argument("--jwks-url", help="verify with the JWKS at this https URL")
    remote.add_argument("--oidc-issuer", help="verify with the keys this OIDC issuer publishes")
    verify.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="let --jwks-url/--oidc-issuer use http:// (loopback tests only)",
    )
    verify.add_argument(
        "--audience",
        action="append",
        metavar="AUD",
        help="accept tokens for this audience (repeatable; default: JWTGUARD_AUDIENCE)",
    )
    verify.add_argument(
        "--issuer", metavar="ISS", help="require this issuer (default: JWTGUARD_ISSUER)"
    )
    verify.set_defaults(func=_verify)


def configure_inspect(inspect: argparse.ArgumentParser) -> None:
    """The arguments of ``inspect``."""
    inspect.add_argument("token", help="the token, or - to read it from standard input")
    inspect.set_defaults(func=_inspect)
