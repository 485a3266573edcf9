"""The ``jwtguard`` command: keygen, issue, verify, inspect, revoke, demo.

``issue``, ``verify`` and ``revoke`` read the same ``JWTGUARD_*`` environment as
``Guard.from_env``. Exit status: 0 success, 1 token refused, 2 usage,
configuration or connection error.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import secrets
import sys
from collections.abc import Sequence
from typing import Any

from jwtguard.config.settings import Settings, parse_duration
from jwtguard.errors import (
    ConfigError,
    MalformedTokenError,
    RevocationUnavailableError,
    TokenError,
)
from jwtguard.guard import Guard
from jwtguard.jose._json import parse_json_object
from jwtguard.testing import generate_key, private_pem, public_pem

__all__ = ["main"]

_KEYGEN_ALGORITHMS = (
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip


def _cmd_keygen(args: argparse.Namespace) -> int:
    kid = args.kid or secrets.token_hex(8)
    alg = args.alg
    key = generate_key(alg, kid=kid)
    if alg.startswith("HS"):
        secret_jwk = key.to_jwk(private=True)
        if args.format == "jwk":
            print(json.dumps({"kty": "oct", "k": secret_jwk["k"], "alg": alg, "kid": kid}))
        else:
            print(secret_jwk["k"])
        return 0
    if args.format == "pem":
        print(private_pem(key), end="")
        print(public_pem(key), end="")
        return 0
    public = key.to_jwk()
    if args.format == "jwks":
        print(json.dumps({"keys": [public]}, indent=2))
        return 0
    private = key.to_jwk(private=True)
    print(json.dumps({"private": private, "public": public}, indent=2))
    return 0


def _parse_claim(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ConfigError(f"--claim expects NAME=VALUE, got {text[:40]!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _cmd_issue(args: argparse.Namespace) -> int:
    guard = Guard.from_env()
    claims: dict[str, Any] = dict(_parse_claim(c) for c in args.claim)
    if args.sub is not None:
        claims["sub"] = args.sub
    if args.scope:
        claims["scope"] = " ".join(args.scope)
    ttl = None if args.ttl is None else parse_duration(args.ttl)
    print(guard.issue(claims, ttl=ttl))
    return 0


def _read_token(value: str) -> str:
    return sys.stdin.readline().strip() if value == "-" else value.strip()


def _remote_env(args: argparse.Namespace) -> dict[str, str] | None:
    """The configuration with ``--jwks-url``/``--oidc-issuer`` in place of any local key."""
    if args.jwks_url is None and args.oidc_issuer is None:
        return None
    from jwtguard.config.settings import _load_dotenv

    env = {**_load_dotenv(".env"), **os.environ}
    for name in ("SECRET_KEY", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "JWKS_URL", "OIDC_ISSUER"):
        env.pop("JWTGUARD_" + name, None)
    env.pop("JWT_SECRET_KEY", None)
    env["JWTGUARD_JWKS_URL" if args.jwks_url else "JWTGUARD_OIDC_ISSUER"] = (
        args.jwks_url or args.oidc_issuer
    )
    if args.allow_insecure_http:
        env["JWTGUARD_JWKS_ALLOW_INSECURE_HTTP"] = "true"
    return env


def _cmd_verify(args: argparse.Namespace) -> int:
    environ = _remote_env(args)
    guard = Guard.from_env(environ, dotenv=environ is None)
    if environ is not None:
        from jwtguard.keys.remote import JWKSFetchError

        try:
            guard.keys.preload()  # type: ignore[attr-defined]
        except JWKSFetchError as exc:
            print(f"jwtguard: {exc}", file=sys.stderr)
            return 2
    try:
        claims = guard.verify(_read_token(args.token))
    except TokenError as exc:
        print(json.dumps({"valid": False, "code": exc.code, "error": exc.description}))
        return 1
    print(json.dumps({"valid": True, "claims": claims.to_dict()}, indent=2, sort_keys=True))
    return 0


def _cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke in the shared (Redis) store; an in-process store would protect nothing."""
    settings = Settings.from_env()
    if settings.revocation != "redis":
        print(
            "jwtguard: revoke needs a shared store: set JWTGUARD_REDIS_URL "
            "(a revocation in this process's memory would protect nothing)",
            file=sys.stderr,
        )
        return 2
    if any(v is not None and not math.isfinite(v) for v in (args.exp, args.before)):
        print("jwtguard: --exp and --before take a unix time", file=sys.stderr)
        return 2
    done: dict[str, Any]
    if args.token is not None:
        try:
            checker = Guard.from_settings(dataclasses.replace(settings, revocation=None))
            claims = checker.verify(_read_token(args.token))
        except TokenError as exc:
            print(json.dumps({"revoked": False, "code": exc.code, "error": exc.description}))
            return 1
        if claims.jti is None or not isinstance(claims.get("exp"), (int, float)):
            print("jwtguard: the token has no jti or no exp; use --subject", file=sys.stderr)
            return 1
        done = {"jti": claims.jti, "expires_at": claims["exp"]}
    elif args.jti is not None:
        if args.exp is None:
            print("jwtguard: --jti needs --exp (the token's exp, unix time)", file=sys.stderr)
            return 2
        done = {"jti": args.jti, "expires_at": args.exp}
    else:
        done = {"subject": args.subject, "issued_before": args.before}
    store = settings.revocation_store()
    try:
        if "jti" in done:
            store.revoke(done["jti"], done["expires_at"])
        else:
            store.revoke_subject(done["subject"], issued_before=done["issued_before"])
    except RevocationUnavailableError:
        print("jwtguard: cannot reach Redis; nothing was revoked", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(json.dumps({"revoked": True, **done}, sort_keys=True))
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from jwtguard.jose._b64 import b64url_decode

    token = _read_token(args.token)
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


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        demo = importlib.import_module("jwtguard.demo")
    except ImportError:  # the demo's web extras are not installed
        return _round_trip_demo()
    code: int = demo.main(args.demo_args)
    return code


def _round_trip_demo() -> int:
    """Issue and verify with an ephemeral key: what jwtguard does, without a server."""
    guard = Guard(secrets.token_bytes(32), algorithms=["HS256"], audience="demo")
    token = guard.issue({"sub": "demo-user", "scope": "read"})
    print("ephemeral HS256 key; issued token:\n  " + token)
    print("verified claims:", json.dumps(guard.verify(token).to_dict(), sort_keys=True))
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    try:
        guard.verify(tampered)
    except TokenError as exc:
        print(f"tampered token refused: code={exc.code}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jwtguard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    keygen = sub.add_parser("keygen", help="generate a key (secret, PEM, JWK or JWKS)")
    keygen.add_argument("--alg", choices=_KEYGEN_ALGORITHMS, default="HS256")
    keygen.add_argument("--kid", help="key id (default: random)")
    keygen.add_argument(
        "--format",
        choices=("pem", "jwk", "jwks", "secret"),
        default=None,
        help="HS*: secret (default) or jwk; others: pem (default), jwk (private+public) or jwks",
    )
    keygen.set_defaults(func=_cmd_keygen)

    issue = sub.add_parser("issue", help="issue a token with the JWTGUARD_* configuration")
    issue.add_argument("--sub", help="subject")
    issue.add_argument("--ttl", help="lifetime, e.g. 900, 15m, 1h (default JWTGUARD_ACCESS_TTL)")
    issue.add_argument("--scope", action="append", default=[], help="a scope (repeatable)")
    issue.add_argument("--claim", action="append", default=[], help="NAME=VALUE (JSON or text)")
    issue.set_defaults(func=_cmd_issue)

    verify = sub.add_parser("verify", help="verify a token; exit 1 when refused")
    verify.add_argument("token", help="the token, or - to read it from standard input")
    remote = verify.add_mutually_exclusive_group()
    remote.add_argument("--jwks-url", help="verify with the JWKS at this https URL")
    remote.add_argument("--oidc-issuer", help="verify with the keys this OIDC issuer publishes")
    verify.add_argument(
        "--allow-insecure-http", action="store_true", help="allow http:// (loopback tests only)"
    )
    verify.set_defaults(func=_cmd_verify)

    inspect = sub.add_parser("inspect", help="show header and payload, UNVERIFIED")
    inspect.add_argument("token", help="the token, or - to read it from standard input")
    inspect.set_defaults(func=_cmd_inspect)

    revoke = sub.add_parser("revoke", help="revoke a token or a subject's tokens (Redis store)")
    what = revoke.add_mutually_exclusive_group(required=True)
    what.add_argument("--jti", help="the jti to revoke (with --exp)")
    what.add_argument("--token", help="verify this token (- for stdin), then revoke its jti")
    what.add_argument("--subject", help="revoke every token of this subject (log out everywhere)")
    revoke.add_argument("--exp", type=float, help="with --jti: revoke until this unix time")
    revoke.add_argument("--before", type=float, help="with --subject: tokens issued before this")
    revoke.set_defaults(func=_cmd_revoke)

    demo = sub.add_parser("demo", help="run the demo (no configuration needed)")
    demo.add_argument("demo_args", nargs=argparse.REMAINDER, help="passed to the demo")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jwtguard`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:  # argparse's REMAINDER would reject a leading option (--check)
        return _cmd_demo(argparse.Namespace(demo_args=argv[1:]))
    args = _parser().parse_args(argv)
    if getattr(args, "format", "x") is None:
        args.format = "secret" if args.alg.startswith("HS") else "pem"
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"jwtguard: {exc}", file=sys.stderr)
        return 2
    return code
