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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from jwtguard.errors import (
    ConfigError,
    CSRFError,
    InvalidRequestError,
    MissingTokenError,
)
from jwtguard.http.request import WEBSOCKET, RequestView

__all__ = [
    "SAFE_METHODS",
    "WEBSOCKET",
    "CSRFError",
    "MissingTokenError",
    "TokenLocations",
    "parse_authorization",
    "parse_dpop_authorization",
]

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

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


def parse_dpop_authorization(value: str) -> str | None:
    """The access token in an ``Authorization: DPoP <token>`` value (RFC 9449 section 7.1);
    ``None`` for another scheme. A DPoP credential that is empty or has more than one part
    raises InvalidRequestError."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "dpop":
        return None
    token = token.strip(" \t")
    if not token or " " in token or "," in token or "\t" in token:
        raise InvalidRequestError(_TWO if "," in token else _MALFORMED)
    return token


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
        more_than_bearer: the request is read for more than these locations (a resource
            server's DPoP proof, client certificate or metadata path): no
            ``Authorization``-only fast path (see :attr:`authorization_only`).
    """

    authorization: bool = True
    cookie: str | None = None
    header: str | None = None
    query_param: str | None = None
    csrf: bool = True
    csrf_header: str = "X-CSRF-Token"
    csrf_cookie: str | None = None
    trusted_origins: Iterable[str] = ()
    more_than_bearer: bool = False
    _header: str | None = field(init=False, repr=False, compare=False)
    _csrf_header: str = field(init=False, repr=False, compare=False)
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
        origins = frozenset(o.rstrip("/").lower() for o in self.trusted_origins)
        only = self.authorization and header is None and self.cookie is None
        for name, value in (
            ("_header", header),
            ("_csrf_header", csrf_header),
            ("_origins", origins),
            ("_fast", bool(only and self.query_param is None and not self.more_than_bearer)),
        ):
            object.__setattr__(self, name, value)

    # -- extraction --------------------------------------------------------------------

    @property
    def authorization_only(self) -> bool:
        """True when only ``Authorization: Bearer`` is read (the fast path): the decision
        may then be made on the route path and that header alone."""
        return self._fast

    def find(self, request: RequestView) -> str | None:
        """The token in ``request``, or ``None``; raises InvalidRequestError/CSRFError."""
        headers = request.headers
        found: list[str] = []
        if self.authorization:
            lines = headers.get_all("authorization")
            if len(lines) > 1:
                raise InvalidRequestError(_TWO)
            token = parse_authorization(lines[0]) if lines else None
            if token is not None:
                found.append(token)
        if self._fast:
            return found[0] if found else None
        from_cookie = None
        if self.cookie is not None:
            from_cookie = _one(request.cookies(self.cookie))
            if from_cookie is not None:
                found.append(from_cookie)
        if self._header is not None:
            values = [v.strip() for line in headers.get_all(self._header) for v in line.split(",")]
            value = _one([v for v in values if v])
            if value is not None:
                if " " in value or "\t" in value:
                    raise InvalidRequestError(_MALFORMED)
                found.append(value)
        if self.query_param is not None:
            value = _one(request.query(self.query_param))
            if value is not None:
                found.append(value)
        token = _one(found)
        if (
            token is not None
            and token is from_cookie
            and self.csrf
            and request.method not in SAFE_METHODS
        ):
            self._check_csrf(request)
        return token

    def _check_csrf(self, request: RequestView) -> None:
        headers = request.headers
        if request.websocket:  # browsers send cookies on cross-site websockets: check Origin
            origin = headers.get("origin")
            if origin is None:
                raise CSRFError
            origin = origin.strip().rstrip("/").lower()
            if origin in self._origins:
                return
            try:
                netloc = urlsplit(origin).netloc
            except ValueError:
                raise CSRFError from None
            host = headers.get("host")
            if host is None or netloc != host.strip().lower():
                raise CSRFError
            return
        value = headers.get(self._csrf_header)
        if not value or not value.strip():
            raise CSRFError
        if self.csrf_cookie is not None:
            expected = request.cookies(self.csrf_cookie)
            if len(expected) != 1 or not hmac.compare_digest(
                expected[0].encode("utf-8", "surrogateescape"),
                value.strip().encode("utf-8", "surrogateescape"),
            ):
                raise CSRFError
