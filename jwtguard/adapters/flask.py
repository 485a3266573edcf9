"""A Flask extension: ``JWTGuard(app)`` or ``JWTGuard().init_app(app)``, then ``@jwt_required``.

::

    app.config["JWTGUARD_SECRET_KEY"] = "..."        # or JWTGuard(app, guard=Guard(...))
    jwt = JWTGuard(app)

    @app.get("/items")
    @jwt_required(scopes="items:read")
    def items():
        return {"user": current_claims["sub"]}

    token = jwt.issue({"sub": "42", "scope": "items:read"})   # jwt.guard: the Guard

Configuration comes from ``app.config["JWTGUARD_*"]``: the Guard's settings (the
names of ``Guard.from_env``, see docs/configuration.md) and the adapter's options
(``JWTGUARD_COOKIE``, ``JWTGUARD_EXEMPT``, ``JWTGUARD_REPORT_ONLY``, ... see
docs/flask.md), read by the one configuration reader: Python values are taken as
they are (a ``bytes`` secret, a ``timedelta``, a list), strings are parsed.
``init_app`` checks all of it in one pass and raises :class:`jwtguard.ConfigError`
listing every problem, an unknown ``JWTGUARD_*`` key included. Per-request claims
are on ``g.jwtguard_claims`` (None when anonymous) and behind the :data:`current_claims`
proxy (an empty mapping when anonymous, like flask-jwt-extended's ``get_jwt()``). With
``JWTGUARD_PROTECT_ALL`` every view is authenticated (``exempt`` paths aside), not
only decorated ones; :func:`verify_jwt_in_request` decides anywhere (a blueprint's
``before_request``), and :meth:`JWTGuard.user_loader` backs the :data:`current_user` proxy.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, Response, current_app, g, has_app_context, make_response, request
from werkzeug.exceptions import HTTPException
from werkzeug.local import LocalProxy

from jwtguard.adapters._settings import (
    check_options,
    pipeline_defaults,
    read_guard_settings,
    stand_in,
)
from jwtguard.adapters.cors_order import warn_cors_inside
from jwtguard.adapters.headers import SecurityHeadersWSGIMiddleware
from jwtguard.adapters.wsgi import CLAIMS_KEY, decide
from jwtguard.claims import Claims
from jwtguard.config import PREFIX, PrefixedSource, Reader
from jwtguard.config.options import ADAPTER_NAMES, read_pipeline_options
from jwtguard.config.resource import RESOURCE_SERVER_NAMES
from jwtguard.config.settings import defaults as settings_defaults
from jwtguard.config.settings import known_names
from jwtguard.guard import Guard
from jwtguard.http.denial import unknown_user
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
from jwtguard.oauth.binding import Binding

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "JWTGuard",
    "JWTGuardHTTPException",
    "current_claims",
    "current_user",
    "get_current_user",
    "jwt_required",
    "verify_jwt_in_request",
]

F = TypeVar("F", bound=Callable[..., Any])
_NOT_SET_UP = "JWTGuard is not set up on this app: call JWTGuard(app)"
ErrorHandler = Callable[[Denial], Any]
UserLoader = Callable[[Claims], Any]
_NO_CLAIMS = Claims({})
_CROSS_ORIGIN_FIX = "put @cross_origin() above @jwt_required, or use CORS(app)"


def _claims() -> Claims:
    found = g.get("jwtguard_claims")
    return _NO_CLAIMS if found is None else cast(Claims, found)


class _ClaimsProxy(LocalProxy):  # type: ignore[type-arg]
    """A LocalProxy that is not an iterator: Flask streams a view's returned iterator
    (and every LocalProxy passes for one), but sends a returned dict as JSON."""

    __next__ = None


current_claims: Claims = cast(Claims, _ClaimsProxy(_claims))
"""The verified claims of the current request: an empty mapping when it is anonymous
(``optional=True``), so ``current_claims.get("sub")`` is None and ``bool(current_claims)``
says whether a token was verified. A read-only ``dict``: ``jsonify(current_claims)`` and
``return current_claims`` send it as JSON (``init_app`` teaches the app's JSON provider
this proxy)."""


def _serialising_claims(default: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The JSON provider's ``default`` hook, also turning :data:`current_claims` into the
    request's claims (the encoder sees a proxy, not the dict behind it)."""

    def serialise(value: Any) -> Any:
        return _claims() if value is current_claims else default(value)

    return serialise


class JWTGuardHTTPException(HTTPException):
    """A refusal raised by :func:`verify_jwt_in_request` (or :data:`current_user`): Flask
    sends its ``response`` (the RFC 6750 answer, or your ``error_handler``'s) unless an
    ``@app.errorhandler(JWTGuardHTTPException)`` answers instead. ``denial`` is the
    refusal, ``code`` its status."""

    def __init__(self, denial: Denial, response: Response) -> None:
        super().__init__(denial.code, response)
        self.code = denial.status
        self.denial = denial


def _state(app: Flask | None = None) -> _State:
    """The extension's state on ``app`` (default: the current app)."""
    try:
        return cast("_State", (app or current_app).extensions["jwtguard"])
    except KeyError:
        raise RuntimeError(_NOT_SET_UP) from None


@dataclass(frozen=True, slots=True)
class _State:
    pipeline: Pipeline
    security_headers: Any
    extension: JWTGuard

    def respond(self, denial: Denial) -> Any:
        handler = self.extension._error_handler
        if handler is not None and denial.status >= 400:  # not the RFC 9728 metadata
            return current_app.ensure_sync(handler)(denial)
        return Response(denial.body, denial.status, list(denial.headers))

    def decide(self, requirement: Requirement | None) -> Claims | Denial | None:
        """The decision for the current request, its claims set on ``g`` and the environ."""
        environ = request.environ
        result = decide(self.pipeline, environ, requirement)
        if type(result) is not Denial:
            g.jwtguard_claims = environ[CLAIMS_KEY] = result
        return result

    def refuse(self, denial: Denial) -> JWTGuardHTTPException:
        """The exception that answers ``denial`` from anywhere in a request."""
        return JWTGuardHTTPException(denial, make_response(self.respond(denial)))

    def before_request(self) -> Any:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "jwtguard_requirement", None) is not None:
            return None  # a @jwt_required view: its own requirement decides, once
        result = self.decide(None)
        if type(result) is Denial:
            return self.respond(result)
        return None

    def user(self, claims: Claims) -> Any:
        """The user of ``claims`` by the extension's loader; a refusal when it has none."""
        loader = self.extension._user_loader
        if loader is None:
            raise RuntimeError(
                "current_user needs a user loader: decorate one with @jwt.user_loader"
            )
        user = current_app.ensure_sync(loader)(claims)
        if user is None:
            error = unknown_user()
            self.pipeline.guard.record_reject(error.code)
            raise self.refuse(self.pipeline.denial(error))
        return user


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
        self._user_loader: UserLoader | None = None
        self._app = app
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
          ``JWTGUARD_REQUIRE``, ``JWTGUARD_TYP``, ``JWTGUARD_PROFILE``, ``JWTGUARD_CACHE_SIZE``,
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
          (docs/flask.md);
        - the resource server (docs/resource-server.md): ``JWTGUARD_RESOURCE_SERVER`` (a
          ready object), or ``JWTGUARD_RESOURCE``, ``JWTGUARD_AUTHORIZATION_SERVERS``,
          ``JWTGUARD_SCOPES_SUPPORTED``, ``JWTGUARD_RESOURCE_NAME``,
          ``JWTGUARD_RESOURCE_DOCUMENTATION``, ``JWTGUARD_DPOP``,
          ``JWTGUARD_DPOP_ALGORITHMS``, ``JWTGUARD_DPOP_MAX_AGE``, ``JWTGUARD_DPOP_LEEWAY``,
          ``JWTGUARD_DPOP_NONCE``, ``JWTGUARD_DPOP_NONCE_SECRET``,
          ``JWTGUARD_DPOP_NONCE_LIFETIME``, ``JWTGUARD_DPOP_REPLAY_REDIS_URL``,
          ``JWTGUARD_MTLS``, ``JWTGUARD_MTLS_HEADER``, ``JWTGUARD_MTLS_HEADER_FORMAT``,
          ``JWTGUARD_REQUIRE_BINDING``, ``JWTGUARD_FORWARDED_HEADERS``,
          ``JWTGUARD_FORWARDED_PROXIES``, ``JWTGUARD_PUBLIC_ORIGIN`` (default: none).

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
        for name, value in pipeline_defaults().items():
            config.setdefault(PREFIX + name, value)
        for name in RESOURCE_SERVER_NAMES:
            config.setdefault(PREFIX + name, None)
        if guard is None:
            for name, value in settings_defaults().items():
                config.setdefault(PREFIX + name, value)
        reader = Reader(PrefixedSource(config))
        protect_all = reader.flag("PROTECT_ALL", False)
        headers_on = reader.flag("SECURITY_HEADERS", True)
        from_config = read_pipeline_options(reader)
        settings = read_guard_settings(reader, guard, "guard= or JWTGUARD_GUARD")
        reader.check_names(known_names(reader.source) | ADAPTER_NAMES)
        checker = guard if isinstance(guard, Guard) else stand_in(settings)
        check_options(reader, from_config, self._options, checker)
        reader.raise_problems()
        if settings is not None:
            guard = Guard.from_settings(settings)
        pipeline = Pipeline(guard, adapter="flask", **{**from_config, **self._options})
        policy = resolve_security_headers(self._security_headers, pipeline) if headers_on else None
        state = _State(pipeline, policy, self)
        app.extensions["jwtguard"] = state
        provider_default = getattr(app.json, "default", None)
        if callable(provider_default):  # Flask's provider, or one derived from it
            app.json.default = _serialising_claims(provider_default)  # type: ignore[attr-defined]
        if protect_all:
            app.before_request(state.before_request)
        if policy is not None:
            # Added to the list Flask hands to start_response: no rebuilt Headers object.
            app.wsgi_app = SecurityHeadersWSGIMiddleware(  # type: ignore[method-assign]
                app.wsgi_app, policy, authorization_counts=False
            )
        metadata = pipeline.metadata
        path = pipeline.resource_server.metadata_path if pipeline.resource_server else None
        if metadata is not None and path is not None:  # RFC 9728, also without PROTECT_ALL
            document = metadata

            def protected_resource_metadata() -> Response:
                return Response(document.body, 200, list(document.headers))

            protected_resource_metadata.jwtguard_requirement = None  # type: ignore[attr-defined]
            app.add_url_rule(
                path,
                "jwtguard_protected_resource_metadata",
                protected_resource_metadata,
                methods=["GET"],
            )

    def error_handler(self, handler: ErrorHandler) -> ErrorHandler:
        """Decorator: ``handler(denial)`` returns the Flask response for every refusal."""
        self._error_handler = handler
        return handler

    def user_loader(self, loader: UserLoader) -> UserLoader:
        """Decorator: ``loader(claims)`` returns the user of a verified token, or None
        when there is none (deleted, disabled). It backs :data:`current_user`: called on
        first use, once per request. A None refuses the request with 401
        ``invalid_token`` (code ``invalid_claim``: the token's user is unknown or
        inactive), as flask-jwt-extended's ``user_lookup_loader`` does."""
        self._user_loader = loader
        return loader

    @property
    def guard(self) -> Guard:
        """The :class:`Guard` that verifies the current app's tokens (outside an app
        context: the app given to ``JWTGuard(app)``), for issuing tokens, stats, health."""
        app = current_app._get_current_object() if has_app_context() else self._app  # type: ignore[attr-defined]
        state = None if app is None else app.extensions.get("jwtguard")
        if state is None or state.extension is not self:
            raise RuntimeError(
                "JWTGuard.guard: this extension has not set up "
                + ("the current app" if app is not None else "an app (use an app context)")
            )
        return cast(Guard, state.pipeline.guard)

    def issue(
        self, claims: Mapping[str, Any] | None = None, *, ttl: float | timedelta | None = None
    ) -> str:
        """A signed access token for the current app: ``claims`` plus ``exp``, ``iat``,
        ``nbf``, ``jti`` and the configured ``aud``/``iss`` (``Guard.issue``); ``ttl``
        defaults to ``JWTGUARD_ACCESS_TTL``. Needs a signing key (the secret, or
        ``JWTGUARD_PRIVATE_KEY``)."""
        seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else ttl
        return self.guard.issue(claims, ttl=seconds)


def _is_cross_origin(view: object) -> bool:
    """Whether ``view`` is flask-cors's ``@cross_origin`` wrapper (it copies the view's name
    and module, so only its code tells)."""
    code = getattr(view, "__code__", None)
    return code is not None and "flask_cors" in Path(code.co_filename).parts


def jwt_required(
    view: F | None = None,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
    binding: Binding | None = None,
) -> Any:
    """Protect a view: a valid token with these scopes and roles (all of them), and
    ``predicate(claims)`` true. ``optional``: no token means anonymous (``current_claims``
    is empty), a bad token is still refused. ``binding``: the sender constraint the token
    must have (``"dpop"``, ``"mtls"``, ``"bound"``; see docs/resource-server.md).
    Works as ``@jwt_required`` or ``@jwt_required(...)``.
    """
    requirement = Requirement.build(scopes, roles, predicate, optional, binding)

    def decorator(fn: F) -> F:
        is_async = inspect.iscoroutinefunction(fn)
        if _is_cross_origin(fn):
            warn_cors_inside("flask_cors.cross_origin", "@jwt_required", _CROSS_ORIGIN_FIX)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            state = _state(app)
            result = state.decide(requirement)
            if type(result) is Denial:
                return state.respond(result)
            if is_async or type(app).ensure_sync is not Flask.ensure_sync:
                return app.ensure_sync(fn)(*args, **kwargs)
            return fn(*args, **kwargs)  # what Flask.ensure_sync returns for a sync view

        wrapper.jwtguard_requirement = requirement  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator(view) if view is not None else decorator


def verify_jwt_in_request(
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
) -> Claims:
    """Authenticate the current request as ``@jwt_required(...)`` does, from anywhere:
    a blueprint's ``before_request``, a view, a helper. Returns the claims (empty when
    anonymous under ``optional``), also set as :data:`current_claims`; a refusal raises
    :class:`JWTGuardHTTPException`, which Flask answers with the refusal.

    ::

        @admin.before_request
        def admins_only():
            verify_jwt_in_request(roles="admin")
    """
    state = _state()
    result = state.decide(Requirement.build(scopes, roles, predicate, optional))
    if type(result) is Denial:
        raise state.refuse(result)
    return _NO_CLAIMS if result is None else cast(Claims, result)


def get_current_user() -> Any:
    """The current request's user by :meth:`JWTGuard.user_loader` (None when anonymous),
    loaded on first use and kept for the request; a loader's None is a refusal (401)."""
    claims = g.get("jwtguard_claims")
    if claims is None:
        return None
    found = g.get("jwtguard_user")
    if found is not None and found[0] is claims:
        return found[1]
    user = _state().user(claims)
    g.jwtguard_user = (claims, user)
    return user


current_user: Any = LocalProxy(get_current_user)
"""The current request's user (see :func:`get_current_user`), a lazy proxy: test for an
anonymous request with ``get_current_user() is None`` or ``current_claims``, since a proxy
is never ``None`` itself."""
