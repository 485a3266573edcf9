"""A FastAPI dependency: per-route protection, for those who prefer it to the middleware.

::

    bearer = JWTBearer(guard)
    bearer.install(app)   # RFC 6750 bodies for refusals; the OpenAPI document corrected

    @app.get("/items")
    async def items(claims: Claims = Depends(bearer.requires("items:read"))): ...

It is a FastAPI security scheme: OpenAPI documents an HTTP bearer (JWT) scheme, or the
OAuth 2 flows given as ``oauth2=`` (:class:`OAuth2Flows`, from OpenID Connect discovery)
so Swagger UI's *Authorize* button gets tokens from the identity provider, and
``Security(bearer, scopes=[...])`` works too. After :meth:`JWTBearer.install` the
document lists each operation's scopes (``requires(...)``, path rules, ``Security``),
leaves exempt routes unsecured, marks optional ones as such and documents the 401/403
answers (:mod:`jwtguard.adapters.fastapi_openapi`). Refusals raise
:class:`JWTGuardHTTPException` (an ``HTTPException`` carrying the status and the
``WWW-Authenticate`` header); the handler ``install`` registers sends the
``{"error", "error_description"}`` body instead of FastAPI's ``{"detail": ...}``.
``auto_error=False`` (as FastAPI's ``HTTPBearer`` spells it) makes a request without a
token anonymous (``None``); a token that fails is still refused. The decision is the same
one the middleware makes, on the same route path (``root_path`` removed: inside a mounted
sub-app, paths are the sub-app's), and verification is awaited: a key fetch for a new
``kid`` never blocks the event loop.
"""

# No ``from __future__ import annotations`` here: FastAPI before 0.123 reads the annotations of
# a dependency's ``__call__`` as written, and strings would make them query parameters.
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, HTTPException
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from jwtguard.adapters.asgi import LET_THROUGH_KEY, request_from_scope
from jwtguard.adapters.fastapi_openapi import OAuth2Flows, document
from jwtguard.claims import Claims
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    Decision,
    Denial,
    Pending,
    Pipeline,
    PipelineOptions,
    Predicate,
    Requirement,
)
from jwtguard.http.request import WEBSOCKET
from jwtguard.http.sender import dpop_nonce
from jwtguard.oauth.binding import Binding

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["JWTBearer", "JWTGuardHTTPException", "OAuth2Flows", "denial_handler"]

_BODY_HEADERS = frozenset({"content-type", "content-length"})


class JWTGuardHTTPException(HTTPException):
    """A refusal: ``status_code``, ``headers`` (``WWW-Authenticate``) and the :class:`Denial`."""

    def __init__(self, denial: Denial) -> None:
        self.denial = denial
        headers = {k: v for k, v in denial.headers if k.lower() not in _BODY_HEADERS}
        try:
            detail: Any = json.loads(denial.body)
        except ValueError:  # an on_deny hook chose another body
            detail = denial.code
        super().__init__(denial.status, detail, headers)


async def denial_handler(request: Request, exc: Exception) -> Response:
    """Answer a :class:`JWTGuardHTTPException` with the RFC 6750 JSON body."""
    if not isinstance(exc, JWTGuardHTTPException):  # pragma: no cover - registered for it only
        raise exc
    denial = exc.denial
    response = Response(denial.body, denial.status)
    del response.headers["content-length"]
    for name, value in denial.headers:  # WWW-Authenticate may come twice (Bearer, DPoP)
        response.headers.append(name, value)
    return response


class JWTBearer(SecurityBase):
    """``Depends(JWTBearer(guard))`` returns the verified :class:`Claims` (``None`` when anonymous).

    Used app-wide (``FastAPI(dependencies=[Depends(bearer)])``) it honours the
    ``exempt`` paths, preflight exemption and ``rules``; :meth:`requires` (or
    ``Security(bearer, scopes=[...])``) protects one route with its own requirement.
    The claims are also set as ``request.state.claims``.

    Args:
        guard: verifies tokens.
        scheme_name: the OpenAPI security scheme name.
        description: the OpenAPI description.
        oauth2: declare these OAuth 2 flows as the scheme (``type: oauth2``) instead of an
            HTTP bearer, so Swagger UI can obtain tokens.
        auto_error: False makes a request without any token anonymous (the dependency
            returns None), as with FastAPI's ``HTTPBearer(auto_error=False)``; unlike it, a
            token that fails verification is still refused. The same as ``optional=True``.
        **options: see :class:`jwtguard.http.PipelineOptions`.
    """

    def __init__(
        self,
        guard: Guard,
        *,
        scheme_name: str = "JWTBearer",
        description: str | None = None,
        oauth2: OAuth2Flows | None = None,
        auto_error: bool = True,
        **options: "Unpack[PipelineOptions]",
    ) -> None:
        if not auto_error:
            options["optional"] = True
        self.pipeline = Pipeline(guard, adapter="fastapi", **options)
        self.model = (
            HTTPBearerModel(bearerFormat="JWT", description=description)
            if oauth2 is None
            else oauth2.model(description)
        )
        self.scheme_name = scheme_name
        self.requirement: Requirement | None = None
        self.auto_error = bool(auto_error)

    def requires(
        self,
        scopes: str | Iterable[str] = (),
        *,
        roles: str | Iterable[str] = (),
        predicate: Predicate | None = None,
        optional: bool = False,
        binding: Binding | None = None,
    ) -> "JWTBearer":
        """A dependency for one route: these scopes, roles, predicate, or anonymous access;
        ``binding``: the sender constraint it demands (see :data:`jwtguard.oauth.Binding`).
        ``binding="bearer"`` under ``require_binding`` raises ConfigError: the one switch
        refuses unbound tokens everywhere."""
        resource_server = self.pipeline.resource_server
        if binding == "bearer" and resource_server is not None and resource_server.require_binding:
            raise ConfigError("binding: a 'bearer' route contradicts require_binding")
        route = object.__new__(JWTBearer)
        route.pipeline = self.pipeline
        route.model = self.model
        route.scheme_name = self.scheme_name
        route.auto_error = self.auto_error
        route.requirement = Requirement.build(scopes, roles, predicate, optional, binding)
        return route

    def install(self, app: FastAPI) -> None:
        """Register :func:`denial_handler` on ``app`` (RFC 6750 bodies instead of ``detail``),
        serve the RFC 9728 metadata of a ``resource_server`` (``GET`` on its well-known
        path) and correct its OpenAPI document for this scheme (see
        :func:`jwtguard.adapters.fastapi_openapi.document`), built once, on first use."""
        app.add_exception_handler(JWTGuardHTTPException, denial_handler)
        metadata = self.pipeline.metadata
        resource_server = self.pipeline.resource_server
        if metadata is not None and resource_server is not None:  # RFC 9728 section 3
            body = metadata.body
            headers = {k: v for k, v in metadata.headers if k.lower() not in _BODY_HEADERS}

            async def protected_resource_metadata() -> Response:
                return Response(body, 200, headers, "application/json")

            app.add_api_route(
                str(resource_server.metadata_path),
                protected_resource_metadata,
                methods=["GET", "HEAD"],
                include_in_schema=False,
            )
        generate = app.openapi

        def openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                app.openapi_schema = document(generate(), app.routes, self)
            return app.openapi_schema

        app.openapi = openapi  # type: ignore[method-assign]

    async def __call__(
        self, connection: HTTPConnection, security_scopes: SecurityScopes, response: Response
    ) -> Claims | None:
        requirement = self.requirement
        if security_scopes.scopes:
            base = requirement or self.pipeline.default
            requirement = replace(base, scopes=base.scopes | frozenset(security_scopes.scopes))
        scope = connection.scope
        pipeline = self.pipeline
        if pipeline.report_only:
            state = scope.get("state")
            if state is not None and LET_THROUGH_KEY in state:
                # a report-only JWTGuardMiddleware counted and logged a refusal it let
                # through: enforcement would have stopped there, so not counted again
                return state.get("claims")  # type: ignore[no-any-return]
        method = scope.get("method") or WEBSOCKET
        result: Decision | Literal[Pending.AWAIT] = Pending.AWAIT
        if pipeline.headers_decide(method, requirement):
            result = pipeline.decide_on_headers(
                method, scope["path"], scope["headers"], requirement
            )
        if result is Pending.AWAIT:
            result = await pipeline.adecide(request_from_scope(scope), requirement)
        nonce = dpop_nonce() if pipeline.dpop_nonces else None  # RFC 9449 section 8.2
        if isinstance(result, Denial):
            raise JWTGuardHTTPException(result)
        state = scope.get("state")  # request.state.claims, without building a State object
        if state is None:
            scope["state"] = state = {"claims": result}
        else:
            state["claims"] = result
        if nonce is not None:  # also for an endpoint that returns its own Response
            response.headers["DPoP-Nonce"] = state["dpop_nonce"] = nonce
        return result
