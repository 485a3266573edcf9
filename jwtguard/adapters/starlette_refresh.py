"""Login, refresh and logout routes for Starlette and FastAPI.

::

    sessions = RefreshTokens(guard)
    routes = refresh_routes(sessions, authenticate=check_password)
    app = Starlette(routes=[*routes, ...], middleware=[
        Middleware(JWTGuardMiddleware, guard=guard, exempt=["/auth/*"])])
    # FastAPI: app.router.routes.extend(refresh_routes(...))

``authenticate(request)`` (sync or async) checks the application's own
credentials and returns the claims of the new session (with ``sub``), or None.
See :mod:`jwtguard.http.refresh_flow` for the body and cookie modes.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jwtguard.http.cookies import AuthCookie
from jwtguard.http.refresh_flow import CSRF_HEADER, ClearSiteData, RefreshFlow, Reply
from jwtguard.refresh import RefreshTokens

__all__ = ["refresh_routes"]

Authenticate = Callable[[Request], "Awaitable[Mapping[str, Any] | None] | Mapping[str, Any] | None"]


def _response(reply: Reply) -> Response:
    response: Response
    if reply.body is None:
        response = Response(status_code=reply.status)
    else:
        response = JSONResponse(reply.body, status_code=reply.status)
    for name, value in reply.headers:
        response.headers.append(name, value)
    return response


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        return None


def refresh_routes(
    sessions: RefreshTokens,
    *,
    authenticate: Authenticate,
    cookie: AuthCookie | None = None,
    prefix: str = "/auth",
    clear_site_data: ClearSiteData = False,
) -> list[Route]:
    """``POST {prefix}/login``, ``{prefix}/refresh`` and ``{prefix}/logout``
    (``?everywhere=true`` ends every session of the user); ``clear_site_data``: see
    :class:`~jwtguard.http.refresh_flow.RefreshFlow`."""
    flow = RefreshFlow(sessions, cookie=cookie, clear_site_data=clear_site_data)

    async def login(request: Request) -> Response:
        claims = authenticate(request)
        if inspect.isawaitable(claims):
            claims = await claims
        return _response(flow.login(claims))

    async def presented(request: Request) -> str | Reply:
        body = None if cookie is not None else await _json(request)
        return flow.token_from(request.cookies, request.headers.get(CSRF_HEADER), body)

    async def refresh(request: Request) -> Response:
        token = await presented(request)
        if isinstance(token, Reply):
            return _response(token)
        return _response(await flow.arefresh(token))

    async def logout(request: Request) -> Response:
        token = await presented(request)
        if isinstance(token, Reply):
            return _response(token)
        everywhere = request.query_params.get("everywhere", "").lower() in ("1", "true")
        return _response(await flow.alogout(token, everywhere=everywhere))

    return [
        Route(f"{prefix}/login", login, methods=["POST"]),
        Route(f"{prefix}/refresh", refresh, methods=["POST"]),
        Route(f"{prefix}/logout", logout, methods=["POST"]),
    ]
