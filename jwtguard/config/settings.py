"""Configuration from environment variables (and a ``.env`` file when python-dotenv is installed).

Every problem is collected and reported at once, one line each, so a bad
deployment fails at start-up with everything it must fix.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from jwtguard._values import Secret, mask_url, parse_duration, split_list
from jwtguard.errors import ConfigError, KeyLoadError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, HMAC_MIN_KEY_BYTES, SUPPORTED_ALGORITHMS
from jwtguard.keys import Key

if TYPE_CHECKING:
    from jwtguard.revocation.redis._protocol import RedisConfig

__all__ = ["Secret", "Settings", "mask_url", "parse_duration"]

PREFIX: Final = "JWTGUARD_"


def _load_dotenv(path: str | os.PathLike[str]) -> dict[str, str]:
    try:
        from dotenv import dotenv_values
    except ImportError:
        return {}
    if not Path(path).is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``Guard.from_env`` reads, validated. Secrets are :class:`Secret`."""

    algorithms: tuple[str, ...]
    secret_key: Secret | None = None
    public_key: str | None = None
    private_key: Secret | None = None
    audience: tuple[str, ...] = ()
    issuer: str | None = None
    leeway: float = 0.0
    access_ttl: float = 900.0
    cache_size: int = 10_000
    cache_ttl: float | None = None
    max_token_bytes: int = 8192
    require: tuple[str, ...] = ("exp",)
    typ: str | None = None
    jwks_url: str | None = None
    oidc_issuer: str | None = None
    jwks_timeout: float = 5.0
    jwks_cooldown: float = 30.0
    jwks_allow_insecure_http: bool = False
    revocation: str | None = None
    """``None`` (no store), ``"memory"`` or ``"redis"`` (then ``redis`` is set)."""
    redis: RedisConfig | None = field(default=None, repr=False)  # its URL may hold a password

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: bool | str | os.PathLike[str] = True,
    ) -> Settings:
        """Read ``JWTGUARD_*`` (and ``JWT_SECRET_KEY``) from ``environ`` (default ``os.environ``).

        ``dotenv``: ``True`` reads ``./.env`` when python-dotenv is installed, a
        path reads that file; the real environment wins over the file.
        """
        env: dict[str, str] = {}
        if dotenv:
            env.update(_load_dotenv(".env" if dotenv is True else dotenv))
        env.update(os.environ if environ is None else environ)
        reader = _Reader(env)
        settings = reader.read()
        if reader.problems:
            raise ConfigError(reader.problems)
        return settings

    def guard_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :class:`jwtguard.Guard`."""
        key: Any
        if self.jwks_url is not None or self.oidc_issuer is not None:
            from jwtguard.keys.remote import JWKSOptions, RemoteKeySet

            options = JWKSOptions(
                cooldown=self.jwks_cooldown,
                read_timeout=self.jwks_timeout,
                total_timeout=2 * self.jwks_timeout,
                allow_insecure_http=self.jwks_allow_insecure_http,
            )
            key = RemoteKeySet(
                self.jwks_url, issuer=self.oidc_issuer, algorithms=self.algorithms, options=options
            )
        elif self.public_key is not None:
            key = self.public_key
        elif self.secret_key is not None:
            key = self.secret_key.reveal()
        else:  # pragma: no cover - from_env refuses this
            raise ConfigError("no key configured")
        return {
            "key": key,
            "algorithms": self.algorithms,
            "audience": self.audience or None,
            "issuer": self.issuer,
            "leeway": self.leeway,
            "require": self.require,
            "typ": self.typ,
            "cache_size": self.cache_size,
            "cache_ttl": self.cache_ttl,
            "max_token_bytes": self.max_token_bytes,
            "access_ttl": self.access_ttl,
            "signing_key": None if self.private_key is None else self.private_key.reveal(),
            "revocation": self.revocation_store(),
        }

    def revocation_store(self) -> Any:
        """A new revocation store as configured, or ``None``.

        Each call builds a new store (and, for Redis, a new client): call it once.
        """
        if self.revocation == "memory":
            from jwtguard.revocation.memory import DEFAULT_LEEWAY, MemoryRevocationStore

            return MemoryRevocationStore(leeway=max(self.leeway, DEFAULT_LEEWAY))
        if self.revocation == "redis" and self.redis is not None:
            from jwtguard.revocation.redis import RedisRevocationStore

            store = RedisRevocationStore(self.redis)
            store.start()  # push mode: sync now (bounded by the timeout), not on the first request
            return store
        return None


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, name: str) -> str | None:
        value = self.env.get(PREFIX + name)
        return value if value is not None and value.strip() != "" else None

    def number(self, name: str, default: float, *, minimum: float = 0) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = parse_duration(raw)
        except ValueError:
            self.problems.append(
                f"{PREFIX}{name}: expected a number of seconds (e.g. 900 or 15m), got {raw[:20]!r}"
            )
            return default
        if value < minimum:
            self.problems.append(f"{PREFIX}{name}: must be at least {minimum:g}")
        return value

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            self.problems.append(f"{PREFIX}{name}: expected a whole number, got {raw[:20]!r}")
            return default
        if value < minimum:
            self.problems.append(f"{PREFIX}{name}: must be at least {minimum}")
        return value

    def file_or_value(self, name: str) -> str | None:
        value = self.get(name)
        path = self.get(name + "_FILE")
        if value is not None and path is not None:
            self.problems.append(f"{PREFIX}{name} and {PREFIX}{name}_FILE: set only one")
        if path is not None:
            try:
                return Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self.problems.append(f"{PREFIX}{name}_FILE: cannot read {path!r}")
                return None
        return value

    def read(self) -> Settings:
        secret = self.get("SECRET_KEY") or (self.env.get("JWT_SECRET_KEY") or None)
        public = self.file_or_value("PUBLIC_KEY")
        private = self.file_or_value("PRIVATE_KEY")
        remote = self.remote_keys(secret is not None or public is not None)
        if secret is None and public is None and private is None and not remote:
            self.problems.append(
                f"{PREFIX}SECRET_KEY (or JWT_SECRET_KEY), {PREFIX}PUBLIC_KEY[_FILE], "
                f"{PREFIX}JWKS_URL or {PREFIX}OIDC_ISSUER: no key configured"
            )
        if secret is not None and (public is not None or private is not None):
            self.problems.append(
                f"{PREFIX}SECRET_KEY and {PREFIX}PUBLIC_KEY/PRIVATE_KEY: set an HMAC secret "
                "or a key pair, not both"
            )
        algorithms = self.algorithms(secret, public or private, bool(remote))
        leeway = self.number("LEEWAY", 0.0)
        if leeway > 300:
            self.problems.append(f"{PREFIX}LEEWAY: at most 300 seconds")
        cache_ttl_raw = self.get("CACHE_TTL")
        require_raw = self.get("REQUIRE")
        audience_raw = self.get("AUDIENCE")
        return Settings(
            algorithms=algorithms,
            secret_key=None if secret is None else Secret(secret),
            public_key=public,
            private_key=None if private is None else Secret(private),
            audience=() if audience_raw is None else split_list(audience_raw),
            issuer=self.get("ISSUER") or remote.get("oidc_issuer"),
            leeway=leeway,
            access_ttl=self.number("ACCESS_TTL", 900.0, minimum=1),
            cache_size=self.integer("CACHE_SIZE", 10_000),
            cache_ttl=None if cache_ttl_raw is None else self.number("CACHE_TTL", 0, minimum=1),
            max_token_bytes=self.integer("MAX_TOKEN_BYTES", 8192, minimum=64),
            require=("exp",) if require_raw is None else split_list(require_raw),
            typ=self.get("TYP"),
            **self.revocation(),
            **remote,
        )

    def revocation(self) -> dict[str, Any]:
        """``REVOCATION`` (``memory``/``redis``) and ``REDIS_*`` (see jwtguard.revocation.redis)."""
        kind = (self.get("REVOCATION") or "").strip().lower() or None
        url = self.get("REDIS_URL")
        if kind is None and url is not None:
            kind = "redis"
        if kind not in (None, "memory", "redis"):
            self.problems.append(f"{PREFIX}REVOCATION: expected 'memory' or 'redis'")
            return {}
        if kind == "memory" and url is not None:
            self.problems.append(
                f"{PREFIX}REVOCATION=memory and {PREFIX}REDIS_URL: set only one store"
            )
            return {}
        if kind != "redis":
            return {"revocation": kind}
        if url is None:
            self.problems.append(
                f"{PREFIX}REDIS_URL: required with {PREFIX}REVOCATION=redis "
                "(e.g. redis://127.0.0.1:6379/0)"
            )
            return {}
        try:
            scheme = urlsplit(url.strip()).scheme
        except ValueError:
            scheme = ""
        if scheme not in ("redis", "rediss", "unix"):
            self.problems.append(
                f"{PREFIX}REDIS_URL: expected redis://, rediss:// or unix://, "
                f"got {mask_url(url.strip())[:60]!r}"
            )
        if importlib.util.find_spec("redis") is None:
            self.problems.append(f"{PREFIX}REDIS_URL: pip install 'jwtguard[redis]'")
            return {}
        from jwtguard.revocation.redis._protocol import RedisConfig

        try:
            config = RedisConfig.from_env(self.env)
        except ConfigError as exc:
            self.problems.extend(
                p
                if p.startswith(PREFIX)
                else f"{PREFIX}REDIS_{p.partition(':')[0].upper()}:{p.partition(':')[2]}"
                for p in exc.problems
            )
            return {}
        return {"revocation": "redis", "redis": config}

    def remote_keys(self, local_key: bool) -> dict[str, Any]:
        """``JWKS_URL`` / ``OIDC_ISSUER`` and their options (see jwtguard.keys.remote)."""
        url, issuer = self.get("JWKS_URL"), self.get("OIDC_ISSUER")
        if url is None and issuer is None:
            return {}
        from jwtguard.keys.remote._fetch import check_url

        flag = (self.get("JWKS_ALLOW_INSECURE_HTTP") or "false").strip().lower()
        if flag not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            self.problems.append(f"{PREFIX}JWKS_ALLOW_INSECURE_HTTP: expected true or false")
        insecure = flag in ("1", "true", "yes", "on")
        if url is not None and issuer is not None:
            self.problems.append(f"{PREFIX}JWKS_URL and {PREFIX}OIDC_ISSUER: set only one")
        if local_key:
            self.problems.append(
                f"{PREFIX}JWKS_URL/OIDC_ISSUER and {PREFIX}SECRET_KEY/PUBLIC_KEY: "
                "set one key source"
            )
        for name, value in (("JWKS_URL", url), ("OIDC_ISSUER", issuer)):
            try:
                check_url(value, allow_insecure_http=insecure, what=PREFIX + name)
            except ConfigError as exc:
                if value is not None:
                    self.problems.extend(exc.problems)
        if importlib.util.find_spec("httpx") is None:
            self.problems.append(f"{PREFIX}JWKS_URL/OIDC_ISSUER: pip install 'jwtguard[jwks]'")
        return {
            "jwks_url": url,
            "oidc_issuer": issuer,
            "jwks_timeout": self.number("JWKS_TIMEOUT", 5.0, minimum=0.1),
            "jwks_cooldown": self.number("JWKS_COOLDOWN", 30.0),
            "jwks_allow_insecure_http": insecure,
        }

    def algorithms(self, secret: str | None, pem: str | None, remote: bool) -> tuple[str, ...]:
        raw = self.get("ALGORITHMS")
        if raw is None and remote:
            algs: tuple[str, ...] = ("RS256",)
        elif raw is None:
            algs = self._infer_from_pem(pem) if secret is None and pem is not None else ("HS256",)
        else:
            algs = split_list(raw)
        for alg in algs:
            if alg.lower() == "none":
                self.problems.append(f"{PREFIX}ALGORITHMS: 'none' is never allowed")
            elif alg not in SUPPORTED_ALGORITHMS:
                self.problems.append(
                    f"{PREFIX}ALGORITHMS: unknown algorithm {alg[:20]!r} "
                    f"(supported: {', '.join(sorted(SUPPORTED_ALGORITHMS))})"
                )
        known = tuple(a for a in algs if a in SUPPORTED_ALGORITHMS)
        families = {ALGORITHM_FAMILY[a] for a in known}
        if "oct" in families and len(families) > 1:
            self.problems.append(
                f"{PREFIX}ALGORITHMS: HMAC and public-key algorithms are mixed for one key"
            )
        elif "oct" in families and secret is not None:
            need = max(HMAC_MIN_KEY_BYTES[a] for a in known)
            if len(secret.encode("utf-8")) < need:
                self.problems.append(
                    f"{PREFIX}SECRET_KEY: {len(secret.encode('utf-8'))} bytes is too short for "
                    f"{', '.join(known)}; at least {need} bytes (RFC 7518 section 3.2)"
                )
        elif "oct" in families and remote:
            self.problems.append(
                f"{PREFIX}ALGORITHMS: a remote JWKS is for public-key algorithms, not HMAC"
            )
        elif "oct" in families and secret is None and pem is not None:
            self.problems.append(
                f"{PREFIX}ALGORITHMS: HMAC algorithms need {PREFIX}SECRET_KEY, not a PEM key"
            )
        elif "oct" not in families and secret is not None:
            self.problems.append(
                f"{PREFIX}ALGORITHMS: {', '.join(known)} need a public key; "
                f"{PREFIX}SECRET_KEY only works with HS256/384/512"
            )
        return algs

    def _infer_from_pem(self, pem: str) -> tuple[str, ...]:
        try:
            key = Key.from_pem(pem, None)
        except KeyLoadError as exc:
            if "RSA key needs its algorithms" in str(exc):
                return ("RS256",)
            self.problems.append(f"{PREFIX}PUBLIC_KEY: {exc}")
            return ("RS256",)
        return tuple(sorted(key.algorithms))
