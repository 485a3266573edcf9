"""The Guard's settings, read from any configuration source into a frozen :class:`Settings`.

``Settings.from_env()`` reads ``JWTGUARD_*`` environment variables (and ``.env``);
``Settings.from_source()`` reads any :class:`jwtguard._source.Source` (Flask's
``app.config``, a Django settings dict). Every problem is collected and reported
at once, one line each, naming the key as the user spelt it, so a bad deployment
fails at start-up with everything it must fix. Reading has no side effect:
:mod:`jwtguard.config.build` turns settings into keys and revocation stores.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final

from jwtguard._source import PrefixedSource, Reader, Source
from jwtguard._values import Secret, mask_url, parse_duration
from jwtguard.config import build
from jwtguard.config.dotenv import read_dotenv
from jwtguard.config.options import ADAPTER_NAMES
from jwtguard.errors import ConfigError, KeyLoadError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, HMAC_MIN_KEY_BYTES, SUPPORTED_ALGORITHMS
from jwtguard.keys.key import Key, default_algorithms
from jwtguard.keys.remote import check_url
from jwtguard.policy import DEFAULT_MAX_TOKEN_BYTES

if TYPE_CHECKING:
    from jwtguard.revocation.redis._protocol import RedisConfig

__all__ = [
    "ENV_NAMES",
    "SETTINGS_NAMES",
    "Secret",
    "Settings",
    "TenantSettings",
    "defaults",
    "mask_url",
    "parse_duration",
]

REDIS_NAMES: Final = frozenset(
    {"REDIS_URL", "REDIS_NAMESPACE", "REDIS_MODE", "REDIS_TIMEOUT"}
    | {"REDIS_FAIL_OPEN_FOR", "REDIS_HEARTBEAT"}
)
SETTINGS_NAMES: Final = frozenset(
    {"SECRET_KEY", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "PRIVATE_KEY", "PRIVATE_KEY_FILE"}
    | {"ALGORITHMS", "AUDIENCE", "ISSUER", "LEEWAY", "ACCESS_TTL", "REQUIRE", "TYP"}
    | {"CACHE_SIZE", "CACHE_TTL", "MAX_TOKEN_BYTES"}
    | {"JWKS_URL", "OIDC_ISSUER", "JWKS_TIMEOUT", "JWKS_COOLDOWN", "JWKS_ALLOW_INSECURE_HTTP"}
    | {"REVOCATION"}
    | REDIS_NAMES
)
"""Every name the Guard's settings are read from (without the ``JWTGUARD_`` prefix)."""
ENV_NAMES: Final = SETTINGS_NAMES | ADAPTER_NAMES
"""The names the environment may hold: the Guard's settings, and the adapters' options
(one deployment's variables serve its web app and the ``jwtguard`` CLI alike)."""
MAX_LEEWAY: Final = 300.0
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


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``Guard.from_env`` reads, validated. Secrets are :class:`Secret`."""

    algorithms: tuple[str, ...]
    secret_key: Secret[str | bytes] | None = None
    public_key: str | None = None
    private_key: Secret[str] | None = None
    audience: tuple[str, ...] = ()
    issuer: str | None = None
    leeway: float = 0.0
    access_ttl: float = 900.0
    cache_size: int = 10_000
    cache_ttl: float | None = None
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    require: tuple[str, ...] = ("exp",)
    typ: str | None = None
    jwks_url: str | None = None
    oidc_issuer: str | None = None
    jwks_timeout: float = 5.0
    jwks_cooldown: float = 30.0
    jwks_allow_insecure_http: bool = False
    tenants: tuple[TenantSettings, ...] = ()
    """Several issuers, each with its own keys: several ``OIDC_ISSUER`` values, or
    ``TENANT_<NAME>_ISSUER`` with ``_AUDIENCE`` and ``_JWKS_URL`` (docs/keys.md)."""
    revocation: str | None = None
    """``None`` (no store), ``"memory"`` or ``"redis"`` (then ``redis`` is set)."""
    redis: RedisConfig | None = field(default=None, repr=False)  # its URL may hold a password

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: bool | str | os.PathLike[str] = True,
        ignore: Iterable[str] = (),
    ) -> Settings:
        """Read ``JWTGUARD_*`` (and ``JWT_SECRET_KEY``) from ``environ`` (default ``os.environ``).

        ``dotenv``: ``True`` reads ``./.env`` when python-dotenv is installed (and
        warns once when the file is there but python-dotenv is not); a path reads
        that file (a problem when it cannot); the real environment wins over the file.
        ``ignore``: names of other tools' ``JWTGUARD_*`` variables (shell patterns
        allowed); any other unknown ``JWTGUARD_*`` name is refused.
        """
        env: dict[str, object] = {}
        problems: list[str] = []
        if dotenv:
            env.update(read_dotenv(None if dotenv is True else dotenv, problems))
        env.update(os.environ if environ is None else environ)
        source = PrefixedSource(env, aliases={"SECRET_KEY": "JWT_SECRET_KEY"})
        reader = Reader(source)
        reader.problems.extend(problems)
        settings = cls.read(reader)
        reader.check_names(ENV_NAMES | tenant_names(source), ignore=ignore)
        reader.raise_problems()
        return settings

    @classmethod
    def from_source(cls, source: Source, *, ignore: Iterable[str] = ()) -> Settings:
        """Read any source that holds only the Guard's settings (unknown names refused)."""
        reader = Reader(source)
        settings = cls.read(reader)
        reader.check_names(SETTINGS_NAMES | tenant_names(source), ignore=ignore)
        reader.raise_problems()
        return settings

    @classmethod
    def read(cls, reader: Reader) -> Settings:
        """Read with ``reader``, recording problems on it instead of raising.

        For readers of a larger configuration (an adapter's keys and options in one
        pass): the result is meaningful only when ``reader.problems`` stays empty.
        """
        return _SettingsReader(reader).read()

    def guard_kwargs(self) -> dict[str, Any]:
        """Deprecated: use ``jwtguard.config.build.guard_kwargs(settings)``."""
        warnings.warn(
            "Settings.guard_kwargs() is deprecated; use jwtguard.config.build.guard_kwargs()",
            DeprecationWarning,
            stacklevel=2,
        )
        return build.guard_kwargs(self)

    def revocation_store(self) -> Any:
        """Deprecated: use ``jwtguard.config.build.revocation_store(settings)``."""
        warnings.warn(
            "Settings.revocation_store() is deprecated; "
            "use jwtguard.config.build.revocation_store()",
            DeprecationWarning,
            stacklevel=2,
        )
        return build.revocation_store(self)


def defaults() -> dict[str, object]:
    """Every setting name with its default as a Python value (``None``: unset, or worked
    out from the others, as the algorithms are from the key), for adapters that show the
    defaults where users look (Flask's ``app.config.setdefault``)."""
    values: dict[str, object] = dict.fromkeys(sorted(SETTINGS_NAMES))
    for item in fields(Settings):
        name = item.name.upper()
        if name in values and item.default is not MISSING:
            values[name] = item.default
    return values


class _SettingsReader:
    """The rules between settings (which key source, which algorithms), on one Reader."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def read(self) -> Settings:
        r = self.r
        secret = r.secret("SECRET_KEY")
        public = r.text_or_file("PUBLIC_KEY")
        private = r.text_or_file("PRIVATE_KEY")
        remote = self.remote_keys(secret is not None or public is not None)
        if secret is None and public is None and private is None and not remote:
            self.r.problems.append(
                f"{r.label('SECRET_KEY')} (or JWT_SECRET_KEY), {r.label('PUBLIC_KEY')}[_FILE], "
                f"{r.label('JWKS_URL')} or {r.label('OIDC_ISSUER')}: no key configured"
            )
        if secret is not None and (public is not None or private is not None):
            self.r.problems.append(
                f"{r.label('SECRET_KEY')} and {r.label('PUBLIC_KEY')}/PRIVATE_KEY: "
                "set an HMAC secret or a key pair, not both"
            )
        pem_name = "PUBLIC_KEY" if public is not None else "PRIVATE_KEY"
        algorithms = self.algorithms(secret, pem_name, public or private, bool(remote))
        leeway = r.duration("LEEWAY", 0.0, maximum=MAX_LEEWAY)
        cache_ttl = r.duration("CACHE_TTL", 0.0, minimum=1) if r.is_set("CACHE_TTL") else None
        return Settings(
            algorithms=algorithms,
            secret_key=secret,
            public_key=public,
            private_key=None if private is None else Secret(private),
            audience=r.strings("AUDIENCE"),
            issuer=r.text("ISSUER") or remote.get("oidc_issuer"),
            leeway=leeway,
            access_ttl=r.duration("ACCESS_TTL", 900.0, minimum=1),
            cache_size=r.integer("CACHE_SIZE", 10_000),
            cache_ttl=cache_ttl,
            max_token_bytes=r.integer("MAX_TOKEN_BYTES", DEFAULT_MAX_TOKEN_BYTES, minimum=64),
            require=r.strings("REQUIRE", ("exp",)),
            typ=r.text("TYP"),
            **self.revocation(),
            **remote,
        )

    def revocation(self) -> dict[str, Any]:
        """``REVOCATION`` (``memory``/``redis``) and ``REDIS_*`` (see jwtguard.revocation.redis)."""
        r = self.r
        kind = r.choice("REVOCATION", ("memory", "redis"), None)
        if r.is_set("REVOCATION") and kind is None:
            return {}
        url_set = r.is_set("REDIS_URL")
        if kind == "memory" and url_set:
            r.problems.append(
                f"{r.label('REVOCATION')}=memory and {r.label('REDIS_URL')}: set only one store"
            )
            return {}
        if kind is None and not url_set:
            return {"revocation": None}
        if kind == "memory":
            return {"revocation": "memory"}
        if not url_set:
            r.problem(
                "REDIS_URL",
                f"required with {r.label('REVOCATION')}=redis (e.g. redis://127.0.0.1:6379/0)",
            )
            return {}
        if importlib.util.find_spec("redis") is None:
            r.problem("REDIS_URL", "pip install 'jwtguard[redis]'")
            return {}
        from jwtguard.revocation.redis._protocol import RedisConfig  # needs redis-py

        config = RedisConfig.read(r)
        return {} if config is None else {"revocation": "redis", "redis": config}

    def remote_keys(self, local_key: bool) -> dict[str, Any]:
        """``JWKS_URL`` / ``OIDC_ISSUER`` / ``TENANT_*`` and their options (keys.remote)."""
        r = self.r
        url, issuers = r.text("JWKS_URL"), r.strings("OIDC_ISSUER")
        named = self.named_tenants()
        if url is None and not issuers and not named:
            return {}
        tenants: tuple[TenantSettings, ...] = ()
        if len(issuers) > 1 or named:
            tenants = (*(TenantSettings(i) for i in issuers), *named)
            self.check_tenants(tenants, url)
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

    def named_tenants(self) -> tuple[TenantSettings, ...]:
        """``TENANT_<NAME>_ISSUER`` (required), ``_AUDIENCE`` and ``_JWKS_URL``, by name."""
        r = self.r
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
                TenantSettings(
                    issuer, r.strings(prefix + "_AUDIENCE"), r.text(prefix + "_JWKS_URL")
                )
            )
        return tuple(tenants)

    def check_tenants(self, tenants: tuple[TenantSettings, ...], url: str | None) -> None:
        """Several issuers: each names its own keys and issuer; none given twice."""
        r = self.r
        if url is not None:
            r.problem("JWKS_URL", "with several issuers, give each its own TENANT_<NAME>_JWKS_URL")
        if r.is_set("ISSUER"):
            r.problem("ISSUER", "with several issuers, each tenant names its own issuer")
        seen: set[str] = set()
        for tenant in tenants:
            if tenant.issuer in seen:
                r.problems.append(f"issuer {tenant.issuer[:80]!r} given twice")
            seen.add(tenant.issuer)

    def algorithms(
        self, secret: Secret[str | bytes] | None, pem_name: str, pem: str | None, remote: bool
    ) -> tuple[str, ...]:
        r = self.r
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
