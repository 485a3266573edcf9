"""The key-source settings: an HMAC secret, a PEM key pair, a remote JWKS or OIDC
issuer, several issuers (tenants), and the algorithms that fit them.

Read on a :class:`~jwtguard._source.Reader` for :class:`jwtguard.config.settings.Settings`;
the rules between these settings (one key source, algorithms that fit the key, a
secret long enough) are checked here, every problem recorded on the reader.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Final

from jwtguard._source import Reader, Source
from jwtguard._values import Secret
from jwtguard.errors import ConfigError, KeyLoadError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, HMAC_MIN_KEY_BYTES, SUPPORTED_ALGORITHMS
from jwtguard.keys.key import Key, default_algorithms
from jwtguard.keys.remote import check_url

__all__ = [
    "TENANT_FIELDS",
    "TenantSettings",
    "read_algorithms",
    "read_remote_keys",
    "tenant_names",
]

TENANT_FIELDS: Final = ("ISSUER", "AUDIENCE", "JWKS_URL")
"""``TENANT_<NAME>_<FIELD>``: one tenant of a multi-tenant configuration."""


def tenant_names(source: Source) -> frozenset[str]:
    """The ``TENANT_<NAME>_<FIELD>`` names ``source`` holds (they are known names too)."""
    return frozenset(
        name
        for name in source.names()
        if name.startswith("TENANT_")
        and any(name.endswith("_" + f) and len(name) > len(f) + 8 for f in TENANT_FIELDS)
    )


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """One issuer of a multi-tenant configuration.

    Its keys come from OIDC discovery of ``issuer``, or from ``jwks_url`` when set;
    ``audience``, when not empty, replaces the Guard's audience for its tokens.
    """

    issuer: str
    audience: tuple[str, ...] = ()
    jwks_url: str | None = None


def read_remote_keys(r: Reader, local_key: bool) -> dict[str, Any]:
    """``JWKS_URL`` / ``OIDC_ISSUER`` / ``TENANT_*`` and their options (keys.remote)."""
    url, issuers = r.text("JWKS_URL"), r.strings("OIDC_ISSUER")
    named = _named_tenants(r)
    if url is None and not issuers and not named:
        return {}
    tenants: tuple[TenantSettings, ...] = ()
    if len(issuers) > 1 or named:
        tenants = (*(TenantSettings(i) for i in issuers), *named)
        _check_tenants(r, tenants, url)
        url, issuers = None, ()
    issuer = issuers[0] if issuers else None
    insecure = r.flag("JWKS_ALLOW_INSECURE_HTTP", False)
    if url is not None and issuer is not None:
        r.problems.append(f"{r.label('JWKS_URL')} and {r.label('OIDC_ISSUER')}: set only one")
    if local_key:
        r.problems.append(
            f"{r.label('JWKS_URL')}/OIDC_ISSUER and {r.label('SECRET_KEY')}/PUBLIC_KEY: "
            "set one key source"
        )
    urls = [("JWKS_URL", url), ("OIDC_ISSUER", issuer)]
    urls += [("OIDC_ISSUER/TENANT_*_ISSUER", t.issuer) for t in tenants]
    urls += [("TENANT_*_JWKS_URL", t.jwks_url) for t in tenants]
    for name, value in urls:
        if value is not None:
            try:
                check_url(value, allow_insecure_http=insecure, what=r.label(name))
            except ConfigError as exc:
                r.problems.extend(exc.problems)
    if importlib.util.find_spec("httpx") is None:
        r.problems.append(f"{r.label('JWKS_URL')}/OIDC_ISSUER: pip install 'jwtguard[jwks]'")
    return {
        "jwks_url": url,
        "oidc_issuer": issuer,
        "jwks_timeout": r.duration("JWKS_TIMEOUT", 5.0, minimum=0.1),
        "jwks_cooldown": r.duration("JWKS_COOLDOWN", 30.0),
        "jwks_allow_insecure_http": insecure,
        "tenants": tenants,
    }


def _named_tenants(r: Reader) -> tuple[TenantSettings, ...]:
    """``TENANT_<NAME>_ISSUER`` (required), ``_AUDIENCE`` and ``_JWKS_URL``, by name."""
    names = sorted(
        {
            n.rsplit("_" + f, 1)[0]
            for n in tenant_names(r.source)
            for f in TENANT_FIELDS
            if n.endswith("_" + f)
        }
    )
    tenants = []
    for prefix in names:
        issuer = r.text(prefix + "_ISSUER")
        if issuer is None:
            r.problem(prefix + "_ISSUER", "required for this tenant")
            continue
        tenants.append(
            TenantSettings(issuer, r.strings(prefix + "_AUDIENCE"), r.text(prefix + "_JWKS_URL"))
        )
    return tuple(tenants)


def _check_tenants(r: Reader, tenants: tuple[TenantSettings, ...], url: str | None) -> None:
    """Several issuers: each names its own keys and issuer; none given twice."""
    if url is not None:
        r.problem("JWKS_URL", "with several issuers, give each its own TENANT_<NAME>_JWKS_URL")
    if r.is_set("ISSUER"):
        r.problem("ISSUER", "with several issuers, each tenant names its own issuer")
    seen: set[str] = set()
    for tenant in tenants:
        if tenant.issuer in seen:
            r.problems.append(f"issuer {tenant.issuer[:80]!r} given twice")
        seen.add(tenant.issuer)


def read_algorithms(
    r: Reader, secret: Secret[str | bytes] | None, pem_name: str, pem: str | None, remote: bool
) -> tuple[str, ...]:
    """``ALGORITHMS`` (or the default for the key), checked against the key source."""
    if r.is_set("ALGORITHMS"):
        algs = r.strings("ALGORITHMS")
    elif remote:
        algs = ("RS256",)
    elif secret is None and pem is not None:
        try:
            algs = default_algorithms(pem)
        except KeyLoadError as exc:
            r.problem(pem_name, str(exc))
            return ("RS256",)
    else:
        algs = ("HS256",)
    if not algs:
        r.problem("ALGORITHMS", "name at least one algorithm")
    for alg in algs:
        if alg.lower() == "none":
            r.problem("ALGORITHMS", "'none' is never allowed")
        elif alg not in SUPPORTED_ALGORITHMS:
            r.problem(
                "ALGORITHMS",
                f"unknown algorithm {alg[:20]!r} "
                f"(supported: {', '.join(sorted(SUPPORTED_ALGORITHMS))})",
            )
    known = tuple(a for a in algs if a in SUPPORTED_ALGORITHMS)
    families = {ALGORITHM_FAMILY[a] for a in known}
    hmac = "oct" in families
    if hmac and len(families) > 1:
        r.problem("ALGORITHMS", "HMAC and public-key algorithms are mixed for one key")
    elif hmac and secret is not None:
        size = len(_raw_bytes(secret))
        need = max(HMAC_MIN_KEY_BYTES[a] for a in known)
        if size < need:
            r.problem(
                "SECRET_KEY",
                f"{size} bytes is too short for {', '.join(known)}; "
                f"at least {need} bytes (RFC 7518 section 3.2)",
            )
    elif hmac and remote:
        r.problem("ALGORITHMS", "a remote JWKS is for public-key algorithms, not HMAC")
    elif hmac and secret is None and pem is not None:
        r.problem("ALGORITHMS", f"HMAC algorithms need {r.label('SECRET_KEY')}, not a PEM key")
    elif not hmac and known and secret is not None:
        r.problem(
            "ALGORITHMS",
            f"{', '.join(known)} need a public key; "
            f"{r.label('SECRET_KEY')} only works with HS256/384/512",
        )
    elif known and pem is not None and len(known) == len(algs):
        try:  # the key itself against its algorithms (RSA size, ROCA, curve)
            Key.from_pem(pem, known)
        except KeyLoadError as exc:
            r.problem(pem_name, str(exc))
    return algs


def _raw_bytes(secret: Secret[str | bytes]) -> bytes:
    value = secret.reveal()
    return value.encode("utf-8") if isinstance(value, str) else value
