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

This module is the extension's set-up (configuration, hooks); the request side (the
decorators and proxies) lives in ``_flask_views`` and the per-app state it reads in
``_flask_state``; import all of them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response, current_app, has_app_context

from jwtguard.adapters._flask_state import (
    ErrorHandler,
    Hooks,
    JWTGuardHTTPException,
    State,
    UserLoader,
    add_dpop_nonce,
)
from jwtguard.adapters._flask_views import (
    current_claims,
    current_user,
    get_current_user,
    jwt_required,
    serialising_claims,
    verify_jwt_in_request,
)
from jwtguard.adapters._settings import (
    check_options,
    pipeline_defaults,
    read_guard_settings,
    stand_in,
)
from jwtguard.adapters.wsgi import CLAIMS_KEY, route_path
from jwtguard.config import PREFIX, PrefixedSource, Reader
from jwtguard.config.options import ADAPTER_NAMES, read_pipeline_options
from jwtguard.config.resource import RESOURCE_SERVER_NAMES
from jwtguard.config.settings import defaults as settings_defaults
from jwtguard.config.settings import known_names
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    DEFAULT,
    Pipeline,
    PipelineOptions,
    SecurityHeadersOption,
    resolve_security_headers,
)

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
        self._hooks = Hooks()
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
        state = State(pipeline, policy, self, self._hooks)
        app.extensions["jwtguard"] = state
        provider_default = getattr(app.json, "default", None)
        if callable(provider_default):  # Flask's provider, or one derived from it
            app.json.default = serialising_claims(provider_default)  # type: ignore[attr-defined]
        if protect_all:
            app.before_request(state.before_request)
        if pipeline.dpop_nonces:
            app.after_request(add_dpop_nonce)
        if policy is not None:
            # Added to the list Flask hands to start_response: no rebuilt Headers object.
            # Authenticated when a token was verified (environ[CLAIMS_KEY] set by the time
            # the response starts); the Authorization header alone does not count.
            app.wsgi_app = policy.wsgi_app(  # type: ignore[method-assign,assignment]
                app.wsgi_app, authenticated_key=CLAIMS_KEY, route_path=route_path
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
        self._hooks.error_handler = handler
        return handler

    def user_loader(self, loader: UserLoader) -> UserLoader:
        """Decorator: ``loader(claims)`` returns the user of a verified token, or None
        when there is none (deleted, disabled). It backs :data:`current_user`: called on
        first use, once per request. A None refuses the request with 401
        ``invalid_token`` (code ``invalid_claim``: the token's user is unknown or
        inactive), as flask-jwt-extended's ``user_lookup_loader`` does."""
        self._hooks.user_loader = loader
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
