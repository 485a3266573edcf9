"""Typed use of the adapters; `make typecheck` runs mypy --strict over this file.

The ``# type: ignore[...]`` lines are checks too: mypy --strict reports an ignore that is
not needed, so each one proves mypy refuses that call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import FastAPI
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware

from jwtguard import Claims, Guard, SecurityHeaders
from jwtguard.adapters import Denial, Pipeline, Requirement
from jwtguard.adapters.asgi import JWTGuardMiddleware, request_from_scope
from jwtguard.adapters.fastapi import JWTBearer
from jwtguard.adapters.flask import JWTGuard, jwt_required
from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware, request_from_environ
from jwtguard.http import DEFAULT, Decision, PipelineOptions, RequestView
from jwtguard.http.pipeline import Default, Pending


def starlette_app(guard: Guard) -> Starlette:
    return Starlette(
        middleware=[
            Middleware(
                JWTGuardMiddleware,
                guard=guard,
                exempt=["/health"],
                rules={"/admin/*": Requirement.build(scopes="admin")},
                security_headers=SecurityHeaders(),
            )
        ]
    )


def refused_options(guard: Guard) -> list[Middleware]:
    return [
        Middleware(JWTGuardMiddleware, guard=guard, exmept=["/health"]),  # type: ignore[call-arg]
        Middleware(JWTGuardMiddleware, guard=guard, optional="yes"),  # type: ignore[arg-type]
    ]


def the_other_adapters(guard: Guard) -> None:
    options: PipelineOptions = {"exempt": ["/health"], "optional": True}
    fastapi = FastAPI()
    fastapi.add_middleware(JWTGuardMiddleware, guard=guard, **options)
    JWTBearer(guard, scheme_name="jwt", **options).install(fastapi)
    flask = Flask(__name__)
    flask.wsgi_app = JWTGuardWSGIMiddleware(  # type: ignore[method-assign]
        flask.wsgi_app, guard=guard, security_headers=None, **options
    )
    JWTGuard(flask, guard=guard, security_headers=DEFAULT, report_only=True)


def decide(pipeline: Pipeline, request: RequestView) -> str:
    decision: Decision = pipeline.decide(request)
    if isinstance(decision, Denial):
        return f"{decision.status} {decision.code}"
    if decision is None:
        return "anonymous"
    claims: Claims = decision
    return claims.subject or ""


async def adecide(pipeline: Pipeline) -> Decision:
    request = request_from_scope({"type": "http", "path": "/", "headers": []})
    fast = pipeline.decide_on_headers("GET", "/", [(b"authorization", b"Bearer t")])
    if fast is Pending.AWAIT:
        return await pipeline.adecide(request)
    return fast


def sentinel() -> Literal[Default.DEFAULT]:
    request_from_environ({"PATH_INFO": "/"})
    return DEFAULT


def flask_views() -> None:
    # Both forms of the decorator keep the view's own type.
    def items(page: int) -> dict[str, int]:
        return {"page": page}

    bare: Callable[[int], dict[str, int]] = jwt_required(items)
    called: Callable[[int], dict[str, int]] = jwt_required(scopes="items:read")(items)
    wrong: Callable[[str], dict[str, int]] = jwt_required(items)  # type: ignore[assignment]
    jwt_required(items)("one")  # type: ignore[arg-type]
    jwt_required(roles="admin")(items)("one")  # type: ignore[arg-type]
    assert bare is not called and wrong is not None
    jwt_required(optional="yes")  # type: ignore[call-overload]
