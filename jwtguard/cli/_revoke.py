"""``jwtguard revoke``: a token, a jti or a subject, in the shared (Redis) store."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from typing import Any, Final

from jwtguard.cli._common import UsageError, attach_values, read_token
from jwtguard.config import build
from jwtguard.config.settings import Settings
from jwtguard.errors import RevocationUnavailableError, TokenError
from jwtguard.guard import Guard

__all__ = ["VALUE_OPTIONS", "configure_revoke", "revoke_argv"]

VALUE_OPTIONS: Final = frozenset({"--jti", "--subject"})
"""Options whose value may start with ``-`` (1 in 64 random jtis did before jwtguard's
own stopped generating them; other issuers' and subjects still may)."""
_KNOWN: Final = VALUE_OPTIONS | {"--token", "--exp", "--before", "-h", "--help"}


def revoke_argv(argv: list[str]) -> list[str]:
    """``revoke``'s arguments with ``--jti -abc`` read as the jti ``-abc``."""
    return attach_values(argv, VALUE_OPTIONS, _KNOWN)


def _check_options(args: argparse.Namespace) -> None:
    """Each time option belongs to one target: none is ignored silently."""
    if args.jti is not None and args.exp is None:
        raise UsageError("--jti needs --exp (the token's exp, unix time)")
    if args.exp is not None and args.jti is None:
        raise UsageError(
            "--exp goes with --jti"
            + (" (--token takes jti and exp from the token)" if args.token is not None else "")
            + ("; with --subject, --before sets the cut-off" if args.subject is not None else "")
        )
    if args.before is not None and args.subject is None:
        raise UsageError("--before goes with --subject (tokens issued before that time)")
    for flag, value in (("--exp", args.exp), ("--before", args.before)):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{flag} takes a unix time (seconds since 1970)")


def _revoke(args: argparse.Namespace) -> int:
    """Revoke in the shared (Redis) store; an in-process store would protect nothing."""
    _check_options(args)
    settings = Settings.from_env()
    if settings.revocation != "redis":
        print(
            "jwtguard: revoke needs a shared store: set JWTGUARD_REDIS_URL "
            "(a revocation in this process's memory would protect nothing)",
            file=sys.stderr,
        )
        return 2
    done: dict[str, Any]
    if args.token is not None:
        try:
            checker = Guard.from_settings(dataclasses.replace(settings, revocation=None))
            claims = checker.verify(read_token(args.token))
        except TokenError as exc:
            print(json.dumps({"revoked": False, "code": exc.code, "error": exc.description}))
            return 1
        if claims.jti is None or not isinstance(claims.get("exp"), (int, float)):
            print("jwtguard: the token has no jti or no exp; use --subject", file=sys.stderr)
            return 1
        done = {"jti": claims.jti, "expires_at": claims["exp"]}
    elif args.jti is not None:
        done = {"jti": args.jti, "expires_at": args.exp}
    else:
        done = {"subject": args.subject, "issued_before": args.before}
    store = build.redis_store(settings)
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


def configure_revoke(revoke: argparse.ArgumentParser) -> None:
    """The arguments of ``revoke``."""
    what = revoke.add_mutually_exclusive_group(required=True)
    what.add_argument("--jti", help="the jti to revoke (with --exp)")
    what.add_argument("--token", help="verify this token (- for stdin), then revoke its jti")
    what.add_argument("--subject", help="revoke every token of this subject (log out everywhere)")
    revoke.add_argument("--exp", type=float, help="with --jti: revoke until this unix time")
    revoke.add_argument("--before", type=float, help="with --subject: tokens issued before this")
    revoke.set_defaults(func=_revoke)
