"""``@jwt_required``: a view's own requirement, for function and class-based views.

::

    @jwt_required(scopes="items:write")
    def create_item(request): ...

    @jwt_required(roles="admin")
    class Reports(View): ...                 # or method_decorator(jwt_required, "dispatch")

    @jwt_required(optional=True)
    async def feed(request): ...             # async views are decided without blocking

    @jwt_required(binding="dpop")
    def transfer(request): ...               # a DPoP-bound token only (resource servers)

The decorated view answers to its requirement (scopes and roles all required,
``predicate(claims)`` true; ``optional``: no token is anonymous, a bad token is still
refused), with the configuration of ``settings.JWTGUARD`` (token locations, realm,
report-only, ...), whether or not :class:`JWTGuardMiddleware` is installed; under the
middleware the token it accepted is judged again on the view's requirement, not
verified twice (a DPoP proof is single use), so a view can only demand more than the
path's rule, and a request is counted and logged once (a refusal the middleware let
through in report-only mode is not reported again).
A required (non-optional) view is ``csrf_exempt``: its token is never ambient (a
cookie-borne token is checked by jwtguard's own CSRF rule), so Django's session CSRF
check does not apply to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse

from jwtguard.adapters.django.config import Configuration, configured
from jwtguard.adapters.django.request import adecide, decide, refusal
from jwtguard.claims import Claims
from jwtguard.http.pipeline import Denial, Predicate, Requirement
from jwtguard.oauth.binding import Binding

__all__ = ["aauthenticate", "authenticate", "jwt_required"]

V = TypeVar("V")
_UNDECIDED: Final = object()


def authenticate(
    request: HttpRequest, requirement: Requirement | None = None
) -> HttpResponse | None:
    """Decide ``request`` (on ``requirement``, else the paths' rules) with the configured
    pipeline: the refusal to send, or None after setting ``request.jwt_claims``/``user``."""
    configuration = configured()
    judged = _judged(configuration, request, requirement)
    if judged is not _UNDECIDED:
        return judged  # type: ignore[return-value]
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
    judged = _judged(configuration, request, requirement)
    if judged is not _UNDECIDED:
        return judged  # type: ignore[return-value]
    result = await adecide(configuration.pipeline, request, requirement)
    if isinstance(result, Denial):
        return refusal(result, configuration.headers.for_path(request.path_info))
    configuration.principals.attach(request, result)
    return None


def _judged(
    configuration: Configuration, request: HttpRequest, requirement: Requirement | None
) -> HttpResponse | object | None:
    """The answer for a request whose token the middleware already accepted: the view's
    ``requirement`` judged on those claims (None: it passes); ``_UNDECIDED`` when no
    token was accepted yet (no middleware, or an anonymous request). None, too, for a
    refusal the middleware let through in report-only mode: it counted and logged it,
    and enforcement would have stopped the request there."""
    if getattr(request, "jwtguard_let_through", None) is not None:
        return None
    claims = getattr(request, "jwt_claims", None)
    if not isinstance(claims, Claims):
        return _UNDECIDED
    if requirement is None:  # the paths' rules: what the middleware decided on
        return None
    denial = configuration.pipeline.judge(
        claims, requirement, request.method or "GET", request.path_info
    )
    if denial is None:
        return None
    return refusal(denial, configuration.headers.for_path(request.path_info))


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
    binding: Binding | None = None,
) -> Any:
    """Protect a view (function, ``async def``, or a ``View`` class): a valid token with
    these scopes and roles, and ``predicate(claims)`` true. ``optional``: no token means
    anonymous (``request.jwt_claims`` is None). ``binding``: the sender constraint the
    token must have (``"dpop"``, ``"mtls"``, ``"bound"``; see docs/resource-server.md).
    ``@jwt_required`` or ``@jwt_required(...)``.
    """
    requirement = Requirement.build(scopes, roles, predicate, optional, binding)

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
