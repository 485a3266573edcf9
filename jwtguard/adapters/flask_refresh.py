"""Login, refresh and logout routes for Flask, as a blueprint.

::

    sessions = RefreshTokens(guard)
    app.register_blueprint(refresh_blueprint(sessions, authenticate=check_password))
    JWTGuard(app, guard=guard, exempt=["/auth/*"])

``authenticate()`` checks the application's own credentials (from
``flask.request``) and returns the claims of the new session (with ``sub``),
or None. See :mod:`jwtguard.http.refresh_flow` for body and cookie modes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from jwtguard.http.cookies import AuthCookie
from jwtguard.http.refresh_flow import CSRF_HEADER, ClearSiteData, RefreshFlow, Reply
from jwtguard.refresh import RefreshTokens

__all__ = ["refresh_blueprint"]


def _response(reply: Reply) -> Response:
    response = Response(status=reply.status) if reply.body is None else jsonify(reply.body)
    response.status_code = reply.status
    for name, value in reply.headers:
        response.headers.add(name, value)
    return response


def refresh_blueprint(
    sessions: RefreshTokens,
    *,
    authenticate: Callable[[], Mapping[str, Any] | None],
    cookie: AuthCookie | None = None,
    name: str = "jwtguard_refresh",
    url_prefix: str = "/auth",
    clear_site_data: ClearSiteData = False,
) -> Blueprint:
    """A blueprint with ``POST login``, ``refresh`` and ``logout``
    (``?everywhere=true`` ends every session of the user) under ``url_prefix``;
    ``clear_site_data``: see :class:`~jwtguard.http.refresh_flow.RefreshFlow`."""
    flow = RefreshFlow(sessions, cookie=cookie, clear_site_data=clear_site_data)
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix)

    def presented() -> str | Reply:
        body = None if cookie is not None else request.get_json(silent=True)
        return flow.token_from(request.cookies, request.headers.get(CSRF_HEADER), body)

    @blueprint.post("/login")
    def login() -> Response:
        return _response(flow.login(authenticate()))

    @blueprint.post("/refresh")
    def refresh() -> Response:
        token = presented()
        return _response(token if isinstance(token, Reply) else flow.refresh(token))

    @blueprint.post("/logout")
    def logout() -> Response:
        token = presented()
        if isinstance(token, Reply):
            return _response(token)
        everywhere = request.args.get("everywhere", "").lower() in ("1", "true")
        return _response(flow.logout(token, everywhere=everywhere))

    return blueprint
