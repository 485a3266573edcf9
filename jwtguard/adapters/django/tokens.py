"""Login, refresh and logout views for Django, as URL patterns to ``include``.

::

    # urls.py
    from jwtguard.adapters.django import configured, token_urls
    from jwtguard.refresh import RefreshTokens

    sessions = RefreshTokens(configured().guard)
    urlpatterns = [path("auth/", include(token_urls(sessions))), ...]
    # settings.JWTGUARD["EXEMPT"] = ["/auth/*"]

``POST auth/login`` issues a pair, ``auth/refresh`` rotates it (a reused refresh token
revokes its family), ``auth/logout`` revokes it (``?everywhere=true``: every session of
the user). The routes are named ``jwtguard:login``, ``jwtguard:refresh`` and
``jwtguard:logout``. ``authenticate(request)`` checks the application's own
credentials and returns the new session's claims (with ``sub``) or None; the default,
:func:`password_claims`, is Django's ``authenticate()`` on a JSON or form
``username``/``password`` (``sub`` is the user's pk, as
:data:`~jwtguard.adapters.django.users.load_user` reads it). See
:mod:`jwtguard.http.refresh_flow` for the body and cookie modes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import auth
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jwtguard.http.cookies import AuthCookie
from jwtguard.http.refresh_flow import CSRF_HEADER, ClearSiteData, RefreshFlow, Reply
from jwtguard.refresh import RefreshTokens

__all__ = ["password_claims", "token_urls"]

Authenticate = Callable[[HttpRequest], "Mapping[str, Any] | None"]
APP_NAME = "jwtguard"


def _json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def password_claims(request: HttpRequest) -> dict[str, Any] | None:
    """Claims ``{"sub": str(user.pk)}`` for a JSON (or form) ``username``/``password``
    that Django's ``authenticate()`` accepts (inactive users are refused), else None."""
    body = _json(request) if request.content_type == "application/json" else request.POST
    if not isinstance(body, Mapping):
        return None
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    user = auth.authenticate(request, username=username, password=password)
    if user is None or not getattr(user, "is_active", False):
        return None
    return {"sub": str(user.pk)}


def _response(reply: Reply) -> HttpResponse:
    response: HttpResponse
    if reply.body is None:
        response = HttpResponse(status=reply.status)
    else:
        response = JsonResponse(reply.body, status=reply.status)
    for name, value in reply.headers:
        if name.lower() == "set-cookie":
            response.cookies.load(value)
        else:
            response[name] = value
    return response


def token_urls(
    sessions: RefreshTokens,
    *,
    authenticate: Authenticate = password_claims,
    cookie: AuthCookie | None = None,
    clear_site_data: ClearSiteData = False,
) -> tuple[list[URLPattern], str]:
    """``(urlpatterns, "jwtguard")`` for ``include()``: ``login``, ``refresh``, ``logout``;
    ``clear_site_data``: see :class:`~jwtguard.http.refresh_flow.RefreshFlow`."""
    flow = RefreshFlow(sessions, cookie=cookie, clear_site_data=clear_site_data)

    def presented(request: HttpRequest) -> str | Reply:
        body = None if cookie is not None else _json(request)
        return flow.token_from(request.COOKIES, request.headers.get(CSRF_HEADER), body)

    @csrf_exempt
    @require_POST
    def login(request: HttpRequest) -> HttpResponse:
        return _response(flow.login(authenticate(request)))

    @csrf_exempt
    @require_POST
    def refresh(request: HttpRequest) -> HttpResponse:
        token = presented(request)
        return _response(token if isinstance(token, Reply) else flow.refresh(token))

    @csrf_exempt
    @require_POST
    def logout(request: HttpRequest) -> HttpResponse:
        token = presented(request)
        if isinstance(token, Reply):
            return _response(token)
        everywhere = request.GET.get("everywhere", "").lower() in ("1", "true")
        return _response(flow.logout(token, everywhere=everywhere))

    patterns = [
        path("login", login, name="login"),
        path("refresh", refresh, name="refresh"),
        path("logout", logout, name="logout"),
    ]
    return patterns, APP_NAME
