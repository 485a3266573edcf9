"""Django REST framework: ``JWTAuthentication``, ``HasScope``/``HasRole``/``HasBinding``,
``SubjectRateThrottle``.

Configured from ``settings.JWTGUARD`` like :mod:`jwtguard.adapters.django` (one Guard,
one cache, one set of counters for the middleware, the decorators and DRF). See
docs/django.md. The extra ``jwtguard[drf]`` installs Django REST framework.
"""

from jwtguard.adapters.drf.authentication import JWTAuthentication, TokenRefused
from jwtguard.adapters.drf.permissions import HasBinding, HasRole, HasScope, TokenPermission
from jwtguard.adapters.drf.throttling import SubjectRateThrottle

__all__ = [
    "HasBinding",
    "HasRole",
    "HasScope",
    "JWTAuthentication",
    "SubjectRateThrottle",
    "TokenPermission",
    "TokenRefused",
]
