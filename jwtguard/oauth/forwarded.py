"""Which forwarded headers a trusted reverse proxy sets, for the URL a request was sent to.

Behind a proxy the server sees the proxy's connection: ``http`` on an internal host. A
DPoP proof's ``htu`` names the URL the client used, so the URL is rebuilt from headers
the proxy adds, and only from those named here: a header nobody configured could be
set by any client. Counts are as werkzeug's ``ProxyFix`` takes them: the number of
proxies in front of the app that set the header; the value that many from the right
is used (each proxy appends its own). Default: no header is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from jwtguard.errors import ConfigError

__all__ = ["ForwardedHeaders"]


@dataclass(frozen=True, slots=True)
class ForwardedHeaders:
    """Forwarded headers to trust, each with the number of proxies that set it.

    Args:
        forwarded: RFC 7239 ``Forwarded`` (its ``proto`` and ``host``).
        x_proto: ``X-Forwarded-Proto``.
        x_host: ``X-Forwarded-Host``.
        x_port: ``X-Forwarded-Port``.
        x_prefix: ``X-Forwarded-Prefix`` (the path the proxy mounts the app under).
    """

    forwarded: int = 0
    x_proto: int = 0
    x_host: int = 0
    x_port: int = 0
    x_prefix: int = 0

    def __post_init__(self) -> None:
        problems = [
            f"forwarded {f.name}: the number of proxies (0 to 10)"
            for f in fields(self)
            if not isinstance(getattr(self, f.name), int)
            or isinstance(getattr(self, f.name), bool)
            or not 0 <= getattr(self, f.name) <= 10
        ]
        if self.forwarded and (self.x_proto or self.x_host or self.x_port):
            problems.append("forwarded: trust Forwarded or the X-Forwarded-* headers, not both")
        if problems:
            raise ConfigError(problems)

    @property
    def any(self) -> bool:
        """Whether any header is trusted."""
        return bool(self.forwarded or self.x_proto or self.x_host or self.x_port or self.x_prefix)
