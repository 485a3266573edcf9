"""The request view of a Django ``HttpRequest``, the decision on it, and the answers.

The route path is ``request.path_info``: what Django's URL resolver matches, relative
to ``SCRIPT_NAME`` under WSGI and to ``root_path`` (or ``FORCE_SCRIPT_NAME``) under
ASGI, already decoded by Django. Rules and exempt paths are matched on it, and the
paths that another reader could route elsewhere are refused (400) as in every
adapter (:mod:`jwtguard.http.routing`); the raw path for the encoded-separator check
is the server's (gunicorn's ``RAW_URI``, the ASGI ``raw_path``).

Headers come from where the server put them: the ASGI scope's header lines (repeated
lines stay separate, as the ASGI adapter reads them) or the WSGI environ in
``request.META`` (joined by the server, as the WSGI adapter reads them).
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from jwtguard.adapters.asgi import client_certificate
from jwtguard.adapters.wsgi import EnvironHeaders
from jwtguard.http.pipeline import (
    Decision,
    Denial,
    Pending,
    Pipeline,
    Requirement,
    let_through,
)
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.http.sender import dpop_nonce

__all__ = [
    "add_dpop_nonce",
    "adecide",
    "decide",
    "harden",
    "metadata_response",
    "refusal",
    "request_view",
]

_AWAIT: Final = Pending.AWAIT
_SLOW: Final = object()


def _raw_path(request: HttpRequest) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is not None:
        raw = scope.get("raw_path")
        return None if raw is None else raw.decode("latin-1").partition("?")[0]
    found = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    return None if found is None else str(found).partition("?")[0]


def request_view(request: HttpRequest) -> RequestView:
    """The :class:`RequestView` of a Django request (under WSGI or ASGI)."""
    scope = getattr(request, "scope", None)
    meta = request.META
    headers = Headers(scope["headers"]) if scope is not None else EnvironHeaders(meta)
    return RequestView(
        request.method or "GET",
        request.path_info or "/",
        headers,
        meta.get("QUERY_STRING", ""),
        _raw_path(request),
        meta.get("SCRIPT_NAME", "") or "",
        request.scheme or "http",
        # the server's TLS client certificate (ASGI TLS extension, mod_ssl's SSL_CLIENT_CERT)
        client_cert=client_certificate(scope) if scope is not None else meta.get("SSL_CLIENT_CERT"),
    )


def _on_headers(
    pipeline: Pipeline, request: HttpRequest, requirement: Requirement | None, *, wait: bool
) -> Any:
    """The decision from the route path and ``Authorization`` alone when that is all it
    reads (the adapters' hot path, no request view), else ``_SLOW``."""
    method = request.method or "GET"
    if requirement is None:
        if method == "OPTIONS" or not pipeline.locations.authorization_only:
            return _SLOW
        if not pipeline.header_only:
            routed = pipeline.route(method, request.path_info or "/", _raw_path(request))
            if not isinstance(routed, Requirement):
                return routed
            requirement = routed
    elif not pipeline.headers_decide(method, requirement):
        return _SLOW
    scope = getattr(request, "scope", None)
    path = request.path_info
    if scope is not None:
        return pipeline.decide_on_headers(method, path, scope["headers"], requirement, wait=wait)
    return pipeline.decide_on_authorization(
        method, path, request.META.get("HTTP_AUTHORIZATION"), requirement, wait=wait
    )


def _note_let_through(request: HttpRequest) -> None:
    """After a report-only decision: the refusal it let through (its code) noted as
    ``request.jwtguard_let_through``, so that a later layer (``@jwt_required``, DRF's
    permissions) does not count and log the request again: enforcement stops there."""
    code = let_through()
    if code is not None:
        request.jwtguard_let_through = code  # type: ignore[attr-defined]


def _note_nonce(request: HttpRequest, decision: object) -> None:
    """After an allowed decision under server nonces: the fresh DPoP nonce due, if any,
    noted as ``request.jwtguard_dpop_nonce`` for :func:`add_dpop_nonce` (the middlewares
    call it on the response)."""
    nonce = dpop_nonce()
    if nonce is not None and not isinstance(decision, Denial):
        request.jwtguard_dpop_nonce = nonce  # type: ignore[attr-defined]


def add_dpop_nonce(request: HttpRequest, response: HttpResponseBase) -> None:
    """``DPoP-Nonce`` on ``response`` when the request's decision handed out a fresh one
    (RFC 9449 section 8.2): what a view's ``finalize_response`` calls without the
    middlewares."""
    nonce = getattr(request, "jwtguard_dpop_nonce", None)
    if nonce is not None:
        response["DPoP-Nonce"] = nonce


def decide(
    pipeline: Pipeline, request: HttpRequest, requirement: Requirement | None = None
) -> Decision:
    """``pipeline``'s decision for a Django request (``requirement``: a view's own).
    Synchronous: a key fetch is waited for in this thread."""
    report_only = pipeline.report_only
    if report_only:
        let_through()  # forget an earlier request's (a worker thread serves many)
    found = _on_headers(pipeline, request, requirement, wait=True)
    if found is _SLOW or found is _AWAIT:  # AWAIT: a resource server needs the view
        found = pipeline.decide(request_view(request), requirement)
    if report_only:
        _note_let_through(request)
    if pipeline.dpop_nonces:
        _note_nonce(request, found)
    return found  # type: ignore[no-any-return]


async def adecide(
    pipeline: Pipeline, request: HttpRequest, requirement: Requirement | None = None
) -> Decision:
    """:func:`decide` for async code: a key fetch is awaited, never blocking the loop."""
    report_only = pipeline.report_only
    if report_only:
        let_through()
    found = _on_headers(pipeline, request, requirement, wait=False)
    if found is _SLOW or found is _AWAIT:
        found = await pipeline.adecide(request_view(request), requirement)
    if report_only:
        _note_let_through(request)
    if pipeline.dpop_nonces:
        _note_nonce(request, found)
    return found  # type: ignore[no-any-return]


def refusal(denial: Denial, policy: SecurityHeaders | None) -> HttpResponse:
    """The ``HttpResponse`` of a refusal (security headers added, as to any response)."""
    response = HttpResponse(denial.body, status=denial.status, headers=denial.joined_headers())
    if policy is not None:
        harden(response, policy, authenticated=False)
    return response


def metadata_response(pipeline: Pipeline) -> HttpResponse | None:
    """The RFC 9728 protected-resource metadata as an ``HttpResponse`` (None when the
    pipeline's resource server serves none): for a view, where no middleware answers it
    (Django REST framework's authentication alone)."""
    document = pipeline.metadata
    if document is None:
        return None
    return HttpResponse(document.body, status=200, headers=document.joined_headers())


def harden(
    response: HttpResponseBase, policy: SecurityHeaders, *, authenticated: bool, html: bool = False
) -> None:
    """Add ``policy``'s headers to ``response`` (the app's own headers win, Vary merged;
    ``html``: the path is one of the policy's ``html_paths``)."""
    headers = response.headers
    existing = list(headers.items())
    merged = policy.wsgi_merge(existing, authenticated, html, response.status_code)
    count = len(existing)
    if merged[:count] != existing:  # the app's Vary merged, or an overridden header
        for name, value in merged:
            response[name] = value
        return
    store = getattr(headers, "_store", None)
    if type(store) is dict:
        # Django's ResponseHeaders keeps {lower name: (name, value)} in this private dict;
        # its public setter re-checks each name and value, which the policy did once when
        # it was built (valid names, printable ASCII). Measured side by side (CPU time, a
        # bare view behind the middleware, cache hit, three runs): through the setter the
        # default headers cost 1.5 to 2.4 times as much, 4 to 10% more of a bare Django
        # view per request, up to the middleware's whole 10% budget. So the added headers
        # go in directly; any other shape (a future Django) takes the setter below, and a
        # test checks that both give the same headers, each accepted by Django's checks.
        for name, value in merged[count:]:
            store[name.lower()] = (name, value)
        return
    for name, value in merged[count:]:
        response[name] = value
