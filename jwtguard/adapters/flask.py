"""A Flask extension: ``JWTGuard(app)`` or ``JWTGuard().init_app(app)``, then ``@jwt_required``.

::

    app.config["JWTGUARD_SECRET_KEY"] = "..."        # or JWTGuard(app, guard=Guard(...))
    jwt = JWTGuard(app)

    @app.get("/items")
    @jwt_required(scopes="items:read")
    def items():
        return {"user": current_claims["sub"]}

Configuration comes from ``app.config["JWTGUARD_*"]``: the Guard's settings (the
names of ``Guard.from_env``, see docs/configuration.md) and the adapter's options
(``JWTGUARD_COOKIE``, ``JWTGUARD_EXEMPT``, ``JWTGUARD_REPORT_ONLY``, ... see
docs/flask.md), read by the one configuration reader: Python values are taken as
they are (a ``bytes`` secret, a ``timedelta``, a list), strings are parsed.
``init_app`` checks all of it in one pass and raises :class:`jwtguard.ConfigError`
listing every problem, an unknown ``JWTGUARD_*`` key included. Per-request claims
are on ``g.jwtguard_claims`` and behind the :data:`current_claims` proxy. With
``JWTGUARD_PROTECT_ALL`` every view is authenticated (``exempt`` paths aside), not
only decorated ones.
"""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import Headers
from werkzeug.local import LocalProxy

from jwtguard.adapters.wsgi import CLAIMS_KEY, decide
from jwtguard.claims import Claims
from jwtguard.config import PREFIX, PrefixedSource, Reader
from jwtguard.config.options import ADAPTER_NAMES, PIPELINE_OPTIONS, read_pipeline_options
from jwtguard.config.settings import SETTINGS_NAMES, Settings, known_names
from jwtguard.config.settings import defaults as settings_defaults
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    DEFAULT,
    Denial,
    Pipeline,
    PipelineOptions,
    Predicate,
    Requirement,
    SecurityHeadersOption,
    resolve_security_headers,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["JWTGuard", "current_claims", "jwt_required"]

F = TypeVar("F", bound=Callable[..., Any])
_NOT_SET_UP = "JWTGuard is not set up on this app: call JWTGuard(app)"
ErrorHandler = Callable[[Denial], Any]

_GUARD_GIVEN = "not used: the Guard passed in (guard= or JWTGUARD_GUARD) has its own settings"


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
        result = decide(self.pipeline, request.environ)
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


def _pipeline_defaults() -> dict[str, Any]:
    """The adapter options' defaults, as ``Pipeline`` declares them (one source of truth)."""
    parameters = inspect.signature(Pipeline).parameters
    return {
        name: parameters[option].default
        for name, (option, _) in PIPELINE_OPTIONS.items()
        if parameters[option].default is not inspect.Parameter.empty
    }


def _stand_in() -> Guard:
    """A Guard for checking the adapter options before (or without) the real one, whose
    construction may start a Redis listener: options never depend on the keys."""
    return Guard(secrets.token_bytes(32), algorithms=["HS256"], cache_size=0)


def _check_options(
    reader: Reader, from_config: Mapping[str, Any], given: Mapping[str, Any], guard: Guard
) -> None:
    """Record every problem of the adapter options on ``reader``, each named where it was
    set: ``JWTGUARD_EXEMPT`` for app.config, ``JWTGuard(exempt=...)`` for a keyword.

    Each option is checked on its own by ``Pipeline`` itself (the one validator), so one
    bad option never hides another, and a bad key configuration hides none.
    """
    config_names = {option: name for name, (option, _) in PIPELINE_OPTIONS.items()}
    for option, value in {**from_config, **given}.items():
        where = f"JWTGuard({option}=...)"
        if option in from_config and option not in given:
            where = reader.label(config_names[option])
        try:
            Pipeline(guard, **{option: value})
        except ConfigError as exc:
            reader.problems.extend(
                f"{where}: {p.removeprefix(option + ': ')}" for p in exc.problems
            )
        except TypeError:
            reader.problems.append(f"{where}: not an option of JWTGuard")


class JWTGuard:
    """The Flask extension. State lives in ``app.extensions["jwtguard"]``, never on self.

    Args:
        app: the app to set up now (or call :meth:`init_app` later).
        guard: a ready :class:`Guard`; otherwise one is built from ``JWTGUARD_*`` config.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every response
            (default: the OWASP defaults; ``None``: off; ``JWTGUARD_SECURITY_HEADERS=False``
            turns them off from configuration).
        **options: see :class:`jwtguard.http.PipelineOptions`; they win over the config.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        guard: Guard | None = None,
        security_headers: SecurityHeadersOption = DEFAULT,
        **options: Unpack[PipelineOptions],
    ) -> None:
        self._guard = guard
        self._security_headers = security_headers
        self._options = options
        self._error_handler: ErrorHandler | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the whole configuration in one pass (raising ConfigError) and register
        the hooks. Once per app: a second call raises RuntimeError.

        Reads from ``app.config``, setting each default it uses with ``setdefault`` so the
        effective values are visible on the app:

        - the Guard (unless one is passed as ``guard=`` or ``JWTGUARD_GUARD``):
          ``JWTGUARD_SECRET_KEY``, ``JWTGUARD_PUBLIC_KEY``, ``JWTGUARD_PUBLIC_KEY_FILE``,
          ``JWTGUARD_PRIVATE_KEY``, ``JWTGUARD_PRIVATE_KEY_FILE``, ``JWTGUARD_ALGORITHMS``,
          ``JWTGUARD_AUDIENCE``,
          ``JWTGUARD_ISSUER``, ``JWTGUARD_LEEWAY``, ``JWTGUARD_ACCESS_TTL``,
          ``JWTGUARD_REQUIRE``, ``JWTGUARD_TYP``, ``JWTGUARD_CACHE_SIZE``,
          ``JWTGUARD_CACHE_TTL``, ``JWTGUARD_MAX_TOKEN_BYTES``, ``JWTGUARD_JWKS_URL``,
          ``JWTGUARD_OIDC_ISSUER``, ``JWTGUARD_JWKS_TIMEOUT``, ``JWTGUARD_JWKS_COOLDOWN``,
          ``JWTGUARD_JWKS_ALLOW_INSECURE_HTTP``, ``JWTGUARD_REVOCATION``,
          ``JWTGUARD_REDIS_URL``, ``JWTGUARD_REDIS_NAMESPACE``, ``JWTGUARD_REDIS_MODE``,
          ``JWTGUARD_REDIS_TIMEOUT``, ``JWTGUARD_REDIS_SYNC_TIMEOUT``,
          ``JWTGUARD_REDIS_FAIL_OPEN_FOR``, ``JWTGUARD_REDIS_HEARTBEAT``,
          ``JWTGUARD_REDIS_REPLICAS``, ``JWTGUARD_REDIS_LOSS_GRACE`` (docs/configuration.md);
          with a Guard passed in, any of them set is a problem (it would not apply);
        - the adapter: ``JWTGUARD_REALM``, ``JWTGUARD_AUTHORIZATION``, ``JWTGUARD_COOKIE``,
          ``JWTGUARD_HEADER``, ``JWTGUARD_QUERY_PARAM``, ``JWTGUARD_CSRF``,
          ``JWTGUARD_CSRF_HEADER``, ``JWTGUARD_CSRF_COOKIE``, ``JWTGUARD_TRUSTED_ORIGINS``,
          ``JWTGUARD_EXEMPT``, ``JWTGUARD_EXEMPT_METHODS``, ``JWTGUARD_ALLOW_PREFLIGHT``,
          ``JWTGUARD_OPTIONAL``, ``JWTGUARD_SCOPES``, ``JWTGUARD_ROLES``,
          ``JWTGUARD_ROLES_CLAIM``, ``JWTGUARD_REPORT_ONLY``, ``JWTGUARD_LOG_LEVEL``,
          ``JWTGUARD_PROTECT_ALL``, ``JWTGUARD_SECURITY_HEADERS``, ``JWTGUARD_GUARD``
          (docs/flask.md).

        Any other ``JWTGUARD_*`` key is refused, with a "did you mean" hint.
        """
        if "jwtguard" in app.extensions:
            raise RuntimeError(
                "JWTGuard is already set up on this app: init_app runs once per app "
                "(use the instance that set it up, or app.extensions['jwtguard'])"
            )
        config = app.config
        guard: Any = self._guard if self._guard is not None else config.get("JWTGUARD_GUARD")
        config.setdefault("JWTGUARD_GUARD", None)
        config.setdefault("JWTGUARD_PROTECT_ALL", False)
        config.setdefault("JWTGUARD_SECURITY_HEADERS", True)
        for name, value in _pipeline_defaults().items():
            config.setdefault(PREFIX + name, value)
        if guard is None:
            for name, value in settings_defaults().items():
                config.setdefault(PREFIX + name, value)
        reader = Reader(PrefixedSource(config))
        protect_all = reader.flag("PROTECT_ALL", False)
        headers_on = reader.flag("SECURITY_HEADERS", True)
        from_config = read_pipeline_options(reader)
        settings = None
        if guard is None:
            settings = Settings.read(reader)
        elif not isinstance(guard, Guard):
            reader.problem("GUARD", f"expected a jwtguard.Guard, got a {type(guard).__name__}")
        else:
            for name in sorted(SETTINGS_NAMES):
                if reader.is_set(name):
                    reader.problem(name, _GUARD_GIVEN)
        reader.check_names(known_names(reader.source) | ADAPTER_NAMES)
        checker = guard if isinstance(guard, Guard) else _stand_in()
        _check_options(reader, from_config, self._options, checker)
        reader.raise_problems()
        if settings is not None:
            guard = Guard.from_settings(settings)
        pipeline = Pipeline(guard, **{**from_config, **self._options})
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
            result = decide(state.pipeline, environ, requirement)
            if type(result) is Denial:
                return state.respond(result)
            g.jwtguard_claims = environ[CLAIMS_KEY] = result
            if is_async or type(app).ensure_sync is not Flask.ensure_sync:
                return app.ensure_sync(fn)(*args, **kwargs)
            return fn(*args, **kwargs)  # what Flask.ensure_sync returns for a sync view

        wrapper.jwtguard_requirement = requirement  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator(view) if view is not None else decorator
