"""The decision's first step: the requirement a request must meet, or none (exempt).

A CORS preflight or an exempt method needs nothing; otherwise the route path's rule (or
the default) applies, and an ambiguous path is refused (see :mod:`jwtguard.http.routing`).
:class:`RouteStep` is a base class of :class:`~jwtguard.http.pipeline.Pipeline`, so these
are the pipeline's own methods: an adapter's hot path calls them without delegation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from jwtguard.errors import TokenError
from jwtguard.http.decision import Decision
from jwtguard.http.denial import Denial
from jwtguard.http.request import RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.http.routing import PathRules

__all__ = ["RouteStep"]

_METADATA_METHODS: Final = frozenset({"GET", "HEAD"})


class RouteStep:
    """Which requirement applies to a request; set up by :meth:`_set_routes`."""

    paths: PathRules
    header_only: bool
    _authorization_only: bool
    _exempt_methods: frozenset[str]
    _preflight: bool
    _metadata: tuple[str, Denial] | None
    _refuse: Callable[..., Decision]
    _count_exempt: Callable[[], object]

    def _set_routes(
        self,
        paths: PathRules,
        exempt_methods: frozenset[str],
        preflight: bool,
        authorization_only: bool,
        metadata: tuple[str, Denial] | None,
        refuse: Callable[..., Decision],
        count_exempt: Callable[[], object],
    ) -> None:
        self.paths = paths
        self._exempt_methods = exempt_methods
        self._preflight = preflight
        self._authorization_only = authorization_only
        self._metadata = metadata
        self._refuse = refuse
        self._count_exempt = count_exempt
        self.header_only = bool(paths.empty and not exempt_methods and authorization_only)
        """True when, but for ``OPTIONS`` requests, the decision reads nothing but the
        ``Authorization`` header: adapters may then call :meth:`decide_on_headers`."""

    def headers_decide(self, method: str, requirement: Requirement | None = None) -> bool:
        """Whether :meth:`decide_on_headers` / :meth:`decide_on_authorization` may decide a
        request with this method (and a route's own ``requirement``, if any)."""
        if requirement is not None:  # a preflight is let through even then: see _route
            return self._authorization_only and (method != "OPTIONS" or not self._preflight)
        return self.header_only and method != "OPTIONS"

    def requirement_for(self, request: RequestView) -> Requirement | None:
        """The requirement for ``request``, or None when it is exempt (a preflight, an
        exempt method or path). Raises InvalidRequestError (400) for an ambiguous path."""
        method = request.method
        if method in self._exempt_methods or (
            self._preflight and method == "OPTIONS" and request.preflight
        ):
            return None
        return self.paths.requirement_for(request.path, request.raw_path)

    def _route(
        self, request: RequestView, requirement: Requirement | None
    ) -> Requirement | Decision:
        """The requirement ``request`` must meet, or already the answer (None: exempt).
        A CORS preflight passes even a route's own requirement: browsers never send
        credentials with one, and a CORS layer inside the route (flask-cors's
        ``@cross_origin`` under ``@jwt_required``) must be able to answer it."""
        method = request.method
        if self._preflight and method == "OPTIONS" and request.preflight:
            self._count_exempt()
            return None
        if requirement is not None:
            return requirement
        metadata = self._metadata
        if (
            metadata is not None
            and request.full_path == metadata[0]
            and method in _METADATA_METHODS
        ):
            return metadata[1]
        return self.route(method, request.path, request.raw_path)

    def route(self, method: str, path: str, raw_path: str | None = None) -> Requirement | Decision:
        """The requirement for a request that is not a CORS preflight, from its method and
        route path (see :class:`~jwtguard.http.request.RequestView`), or already the answer:
        None (exempt) or the :class:`Denial` of an ambiguous path. With
        :meth:`decide_on_headers` it is :meth:`decide` on primitives, for adapters' hot paths."""
        try:
            found = self.demand(method, path, raw_path)
        except TokenError as exc:
            return self._refuse(exc, method, path, None, count=True)
        if found is None:
            self._count_exempt()
        return found

    def demand(self, method: str, path: str, raw_path: str | None = None) -> Requirement | None:
        """What :meth:`route` finds (None: exempt), as a question about the configuration:
        nothing is counted or logged, and an ambiguous path raises its ``TokenError``
        (for documentation, such as the OpenAPI schema)."""
        if method in self._exempt_methods:
            return None
        return self.paths.requirement_for(path, raw_path)
