"""The one per-request decision every adapter shares, free of I/O and of any framework.

exempt? -> find the token -> verify -> requirements -> allow (claims or anonymous),
or deny (status, headers, body). Adapters only translate their request into
``(method, path, headers)`` and the :class:`Denial` into their response.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from jwtguard.claims import Claims
from jwtguard.errors import ConfigError, InvalidRequestError, TokenError
from jwtguard.guard import Guard
from jwtguard.http.credentials import (
    WEBSOCKET,
    MissingTokenError,
    TokenLocations,
    parse_authorization,
)
from jwtguard.http.denial import Denial, deny_for
from jwtguard.http.requirement import Predicate, Requirement

__all__ = ["DEFAULT", "Denial", "Pipeline", "Predicate", "Requirement", "resolve_security_headers"]

logger = logging.getLogger("jwtguard.adapters")

_DOT_SEGMENT: Final = re.compile(r"(?:^|/)\.\.?(?:/|$)")
_DENIAL_CACHE_SIZE: Final = 256
_PARSED_CACHE_SIZE: Final = 4096
_TWO_TOKENS: Final = "The request carries more than one access token."
DEFAULT: Any = object()
"""Sentinel: "use the default" (e.g. the default SecurityHeaders policy)."""


def resolve_security_headers(value: Any, pipeline: Pipeline) -> Any:
    """``DEFAULT`` -> the OWASP-default ``SecurityHeaders`` (``Vary`` also names ``Cookie``
    when the token may come from a cookie); anything else is returned as is."""
    if value is not DEFAULT:
        return value
    from jwtguard.http.security_headers import SecurityHeaders

    if pipeline.locations.cookie is not None:
        return SecurityHeaders(vary=("Authorization", "Cookie"))
    return SecurityHeaders()


def _patterns(value: Iterable[str], what: str) -> tuple[frozenset[str], tuple[str, ...]]:
    if isinstance(value, str):
        value = (value,)
    exact, prefixes = set(), []
    for pattern in value:
        if not isinstance(pattern, str) or not pattern.startswith("/"):
            raise ConfigError(f"{what}: paths must start with '/' ({pattern!r})")
        if pattern.endswith("*"):
            prefixes.append(pattern[:-1])
        else:
            exact.add(pattern)
    return frozenset(exact), tuple(sorted(prefixes, key=len, reverse=True))


class Pipeline:
    """The shared decision. Built once per adapter; ``decide_*`` is called per request.

    Args:
        guard: the :class:`jwtguard.Guard` that verifies tokens.
        realm: the ``realm`` of every ``WWW-Authenticate`` challenge (None: omitted).
        authorization, cookie, header, query_param, csrf, csrf_header, csrf_cookie,
            trusted_origins: token locations and CSRF, see :class:`TokenLocations`.
        exempt: paths served without authentication; ``"/static/*"`` is a prefix.
            A path with ``.``/``..`` segments never matches a prefix (it is refused
            with 400 when prefixes are configured), so ``/static/../admin`` is not exempt.
        exempt_methods: methods served without authentication.
        allow_preflight: let CORS preflights (``OPTIONS`` + ``Origin`` +
            ``Access-Control-Request-Method``) through; browsers never send credentials on them.
        optional, scopes, roles, predicate: the default :class:`Requirement`.
        rules: per-path requirements (same patterns as ``exempt``; longest prefix wins).
        roles_claim: claim holding roles; dots walk into objects (``realm_access.roles``).
        report_only: decide and record everything, but let every request through.
        log_level: level of the one log line per refusal (code, never the token).
        on_deny: ``Denial -> Denial`` hook to customise refusals.
    """

    def __init__(
        self,
        guard: Guard,
        *,
        realm: str | None = "api",
        authorization: bool = True,
        cookie: str | None = None,
        header: str | None = None,
        query_param: str | None = None,
        csrf: bool = True,
        csrf_header: str = "X-CSRF-Token",
        csrf_cookie: str | None = None,
        trusted_origins: Iterable[str] = (),
        exempt: Iterable[str] = (),
        exempt_methods: Iterable[str] = (),
        allow_preflight: bool = True,
        optional: bool = False,
        scopes: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        predicate: Predicate | None = None,
        rules: Mapping[str, Requirement] | None = None,
        roles_claim: str = "roles",
        report_only: bool = False,
        log_level: int = logging.INFO,
        on_deny: Callable[[Denial], Denial] | None = None,
    ) -> None:
        if not isinstance(guard, Guard):
            raise ConfigError("guard: must be a jwtguard.Guard")
        if realm is not None and (
            not isinstance(realm, str) or any(not 0x20 <= ord(c) < 0x7F for c in realm)
        ):
            raise ConfigError("realm: printable ASCII only")
        self.guard = guard
        self.verify = guard.verify
        self.realm = realm
        self.locations = TokenLocations(
            authorization=authorization,
            cookie=cookie,
            header=header,
            query_param=query_param,
            csrf=csrf,
            csrf_header=csrf_header,
            csrf_cookie=csrf_cookie,
            trusted_origins=tuple(trusted_origins),
        )
        self.default = Requirement.build(scopes, roles, predicate, optional)
        self._exempt, self._exempt_prefixes = _patterns(exempt, "exempt")
        self._exempt_methods = frozenset(m.upper() for m in exempt_methods)
        self._preflight = bool(allow_preflight)
        rules = dict(rules or {})
        for requirement in rules.values():
            if not isinstance(requirement, Requirement):
                raise ConfigError("rules: values must be Requirement objects")
        self._rules_exact = {p: r for p, r in rules.items() if not p.endswith("*")}
        _patterns(rules, "rules")
        prefixed = ((p[:-1], r) for p, r in rules.items() if p.endswith("*"))
        self._rules_prefixes = tuple(sorted(prefixed, key=lambda item: -len(item[0])))
        self._has_prefixes = bool(self._exempt_prefixes or self._rules_prefixes)
        if not isinstance(roles_claim, str) or not roles_claim:
            raise ConfigError("roles_claim: must be a non-empty claim name")
        self._roles_claim = tuple(roles_claim.split("."))
        self.report_only = bool(report_only)
        if not isinstance(log_level, int):
            raise ConfigError("log_level: must be a logging level number")
        self.log_level = log_level
        if on_deny is not None and not callable(on_deny):
            raise ConfigError("on_deny: must be callable")
        self._on_deny = on_deny
        self._denials: dict[tuple[Any, ...], Denial] = {}
        self._simple = not (self._exempt or self._exempt_prefixes or self._exempt_methods)
        self._simple = self._simple and not (self._rules_exact or self._rules_prefixes)
        self._authorization_only = self.locations._fast
        self._parsed: dict[bytes, str] = {}

    # -- routing -----------------------------------------------------------------------

    def requirement_for(self, method: str, path: str, preflight: bool) -> Requirement | None:
        """The requirement for a request, or None when it is exempt.

        ``preflight``: the request is a CORS preflight (exempt when ``allow_preflight``).
        """
        if preflight and self._preflight:
            return None
        if self._simple:
            return self.default
        if method in self._exempt_methods or path in self._exempt:
            return None
        rule = self._rules_exact.get(path)
        if rule is not None:
            return rule
        if self._has_prefixes:
            if "/." in path and _DOT_SEGMENT.search(path):
                raise InvalidRequestError("The request path is not canonical.")
            for prefix in self._exempt_prefixes:
                if path.startswith(prefix):
                    return None
            for prefix, rule in self._rules_prefixes:
                if path.startswith(prefix):
                    return rule
        return self.default

    # -- the decision ------------------------------------------------------------------

    def decide_asgi(self, scope: Mapping[str, Any], requirement: Requirement | None = None) -> Any:
        """Claims (allowed), None (allowed anonymously) or a :class:`Denial`, for an ASGI scope."""
        method = scope.get("method") or WEBSOCKET
        headers = scope["headers"]
        try:
            if requirement is None:
                if self._simple and method != "OPTIONS":
                    requirement = self.default
                else:
                    requirement = self.requirement_for(
                        method, scope["path"], method == "OPTIONS" and _asgi_preflight(headers)
                    )
                    if requirement is None:
                        return None
            found = None
            if self._authorization_only:  # the common case, without the general machinery
                for name, value in headers:
                    if name == b"authorization":
                        if found is not None:
                            raise InvalidRequestError(_TWO_TOKENS)
                        found = value
                if found is None:
                    token = None
                else:
                    # Parsing is a pure function of the header: recent results of tokens
                    # that verified are remembered below. The remembered str keeps its
                    # hash, which also makes the Guard's cache look-up cheaper.
                    token = self._parsed.get(found)
                    if token is None:
                        token = parse_authorization(found.decode("latin-1"))
                    else:
                        found = None  # already remembered
            else:
                token = self.locations.from_asgi(headers, scope.get("query_string", b""), method)
            if token is None:
                if requirement.optional:
                    return None
                raise MissingTokenError
        except TokenError as exc:
            return self._refuse(exc, method, scope["path"], None, count=True)
        try:
            claims = self.verify(token)
        except TokenError as exc:  # counted by the Guard
            return self._refuse(exc, method, scope["path"], None, count=False)
        if found is not None:  # only verified tokens: junk headers cannot fill memory
            if len(self._parsed) >= _PARSED_CACHE_SIZE:
                self._parsed.clear()
            self._parsed[found] = token
        if requirement.checks_claims:
            error = requirement.check(claims, self._roles_claim)
            if error is not None:
                return self._refuse(error, method, scope["path"], claims, count=True)
        return claims

    def decide_wsgi(
        self, environ: Mapping[str, Any], requirement: Requirement | None = None
    ) -> Any:
        """Claims (allowed), None (allowed anonymously) or a :class:`Denial`, for a WSGI environ."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        try:
            if requirement is None:
                requirement = self.requirement_for(
                    method,
                    path,
                    method == "OPTIONS"
                    and "HTTP_ORIGIN" in environ
                    and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ,
                )
                if requirement is None:
                    return None
            token = self.locations.from_wsgi(environ, method)
        except TokenError as exc:
            return self._refuse(exc, method, path, None, count=True)
        return self._finish(token, requirement, method, path)

    def _finish(self, token: str | None, requirement: Requirement, method: str, path: str) -> Any:
        if token is None:
            if requirement.optional:
                return None
            return self._refuse(MissingTokenError(), method, path, None, count=True)
        try:
            claims = self.verify(token)
        except TokenError as exc:  # counted by the Guard
            return self._refuse(exc, method, path, None, count=False)
        if requirement.checks_claims:
            error = requirement.check(claims, self._roles_claim)
            if error is not None:
                return self._refuse(error, method, path, claims, count=True)
        return claims

    def _refuse(
        self, error: TokenError, method: str, path: str, claims: Claims | None, *, count: bool
    ) -> Any:
        if count:
            self.guard.record_reject(error.code)
        if logger.isEnabledFor(self.log_level):
            logger.log(
                self.log_level,
                "jwtguard: %s %s %r: %d %s",
                "would reject" if self.report_only else "rejected",
                method[:16] if method.isalnum() else "?",
                path[:200],
                error.status_code,
                error.code,
            )
        if self.report_only:
            return claims
        return self.denial(error)

    def denial(self, error: TokenError) -> Denial:
        """The (cached) :class:`Denial` answering ``error``."""
        if getattr(error, "retry_after", None) is not None:
            return self._customise(deny_for(error, self.realm))
        key = (type(error), error.description, getattr(error, "required", ()))
        found = self._denials.get(key)
        if found is None:
            found = self._customise(deny_for(error, self.realm))
            if len(self._denials) >= _DENIAL_CACHE_SIZE:
                self._denials.clear()
            self._denials[key] = found
        return found

    def _customise(self, denial: Denial) -> Denial:
        return denial if self._on_deny is None else self._on_deny(denial)


def _asgi_preflight(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    names = {name for name, _ in headers}
    return b"origin" in names and b"access-control-request-method" in names
