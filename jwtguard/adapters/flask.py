"""A Flask extension: ``JWTGuard(app)`` or ``JWTGuard().init_app(app)``, then ``@jwt_required``.

::

    app.config["JWTGUARD_SECRET_KEY"] = "..."        # or JWTGuard(app, guard=Guard(...))
    jwt = JWTGuard(app)

    @app.get("/items")
    @jwt_required(scopes="items:read")
    def items():
        return {"user": current_claims["sub"]}

Configuration comes from ``app.config["JWTGUARD_*"]``: the Guard's keys (as for
``Guard.from_env``, see docs/configuration.md) and the adapter's options
(``JWTGUARD_COOKIE``, ``JWTGUARD_EXEMPT``, ``JWTGUARD_REPORT_ONLY``, ... see
docs/flask.md). Bad configuration raises :class:`jwtguard.ConfigError` in
``init_app``, listing every problem. Per-request claims are on ``g.jwtguard_claims``
and behind the :data:`current_claims` proxy. With ``JWTGUARD_PROTECT_ALL`` every
view is authenticated (``exempt`` paths aside), not only decorated ones.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import Headers
from werkzeug.local import LocalProxy

from jwtguard.adapters.wsgi import CLAIMS_KEY
from jwtguard.claims import Claims
from jwtguard.config.settings import Settings
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    DEFAULT,
    Denial,
    Pipeline,
    Predicate,
    Requirement,
    resolve_security_headers,
)

__all__ = ["JWTGuard", "current_claims", "jwt_required"]

F = TypeVar("F", bound=Callable[..., Any])
_NOT_SET_UP = "JWTGuard is not set up on this app: call JWTGuard(app)"
ErrorHandler = Callable[[Denial], Any]

_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
_TEXT_OPTIONS = {
    "REALM": "realm",
    "COOKIE": "cookie",
    "HEADER": "header",
    "QUERY_PARAM": "query_param",
    "CSRF_HEADER": "csrf_header",
    "CSRF_COOKIE": "csrf_cookie",
    "ROLES_CLAIM": "roles_claim",
}
_LIST_OPTIONS = {
    "EXEMPT": "exempt",
    "EXEMPT_METHODS": "exempt_methods",
    "SCOPES": "scopes",
    "ROLES": "roles",
    "TRUSTED_ORIGINS": "trusted_origins",
}
_BOOL_OPTIONS = {
    "CSRF": "csrf",
    "OPTIONAL": "optional",
    "REPORT_ONLY": "report_only",
    "ALLOW_PREFLIGHT": "allow_preflight",
    "AUTHORIZATION": "authorization",
}
_ADAPTER_KEYS = {
    *_TEXT_OPTIONS,
    *_LIST_OPTIONS,
    *_BOOL_OPTIONS,
    "LOG_LEVEL",
    "PROTECT_ALL",
    "SECURITY_HEADERS",
    "GUARD",
}


def _claims() -> Claims | None:
    return cast("Claims | None", g.get("jwtguard_claims"))


current_claims: Claims = cast("Claims", LocalProxy(_claims))
"""The verified claims of the current request (proxies ``None`` when anonymous)."""


@dataclass(frozen=True, slots=True)
class _State:
    pipeline: Pipeline
    security_headers: Any
    extension: JWTGuard

    def respond(self, denial: Denial) -> Any:
        handler = self.extension._error_handler
        if handler is not None:
            return current_app.ensure_sync(handler)(denial)
        return Response(denial.body, denial.status, list(denial.headers))

    def before_request(self) -> Any:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "jwtguard_requirement", None) is not None:
            return None  # a @jwt_required view: its own requirement decides, once
        result = self.pipeline.decide_wsgi(request.environ)
        if type(result) is Denial:
            return self.respond(result)
        g.jwtguard_claims = request.environ[CLAIMS_KEY] = result
        return None

    def after_request(self, response: Response) -> Response:
        authenticated = g.get("jwtguard_claims") is not None
        response.headers = Headers(
            self.security_headers.wsgi_headers(
                response.headers.to_wsgi_list(), authenticated=authenticated
            )
        )
        return response


def _bool(value: Any, name: str, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL:
        return _BOOL[value.strip().lower()]
    problems.append(f"JWTGUARD_{name}: expected true or false, got {str(value)[:20]!r}")
    return False


def _options(config: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, option in _TEXT_OPTIONS.items():
        if config.get(f"JWTGUARD_{key}") is not None:
            options[option] = config[f"JWTGUARD_{key}"]
    for key, option in _LIST_OPTIONS.items():
        value = config.get(f"JWTGUARD_{key}")
        if isinstance(value, str):
            options[option] = [v for v in value.replace(",", " ").split() if v]
        elif value is not None:
            options[option] = list(value)
    for key, option in _BOOL_OPTIONS.items():
        if config.get(f"JWTGUARD_{key}") is not None:
            options[option] = _bool(config[f"JWTGUARD_{key}"], key, problems)
    level = config.get("JWTGUARD_LOG_LEVEL")
    if isinstance(level, str):
        number = logging.getLevelName(level.strip().upper())
        if not isinstance(number, int):
            problems.append(f"JWTGUARD_LOG_LEVEL: unknown level {level[:20]!r}")
        else:
            options["log_level"] = number
    elif level is not None:
        options["log_level"] = level
    return options


def _guard_from_config(config: Mapping[str, Any], problems: list[str]) -> Guard | None:
    environ: dict[str, str] = {}
    for key, value in config.items():
        if not key.startswith("JWTGUARD_") or key[9:] in _ADAPTER_KEYS or value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = ",".join(str(v) for v in value)
        environ[key] = str(value)
    try:
        return Guard.from_settings(Settings.from_env(environ, dotenv=False))
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


class JWTGuard:
    """The Flask extension. State lives in ``app.extensions["jwtguard"]``, never on self.

    Args:
        app: the app to set up now (or call :meth:`init_app` later).
        guard: a ready :class:`Guard`; otherwise one is built from ``JWTGUARD_*`` config.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every response
            (default: the OWASP defaults; ``None``: off; ``JWTGUARD_SECURITY_HEADERS=False``
            turns them off from configuration).
        **options: see :class:`jwtguard.adapters.Pipeline`; they win over the config.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        guard: Guard | None = None,
        security_headers: Any = DEFAULT,
        **options: Any,
    ) -> None:
        self._guard = guard
        self._security_headers = security_headers
        self._options = options
        self._error_handler: ErrorHandler | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the configuration (raising ConfigError) and register the hooks."""
        config = app.config
        config.setdefault("JWTGUARD_PROTECT_ALL", False)
        config.setdefault("JWTGUARD_SECURITY_HEADERS", True)
        problems: list[str] = []
        options = {**_options(config, problems), **self._options}
        protect_all = _bool(config["JWTGUARD_PROTECT_ALL"], "PROTECT_ALL", problems)
        headers_on = _bool(config["JWTGUARD_SECURITY_HEADERS"], "SECURITY_HEADERS", problems)
        guard = self._guard or config.get("JWTGUARD_GUARD")
        if guard is None:
            guard = _guard_from_config(config, problems)
        if guard is not None:
            try:
                pipeline = Pipeline(guard, **options)
            except ConfigError as exc:
                problems.extend(exc.problems)
            except TypeError as exc:
                problems.append(f"JWTGuard: {exc}")
        if problems:
            raise ConfigError(problems)
        policy = resolve_security_headers(self._security_headers, pipeline) if headers_on else None
        state = _State(pipeline, policy, self)
        app.extensions["jwtguard"] = state
        if protect_all:
            app.before_request(state.before_request)
        if policy is not None:
            app.after_request(state.after_request)

    def error_handler(self, handler: ErrorHandler) -> ErrorHandler:
        """Decorator: ``handler(denial)`` returns the Flask response for every refusal."""
        self._error_handler = handler
        return handler


def jwt_required(
    view: F | None = None,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
) -> Any:
    """Protect a view: a valid token with these scopes and roles (all of them), and
    ``predicate(claims)`` true. ``optional``: no token means anonymous (``current_claims``
    is None), a bad token is still refused. Works as ``@jwt_required`` or ``@jwt_required(...)``.
    """
    requirement = Requirement.build(scopes, roles, predicate, optional)

    def decorator(fn: F) -> F:
        is_async = inspect.iscoroutinefunction(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            try:
                state: _State = app.extensions["jwtguard"]
            except KeyError:
                raise RuntimeError(_NOT_SET_UP) from None
            environ = request.environ
            result = state.pipeline.decide_wsgi(environ, requirement)
            if type(result) is Denial:
                return state.respond(result)
            g.jwtguard_claims = environ[CLAIMS_KEY] = result
            if is_async or type(app).ensure_sync is not Flask.ensure_sync:
                return app.ensure_sync(fn)(*args, **kwargs)
            return fn(*args, **kwargs)  # what Flask.ensure_sync returns for a sync view

        wrapper.jwtguard_requirement = requirement  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator(view) if view is not None else decorator
