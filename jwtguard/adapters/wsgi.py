"""Pure WSGI middleware (any WSGI app: Flask, Django, Pyramid, Bottle, ...).

::

    app.wsgi_app = JWTGuardWSGIMiddleware(app.wsgi_app, guard=guard, exempt=["/health"])

Trust model: only the token is trusted. Every request is authenticated before
the app sees it; a refusal is answered here (RFC 6750 status, challenge and JSON
body) and the app is not called. On success the verified claims are in
``environ["jwtguard.claims"]`` (``None`` for exempt or anonymous requests). In
report-only mode the would-be refusal is logged and counted, and the request goes on.

Rules and exempt paths are matched on ``PATH_INFO`` (what the app routes on, after the
server removed ``SCRIPT_NAME``), decoded as UTF-8 the way werkzeug decodes it. A path
that werkzeug's router (which drops leading slashes and merges ``//``) or another
reader could route under a different rule than it matches is refused with 400; see
:mod:`jwtguard.http.routing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from jwtguard.adapters._middleware import set_up
from jwtguard.adapters._nonce_headers import wsgi_start_adding_nonce
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    DEFAULT,
    Decision,
    Denial,
    Pending,
    Pipeline,
    PipelineOptions,
    SecurityHeadersOption,
)
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.http.security_headers import Merge
from jwtguard.http.sender import dpop_nonce

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from typing_extensions import Unpack

__all__ = [
    "CLAIMS_KEY",
    "EnvironHeaders",
    "JWTGuardWSGIMiddleware",
    "adding_headers",
    "decide",
    "request_from_environ",
    "route_path",
]

_CORS_FIX = (
    "use the framework's own adapter (the Flask extension, Django's middleware), whose "
    "refusals pass through the app's CORS, or wrap JWTGuardWSGIMiddleware in a WSGI CORS layer"
)

_AWAIT = Pending.AWAIT

CLAIMS_KEY = "jwtguard.claims"
"""The environ key holding the verified :class:`jwtguard.Claims` (or ``None``)."""

_STATUS_LINES = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


def status_line(status: int) -> str:
    """``"401 Unauthorized"`` for 401 (``"<n> Error"`` for a code not listed)."""
    return _STATUS_LINES.get(status) or f"{status} Error"


def _cgi_name(name: str) -> str:
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


class EnvironHeaders(Headers):
    """:class:`Headers` read from a WSGI environ's ``HTTP_*`` keys (and ``CONTENT_TYPE``,
    ``CONTENT_LENGTH``), lazily, as werkzeug's ``EnvironHeaders`` does. The server has
    joined repeated lines with ``", "``: each name has at most one value."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        super().__init__()
        self._environ = environ

    def get_all(self, name: str) -> list[str]:
        value = self._environ.get(_cgi_name(name))
        return [] if value is None else [value]

    def get(self, name: str) -> str | None:
        value: str | None = self._environ.get(_cgi_name(name))
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _cgi_name(name) in self._environ

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for key, value in self._environ.items():
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").lower(), value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                yield key.replace("_", "-").lower(), value


def _text(wsgi_string: str) -> str:
    """A WSGI string (latin-1 of the bytes) as the text it encodes (UTF-8), like werkzeug;
    invalid UTF-8 becomes U+FFFD (which the path rules refuse)."""
    if wsgi_string.isascii():
        return wsgi_string
    return wsgi_string.encode("latin-1", "replace").decode("utf-8", "replace")


def request_from_environ(environ: Mapping[str, Any]) -> RequestView:
    """The :class:`RequestView` of a WSGI environ (the WSGI builder)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")  # gunicorn, uWSGI, werkzeug
    return RequestView(
        environ.get("REQUEST_METHOD", "GET"),
        route_path(environ),
        EnvironHeaders(environ),
        environ.get("QUERY_STRING", ""),
        None if raw is None else raw.partition("?")[0],
        _text(environ.get("SCRIPT_NAME", "")),
        environ.get("wsgi.url_scheme", "http"),
        # set by the server (Apache mod_ssl's ExportCertData), never from a request header
        client_cert=environ.get("SSL_CLIENT_CERT") or None,
    )


def decide(
    pipeline: Pipeline, environ: Mapping[str, Any], requirement: Requirement | None = None
) -> Decision:
    """``pipeline``'s decision for a WSGI request (``requirement``: a view's own): from the
    ``Authorization`` value alone when that is all it reads, else on the request view."""
    method = environ.get("REQUEST_METHOD", "GET")
    # pipeline.headers_decide(method, None) without the call on the hot path (protect-all)
    if (
        pipeline.header_only and method != "OPTIONS"
        if requirement is None
        else pipeline.headers_decide(method, requirement)
    ):
        authorization = environ.get("HTTP_AUTHORIZATION")
        path = environ.get("PATH_INFO", "")
        # a value allowed before, where neither the paths' default nor a view's own
        # requirement asks anything of the claims: from the cache, else decided below
        remembered = pipeline.remembered_claims
        if (
            authorization is not None
            and remembered is not None
            and (requirement is None or not requirement.checks_claims)
        ):
            claims = remembered(authorization)
            if claims is not None:
                return claims
        found = pipeline.decide_on_authorization(method, path, authorization, requirement)
        if found is not _AWAIT:
            return found
    return pipeline.decide(request_from_environ(environ), requirement)


class JWTGuardWSGIMiddleware:
    """Authenticate every request to a WSGI app with a :class:`Guard`.

    Args:
        app: the WSGI app to protect.
        guard: verifies tokens.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every
            response (default: the OWASP defaults; ``None``: off).
        **options: see :class:`jwtguard.http.PipelineOptions`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        guard: Guard,
        security_headers: SecurityHeadersOption = DEFAULT,
        **options: Unpack[PipelineOptions],
    ) -> None:
        self.app = app
        self.pipeline, policy, self._html_path = set_up(
            app, guard, security_headers, options, "wsgi", "JWTGuardWSGIMiddleware", _CORS_FIX
        )
        self.security_headers = policy
        self._merge = None if policy is None else policy.wsgi_merge
        self._nonces = self.pipeline.dpop_nonces

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        result = decide(self.pipeline, environ)
        merge = self._merge
        if self._nonces:  # a fresh DPoP nonce for the response (RFC 9449 section 8.2)
            nonce = dpop_nonce()
            if nonce is not None and type(result) is not Denial:
                start_response = wsgi_start_adding_nonce(start_response, nonce)
        if type(result) is Denial:
            headers = list(result.headers)
            if merge is not None:
                headers = merge(headers, False, False, result.status)
            start_response(status_line(result.status), headers)
            return [result.body]
        environ[CLAIMS_KEY] = result
        if merge is None:
            return self.app(environ, start_response)
        html = self._html_path is not None and self._html_path(route_path(environ))
        return self.app(environ, adding_headers(start_response, merge, environ, html))


def route_path(environ: Mapping[str, Any]) -> str:
    """The path the app routes on: ``PATH_INFO`` as text (``"/"`` where empty)."""
    return _text(environ.get("PATH_INFO", "")) or "/"


def adding_headers(
    start_response: StartResponse,
    merge: Merge[str],
    environ: Mapping[str, Any],
    html: bool,
    *,
    authorization_counts: bool = False,
) -> StartResponse:
    """``start_response`` adding a policy's headers (``merge``: its ``wsgi_merge``).

    The response counts as authenticated when, by the time the app starts it, a jwtguard
    layer verified a token (``environ[CLAIMS_KEY]``), or, with ``authorization_counts``,
    the request carried an ``Authorization`` header.
    """

    def start_with_headers(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        authenticated = environ.get(CLAIMS_KEY) is not None or (
            authorization_counts and "HTTP_AUTHORIZATION" in environ
        )
        return start_response(status, merge(headers, authenticated, html, status), exc_info)

    return start_with_headers
