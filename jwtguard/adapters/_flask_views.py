"""The Flask extension's request side: :func:`jwt_required`, :func:`verify_jwt_in_request`,
and the :data:`current_claims` and :data:`current_user` proxies, which read the state
:class:`JWTGuard <jwtguard.adapters.flask.JWTGuard>` set up on the current app. Import
them from :mod:`jwtguard.adapters.flask`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast, overload

from flask import Flask, current_app, g
from werkzeug.local import LocalProxy

from jwtguard.adapters._flask_state import state
from jwtguard.adapters.cors_order import warn_cors_inside
from jwtguard.claims import Claims
from jwtguard.http.pipeline import Denial, Predicate, Requirement
from jwtguard.oauth.binding import Binding

__all__ = [
    "current_claims",
    "current_user",
    "get_current_user",
    "jwt_required",
    "serialising_claims",
    "verify_jwt_in_request",
]

F = TypeVar("F", bound=Callable[..., Any])
_NO_CLAIMS = Claims({})
_CROSS_ORIGIN_FIX = "put @cross_origin() above @jwt_required, or use CORS(app)"
_ANY_TOKEN = (Requirement.build(), Requirement.build(optional=True))


def _claims() -> Claims:
    # g's object, not g.get: a method through the LocalProxy costs a failed look-up and
    # three Python frames; and no cast(), a call too (this runs on every claims read)
    found: Claims | None = g._get_current_object().get("jwtguard_claims")
    return _NO_CLAIMS if found is None else found


class _ClaimsProxy(LocalProxy):  # type: ignore[type-arg]
    """A LocalProxy that is not an iterator: Flask streams a view's returned iterator
    (and every LocalProxy passes for one), but sends a returned dict as JSON. The reads
    views make most (``[name]``, ``get``, ``in``) are its own methods, one frame each,
    not LocalProxy's generic look-up (three frames, and a failed look-up for ``get``)."""

    __next__ = None

    def __getitem__(self, name: str) -> Any:
        return _claims()[name]

    def __contains__(self, name: object) -> bool:
        return name in _claims()

    def get(self, name: str, default: Any = None) -> Any:
        return _claims().get(name, default)


current_claims: Claims = cast(Claims, _ClaimsProxy(_claims))
"""The verified claims of the current request: an empty mapping when it is anonymous
(``optional=True``), so ``current_claims.get("sub")`` is None and ``bool(current_claims)``
says whether a token was verified. A read-only ``dict``: ``jsonify(current_claims)`` and
``return current_claims`` send it as JSON (``init_app`` teaches the app's JSON provider
this proxy)."""


def serialising_claims(default: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The JSON provider's ``default`` hook, also turning :data:`current_claims` into the
    request's claims (the encoder sees a proxy, not the dict behind it)."""

    def serialise(value: Any) -> Any:
        return _claims() if value is current_claims else default(value)

    return serialise


def _is_cross_origin(view: object) -> bool:
    """Whether ``view`` is flask-cors's ``@cross_origin`` wrapper (it copies the view's name
    and module, so only its code tells)."""
    code = getattr(view, "__code__", None)
    return code is not None and "flask_cors" in Path(code.co_filename).parts


@overload
def jwt_required(
    view: F,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
    binding: Binding | None = None,
) -> F: ...


@overload
def jwt_required(
    view: None = None,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
    binding: Binding | None = None,
) -> Callable[[F], F]: ...


def jwt_required(
    view: F | None = None,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
    binding: Binding | None = None,
) -> F | Callable[[F], F]:
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
            found = state(app)
            result = found.decide(requirement)
            if type(result) is Denial:
                return found.respond(result)
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
    if scopes == () and roles == () and predicate is None:  # the defaults: built once
        requirement = _ANY_TOKEN[bool(optional)]
    else:
        requirement = Requirement.build(scopes, roles, predicate, optional)
    found = state()
    result = found.decide(requirement)
    if type(result) is Denial:
        raise found.refuse(result)
    return _NO_CLAIMS if result is None else cast(Claims, result)


def get_current_user() -> Any:
    """The current request's user by :meth:`JWTGuard.user_loader` (None when anonymous),
    loaded on first use and kept for the request; a loader's None is a refusal (401)."""
    namespace = g._get_current_object()  # not through the proxy (see _claims)
    claims = namespace.get("jwtguard_claims")
    if claims is None:
        return None
    found = namespace.get("jwtguard_user")
    if found is not None and found[0] is claims:
        return found[1]
    user = state().user(claims)
    namespace.jwtguard_user = (claims, user)
    return user


current_user: Any = LocalProxy(get_current_user)
"""The current request's user (see :func:`get_current_user`), a lazy proxy: test for an
anonymous request with ``get_current_user() is None`` or ``current_claims``, since a proxy
is never ``None`` itself."""
