"""Security response headers, framework-agnostic, chosen per kind of response.

- **API responses** (every type but HTML): the OWASP REST Security Cheat Sheet's set,
  ``X-Content-Type-Options``, ``X-Frame-Options``, a strict ``Content-Security-Policy``
  and ``Strict-Transport-Security``, plus ``Cache-Control: no-store`` when a token was
  verified.
- **HTML responses** (``text/html``, ``application/xhtml+xml``, or a path in ``html_paths``):
  the headers that harden a document without limiting what it loads or does, so Swagger
  UI, Django admin and template pages work.
- **304 Not Modified**: only the headers both kinds share (a 304 updates the headers of
  the response the browser cached, and does not say what kind that was).

A policy is checked and encoded once. On each response one pass over the app's few header
names (a set look-up each) finds the kind and any clash, then the prepared pairs are
appended. A header the app set itself wins unless its name is in ``override``; ``Vary`` is
merged, never replaced. See ``docs/headers.md``.

Kept whole: :class:`SecurityHeaders` is one frozen policy, its fields' checks and the
per-flavour merges adapters call; the tables and checks behind it live in their modules.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from jwtguard.errors import ConfigError
from jwtguard.http._header_checks import (
    check_names,
    check_vary,
    html_path_patterns,
    present,
)
from jwtguard.http._header_tables import API, HTML, NOT_MODIFIED, Tables

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = [
    "API_CSP",
    "CLEAR_SITE_DATA_TYPES",
    "DEFAULT_PERMISSIONS_POLICY",
    "LIKE_API",
    "SecurityHeaders",
    "clear_site_data",
]

API_CSP: Final = "default-src 'none'; frame-ancestors 'none'"
"""The default CSP of API responses: nothing may load, nothing may frame the response."""


class LikeAPI(enum.Enum):
    """The type of :data:`LIKE_API`."""

    LIKE_API = "like content_security_policy where it was changed from its default, else none"


LIKE_API: Final = LikeAPI.LIKE_API
"""``html_content_security_policy``'s default: HTML responses get no CSP, unless
``content_security_policy`` was changed from :data:`API_CSP`; then HTML responses get that
policy too, as they did when one policy covered every response (jwtguard 0.1: an app
serving HTML set its own ``content_security_policy``)."""

DEFAULT_PERMISSIONS_POLICY: Final = (
    "accelerometer=(), autoplay=(), camera=(), cross-origin-isolated=(), display-capture=(), "
    "encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), keyboard-map=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), sync-xhr=(self), usb=(), web-share=(), "
    "xr-spatial-tracking=(), clipboard-read=(), clipboard-write=(), gamepad=(), hid=(), "
    "idle-detection=(), interest-cohort=(), serial=(), unload=()"
)
"""Every powerful browser feature off (the OWASP Secure Headers Project's value): opt in
with ``permissions_policy=DEFAULT_PERMISSIONS_POLICY`` for pages that use none of them."""

CLEAR_SITE_DATA_TYPES: Final = frozenset(
    {"cache", "cookies", "storage", "executionContexts", "clientHints", "prefetchCache",
     "prerenderCache", "*"}
)  # fmt: skip
"""The directives ``Clear-Site-Data`` accepts (W3C Clear Site Data)."""

T = TypeVar("T", bytes, str)
Merge = Callable[[Iterable[tuple[T, T]], bool, bool, "int | str"], list[tuple[T, T]]]
"""A merge function: ``(existing, authenticated, html, status) -> headers``."""
Merger = Callable[[Iterable[tuple[T, T]], "int | str"], list[tuple[T, T]]]
"""The merge for one kind of response (authenticated or not, HTML or not)."""

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
    """The security headers of every response, chosen per kind: API or HTML (see the module).

    Each field is a header value; ``None`` removes that header. Where each one goes:

    - every response: ``content_type_options``, ``frame_options``, the ``hsts_*`` fields,
      ``cross_origin_resource_policy``, ``extra``; ``cache_control`` and ``vary`` when a
      token was verified;
    - API responses: ``content_security_policy`` (nothing may load, nothing may frame);
    - HTML responses: ``html_content_security_policy`` (none by default: only the app
      knows what its pages load), ``referrer_policy``, ``cross_origin_opener_policy``,
      ``cross_origin_embedder_policy``, ``permissions_policy``,
      ``permitted_cross_domain_policies``, ``xss_protection``.

    Args:
        hsts_max_age: ``Strict-Transport-Security`` max-age in seconds (one year);
            ``None`` removes the header (e.g. a service that is never served over HTTPS).
        hsts_include_subdomains: add ``includeSubDomains``.
        hsts_preload: add ``preload`` (opt-in: submitting a domain to the browsers'
            preload list is hard to undo); needs includeSubDomains and one year or more.
        referrer_policy: ``strict-origin-when-cross-origin``: other origins see the
            origin only; ``no-referrer`` would make browsers send ``Origin: null`` on a
            page's own form posts, which Django's and Flask-WTF's CSRF checks refuse.
        cross_origin_opener_policy: ``same-origin-allow-popups``: no cross-origin
            window keeps a handle on the page, yet the OAuth popups a page opens (Swagger
            UI's Authorize) can still answer it.
        xss_protection: ``X-XSS-Protection: 0`` turns off the legacy XSS filter of old
            browsers, whose ``1; mode=block`` enabled cross-site leaks; CSP is the defence.
        cache_control: sent when a token was verified, so no cache keeps a personal answer.
        vary: names merged into ``Vary`` when a token was verified and the response may
            be stored (the app set its own ``Cache-Control``, or ``cache_control`` is None).
        extra: further ``(name, value)`` headers added to every response.
        override: lower- or mixed-case names whose value replaces the one the app set
            (``"*"``: all of them). By default the app's own header is kept.
        html_content_security_policy: the CSP of HTML responses (None: none, so the app's
            own); by default (:data:`LIKE_API`) none, or ``content_security_policy`` where
            that was changed from its default (a 0.1 configuration keeps its pages' CSP).
        html_paths: route paths whose responses get the HTML headers whatever their type,
            written as ``exempt`` paths are: ``"/docs"`` exactly, ``"/static/*"`` the
            subtree (``/static`` included). Adapters check them against the route path.
    """

    content_type_options: str | None = "nosniff"
    frame_options: str | None = "DENY"
    content_security_policy: str | None = API_CSP
    referrer_policy: str | None = "strict-origin-when-cross-origin"
    hsts_max_age: int | None = 31_536_000
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False
    cross_origin_opener_policy: str | None = "same-origin-allow-popups"
    cross_origin_resource_policy: str | None = None
    cross_origin_embedder_policy: str | None = None
    permissions_policy: str | None = None
    permitted_cross_domain_policies: str | None = "none"
    xss_protection: str | None = "0"
    cache_control: str | None = "no-store"
    vary: tuple[str, ...] = ("Authorization",)
    extra: tuple[tuple[str, str], ...] = ()
    override: Collection[str] = frozenset()
    html_content_security_policy: str | Literal[LikeAPI.LIKE_API] | None = LIKE_API
    html_paths: Collection[str] = frozenset()
    _sets: dict[tuple[int, bool], tuple[tuple[str, str], ...]] = field(
        init=False, repr=False, compare=False
    )
    _asgi: Tables = field(init=False, repr=False, compare=False)
    _wsgi: Tables = field(init=False, repr=False, compare=False)
    _html_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _html_prefixes: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        extra = [e for e in self.extra if isinstance(e, tuple) and len(e) == 2]
        if isinstance(self.extra, (str, bytes)) or len(extra) != len(self.extra):
            problems.append("extra: a tuple of (name, value) pairs")
            extra = []
        common = [
            ("X-Content-Type-Options", self.content_type_options),
            ("X-Frame-Options", self.frame_options),
            ("Strict-Transport-Security", self._hsts(problems)),
            ("Cross-Origin-Resource-Policy", self.cross_origin_resource_policy),
        ]
        api = [("Content-Security-Policy", self.content_security_policy)]
        html_csp = self.html_content_security_policy
        if html_csp is LIKE_API:
            html_csp = (
                None if self.content_security_policy == API_CSP else (self.content_security_policy)
            )
        html = [
            ("Content-Security-Policy", html_csp),
            ("Referrer-Policy", self.referrer_policy),
            ("Cross-Origin-Opener-Policy", self.cross_origin_opener_policy),
            ("Cross-Origin-Embedder-Policy", self.cross_origin_embedder_policy),
            ("Permissions-Policy", self.permissions_policy),
            ("X-Permitted-Cross-Domain-Policies", self.permitted_cross_domain_policies),
            ("X-XSS-Protection", self.xss_protection),
        ]
        by_kind = {
            API: present(common + api) + extra,
            HTML: present(common + html) + extra,
            NOT_MODIFIED: present(common) + extra,
        }
        auth_only = [("Cache-Control", self.cache_control)] if self.cache_control else []
        check_names(by_kind.values(), (by_kind[API], by_kind[HTML]), auth_only, problems)
        check_vary(self.vary, problems)
        if isinstance(self.override, str) or not all(isinstance(n, str) for n in self.override):
            problems.append("override: a collection of header names (or {'*'})")
        override = frozenset(n.lower() for n in self.override if isinstance(n, str))
        exact, prefixes = html_path_patterns(self.html_paths, problems)
        if problems:
            raise ConfigError(problems)
        sets = {
            (kind, auth): tuple(pairs + (auth_only if auth else []))
            for kind, pairs in by_kind.items()
            for auth in (False, True)
        }
        setattr_ = object.__setattr__
        setattr_(self, "override", override)
        setattr_(self, "html_paths", frozenset(self.html_paths))
        setattr_(self, "_sets", sets)
        vary = ", ".join(self.vary)
        setattr_(self, "_asgi", Tables.build(sets, vary, override, raw=True))
        setattr_(self, "_wsgi", Tables.build(sets, vary, override, raw=False))
        setattr_(self, "_html_exact", exact)
        setattr_(self, "_html_prefixes", prefixes)

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
        """The ``(name, value)`` pairs added to an anonymous API response (before merging)."""
        return self._sets[API, False]

    @property
    def authenticated_headers(self) -> tuple[tuple[str, str], ...]:
        """The pairs added to an authenticated API response (``Vary`` merged separately)."""
        return self._sets[API, True]

    def headers_for(
        self, *, html: bool = False, authenticated: bool = False
    ) -> tuple[tuple[str, str], ...]:
        """The pairs added to an HTML (``html``) or API response, before merging."""
        return self._sets[HTML if html else API, bool(authenticated)]

    def is_html_path(self, path: str) -> bool:
        """Whether the route path ``path`` is one of ``html_paths``."""
        return path in self._html_exact or path.startswith(self._html_prefixes)

    def asgi_headers(
        self,
        existing: list[tuple[bytes, bytes]],
        *,
        authenticated: bool,
        html: bool = False,
        status: int | str = 200,
    ) -> list[tuple[bytes, bytes]]:
        """The full header list for an ASGI ``http.response.start`` message.

        ``authenticated``: a token was verified; ``html``: the route path is one of
        ``html_paths`` (the HTML headers whatever the type); ``status``: the response's.
        """
        return self._asgi.merge(existing, authenticated, html, status)

    @property
    def asgi_merge(self) -> Merge[bytes]:
        """:meth:`asgi_headers` as a function of positional arguments ``(existing,
        authenticated, html, status)``, for adapters' hot paths."""
        return self._asgi.merge

    def asgi_merger(self, *, authenticated: bool, html: bool = False) -> Merger[bytes]:
        """:attr:`asgi_merge` for one kind of response: ``(existing, status) -> headers``."""
        return self._asgi.merger(authenticated, html)

    def asgi_sender(self, *, authenticated: bool, html: bool = False) -> Callable[[Any], Any]:
        """``wrap(send)``: the ASGI ``send`` adding this policy's headers for one kind of
        response to ``http.response.start`` (as :meth:`asgi_merger` merges them); the
        other messages pass unchanged. Made once per kind; each request wraps its own."""
        return self._asgi.sender(authenticated, html)

    def wsgi_merger(self, *, authenticated: bool, html: bool = False) -> Merger[str]:
        """:meth:`asgi_merger` for WSGI's ``str`` pairs."""
        return self._wsgi.merger(authenticated, html)

    def wsgi_app(
        self,
        app: WSGIApplication,
        *,
        authenticated_key: str,
        route_path: Callable[[WSGIEnvironment], str],
    ) -> WSGIApplication:
        """The WSGI ``app`` adding this policy's headers to the list it hands to
        ``start_response`` (as :meth:`wsgi_merger` merges them), one closure per request:
        authenticated when ``environ[authenticated_key]`` (a verified token's claims) is not
        None by the time the response starts; HTML whatever the type where
        ``route_path(environ)`` is one of ``html_paths`` (only called when there are some)."""
        html: Callable[[Any], bool] | None = None
        if self.html_paths:
            is_html_path = self.is_html_path

            def html_route(environ: WSGIEnvironment) -> bool:
                return is_html_path(route_path(environ))

            html = html_route
        return self._wsgi.wsgi_app(app, authenticated_key, html)

    @property
    def wsgi_merge(self) -> Merge[str]:
        """:meth:`wsgi_headers` as a function of positional arguments."""
        return self._wsgi.merge

    def wsgi_headers(
        self,
        existing: list[tuple[str, str]],
        *,
        authenticated: bool,
        html: bool = False,
        status: int | str = 200,
    ) -> list[tuple[str, str]]:
        """The full header list for a WSGI ``start_response`` call (``status``: the code or
        the WSGI status line); see :meth:`asgi_headers`."""
        return self._wsgi.merge(existing, authenticated, html, status)
