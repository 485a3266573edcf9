"""Django: ``JWTGuardMiddleware``, ``@jwt_required``, token users and token endpoints.

Configured from ``settings.JWTGUARD`` (a dict: the Flask extension's keys without the
``JWTGUARD_`` prefix), checked when Django loads the middleware. See docs/django.md,
and :mod:`jwtguard.adapters.drf` for Django REST framework.

The extra ``jwtguard[django]`` installs Django; importing this package imports it.
"""

from jwtguard.adapters.django.config import Configuration, configured, read
from jwtguard.adapters.django.decorators import aauthenticate, authenticate, jwt_required
from jwtguard.adapters.django.middleware import JWTGuardMiddleware, SecurityHeadersMiddleware
from jwtguard.adapters.django.request import adecide, decide, request_view
from jwtguard.adapters.django.tokens import password_claims, token_urls
from jwtguard.adapters.django.users import (
    AnonymousTokenUser,
    ModelUserLoader,
    TokenUser,
    load_user,
)
from jwtguard.adapters.django.views import protected_resource_metadata

__all__ = [
    "AnonymousTokenUser",
    "Configuration",
    "JWTGuardMiddleware",
    "ModelUserLoader",
    "SecurityHeadersMiddleware",
    "TokenUser",
    "aauthenticate",
    "adecide",
    "authenticate",
    "configured",
    "decide",
    "jwt_required",
    "load_user",
    "password_claims",
    "protected_resource_metadata",
    "read",
    "request_view",
    "token_urls",
]
