"""Apps written the way users of flask-jwt-extended, FastAPI and Starlette write them, served by
real servers on loopback for the suites beside this file.

Imported by the servers, not by pytest (``gunicorn --chdir tests/e2e
'convention_apps:flask_extension()'``, ``uvicorn --app-dir tests/e2e --factory
convention_apps:...``). The HS256 secret comes from ``ROUTING_SECRET`` (see conftest.py);
``ALLOWED_ORIGIN`` is the one origin the CORS apps allow. (No ``from __future__ import
annotations`` here: FastAPI reads the endpoints' annotations at definition time.)
"""

import os
from typing import Any

from jwtguard import Guard

AUDIENCE = "conventions"
USERS = {"ada": "Ada Lovelace", "alan": "Alan Turing"}


def guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE)


# -- the Flask extension -------------------------------------------------------------------


def flask_extension() -> Any:
    """A blueprint guarded in ``before_request``, a user loader, an optional feed, and a
    login route that issues tokens through the extension."""
    from flask import Blueprint, Flask, request

    from jwtguard.adapters.flask import (
        JWTGuard,
        current_claims,
        current_user,
        get_current_user,
        jwt_required,
        verify_jwt_in_request,
    )

    app = Flask("conventions")
    app.config.update(
        JWTGUARD_SECRET_KEY=os.environ["ROUTING_SECRET"],
        JWTGUARD_AUDIENCE=AUDIENCE,
        JWTGUARD_ACCESS_TTL="5m",
    )
    jwt = JWTGuard(app)

    @jwt.user_loader
    def load_user(claims: Any) -> Any:
        return USERS.get(claims["sub"])

    admin = Blueprint("admin", "conventions", url_prefix="/admin")

    @admin.before_request
    def admins_only() -> None:
        verify_jwt_in_request(roles="admin")

    @admin.get("/panel")
    def panel() -> Any:
        return {"admin": current_user.title()}

    app.register_blueprint(admin)

    @app.post("/login")
    def login() -> Any:
        name = request.get_json()["user"]
        roles = ["admin"] if name == "ada" else []
        return {"access_token": jwt.issue({"sub": name, "roles": roles})}

    @app.get("/feed")
    @jwt_required(optional=True)
    def feed() -> Any:
        user = get_current_user()
        return {"sub": current_claims.get("sub"), "claims": len(current_claims), "user": user}

    @app.get("/health")
    def health() -> Any:
        return {"ok": True}

    return app
