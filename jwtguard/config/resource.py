"""The resource server's settings (``JWTGUARD_RESOURCE``, ``JWTGUARD_DPOP``, ...) read into a
:class:`~jwtguard.oauth.ResourceServer`, through the one configuration reader.

Environment variables, ``.env``, Flask's ``app.config`` and Django's ``settings.JWTGUARD``
all spell them the same way (docs/resource-server.md has the table). Python sources may
instead give a ready object as ``RESOURCE_SERVER``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any, Final

from jwtguard._source import PrefixedSource, Reader
from jwtguard.errors import ConfigError
from jwtguard.oauth import MTLS, DPoP, ForwardedHeaders, ResourceServer
from jwtguard.protocols import ReplayCache

__all__ = ["RESOURCE_SERVER_NAMES", "read_resource_server", "resource_server_from_env"]

_FORWARDED: Final = {
    "forwarded": "forwarded",
    "x-forwarded-proto": "x_proto",
    "x-forwarded-host": "x_host",
    "x-forwarded-port": "x_port",
    "x-forwarded-prefix": "x_prefix",
}
_DPOP_NAMES: Final = frozenset(
    {
        "DPOP_ALGORITHMS",
        "DPOP_MAX_AGE",
        "DPOP_LEEWAY",
        "DPOP_NONCE",
        "DPOP_NONCE_SECRET",
        "DPOP_NONCE_LIFETIME",
        "DPOP_REPLAY_REDIS_URL",
    }
)
RESOURCE_SERVER_NAMES: Final = frozenset(
    {
        "RESOURCE_SERVER",
        "RESOURCE",
        "AUTHORIZATION_SERVERS",
        "SCOPES_SUPPORTED",
        "RESOURCE_NAME",
        "RESOURCE_DOCUMENTATION",
        "DPOP",
        "MTLS",
        "MTLS_HEADER",
        "MTLS_HEADER_FORMAT",
        "REQUIRE_BINDING",
        "FORWARDED_HEADERS",
        "FORWARDED_PROXIES",
        "PUBLIC_ORIGIN",
    }
    | _DPOP_NAMES
)
"""Every name :func:`read_resource_server` reads."""


def _replay(reader: Reader) -> ReplayCache | None:
    url = reader.text("DPOP_REPLAY_REDIS_URL")
    if url is None:
        return None
    from jwtguard.revocation.redis import RedisReplayCache  # redis: only when asked for

    try:
        return RedisReplayCache(url)
    except ConfigError as exc:
        for problem in exc.problems:
            reader.problem("DPOP_REPLAY_REDIS_URL", problem)
        return None


def _dpop(reader: Reader) -> DPoP | None:
    enabled = reader.flag("DPOP", False)
    if not enabled:
        for name in sorted(_DPOP_NAMES):
            if reader.is_set(name):
                reader.problem(name, f"not used: set {reader.label('DPOP')} to true")
        return None
    options: dict[str, Any] = {
        "max_age": reader.duration("DPOP_MAX_AGE", 60.0, minimum=1, maximum=3600),
        "leeway": reader.duration("DPOP_LEEWAY", 5.0, maximum=3600),
        "use_nonce": reader.flag("DPOP_NONCE", False),
        "nonce_lifetime": reader.duration("DPOP_NONCE_LIFETIME", 300.0, minimum=1),
        "replay": _replay(reader),
    }
    algorithms = reader.strings("DPOP_ALGORITHMS")
    if algorithms:
        options["algorithms"] = algorithms
    secret = reader.secret("DPOP_NONCE_SECRET")
    if secret is not None:
        value = secret.reveal()
        options["nonce_secret"] = value.encode("utf-8") if isinstance(value, str) else value
    return _build(reader, "DPOP", DPoP, options)  # type: ignore[no-any-return]


def _forwarded(reader: Reader) -> ForwardedHeaders | None:
    names = reader.strings("FORWARDED_HEADERS")
    if not names:
        return None
    proxies = reader.integer("FORWARDED_PROXIES", 1, minimum=1)
    unknown = [n for n in names if n.lower() not in _FORWARDED]
    if unknown:
        reader.problem(
            "FORWARDED_HEADERS", f"unknown header(s); choose from {', '.join(sorted(_FORWARDED))}"
        )
        return None
    counts = {_FORWARDED[n.lower()]: proxies for n in names}
    return _build(reader, "FORWARDED_HEADERS", ForwardedHeaders, counts)  # type: ignore[no-any-return]


def _build(reader: Reader, name: str, cls: Any, options: Mapping[str, Any]) -> Any:
    try:
        return cls(**options)
    except ConfigError as exc:
        for problem in exc.problems:
            reader.problem(name, problem)
        return None


def read_resource_server(reader: Reader) -> ResourceServer | None:
    """The :class:`ResourceServer` the source configures, or None when it sets none of
    :data:`RESOURCE_SERVER_NAMES`; problems are recorded on ``reader``."""
    given = reader.raw("RESOURCE_SERVER")
    others = sorted(n for n in RESOURCE_SERVER_NAMES - {"RESOURCE_SERVER"} if reader.is_set(n))
    if given is not None:
        if not isinstance(given, ResourceServer):
            reader.problem("RESOURCE_SERVER", "expected a jwtguard.ResourceServer")
            return None
        for name in others:
            reader.problem(name, f"not used beside {reader.label('RESOURCE_SERVER')}")
        return given
    if not others:
        return None
    mtls = None
    if reader.flag("MTLS", False) or reader.is_set("MTLS_HEADER"):
        header_format = reader.choice("MTLS_HEADER_FORMAT", ("pem", "xfcc"), "pem")
        mtls = _build(
            reader,
            "MTLS_HEADER",
            MTLS,
            {"header": reader.text("MTLS_HEADER"), "header_format": header_format},
        )
    options = {
        "resource": reader.text("RESOURCE"),
        "authorization_servers": reader.strings("AUTHORIZATION_SERVERS"),
        "scopes_supported": reader.strings("SCOPES_SUPPORTED"),
        "resource_name": reader.text("RESOURCE_NAME"),
        "resource_documentation": reader.text("RESOURCE_DOCUMENTATION"),
        "dpop": _dpop(reader),
        "mtls": mtls,
        "require_binding": reader.flag("REQUIRE_BINDING", False),
        "forwarded": _forwarded(reader),
        "origin": reader.text("PUBLIC_ORIGIN"),
    }
    if reader.problems:
        return None
    return _build(reader, "RESOURCE", ResourceServer, options)  # type: ignore[no-any-return]


def resource_server_from_env(
    environ: MutableMapping[str, str] | Mapping[str, str] | None = None,
) -> ResourceServer | None:
    """The :class:`ResourceServer` the ``JWTGUARD_*`` environment variables configure
    (None when they set none); one :class:`ConfigError` lists every problem."""
    reader = Reader(PrefixedSource(os.environ if environ is None else environ))
    found = read_resource_server(reader)
    reader.raise_problems()
    return found
