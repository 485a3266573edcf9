"""``jwtguard issue``, ``verify`` and ``inspect``: tokens with the ``JWTGUARD_*`` configuration."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from jwtguard.cli._common import read_token
from jwtguard.config.dotenv import read_dotenv
from jwtguard.config.settings import parse_duration
from jwtguard.errors import ConfigError, MalformedTokenError, TokenError
from jwtguard.guard import Guard
from jwtguard.jose._b64 import b64url_decode
from jwtguard.jose._json import parse_json_object
from jwtguard.keys.remote import JWKSFetchError

__all__ = ["configure_inspect", "configure_issue", "configure_verify"]


def _parse_claim(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ConfigError(f"--claim expects NAME=VALUE, got {text[:40]!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _issue(args: argparse.Namespace) -> int:
    guard = Guard.from_env()
    claims: dict[str, Any] = dict(_parse_claim(c) for c in args.claim)
    if args.sub is not None:
        claims["sub"] = args.sub
    if args.scope:
        claims["scope"] = " ".join(args.scope)
    ttl = None if args.ttl is None else parse_duration(args.ttl)
    print(guard.issue(claims, ttl=ttl))
    return 0


def _remote_env(args: argparse.Namespace) -> dict[str, str] | None:
    """The configuration with ``--jwks-url``/``--oidc-issuer`` in place of any local key."""
    if args.jwks_url is None and args.oidc_issuer is None:
        return None
    env = {**read_dotenv(None, []), **os.environ}
    for name in ("SECRET_KEY", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "JWKS_URL", "OIDC_ISSUER"):
        env.pop("JWTGUARD_" + name, None)
    env.pop("JWT_SECRET_KEY", None)
    env["JWTGUARD_JWKS_URL" if args.jwks_url else "JWTGUARD_OIDC_ISSUER"] = (
        args.jwks_url or args.oidc_issuer
    )
    if args.allow_insecure_http:
        env["JWTGUARD_JWKS_ALLOW_INSECURE_HTTP"] = "true"
    return env


def _verify(args: argparse.Namespace) -> int:
    environ = _remote_env(args)
    guard = Guard.from_env(environ, dotenv=environ is None)
    if environ is not None:
        try:
            guard.keys.preload()  # type: ignore[attr-defined]
        except JWKSFetchError as exc:
            print(f"jwtguard: {exc}", file=sys.stderr)
            return 2
    try:
        claims = guard.verify(read_token(args.token))
    except TokenError as exc:
        print(json.dumps({"valid": False, "code": exc.code, "error": exc.description}))
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


def configure_issue(issue: argparse.ArgumentParser) -> None:
    """The arguments of ``issue``."""
    issue.add_argument("--sub", help="subject")
    issue.add_argument("--ttl", help="lifetime, e.g. 900, 15m, 1h (default JWTGUARD_ACCESS_TTL)")
    issue.add_argument("--scope", action="append", default=[], help="a scope (repeatable)")
    issue.add_argument("--claim", action="append", default=[], help="NAME=VALUE (JSON or text)")
    issue.set_defaults(func=_issue)


def configure_verify(verify: argparse.ArgumentParser) -> None:
    """The arguments of ``verify``."""
    verify.add_argument("token", help="the token, or - to read it from standard input")
    remote = verify.add_mutually_exclusive_group()
    remote.add_argument("--jwks-url", help="verify with the JWKS at this https URL")
    remote.add_argument("--oidc-issuer", help="verify with the keys this OIDC issuer publishes")
    verify.add_argument(
        "--allow-insecure-http", action="store_true", help="allow http:// (loopback tests only)"
    )
    verify.set_defaults(func=_verify)


def configure_inspect(inspect: argparse.ArgumentParser) -> None:
    """The arguments of ``inspect``."""
    inspect.add_argument("token", help="the token, or - to read it from standard input")
    inspect.set_defaults(func=_inspect)
