"""``settings.JWTGUARD``, read once per process into a :class:`Configuration`.

The dict's keys are the Flask extension's ``JWTGUARD_*`` names without the prefix
(``SECRET_KEY``, ``AUDIENCE``, ``EXEMPT``, ``COOKIE``, ``REPORT_ONLY``, ...), read by
the project's one configuration reader, so values and messages are the same as in
Flask and the environment (``JWTGUARD['LEEWAY']: must be at least 0 seconds``). Django
adds the options that are Python objects in Django's style: ``GUARD``, ``RULES``,
``PREDICATE``, ``ON_DENY``, ``USER_LOADER`` and ``PATH_SECURITY_HEADERS`` take an
object or its dotted path. Every problem is collected and raised together as one
:class:`~jwtguard.errors.ConfigError`, unknown keys included, when the middleware is
loaded (Django builds it at start-up: ``get_wsgi_application()``/``get_asgi_application()``).

:func:`configured` is the process's configuration, shared by the middleware, the
decorators and the DRF classes (one Guard, one cache, one set of counters); a change
of ``settings.JWTGUARD`` (``override_settings`` in tests) builds a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from jwtguard._source import DictSource, Reader
from jwtguard.adapters._settings import (
    check_options,
    read_guard_settings,
    stand_in,
)
from jwtguard.adapters.django._objects import callable_option, import_object
from jwtguard.adapters.django.header_policies import (
    PathPolicies,
    path_policies,
    security_headers_option,
)
from jwtguard.adapters.django.principals import Principals
from jwtguard.adapters.django.users import AnonymousTokenUser, UserLoader
from jwtguard.config.options import PIPELINE_OPTIONS, read_pipeline_options
from jwtguard.config.settings import known_names
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    Pipeline,
    Requirement,
    resolve_security_headers,
)

__all__ = ["DJANGO_NAMES", "Configuration", "PathPolicies", "configured", "read"]

SETTING: Final = "JWTGUARD"
_OBJECT_OPTIONS: Final = {"RULES": "rules", "PREDICATE": "predicate", "ON_DENY": "on_deny"}
DJANGO_NAMES: Final = (
    frozenset(PIPELINE_OPTIONS)
    | frozenset(_OBJECT_OPTIONS)
    | {"GUARD", "SECURITY_HEADERS", "PATH_SECURITY_HEADERS", "USER_LOADER"}
)
"""Every key ``settings.JWTGUARD`` may hold besides the Guard's settings."""
_NAMES: Final = {
    **{option: name for name, (option, _) in PIPELINE_OPTIONS.items()},
    **{option: name for name, option in _OBJECT_OPTIONS.items()},
}
_RULE_KEYS: Final = frozenset({"scopes", "roles", "predicate", "optional"})
_PROTECT_ALL: Final = (
    "Flask's option: the Django middleware authenticates every request (EXEMPT aside); "
    "set OPTIONAL=True to let anonymous requests through to the views "
    "(jwt_required, login_required, DRF permissions)"
)


class Configuration:
    """What ``settings.JWTGUARD`` configures: the decision, the headers, the users.

    Built by :func:`read`; use :func:`configured` for the process's one instance.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        headers: PathPolicies,
        user_loader: UserLoader | None,
        anonymous: Callable[[], Any],
    ) -> None:
        self.pipeline = pipeline
        self.headers = headers
        self.principals = Principals(user_loader, anonymous)

    @property
    def guard(self) -> Guard:
        """The Guard that verifies the tokens."""
        return self.pipeline.guard

    def __repr__(self) -> str:
        return f"Configuration({self.pipeline.guard!r})"


_BROKEN: Final = object()


def _guard(reader: Reader) -> object:
    """``GUARD``: None (unset), what it holds or names, or ``_BROKEN`` (not importable)."""
    value = reader.raw("GUARD")
    if value is None:
        return None
    found = import_object(reader, "GUARD", value)
    return _BROKEN if found is None else found


def _rule(reader: Reader, pattern: str, value: object) -> Requirement | None:
    if isinstance(value, Requirement):
        return value
    label = f"{reader.label('RULES')}[{pattern[:60]!r}]"
    if not isinstance(value, Mapping):
        reader.problems.append(
            f"{label}: expected a Requirement or a dict, got {type(value).__name__}"
        )
        return None
    unknown = sorted(str(key) for key in value if key not in _RULE_KEYS)
    if unknown:
        reader.problems.append(
            f"{label}: unknown key(s) {', '.join(unknown)} (scopes, roles, predicate, optional)"
        )
        return None
    try:
        return Requirement.build(**value)
    except ConfigError as exc:
        reader.problems.extend(f"{label}: {problem}" for problem in exc.problems)
        return None


def _object_options(reader: Reader) -> dict[str, Any]:
    """``RULES`` (pattern -> Requirement or ``{"scopes": ..., "roles": ...}``), ``PREDICATE``
    and ``ON_DENY`` (callables or dotted paths)."""
    options: dict[str, Any] = {}
    rules = reader.raw("RULES")
    if isinstance(rules, Mapping):
        built = {pattern: _rule(reader, str(pattern), value) for pattern, value in rules.items()}
        options["rules"] = {p: r for p, r in built.items() if r is not None}
    elif rules is not None:
        reader.problem(
            "RULES", f"expected a dict of path -> requirement, got a {type(rules).__name__}"
        )
    for name in ("PREDICATE", "ON_DENY"):
        found = callable_option(reader, name)
        if found is not None:
            options[_OBJECT_OPTIONS[name]] = found
    return options


def _anonymous() -> Callable[[], Any]:
    """Django's ``AnonymousUser`` where ``django.contrib.auth`` is installed (the apps are
    ready by the time a middleware is built), else a stand-in with the same interface."""
    if apps.is_installed("django.contrib.auth"):
        found: Callable[[], Any] = import_string("django.contrib.auth.models.AnonymousUser")
        return found
    return AnonymousTokenUser


def read(mapping: object, where: str = SETTING) -> Configuration:
    """A :class:`Configuration` from a ``settings.JWTGUARD``-shaped dict.

    Raises ConfigError listing every problem (unknown keys with a "did you mean").
    """
    if not isinstance(mapping, Mapping):
        kind = "nothing" if mapping is None else f"a {type(mapping).__name__}"
        raise ConfigError(
            f"settings.{where}: expected a dict of jwtguard settings "
            f"(at least SECRET_KEY, PUBLIC_KEY, JWKS_URL, OIDC_ISSUER or GUARD), got {kind}"
        )
    reader = Reader(DictSource(mapping, where))
    guard = _guard(reader)
    policy = security_headers_option(reader)
    per_path = path_policies(reader)
    loader = callable_option(reader, "USER_LOADER")
    from_config = read_pipeline_options(reader)
    from_config.update(_object_options(reader))
    settings_read = (
        None if guard is _BROKEN else read_guard_settings(reader, guard, f"{where}['GUARD']")
    )
    if reader.is_set("PROTECT_ALL"):
        reader.problem("PROTECT_ALL", _PROTECT_ALL)
    reader.check_names(known_names(reader.source) | DJANGO_NAMES | {"PROTECT_ALL"})
    checker = guard if isinstance(guard, Guard) else stand_in(settings_read)
    check_options(reader, from_config, {}, checker, names=_NAMES, keyword=where)
    reader.raise_problems()
    if settings_read is not None:
        guard = Guard.from_settings(settings_read)
    if not isinstance(guard, Guard):  # recorded as a problem above; here for the type checker
        raise ConfigError(f"settings.{where}['GUARD']: expected a jwtguard.Guard")
    pipeline = Pipeline(guard, adapter="django", **from_config)
    default = resolve_security_headers(policy, pipeline)
    return Configuration(pipeline, PathPolicies(per_path, default), loader, _anonymous())


_lock = threading.Lock()
_current: list[Configuration] = []


def configured() -> Configuration:
    """The process's configuration, read from ``settings.JWTGUARD`` on first use."""
    if _current:
        return _current[0]
    with _lock:
        if not _current:
            _current.append(read(getattr(settings, SETTING, None)))
        return _current[0]


def _forget(*, setting: str, **_: Any) -> None:
    if setting == SETTING:
        with _lock:
            _current.clear()


setting_changed.connect(_forget, dispatch_uid="jwtguard.adapters.django.config")
