"""The test project's views: the routing suite's routes, a page, DRF views, token users."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard.adapters.drf import HasRole, HasScope, SubjectRateThrottle


def route(name: str) -> Any:
    """``{"route": name, "sub": ...}`` for any method (the routing suite's answer)."""

    @csrf_exempt
    def answer(request: HttpRequest, **kwargs: Any) -> JsonResponse:
        claims = request.jwt_claims  # type: ignore[attr-defined]
        return JsonResponse({"route": name, "sub": None if claims is None else claims["sub"]})

    return answer


def page(request: HttpRequest) -> HttpResponse:
    """An exempt HTML page."""
    return HttpResponse(
        "<!doctype html><html><head><title>jwtguard page</title></head>"
        "<body><h1 id='title'>Hello</h1></body></html>"
    )


def styled(request: HttpRequest) -> HttpResponse:
    """An exempt page loading a stylesheet, under a strict CSP (the settings' STRICT): the
    browser test's control, blocked."""
    return HttpResponse(
        "<!doctype html><html><head><link rel='stylesheet' href='/static/admin/css/base.css'>"
        "</head><body><p>styled</p></body></html>"
    )


class Items(APIView):
    """Reading needs ``items:read``; writing ``items:write`` or the ``admin`` role."""

    def get_permissions(self) -> Any:
        if self.request.method == "GET":
            return [HasScope("items:read")()]
        return [(HasScope("items:write") | HasRole("admin"))()]

    def get(self, request: Any) -> Response:
        return Response({"sub": request.user.pk, "scopes": sorted(request.auth.scopes)})

    def post(self, request: Any) -> Response:
        return Response({"created_by": request.user.pk}, status=201)


class Throttled(APIView):
    throttle_classes = (SubjectRateThrottle,)

    def get(self, request: Any) -> Response:
        return Response({"sub": request.user.pk})
