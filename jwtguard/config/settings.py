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
from jwtguard.config.key_source import (
    TenantSettings,
    read_algorithms,
    read_remote_keys,
    tenant_names,
)
from jwtguard.config.options import ADAPTER_NAMES
from jwtguard.policy import DEFAULT_MAX_TOKEN_BYTES, PROFILES

if TYPE_CHECKING:
    from jwtguard.revocation.memory import MemoryRevocationStore
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

__all__ = [
    "ENV_NAMES",
    "SETTINGS_NAMES",
    "Secret",
    "Settings",
    "TenantSettings",
    "defaults",
    "known_names",
    "mask_url",
    "parse_duration",
]

REDIS_NAMES: Final = frozenset(
    {"REDIS_URL", "REDIS_NAMESPACE", "REDIS_MODE", "REDIS_TIMEOUT", "REDIS_SYNC_TIMEOUT"}
    | {"REDIS_FAIL_OPEN_FOR", "REDIS_HEARTBEAT", "REDIS_REPLICAS", "REDIS_LOSS_GRACE"}
)
SETTINGS_NAMES: Final = frozenset(
    {"SECRET_KEY", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "PRIVATE_KEY", "PRIVATE_KEY_FILE"}
    | {"ALGORITHMS", "AUDIENCE", "ISSUER", "LEEWAY", "ACCESS_TTL", "REQUIRE", "TYP"}
    | {"PROFILE"}
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
    profile: str | None = None
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
        reader.check_names(known_names(source) | ADAPTER_NAMES, ignore=ignore)
        reader.raise_problems()
        return settings

    @classmethod
    def from_source(cls, source: Source, *, ignore: Iterable[str] = ()) -> Settings:
        """Read any source that holds only the Guard's settings (unknown names refused)."""
        reader = Reader(source)
        settings = cls.read(reader)
        reader.check_names(known_names(source), ignore=ignore)
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

    def revocation_store(self) -> MemoryRevocationStore | RedisRevocationStore | None:
        """Deprecated: use ``jwtguard.config.build.revocation_store(settings)``."""
        warnings.warn(
            "Settings.revocation_store() is deprecated; "
            "use jwtguard.config.build.revocation_store()",
            DeprecationWarning,
            stacklevel=2,
        )
        return build.revocation_store(self)


def known_names(source: Source) -> frozenset[str]:
    """The Guard's setting names ``source`` may hold: :data:`SETTINGS_NAMES` and the
    ``TENANT_<NAME>_*`` names of its tenants (an adapter adds its own options' names)."""
    return SETTINGS_NAMES | tenant_names(source)


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
        remote = read_remote_keys(r, secret is not None or public is not None)
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
        algorithms = read_algorithms(r, secret, pem_name, public or private, bool(remote))
        leeway = r.duration("LEEWAY", 0.0, maximum=MAX_LEEWAY)
        cache_ttl = r.duration("CACHE_TTL", 0.0, minimum=1) if r.is_set("CACHE_TTL") else None
        return Settings(
            algorithms=algorithms,
            secret_key=secret,
            public_key=public,
            private_key=None if private is None else Secret(private),
            # a resource server's tokens name it (RFC 8707): RESOURCE is the default audience
            audience=r.strings("AUDIENCE") or tuple(filter(None, [r.text("RESOURCE")])),
            issuer=r.text("ISSUER") or remote.get("oidc_issuer"),
            leeway=leeway,
            access_ttl=r.duration("ACCESS_TTL", 900.0, minimum=1),
            cache_size=r.integer("CACHE_SIZE", 10_000),
            cache_ttl=cache_ttl,
            max_token_bytes=r.integer("MAX_TOKEN_BYTES", DEFAULT_MAX_TOKEN_BYTES, minimum=64),
            require=r.strings("REQUIRE", ("exp",)),
            typ=r.text("TYP"),
            profile=r.choice("PROFILE", tuple(sorted(PROFILES)), None),
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
        from jwtguard.revocation.redis import RedisConfig  # needs redis-py

        config = RedisConfig.read(r)
        return {} if config is None else {"revocation": "redis", "redis": config}
