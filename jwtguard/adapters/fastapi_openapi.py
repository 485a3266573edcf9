"""What FastAPI's OpenAPI document says about a :class:`~jwtguard.adapters.fastapi.JWTBearer`.

FastAPI lists a security scheme on every operation that depends on it, with the scopes
of ``Security(..., scopes=[...])`` only. :func:`document` corrects the document from the
decisions the bearer will really make: each operation's requirement lists the scopes
the route demands (``Depends(bearer.requires("items:write"))``, a path rule, or
``Security`` scopes), an exempt route is not marked as secured, an optional one also
allows anonymous access (``{}``), and the 401/403 answers are documented with the RFC
6750 body. :class:`OAuth2Flows` declares the OAuth 2 flows Swagger UI's *Authorize*
button drives, with URLs given or found by OpenID Connect discovery.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final, Protocol

from fastapi import routing as fastapi_routing
from fastapi.openapi.models import OAuth2 as OAuth2Model
from fastapi.openapi.models import (
    OAuthFlowAuthorizationCode,
    OAuthFlowClientCredentials,
    OAuthFlows,
)

from jwtguard.errors import ConfigError, TokenError
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.requirement import Requirement
from jwtguard.keys.remote import JWKSOptions, ProviderMetadata, adiscover, discover

__all__ = ["ERROR_SCHEMA", "GRANTS", "OAuth2Flows", "document"]

GRANTS: Final = ("authorization_code", "client_credentials")
"""The OAuth 2.1 grants a flow may declare (the implicit and password grants are gone)."""

ERROR_SCHEMA: Final = "JWTGuardError"
_ERROR_REF: Final = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
_ERROR_BODY: Final = {
    "title": ERROR_SCHEMA,
    "description": "A refusal (RFC 6750 section 3): fixed texts, never the token.",
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {
            "type": "string",
            "description": "The RFC 6750 error (invalid_token, insufficient_scope, "
            "invalid_request), or jwtguard's code where none applies (missing_token, csrf).",
            "examples": ["invalid_token", "insufficient_scope", "missing_token"],
        },
        "error_description": {"type": "string", "examples": ["The access token expired."]},
    },
}
_CHALLENGE: Final = {
    "WWW-Authenticate": {
        "description": "The Bearer challenge, with error and error_description (RFC 6750).",
        "schema": {"type": "string"},
    }
}
_UNAUTHORIZED: Final = "No access token, or one that is invalid, expired or revoked."
_FORBIDDEN: Final = "The access token lacks a required scope or role (insufficient_scope)."


class Scheme(Protocol):
    """What :func:`document` reads of a bearer (a :class:`JWTBearer`)."""

    scheme_name: str
    requirement: Requirement | None
    pipeline: Pipeline


@dataclass(frozen=True, slots=True)
class OAuth2Flows:
    """The OAuth 2 flows of a bearer's OpenAPI security scheme (``type: oauth2``).

    ``grants``: ``"authorization_code"`` (people, in Swagger UI: with PKCE) and/or
    ``"client_credentials"`` (services). ``token_url`` serves both; ``authorization_url``
    is needed for the authorization code grant. ``scopes`` maps each scope to the text
    Swagger UI shows beside its box. Build them from discovery with :meth:`from_discovery`.
    """

    token_url: str
    authorization_url: str | None = None
    grants: tuple[str, ...] = ("authorization_code",)
    scopes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    refresh_url: str | None = None

    def __post_init__(self) -> None:
        problems = []
        grants = (self.grants,) if isinstance(self.grants, str) else tuple(self.grants)
        object.__setattr__(self, "grants", grants)
        unknown = [g for g in grants if g not in GRANTS]
        if unknown or not grants:
            problems.append(f"OAuth2Flows: grants: one or more of {', '.join(GRANTS)}")
        for name in ("token_url", "authorization_url", "refresh_url"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                problems.append(f"OAuth2Flows: {name}: must be a URL")
        if "authorization_code" in grants and self.authorization_url is None:
            problems.append("OAuth2Flows: authorization_url: needed by authorization_code")
        scopes = dict(self.scopes)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in scopes.items()):
            problems.append("OAuth2Flows: scopes: a mapping of scope -> description")
        object.__setattr__(self, "scopes", MappingProxyType(scopes))
        if problems:
            raise ConfigError(problems)

    @classmethod
    def from_metadata(
        cls,
        metadata: ProviderMetadata,
        *,
        grants: str | Iterable[str] = ("authorization_code",),
        scopes: Mapping[str, str] | None = None,
    ) -> OAuth2Flows:
        """The flows of a provider's discovered ``metadata``; ``scopes`` defaults to its
        ``scopes_supported`` (each described by its name)."""
        wanted = (grants,) if isinstance(grants, str) else tuple(grants)
        problems = []
        offered = metadata.grant_types_supported
        for grant in wanted:
            if offered and grant in GRANTS and grant not in offered:
                problems.append(
                    f"OAuth2Flows: {metadata.issuer} does not offer {grant} (grant_types_supported)"
                )
        if metadata.token_endpoint is None:
            problems.append(f"OAuth2Flows: {metadata.issuer} publishes no token_endpoint")
        if "authorization_code" in wanted and metadata.authorization_endpoint is None:
            problems.append(f"OAuth2Flows: {metadata.issuer} publishes no authorization_endpoint")
        if problems:
            raise ConfigError(problems)
        assert metadata.token_endpoint is not None
        if scopes is None:
            scopes = {scope: scope for scope in metadata.scopes_supported}
        return cls(metadata.token_endpoint, metadata.authorization_endpoint, wanted, scopes)

    @classmethod
    def from_discovery(
        cls,
        issuer: str,
        *,
        grants: str | Iterable[str] = ("authorization_code",),
        scopes: Mapping[str, str] | None = None,
        options: JWKSOptions | None = None,
    ) -> OAuth2Flows:
        """The flows of the provider at ``issuer``, by OpenID Connect discovery (a blocking
        fetch: call it at start-up; :meth:`afrom_discovery` in async code)."""
        return cls.from_metadata(discover(issuer, options), grants=grants, scopes=scopes)

    @classmethod
    async def afrom_discovery(
        cls,
        issuer: str,
        *,
        grants: str | Iterable[str] = ("authorization_code",),
        scopes: Mapping[str, str] | None = None,
        options: JWKSOptions | None = None,
    ) -> OAuth2Flows:
        """:meth:`from_discovery`, awaited."""
        metadata = await adiscover(issuer, options)
        return cls.from_metadata(metadata, grants=grants, scopes=scopes)

    def model(self, description: str | None = None) -> OAuth2Model:
        """The OpenAPI security scheme object (FastAPI's model)."""
        scopes = dict(self.scopes)
        flows = OAuthFlows(
            authorizationCode=(
                OAuthFlowAuthorizationCode(
                    authorizationUrl=self.authorization_url or "",
                    tokenUrl=self.token_url,
                    refreshUrl=self.refresh_url,
                    scopes=scopes,
                )
                if "authorization_code" in self.grants
                else None
            ),
            clientCredentials=(
                OAuthFlowClientCredentials(
                    tokenUrl=self.token_url, refreshUrl=self.refresh_url, scopes=scopes
                )
                if "client_credentials" in self.grants
                else None
            ),
        )
        return OAuth2Model(flows=flows, description=description)


def _route_scopes(dependant: Any) -> list[str]:
    """The ``Security(..., scopes=[...])`` scopes in force at ``dependant`` (what its
    ``SecurityScopes`` receives), across FastAPI versions."""
    if hasattr(dependant, "own_oauth_scopes"):
        return [*(dependant.parent_oauth_scopes or ()), *(dependant.own_oauth_scopes or ())]
    return list(getattr(dependant, "security_scopes", None) or ())


def _api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """The API routes of an app, included routers' too: recent FastAPI versions include
    routers lazily (``iter_route_contexts`` lists their routes), older ones keep them all
    in ``app.routes``."""
    contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    for route in contexts(list(routes)) if contexts is not None else routes:
        if isinstance(getattr(route, "original_route", route), fastapi_routing.APIRoute):
            yield route


def _bearers(dependant: Any, scheme_name: str) -> Iterator[tuple[Scheme, list[str]]]:
    """The bearers of ``scheme_name`` a route depends on, each with its Security scopes."""
    stack = [dependant]
    while stack:
        current = stack.pop()
        call = current.call
        if getattr(call, "scheme_name", None) == scheme_name and isinstance(
            getattr(call, "pipeline", None), Pipeline
        ):
            yield call, _route_scopes(current)
        stack.extend(current.dependencies)


def _demand(bearer: Scheme, scopes: list[str], method: str, path: str) -> Requirement | None:
    """What ``bearer`` demands of a request to ``path`` (None: exempt), as its call decides."""
    requirement = bearer.requirement
    if scopes:  # JWTBearer.__call__: the route's requirement (or the default) plus these
        base = requirement or bearer.pipeline.default
        return replace(base, scopes=base.scopes | frozenset(scopes))
    if requirement is not None:
        return requirement
    try:  # a question about the configuration, not a request: nothing counted or logged
        return bearer.pipeline.demand(method, path)
    except TokenError:  # an ambiguous path: the default is what the schema can say
        return bearer.pipeline.default


def _response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": copy.deepcopy(_CHALLENGE),
        "content": {"application/json": {"schema": dict(_ERROR_REF)}},
    }


def _operation(operation: dict[str, Any], name: str, demands: list[Requirement]) -> bool:
    """Rewrite ``operation``'s security for scheme ``name``; True when it documented a refusal."""
    security = [entry for entry in operation.get("security", ()) if name not in entry]
    if demands:
        scopes = sorted(set().union(*(d.scopes for d in demands)))
        security.append({name: scopes})
        if all(d.optional for d in demands):
            security.append({})  # anonymous access too (OpenAPI's optional security)
    if security:
        operation["security"] = security
    else:
        operation.pop("security", None)
    if not demands:
        return False
    responses = operation.setdefault("responses", {})
    responses.setdefault("401", _response(_UNAUTHORIZED))
    if any(d.checks_claims for d in demands):
        responses.setdefault("403", _response(_FORBIDDEN))
    return True


def document(schema: dict[str, Any], routes: Iterable[Any], bearer: Scheme) -> dict[str, Any]:
    """Correct FastAPI's OpenAPI ``schema`` (in place) for the operations of ``routes`` that
    depend on ``bearer``'s scheme; returns ``schema``."""
    paths = schema.get("paths", {})
    name = bearer.scheme_name
    documented = False
    for route in _api_routes(routes):
        dependant = route.dependant
        if not route.include_in_schema:
            continue
        found = list(_bearers(dependant, name))
        if not found:
            continue
        path = route.path_format
        for method in sorted(route.methods or ()):
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                continue
            demands = [_demand(b, s, method, path) for b, s in found]
            kept = [d for d in demands if d is not None]
            documented = _operation(operation, name, kept) or documented
    if documented:
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(ERROR_SCHEMA, copy.deepcopy(_ERROR_BODY))
    return schema
