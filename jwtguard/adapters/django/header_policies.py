"""``SECURITY_HEADERS`` and ``PATH_SECURITY_HEADERS`` of ``settings.JWTGUARD``: the
security-header policy of each path."""

from __future__ import annotations

from collections.abc import Mapping

from jwtguard._source import Reader
from jwtguard.adapters.django._objects import import_object
from jwtguard.http.pipeline import DEFAULT, SecurityHeadersOption
from jwtguard.http.security_headers import SecurityHeaders

__all__ = ["PathPolicies", "path_policies", "security_headers_option"]


class PathPolicies:
    """Security-header policies per path (``PATH_SECURITY_HEADERS``), ``default`` elsewhere.

    Patterns are written as ``EXEMPT``'s are: ``"/page"`` is that path, ``"/admin/*"``
    the subtree (``/admin`` included); the longest pattern that matches wins.
    """

    def __init__(
        self, policies: Mapping[str, SecurityHeaders | None], default: SecurityHeaders | None
    ) -> None:
        self.default = default
        self._exact: dict[str, SecurityHeaders | None] = {}
        prefixes: list[tuple[str, SecurityHeaders | None]] = []
        for pattern, policy in policies.items():
            if pattern.endswith("/*"):
                prefixes.append((pattern[:-1], policy))
                self._exact.setdefault(pattern[:-2] or "/", policy)
            else:
                self._exact[pattern] = policy
        self._prefixes = sorted(prefixes, key=lambda item: -len(item[0]))
        self.empty = not policies

    def for_path(self, path: str) -> SecurityHeaders | None:
        """The policy for the route path ``path`` (None: no headers)."""
        if self.empty:
            return self.default
        if path in self._exact:
            return self._exact[path]
        for prefix, policy in self._prefixes:
            if path.startswith(prefix):
                return policy
        return self.default


def security_headers_option(reader: Reader) -> SecurityHeadersOption:
    """``SECURITY_HEADERS``: a flag, a policy or its dotted path."""
    value = reader.raw("SECURITY_HEADERS")
    if isinstance(value, SecurityHeaders):
        return value
    if isinstance(value, str) and "." in value and not value.strip().isalpha():
        found = import_object(reader, "SECURITY_HEADERS", value)
        if isinstance(found, SecurityHeaders):
            return found
        if found is not None:
            reader.problem("SECURITY_HEADERS", "expected True, False or a SecurityHeaders policy")
        return DEFAULT
    return DEFAULT if reader.flag("SECURITY_HEADERS", True) else None


def path_policies(reader: Reader) -> dict[str, SecurityHeaders | None]:
    """``PATH_SECURITY_HEADERS``: path pattern -> policy (or its dotted path), None for none."""
    value = reader.raw("PATH_SECURITY_HEADERS")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        reader.problem("PATH_SECURITY_HEADERS", "expected a dict of path -> SecurityHeaders")
        return {}
    policies: dict[str, SecurityHeaders | None] = {}
    for pattern, policy in value.items():
        label = f"{reader.label('PATH_SECURITY_HEADERS')}[{str(pattern)[:60]!r}]"
        if (
            not isinstance(pattern, str)
            or not pattern.startswith("/")
            or "*" in pattern[:-1]
            or (pattern.endswith("*") and not pattern.endswith("/*"))
        ):
            reader.problems.append(f"{label}: a path ('/page') or a subtree ('/admin/*')")
            continue
        found = import_object(reader, "PATH_SECURITY_HEADERS", policy)
        if found is not None and found is not False and not isinstance(found, SecurityHeaders):
            reader.problems.append(f"{label}: expected a SecurityHeaders policy, or None for none")
            continue
        policies[pattern] = found if isinstance(found, SecurityHeaders) else None
    return policies
