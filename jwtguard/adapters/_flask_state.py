"""The Flask extension's per-app state and how a request is decided and refused with it.

:class:`JWTGuard <jwtguard.adapters.flask.JWTGuard>` builds one :class:`State` per app
(in ``app.extensions["jwtguard"]``); the view decorators and proxies in
:mod:`jwtguard.adapters._flask_views` find it with :func:`state`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, make_response, request
from werkzeug.exceptions import HTTPException

from jwtguard.adapters.wsgi import CLAIMS_KEY, decide
from jwtguard.claims import Claims
from jwtguard.http.denial import unknown_user
from jwtguard.http.pipeline import Denial, Pipeline, Requirement
from jwtguard.http.sender import dpop_nonce

__all__ = [
    "ErrorHandler",
    "Hooks",
    "JWTGuardHTTPException",
    "State",
    "UserLoader",
    "add_dpop_nonce",
    "state",
]

ErrorHandler = Callable[[Denial], Any]
UserLoader = Callable[[Claims], Any]
_NOT_SET_UP = "JWTGuard is not set up on this app: call JWTGuard(app)"


class JWTGuardHTTPException(HTTPException):
    """A refusal raised by :func:`verify_jwt_in_request` (or :data:`current_user`): Flask
    sends its ``response`` (the RFC 6750 answer, or your ``error_handler``'s) unless an
    ``@app.errorhandler(JWTGuardHTTPException)`` answers instead. ``denial`` is the
    refusal, ``code`` its status."""

    def __init__(self, denial: Denial, response: Response) -> None:
        super().__init__(denial.code, response)
        self.code = denial.status
        self.denial = denial


@dataclass(slots=True)
class Hooks:
    """What an extension's decorators registered (``@jwt.error_handler``,
    ``@jwt.user_loader``): shared by every app the extension set up."""

    error_handler: ErrorHandler | None = None
    user_loader: UserLoader | None = None


def state(app: Flask | None = None) -> State:
    """The extension's state on ``app`` (default: the current app)."""
    if app is None:  # the app itself: its attributes through the proxy cost three frames
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        found: State = app.extensions["jwtguard"]  # no cast(): a call
    except KeyError:
        raise RuntimeError(_NOT_SET_UP) from None
    return found


@dataclass(frozen=True, slots=True)
class State:
    """One app's pipeline, security headers, the extension that set it up and its hooks."""

    pipeline: Pipeline
    security_headers: Any
    extension: object
    hooks: Hooks

    def respond(self, denial: Denial) -> Any:
        """The response to ``denial``: the error handler's, or the refusal as it is."""
        handler = self.hooks.error_handler
        if handler is not None and denial.status >= 400:  # not the RFC 9728 metadata
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            return app.ensure_sync(handler)(denial)
        return Response(denial.body, denial.status, list(denial.headers))

    def decide(self, requirement: Requirement | None) -> Claims | Denial | None:
        """The decision for the current request, its claims set on ``g`` and the environ."""
        # The proxies' objects, not their attributes: an attribute through a LocalProxy
        # costs a failed look-up and three Python frames, set or read.
        environ = request._get_current_object().environ  # type: ignore[attr-defined]
        result = decide(self.pipeline, environ, requirement)
        if type(result) is not Denial:
            namespace = g._get_current_object()
            namespace.jwtguard_claims = environ[CLAIMS_KEY] = result
        if self.pipeline.dpop_nonces:  # a fresh DPoP nonce for the response (RFC 9449 8.2)
            nonce = dpop_nonce()
            if nonce is not None and type(result) is not Denial:
                g.jwtguard_dpop_nonce = nonce
        return result

    def refuse(self, denial: Denial) -> JWTGuardHTTPException:
        """The exception that answers ``denial`` from anywhere in a request."""
        return JWTGuardHTTPException(denial, make_response(self.respond(denial)))

    def before_request(self) -> Any:
        """``JWTGUARD_PROTECT_ALL``'s hook: decide every request but a decorated view's."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        endpoint = request._get_current_object().endpoint  # type: ignore[attr-defined]
        view = app.view_functions.get(endpoint or "")
        if getattr(view, "jwtguard_requirement", None) is not None:
            return None  # a @jwt_required view: its own requirement decides, once
        result = self.decide(None)
        if type(result) is Denial:
            return self.respond(result)
        return None

    def user(self, claims: Claims) -> Any:
        """The user of ``claims`` by the extension's loader; a refusal when it has none."""
        loader = self.hooks.user_loader
        if loader is None:
            raise RuntimeError(
                "current_user needs a user loader: decorate one with @jwt.user_loader"
            )
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        user = app.ensure_sync(loader)(claims)
        if user is None:
            error = unknown_user()
            self.pipeline.guard.record_reject(error.code)
            raise self.refuse(self.pipeline.denial(error))
        return user


def add_dpop_nonce(response: Response) -> Response:
    """The fresh DPoP nonce of this request's decision, if one is due, on its response
    (the ``after_request`` handler of an app whose resource server uses nonces)."""
    nonce = g._get_current_object().get("jwtguard_dpop_nonce")  # not through the proxy
    if nonce is not None:
        response.headers["DPoP-Nonce"] = nonce
    return response
