"""The modules under mutation testing, each with its own tests (the mirror of its path)."""

from __future__ import annotations

__all__ = ["TARGETS"]

TARGETS: dict[str, tuple[str, ...]] = {
    "jwtguard/jose/claims_check.py": ("tests/jose/test_claims_check.py", "tests/test_profile.py"),
    "jwtguard/jose/_read.py": ("tests/jose/test_read.py",),
    "jwtguard/policy.py": ("tests/test_policy.py", "tests/test_profile.py"),  # profile=
    "jwtguard/cache.py": ("tests/test_cache.py",),
    "jwtguard/keys/key.py": ("tests/keys/test_key.py",),
    "jwtguard/keys/keyset.py": ("tests/keys/test_keyset.py",),
    "jwtguard/keys/_jwks.py": ("tests/keys/test_keyset.py",),  # read by KeySet.from_jwks
    "jwtguard/guard.py": (
        "tests/test_guard.py",
        "tests/keys/test_tenant.py",  # tenants=
        "tests/test_profile.py",  # profile=
    ),
    # the Guard's parts (jwtguard/_guard/), tested through the Guard
    "jwtguard/_guard/verify_path.py": (
        "tests/test_guard.py",
        "tests/keys/test_tenant.py",
        "tests/test_profile.py",
    ),
    "jwtguard/_guard/options.py": (
        "tests/test_guard.py",
        "tests/keys/test_tenant.py",  # key= or tenants=
        "tests/test_profile.py",
    ),
    "jwtguard/_guard/fast_path.py": ("tests/test_guard.py",),
    "jwtguard/_guard/stats.py": ("tests/test_guard.py",),
    "jwtguard/_guard/lifecycle.py": ("tests/test_guard.py",),
    "jwtguard/http/request.py": ("tests/http/test_request.py",),
    "jwtguard/http/routing.py": ("tests/http/test_routing.py",),
    "jwtguard/http/pipeline.py": (
        "tests/http/test_pipeline.py",
        "tests/http/test_pipeline_resource_server.py",  # resource_server=
    ),
    # the pipeline's parts, tested through the pipeline
    "jwtguard/http/_header_step.py": (
        "tests/http/test_pipeline.py",
        "tests/http/test_pipeline_resource_server.py",
    ),
    "jwtguard/http/_route_step.py": (
        "tests/http/test_pipeline.py",
        "tests/http/test_pipeline_resource_server.py",  # the metadata route
    ),
    "jwtguard/http/_refusals.py": (
        "tests/http/test_pipeline.py",
        "tests/http/test_pipeline_resource_server.py",
    ),
    "jwtguard/http/_resource_step.py": (
        "tests/http/test_pipeline_resource_server.py",
        "tests/http/test_pipeline.py",  # judge() under a resource server: the token's scheme
    ),
    "jwtguard/http/credentials.py": ("tests/http/test_credentials.py",),
    "jwtguard/http/csrf.py": ("tests/http/test_csrf.py",),
    "jwtguard/http/challenges.py": ("tests/http/test_challenges.py",),
    "jwtguard/http/denial.py": ("tests/http/test_denial.py",),
    "jwtguard/revocation/_denylist.py": ("tests/revocation/test_denylist.py",),
    "jwtguard/revocation/redis/_protocol.py": ("tests/revocation/redis/test_protocol.py",),
    # run alone with --no-preload: its tests fail in a child whose parent preloaded imports
    "jwtguard/revocation/redis/_async.py": ("tests/revocation/redis/test_async.py",),
    "jwtguard/refresh.py": ("tests/test_refresh.py",),
}
"""module -> the test files that are its own (run with ``-x``, so keep them fast)."""
