"""``@jwt_required``: a view's own requirement, for function and class-based views.

::

    @jwt_required(scopes="items:write")
    def create_item(request): ...

    @jwt_required(roles="admin")
    class Reports(View): ...                 # or method_decorator(jwt_required, "dispatch")

    @jwt_required(optional=True)
    async def feed(request): ...             # async views are decided without blocking

The decorated view answers to its requirement (scopes and roles all required,
``predicate(claims)`` true; ``optional``: no token is anonymous, a bad token is still
refused), with the configuration of ``settings.JWTGUARD`` (token locations, realm,
report-only, ...), whether or not :class:`JWTGuardMiddleware` is installed; under the
middleware both decide, so a view can only demand more than the path's rule.
A required (non-optional) view is ``csrf_exempt``: its token is never ambient (a
cookie-borne token is checked by jwtguard's own CSRF rule), so Django's session CSRF
check does not apply to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse

from jwtguard.adapters.django.config import configured
from jwtguard.adapters.django.request import adecide, decide, refusal
from jwtguard.http.pipeline import Denial, Predicate, Requirement

__all__ = ["aauthenticate", "authenticate", "jwt_required"]

V = TypeVar("V")


def authenticate(
    request: HttpRequest, requirement: Requirement | None = None
) -> HttpResponse | None:
    """Decide ``request`` (on ``requirement``, else the paths' rules) with the configured
    pipeline: the refusal to send, or None after setting ``request.jwt_claims``/``user``."""
    configuration = configured()
    result = decide(configuration.pipeline, request, requirement)
    if isinstance(result, Denial):
        return refusal(result, configuration.headers.for_path(request.path_info))
    configuration.principals.attach(request, result)
    return None


async def aauthenticate(
    request: HttpRequest, requirement: Requirement | None = None
) -> HttpResponse | None:
    """:func:`authenticate` for async code (a key fetch is awaited)."""
    configuration = configured()
    result = await adecide(configuration.pipeline, request, requirement)
    if isinstance(result, Denial):
        return refusal(result, configuration.headers.for_path(request.path_info))
    configuration.principals.attach(request, result)
    return None


def _function(view: Callable[..., Any], requirement: Requirement) -> Callable[..., Any]:
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = await aauthenticate(request, requirement)
            if refused is not None:
                return refused
            return await view(request, *args, **kwargs)

        return async_view

    @functools.wraps(view)
    def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        refused = authenticate(request, requirement)
        if refused is not None:
            return refused
        return view(request, *args, **kwargs)

    return sync_view


def _dispatch(cls: type[Any], requirement: Requirement) -> Callable[..., Any]:
    """A class-based view's ``dispatch``, deciding first (async for an async view)."""
    original = cls.dispatch
    if getattr(cls, "view_is_async", False):

        @functools.wraps(original)
        async def async_dispatch(self: Any, request: HttpRequest, *args: Any, **kw: Any) -> Any:
            refused = await aauthenticate(request, requirement)
            if refused is not None:
                return refused
            return await original(self, request, *args, **kw)

        return async_dispatch

    @functools.wraps(original)
    def dispatch(self: Any, request: HttpRequest, *args: Any, **kw: Any) -> Any:
        refused = authenticate(request, requirement)
        if refused is not None:
            return refused
        return original(self, request, *args, **kw)

    return dispatch


def jwt_required(
    view: V | None = None,
    *,
    scopes: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    predicate: Predicate | None = None,
    optional: bool = False,
) -> Any:
    """Protect a view (function, ``async def``, or a ``View`` class): a valid token with
    these scopes and roles, and ``predicate(claims)`` true. ``optional``: no token means
    anonymous (``request.jwt_claims`` is None). ``@jwt_required`` or ``@jwt_required(...)``.
    """
    requirement = Requirement.build(scopes, roles, predicate, optional)

    def decorator(target: V) -> V:
        wrapped: Any
        if isinstance(target, type):
            wrapped = target
            target.dispatch = _dispatch(target, requirement)  # type: ignore[attr-defined]
            marked = target.dispatch  # type: ignore[attr-defined]
        else:
            wrapped = marked = _function(target, requirement)  # type: ignore[arg-type]
        marked.jwtguard_requirement = requirement
        if not requirement.optional:
            marked.csrf_exempt = True  # View.as_view copies dispatch's attributes
        return wrapped  # type: ignore[no-any-return]

    return decorator(view) if view is not None else decorator
