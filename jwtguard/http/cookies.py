"""``Set-Cookie`` values for auth cookies.

Defaults are the strictest a browser offers: ``HttpOnly`` (no script reads the
token), ``Secure``, ``SameSite=Strict`` (not sent on cross-site requests) and the
``__Host-`` name prefix, which the browser only accepts with ``Secure``,
``Path=/`` and no ``Domain``: so a sibling subdomain or a plain-HTTP page can
neither set nor overwrite the cookie. See ``docs/headers.md``.

A cookie is sent by the browser on its own, so a token in a cookie needs CSRF
protection on unsafe methods; jwtguard's adapters require a header
(``X-CSRF-Token``) and, in double-submit mode, that it equals a second,
script-readable cookie made by :meth:`AuthCookie.csrf` (see :mod:`jwtguard.http.csrf`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from jwtguard.errors import ConfigError

__all__ = ["MAX_COOKIE_BYTES", "AuthCookie"]

_NAME: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_VALUE: Final = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")  # RFC 6265 cookie-octet
_PATH: Final = re.compile(r"/[\x20-\x3a\x3c-\x7e]*")
_DOMAIN: Final = re.compile(r"\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*")
MAX_COOKIE_BYTES: Final = 4096
"""Browsers drop a cookie whose name and value exceed this (RFC 6265 section 6.1 minimum)."""


@dataclass(frozen=True, slots=True)
class AuthCookie:
    """How an auth cookie is set and deleted; checked once, at construction.

    Args:
        name: the cookie name without prefix; the cookie is ``__Host-<name>``
            while ``host_prefix`` is on (read it back under :attr:`cookie_name`).
        host_prefix: add ``__Host-``: the browser then refuses the cookie unless it is
            ``Secure``, has ``Path=/`` and no ``Domain`` (no subdomain can plant it).
        path: scope of the cookie; only with ``host_prefix=False``.
        domain: scope of the cookie; only with ``host_prefix=False``.
        secure: sent over HTTPS only. Turn off only for a plain-HTTP local demo.
        http_only: no script can read the cookie (an XSS cannot steal the token).
        same_site: ``Strict`` (default), ``Lax`` or ``None`` (needs ``secure``).
        max_age: lifetime in seconds; match the token's ``exp``. ``None``: a
            session cookie, dropped when the browser closes.
    """

    name: str = "access_token"
    host_prefix: bool = True
    path: str = "/"
    domain: str | None = None
    secure: bool = True
    http_only: bool = True
    same_site: Literal["Strict", "Lax", "None"] = "Strict"
    max_age: int | None = 900
    _attributes: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            problems.append("name: not a valid cookie name")
        elif self.name.lower().startswith(("__host-", "__secure-")):
            problems.append("name: give it without prefix; host_prefix adds __Host-")
        if self.same_site not in ("Strict", "Lax", "None"):
            problems.append("same_site: one of 'Strict', 'Lax', 'None'")
        if self.same_site == "None" and not self.secure:
            problems.append("same_site: 'None' requires secure=True (browsers reject it)")
        if not isinstance(self.path, str) or not _PATH.fullmatch(self.path):
            problems.append("path: must start with '/' and hold no ';' or control characters")
        if self.domain is not None and (
            not isinstance(self.domain, str) or not _DOMAIN.fullmatch(self.domain)
        ):
            problems.append("domain: not a host name")
        if self.host_prefix:
            if self.domain is not None:
                problems.append("domain: the __Host- prefix forbids Domain")
            if self.path != "/":
                problems.append("path: the __Host- prefix requires Path=/")
            if not self.secure:
                problems.append("secure: the __Host- prefix requires Secure")
        if self.max_age is not None and (
            not isinstance(self.max_age, int) or isinstance(self.max_age, bool) or self.max_age < 0
        ):
            problems.append("max_age: a non-negative number of seconds, or None")
        if problems:
            raise ConfigError(problems)
        parts = [f"Path={self.path}"]
        if self.domain is not None:
            parts.append(f"Domain={self.domain}")
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        parts.append(f"SameSite={self.same_site}")
        object.__setattr__(self, "_attributes", "; ".join(parts))

    @property
    def cookie_name(self) -> str:
        """The name the browser stores and sends back (``__Host-access_token`` by default)."""
        return f"__Host-{self.name}" if self.host_prefix else self.name

    def set_cookie(self, value: str, *, max_age: int | None = None) -> str:
        """The ``Set-Cookie`` value holding ``value`` (e.g. a token from ``guard.issue``).

        ``max_age`` overrides the configured lifetime for this cookie. Raises
        ConfigError for a value that is not a cookie value or is too large for a
        browser to keep; the message never contains the value.
        """
        if not isinstance(value, str) or not value or not _VALUE.fullmatch(value):
            raise ConfigError("cookie value: empty or holds characters a cookie cannot carry")
        if len(self.cookie_name) + len(value) > MAX_COOKIE_BYTES:
            raise ConfigError(f"cookie value: over {MAX_COOKIE_BYTES} bytes; browsers drop it")
        age = self.max_age if max_age is None else max_age
        if age is not None and (not isinstance(age, int) or isinstance(age, bool) or age < 0):
            raise ConfigError("max_age: a non-negative number of seconds, or None")
        lifetime = "" if age is None else f"; Max-Age={age}"
        return f"{self.cookie_name}={value}; {self._attributes}{lifetime}"

    def delete_cookie(self) -> str:
        """The ``Set-Cookie`` value that removes the cookie (for a logout response).

        Same name, path and domain, an empty value, ``Max-Age=0`` and an
        ``Expires`` in the past for old clients that ignore ``Max-Age``.
        """
        return (
            f"{self.cookie_name}=; {self._attributes}; Max-Age=0; "
            "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        )

    def csrf(self, name: str = "csrf") -> AuthCookie:
        """The matching double-submit CSRF cookie: same scope, readable by the page's script.

        The page reads it and echoes its value in the ``X-CSRF-Token`` header; a
        cross-site attacker can make the browser send the cookie but cannot read it.
        """
        return replace(self, name=name, http_only=False)
