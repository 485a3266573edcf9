"""RFC 6750 bearer tokens, framework-agnostic: where a token is read from.

Locations, each checked on every request; more than one token is a malformed
request (RFC 6750 section 2: "MUST NOT use more than one method"):

* ``Authorization: Bearer <token>`` (scheme case-insensitive, exactly one credential);
* a named cookie, when configured, with CSRF protection for unsafe methods;
* a custom header (the raw token), when configured;
* a query parameter, off by default: URLs end up in access logs, proxy logs,
  browser history and ``Referer`` headers, so a token there leaks (RFC 6750 section 5.3).

Nothing here ever puts the token into an exception, a log line or a response.
How a refusal is answered is :mod:`jwtguard.http.challenges`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from jwtguard.errors import (
    ConfigError,
    CSRFError,
    InvalidRequestError,
    MissingTokenError,
)

__all__ = [
    "SAFE_METHODS",
    "WEBSOCKET",
    "CSRFError",
    "MissingTokenError",
    "TokenLocations",
    "parse_authorization",
]

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WEBSOCKET: Final = "WEBSOCKET"
"""Pseudo-method for a websocket handshake: a cookie token needs a same-origin ``Origin``."""

_TWO: Final = "The request carries more than one access token."
_MALFORMED: Final = "The Authorization header is malformed."
_HEADER_NAME: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def parse_authorization(value: str) -> str | None:
    """The bearer token in an ``Authorization`` value; ``None`` for another scheme.

    Several header lines joined with ``,`` (as WSGI servers do) or a bearer
    credential that is empty or has more than one part raise InvalidRequestError.
    """
    scheme, _, token = value.partition(" ")
    if (
        (scheme == "Bearer" or scheme.lower() == "bearer")
        and token
        and " " not in token
        and "," not in token
        and "\t" not in token
    ):
        return token  # the common, well-formed case
    if value[:7].lower() == "bearer ":
        token = value[7:].strip(" \t")
        if not token or " " in token or "," in token or "\t" in token:
            raise InvalidRequestError(_TWO if "," in token else _MALFORMED)
        return token
    for part in value.split(","):
        words = part.split(None, 1)
        if words and words[0].lower() == "bearer":
            raise InvalidRequestError(_TWO if "," in value else _MALFORMED)
    return None


def _cookie_values(header: str, name: str) -> list[str]:
    found = []
    for part in header.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                found.append(value)
    return found


def _one(values: list[str]) -> str | None:
    if len(values) > 1:
        raise InvalidRequestError(_TWO)
    return values[0] if values else None


def _header_name(name: str | None, what: str) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise ConfigError(f"{what}: not a valid HTTP header name")
    return name.lower()


@dataclass(frozen=True)
class TokenLocations:
    """Where tokens are read from, and the CSRF rule for cookie-borne tokens.

    Args:
        authorization: read ``Authorization: Bearer``.
        cookie: name of a cookie holding the token (``None``: not read).
        header: name of a custom header holding the raw token.
        query_param: name of a query parameter holding the token. Off by
            default and discouraged: URLs are logged and leak via ``Referer``.
        csrf: for a token taken from the cookie on an unsafe method, require
            the ``csrf_header`` (on by default; turn off only for non-browser clients).
        csrf_header: a header a cross-site form cannot send.
        csrf_cookie: when set, double-submit: ``csrf_header`` must equal this
            cookie's value (compared in constant time); otherwise its presence suffices.
        trusted_origins: origins (``https://app.example``) accepted on a websocket
            handshake authenticated by cookie, besides the request's own host.
    """

    authorization: bool = True
    cookie: str | None = None
    header: str | None = None
    query_param: str | None = None
    csrf: bool = True
    csrf_header: str = "X-CSRF-Token"
    csrf_cookie: str | None = None
    trusted_origins: Iterable[str] = ()
    _header: str | None = field(init=False, repr=False, compare=False)
    _wsgi_header: str | None = field(init=False, repr=False, compare=False)
    _csrf_header: str = field(init=False, repr=False, compare=False)
    _watch: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _origins: frozenset[str] = field(init=False, repr=False, compare=False)
    _fast: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        header = _header_name(self.header, "header")
        csrf_header = _header_name(self.csrf_header, "csrf_header") or "x-csrf-token"
        for what, name in (("cookie", self.cookie), ("csrf_cookie", self.csrf_cookie)):
            if name is not None and (not isinstance(name, str) or not _HEADER_NAME.fullmatch(name)):
                raise ConfigError(f"{what}: not a valid cookie name")
        if self.query_param is not None and (
            not isinstance(self.query_param, str) or not self.query_param
        ):
            raise ConfigError("query_param: must be a non-empty string")
        if header == "authorization":
            raise ConfigError("header: use authorization=True for the Authorization header")
        watch = set()
        if header is not None:
            watch.add(header.encode("latin-1"))
        if self.cookie is not None:
            watch.update((b"cookie", csrf_header.encode("latin-1"), b"origin", b"host"))
        wsgi = None if header is None else "HTTP_" + header.upper().replace("-", "_")
        origins = frozenset(o.rstrip("/").lower() for o in self.trusted_origins)
        for name, value in (
            ("_header", header),
            ("_wsgi_header", wsgi),
            ("_csrf_header", csrf_header),
            ("_watch", frozenset(watch)),
            ("_origins", origins),
            ("_fast", bool(self.authorization and not watch and self.query_param is None)),
        ):
            object.__setattr__(self, name, value)

    # -- extraction --------------------------------------------------------------------

    def from_asgi(
        self, headers: Iterable[tuple[bytes, bytes]], query_string: bytes, method: str
    ) -> str | None:
        """The token in an ASGI request, or ``None``; raises InvalidRequestError/CSRFError."""
        if self._fast:
            found = None
            for name, value in headers:
                if name == b"authorization":
                    if found is not None:
                        raise InvalidRequestError(_TWO)
                    found = value
            return None if found is None else parse_authorization(found.decode("latin-1"))
        authorization: list[bytes] | None = None
        watch = self._watch
        extra: dict[bytes, list[bytes]] | None = None
        for name, value in headers:
            if name == b"authorization":
                if authorization is None:
                    authorization = [value]
                else:
                    authorization.append(value)
            elif watch and name in watch:
                if extra is None:
                    extra = {}
                extra.setdefault(name, []).append(value)
        if extra is None and self.query_param is None:
            if authorization is None or not self.authorization:
                return None
            if len(authorization) > 1:
                raise InvalidRequestError(_TWO)
            return parse_authorization(authorization[0].decode("latin-1"))

        def get(name: bytes) -> list[str]:
            return [v.decode("latin-1") for v in (extra or {}).get(name, ())]

        def first(name: bytes) -> str | None:
            values = get(name)
            return values[0] if values else None

        cookies = get(b"cookie")
        return self._resolve(
            ", ".join(v.decode("latin-1") for v in authorization) if authorization else None,
            "; ".join(cookies) if cookies else None,
            get(self._header.encode("latin-1")) if self._header else [],
            query_string.decode("latin-1") if self.query_param else None,
            method,
            first(self._csrf_header.encode("latin-1")),
            first(b"origin"),
            first(b"host"),
        )

    def from_wsgi(self, environ: Mapping[str, Any], method: str) -> str | None:
        """The token in a WSGI environ, or ``None``; raises InvalidRequestError/CSRFError."""
        authorization = environ.get("HTTP_AUTHORIZATION")
        if self.cookie is None and self._header is None and self.query_param is None:
            if authorization is None or not self.authorization:
                return None
            return parse_authorization(authorization)
        custom = environ.get(self._wsgi_header) if self._wsgi_header else None
        csrf_key = "HTTP_" + self._csrf_header.upper().replace("-", "_")
        return self._resolve(
            authorization,
            environ.get("HTTP_COOKIE"),
            custom.split(",") if custom else [],
            environ.get("QUERY_STRING", "") if self.query_param else None,
            method,
            environ.get(csrf_key),
            environ.get("HTTP_ORIGIN"),
            environ.get("HTTP_HOST"),
        )

    def _resolve(
        self,
        authorization: str | None,
        cookie_header: str | None,
        custom: list[str],
        query: str | None,
        method: str,
        csrf_value: str | None,
        origin: str | None,
        host: str | None,
    ) -> str | None:
        found: list[str] = []
        if authorization is not None and self.authorization:
            token = parse_authorization(authorization)
            if token is not None:
                found.append(token)
        from_cookie = None
        if self.cookie is not None and cookie_header:
            from_cookie = _one(_cookie_values(cookie_header, self.cookie))
            if from_cookie is not None:
                found.append(from_cookie)
        if custom:
            values = [v.strip() for v in custom if v.strip()]
            value = _one(values)
            if value is not None:
                if " " in value or "\t" in value:
                    raise InvalidRequestError(_MALFORMED)
                found.append(value)
        if query:
            try:
                pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=200)
            except ValueError:
                raise InvalidRequestError from None
            value = _one([v for k, v in pairs if k == self.query_param and v])
            if value is not None:
                found.append(value)
        token = _one(found)
        if token is not None and token is from_cookie and self.csrf and method not in SAFE_METHODS:
            self._check_csrf(method, cookie_header or "", csrf_value, origin, host)
        return token

    def _check_csrf(
        self, method: str, cookies: str, value: str | None, origin: str | None, host: str | None
    ) -> None:
        if method == WEBSOCKET:  # browsers send cookies on cross-site websockets: check Origin
            if origin is None:
                raise CSRFError
            origin = origin.strip().rstrip("/").lower()
            if origin in self._origins:
                return
            try:
                netloc = urlsplit(origin).netloc
            except ValueError:
                raise CSRFError from None
            if host is None or netloc != host.strip().lower():
                raise CSRFError
            return
        if not value or not value.strip():
            raise CSRFError
        if self.csrf_cookie is not None:
            expected = _cookie_values(cookies, self.csrf_cookie)
            if len(expected) != 1 or not hmac.compare_digest(
                expected[0].encode("utf-8", "surrogateescape"),
                value.strip().encode("utf-8", "surrogateescape"),
            ):
                raise CSRFError
