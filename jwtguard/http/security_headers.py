"""Security response headers, framework-agnostic: the defaults of the OWASP Secure Headers Project.

A :class:`SecurityHeaders` policy is checked and encoded once; on each response
:meth:`~SecurityHeaders.asgi_headers` / :meth:`~SecurityHeaders.wsgi_headers`
return the app's headers plus the policy's, in one pass over the few headers
the app set. A header the app set itself wins unless its name is in
``override``; ``Vary`` is merged, never replaced. See ``docs/headers.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Final

from jwtguard.errors import ConfigError

__all__ = [
    "CLEAR_SITE_DATA_TYPES",
    "DEFAULT_PERMISSIONS_POLICY",
    "SecurityHeaders",
    "clear_site_data",
]

DEFAULT_PERMISSIONS_POLICY: Final = (
    "accelerometer=(), autoplay=(), camera=(), cross-origin-isolated=(), display-capture=(), "
    "encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), keyboard-map=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), sync-xhr=(self), usb=(), web-share=(), "
    "xr-spatial-tracking=(), clipboard-read=(), clipboard-write=(), gamepad=(), hid=(), "
    "idle-detection=(), interest-cohort=(), serial=(), unload=()"
)
"""Every powerful browser feature off (the OWASP Secure Headers Project's recommended value)."""

CLEAR_SITE_DATA_TYPES: Final = frozenset(
    {"cache", "cookies", "storage", "executionContexts", "clientHints", "prefetchCache",
     "prerenderCache", "*"}
)  # fmt: skip
"""The directives ``Clear-Site-Data`` accepts (W3C Clear Site Data)."""

_TOKEN: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_BAD_VALUE: Final = re.compile(r"[^\t\x20-\x7e]")
_MAX_HSTS_FOR_PRELOAD: Final = 31_536_000


def clear_site_data(*types: str) -> str:
    """The ``Clear-Site-Data`` value for a logout response: by default cache, cookies, storage.

    Sent on the response that ends a session, it tells the browser to drop what
    the site stored for this origin (the auth cookie included), so nothing of the
    session survives on a shared machine. Raises ConfigError for an unknown type.
    """
    chosen = types or ("cache", "cookies", "storage")
    unknown = [t for t in chosen if t not in CLEAR_SITE_DATA_TYPES]
    if unknown:
        raise ConfigError(f"clear_site_data: unknown type(s) {', '.join(sorted(unknown))}")
    return ", ".join(f'"{t}"' for t in chosen)


@dataclass(frozen=True, slots=True)
class SecurityHeaders:
    """Response headers that harden every response, and extra ones for authenticated responses.

    Each field is a header value; ``None`` removes that header. Defaults follow
    the OWASP Secure Headers Project and suit a JSON API (the CSP forbids every
    resource: an app serving HTML must set its own ``content_security_policy``).

    Args:
        hsts_max_age: ``Strict-Transport-Security`` max-age in seconds (one year);
            ``None`` removes the header (e.g. a service that is never served over HTTPS).
        hsts_include_subdomains: add ``includeSubDomains``.
        hsts_preload: add ``preload`` (opt-in: submitting a domain to the browsers'
            preload list is hard to undo); needs includeSubDomains and one year or more.
        xss_protection: ``X-XSS-Protection: 0`` turns off the legacy XSS filter of old
            browsers, whose ``1; mode=block`` enabled cross-site leaks; CSP is the defence.
        cache_control: sent on authenticated responses only, so no shared or browser
            cache keeps a personal answer.
        vary: names merged into ``Vary`` on authenticated responses (add ``"Cookie"``
            when the token may come from a cookie).
        extra: further ``(name, value)`` headers added to every response.
        override: lower- or mixed-case names whose value replaces the one the app set
            (``"*"``: all of them). By default the app's own header is kept.
    """

    content_type_options: str | None = "nosniff"
    frame_options: str | None = "DENY"
    content_security_policy: str | None = "default-src 'none'; frame-ancestors 'none'"
    referrer_policy: str | None = "no-referrer"
    hsts_max_age: int | None = 31_536_000
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False
    cross_origin_opener_policy: str | None = "same-origin"
    cross_origin_resource_policy: str | None = "same-origin"
    cross_origin_embedder_policy: str | None = None
    permissions_policy: str | None = DEFAULT_PERMISSIONS_POLICY
    permitted_cross_domain_policies: str | None = "none"
    xss_protection: str | None = "0"
    cache_control: str | None = "no-store"
    vary: tuple[str, ...] = ("Authorization",)
    extra: tuple[tuple[str, str], ...] = ()
    override: Collection[str] = frozenset()
    _always: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _authenticated: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _asgi: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)
    _asgi_auth: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _names_auth: frozenset[str] = field(init=False, repr=False, compare=False)
    _bnames: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _bnames_auth: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _override: frozenset[str] = field(init=False, repr=False, compare=False)
    _boverride: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _override_all: bool = field(init=False, repr=False, compare=False)
    _vary_value: str = field(init=False, repr=False, compare=False)
    _asgi_vary: tuple[bytes, bytes] = field(init=False, repr=False, compare=False)
    _asgi_fast_auth: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)
    _bwatch_auth: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _wsgi_fast_auth: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _watch_auth: frozenset[str] = field(init=False, repr=False, compare=False)
    _asgi_tables: _Tables = field(init=False, repr=False, compare=False)
    _wsgi_tables: _Tables = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        extra = [e for e in self.extra if isinstance(e, tuple) and len(e) == 2]
        if isinstance(self.extra, (str, bytes)) or len(extra) != len(self.extra):
            problems.append("extra: a tuple of (name, value) pairs")
            extra = []
        always = [
            ("X-Content-Type-Options", self.content_type_options),
            ("X-Frame-Options", self.frame_options),
            ("Content-Security-Policy", self.content_security_policy),
            ("Referrer-Policy", self.referrer_policy),
            ("Strict-Transport-Security", self._hsts(problems)),
            ("Cross-Origin-Opener-Policy", self.cross_origin_opener_policy),
            ("Cross-Origin-Resource-Policy", self.cross_origin_resource_policy),
            ("Cross-Origin-Embedder-Policy", self.cross_origin_embedder_policy),
            ("Permissions-Policy", self.permissions_policy),
            ("X-Permitted-Cross-Domain-Policies", self.permitted_cross_domain_policies),
            ("X-XSS-Protection", self.xss_protection),
            *extra,
        ]
        pairs = [(n, v) for n, v in always if v is not None]
        auth_only = [("Cache-Control", self.cache_control)] if self.cache_control else []
        for name, value in [*pairs, *auth_only]:
            _check(name, value, problems)
        for name in self.vary:
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                problems.append(f"vary: {name!r} is not a header name")
        if isinstance(self.override, str) or not all(isinstance(n, str) for n in self.override):
            problems.append("override: a collection of header names (or {'*'})")
        override = frozenset(n.lower() for n in self.override if isinstance(n, str))
        lowered = [n.lower() for n, _ in [*pairs, *auth_only]]
        if "vary" in lowered:
            problems.append("extra: Vary is merged from the vary option, not set in extra")
        if len(set(lowered)) != len(lowered):
            problems.append("extra: a header is given twice")
        if problems:
            raise ConfigError(problems)
        authenticated = tuple(pairs + auth_only)
        setattr_ = object.__setattr__
        setattr_(self, "_always", tuple(pairs))
        setattr_(self, "_authenticated", authenticated)
        setattr_(self, "_asgi", tuple(_encode(n, v) for n, v in pairs))
        setattr_(self, "_asgi_auth", tuple(_encode(n, v) for n, v in authenticated))
        setattr_(self, "_names", frozenset(n.lower() for n, _ in pairs))
        setattr_(self, "_names_auth", frozenset(n.lower() for n, _ in authenticated))
        setattr_(self, "_bnames", frozenset(n for n, _ in self._asgi))
        setattr_(self, "_bnames_auth", frozenset(n for n, _ in self._asgi_auth))
        setattr_(self, "_override_all", "*" in override)
        setattr_(self, "_override", override)
        setattr_(self, "_boverride", frozenset(n.encode("latin-1") for n in override))
        setattr_(self, "_vary_value", ", ".join(self.vary))
        setattr_(self, "_asgi_vary", (b"vary", self._vary_value.encode("latin-1")))
        setattr_(self, "override", override)
        # The common response shares no header name with the policy and has no Vary:
        # then the answer is the app's headers plus these, found in one pass.
        vary_pairs = ((b"vary", self._asgi_vary[1]),) if self._vary_value else ()
        setattr_(self, "_asgi_fast_auth", self._asgi_auth + vary_pairs)
        setattr_(self, "_bwatch_auth", self._bnames_auth | {b"vary"})
        wsgi_vary = (("Vary", self._vary_value),) if self._vary_value else ()
        setattr_(self, "_wsgi_fast_auth", authenticated + wsgi_vary)
        setattr_(self, "_watch_auth", self._names_auth | {"vary"})
        # (watch_auth, fast_auth, names, pairs, pairs_auth, names_auth, override, vary pair)
        setattr_(
            self,
            "_asgi_tables",
            (
                self._bwatch_auth,
                self._asgi_fast_auth,
                self._bnames,
                self._asgi,
                self._asgi_auth,
                self._bnames_auth,
                self._boverride,
                self._asgi_vary,
            ),
        )
        setattr_(
            self,
            "_wsgi_tables",
            (
                self._watch_auth,
                self._wsgi_fast_auth,
                self._names,
                self._always,
                self._authenticated,
                self._names_auth,
                self._override,
                ("Vary", self._vary_value),
            ),
        )

    def _hsts(self, problems: list[str]) -> str | None:
        age = self.hsts_max_age
        if age is None:
            return None
        if not isinstance(age, int) or isinstance(age, bool) or age < 0:
            problems.append("hsts_max_age: must be a non-negative number of seconds, or None")
            return None
        if self.hsts_preload and (age < _MAX_HSTS_FOR_PRELOAD or not self.hsts_include_subdomains):
            problems.append("hsts_preload: needs hsts_max_age >= 31536000 and includeSubDomains")
        value = f"max-age={age}"
        if self.hsts_include_subdomains:
            value += "; includeSubDomains"
        if self.hsts_preload:
            value += "; preload"
        return value

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """The ``(name, value)`` pairs added to every response (before merging)."""
        return self._always

    @property
    def authenticated_headers(self) -> tuple[tuple[str, str], ...]:
        """The pairs added to an authenticated response (``Vary`` merged separately)."""
        return self._authenticated

    def asgi_headers(
        self, existing: list[tuple[bytes, bytes]], *, authenticated: bool
    ) -> list[tuple[bytes, bytes]]:
        """The full header list for an ASGI ``http.response.start`` message."""
        return self._merge(existing, authenticated, self._asgi_tables)

    def wsgi_headers(
        self, existing: list[tuple[str, str]], *, authenticated: bool
    ) -> list[tuple[str, str]]:
        """The full header list for a WSGI ``start_response`` call."""
        return self._merge(existing, authenticated, self._wsgi_tables)

    def _merge(self, existing: list[Any], authenticated: bool, tables: _Tables) -> list[Any]:
        """Both flavours' merge: ``tables`` holds the names and pairs as bytes or as str."""
        watch, fast = (tables[0], tables[1]) if authenticated else (tables[2], tables[3])
        for name, _ in existing:
            if name.lower() in watch:
                break
        else:
            return [*existing, *fast]
        pairs, names = (tables[4], tables[5]) if authenticated else (tables[3], tables[2])
        present = {name.lower() for name, _ in existing}
        clash = names & present
        if not clash:
            out = [*existing, *pairs]
        else:
            replaced = clash if self._override_all else clash & tables[6]
            if replaced:
                out = [h for h in existing if h[0].lower() not in replaced]
                clash = clash - replaced
            else:
                out = list(existing)
            out.extend(p for p in pairs if p[0].lower() not in clash)
        if authenticated and self._vary_value:
            vary_pair = tables[7]
            if vary_pair[0].lower() not in present:
                out.append(vary_pair)
            else:
                _merge_vary(out, len(existing), vary_pair[0].lower(), self._missing_vary)
        return out

    def _missing_vary(self, values: list[str]) -> str | None:
        """What to add to the app's ``Vary`` values; None when nothing is missing."""
        have = {part.strip().lower() for value in values for part in value.split(",")}
        if "*" in have:  # already varies on everything
            return None
        missing = [n for n in self.vary if n.lower() not in have]
        return ", ".join(missing) if missing else None


_Tables = tuple[Any, ...]
"""Per-flavour (ASGI bytes / WSGI str) lookup tables for :meth:`SecurityHeaders._merge`."""


def _merge_vary(
    out: list[Any], limit: int, vary: Any, missing_for: Callable[[list[str]], str | None]
) -> None:
    """Add the missing names to the app's first ``Vary`` (among ``out[:limit]``)."""
    raw = isinstance(vary, bytes)
    found = [i for i in range(min(limit, len(out))) if out[i][0].lower() == vary]
    values = [out[i][1].decode("latin-1") if raw else out[i][1] for i in found]
    missing = missing_for(values)
    if missing is None:
        return
    name = out[found[0]][0]
    text = values[0]
    merged = f"{text}, {missing}" if text.strip() else missing
    out[found[0]] = (name, merged.encode("latin-1") if raw else merged)


def _check(name: str, value: object, problems: list[str]) -> None:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        problems.append(f"{name!r}: not a valid header name")
    elif not isinstance(value, str) or _BAD_VALUE.search(value) or value != value.strip():
        problems.append(f"{name}: value must be printable ASCII without line breaks")


def _encode(name: str, value: str) -> tuple[bytes, bytes]:
    return name.lower().encode("latin-1"), value.encode("latin-1")
