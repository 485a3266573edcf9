"""Django views jwtguard offers besides the middleware: the RFC 9728 metadata document.

``JWTGuardMiddleware`` answers ``GET /.well-known/oauth-protected-resource`` itself; with
Django REST framework's authentication alone, route it to this view::

    path(".well-known/oauth-protected-resource", protected_resource_metadata)
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from jwtguard.adapters.django.config import configured
from jwtguard.adapters.django.request import metadata_response

__all__ = ["protected_resource_metadata"]


def protected_resource_metadata(request: HttpRequest) -> HttpResponse:
    """The metadata of ``settings.JWTGUARD``'s resource server (404 without one)."""
    response = metadata_response(configured().pipeline)
    if response is None or request.method not in ("GET", "HEAD"):
        raise Http404
    return response
