"""Adapters that put a :class:`jwtguard.Guard` in front of web apps.

``jwtguard.adapters.asgi`` (Starlette, FastAPI, any ASGI app), ``.fastapi`` (a
per-route dependency), ``.wsgi`` (any WSGI app), ``.flask`` (an extension),
``.django`` (middleware, decorators, token users) and ``.drf`` (Django REST framework).
They share one decision (:class:`Pipeline`) and so behave the same.
Importing this package imports no web framework.
"""

from jwtguard.http.denial import Denial
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.requirement import Requirement

__all__ = ["Denial", "Pipeline", "Requirement"]
