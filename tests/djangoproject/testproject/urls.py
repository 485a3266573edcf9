"""The test project's routes (the routing suite's under ``/``; the admin at ``/django-admin/``)."""

from pathlib import Path

import django.contrib.admin
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from jwtguard.adapters.django import configured, token_urls
from jwtguard.refresh import RefreshTokens
from testproject import views

ADMIN_STATIC = Path(django.contrib.admin.__file__).parent / "static"

urlpatterns = [
    path("admin", views.route("admin")),
    path("admin/<str:item>", views.route("admin-item")),
    path("billing", views.route("billing")),
    path("health", views.route("health")),
    path("me", views.route("me")),
    path("page", views.page),
    path("styled", views.styled),
    path("api/items", views.Items.as_view()),
    path("api/throttled", views.Throttled.as_view()),
    path("auth/", include(token_urls(RefreshTokens(configured().guard)))),
    path("django-admin/", admin.site.urls),
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": str(ADMIN_STATIC)}),
]
