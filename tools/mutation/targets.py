"""The modules under mutation testing, each with its own tests (the mirror of its path)."""

from __future__ import annotations

__all__ = ["TARGETS"]

TARGETS: dict[str, tuple[str, ...]] = {
    "jwtguard/jose/claims_check.py": ("tests/jose/test_claims_check.py",),
    "jwtguard/jose/_read.py": ("tests/jose/test_read.py",),
    "jwtguard/policy.py": ("tests/test_policy.py",),
    "jwtguard/cache.py": ("tests/test_cache.py",),
    "jwtguard/keys/key.py": ("tests/keys/test_key.py",),
    "jwtguard/keys/keyset.py": ("tests/keys/test_keyset.py",),
    "jwtguard/keys/_jwks.py": ("tests/keys/test_keyset.py",),  # read by KeySet.from_jwks
    "jwtguard/guard.py": ("tests/test_guard.py", "tests/keys/test_tenant.py"),  # tenants=
}
"""module -> the test files that are its own (run with ``-x``, so keep them fast)."""
