"""What the ASGI and the WSGI middleware set up alike: the pipeline from the typed
options, the security-header policy (``DEFAULT`` resolved for the token's locations),
the warning about a CORS layer wrapped inside, and the HTML-path check."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from jwtguard.adapters.cors_order import cors_inside, warn_cors_inside
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    Pipeline,
    PipelineOptions,
    SecurityHeadersOption,
    resolve_security_headers,
)
from jwtguard.http.security_headers import SecurityHeaders

__all__ = ["MiddlewareSetup", "set_up"]


class MiddlewareSetup(NamedTuple):
    """A middleware's shared parts."""

    pipeline: Pipeline
    security_headers: SecurityHeaders | None
    html_path: Callable[[str], bool] | None
    """The policy's ``is_html_path`` when it names HTML paths, else None."""


def set_up(
    app: object,
    guard: Guard,
    security_headers: SecurityHeadersOption,
    options: PipelineOptions,
    adapter: str,
    name: str,
    cors_fix: str,
) -> MiddlewareSetup:
    """The parts of middleware ``name`` (the class, for the CORS warning) around ``app``,
    deciding under the name ``adapter``; ``cors_fix`` says how to order a CORS layer found
    inside it."""
    pipeline = Pipeline(guard, adapter=adapter, **options)
    policy = resolve_security_headers(security_headers, pipeline)
    warn_cors_inside(cors_inside(app), name, cors_fix)
    html_path = policy.is_html_path if policy is not None and policy.html_paths else None
    return MiddlewareSetup(pipeline, policy, html_path)
