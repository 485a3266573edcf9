"""The adapters' options as configuration names: ``JWTGUARD_COOKIE``, ``JWTGUARD_EXEMPT``, ...

Framework adapters configured from their framework's settings (Flask's
``app.config``, Django's ``settings.JWTGUARD``) read the request-pipeline options
here, through the same :class:`~jwtguard._source.Reader` as the Guard's settings,
so types, parsing and messages are the same everywhere. What the options mean is
:class:`jwtguard.adapters.Pipeline`'s business (docs/starlette.md, options table).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from jwtguard._source import Reader
from jwtguard.config.resource import RESOURCE_SERVER_NAMES, read_resource_server

__all__ = ["ADAPTER_NAMES", "PIPELINE_OPTIONS", "read_pipeline_options"]

Kind = Literal["text", "strings", "flag", "log_level", "resource_server"]

PIPELINE_OPTIONS: Final[dict[str, tuple[str, Kind]]] = {
    "REALM": ("realm", "text"),
    "AUTHORIZATION": ("authorization", "flag"),
    "COOKIE": ("cookie", "text"),
    "HEADER": ("header", "text"),
    "QUERY_PARAM": ("query_param", "text"),
    "CSRF": ("csrf", "flag"),
    "CSRF_HEADER": ("csrf_header", "text"),
    "CSRF_COOKIE": ("csrf_cookie", "text"),
    "TRUSTED_ORIGINS": ("trusted_origins", "strings"),
    "EXEMPT": ("exempt", "strings"),
    "EXEMPT_METHODS": ("exempt_methods", "strings"),
    "ALLOW_PREFLIGHT": ("allow_preflight", "flag"),
    "OPTIONAL": ("optional", "flag"),
    "SCOPES": ("scopes", "strings"),
    "ROLES": ("roles", "strings"),
    "ROLES_CLAIM": ("roles_claim", "text"),
    "REPORT_ONLY": ("report_only", "flag"),
    "LOG_LEVEL": ("log_level", "log_level"),
    "RESOURCE_SERVER": ("resource_server", "resource_server"),
}
"""Configuration name -> (``Pipeline`` keyword, value kind)."""

ADAPTER_NAMES: Final = (
    frozenset(PIPELINE_OPTIONS)
    | RESOURCE_SERVER_NAMES
    | {"PROTECT_ALL", "SECURITY_HEADERS", "GUARD"}
)
"""Every name an adapter reads besides the Guard's settings (``GUARD``: a ready Guard,
``PROTECT_ALL``: authenticate every view, ``SECURITY_HEADERS``: on or off)."""


def read_pipeline_options(reader: Reader) -> dict[str, Any]:
    """The ``Pipeline`` keywords set in the source (unset ones are left to its defaults)."""
    options: dict[str, Any] = {}
    resource_server = read_resource_server(reader)  # RESOURCE_SERVER, or RESOURCE, DPOP, ...
    if resource_server is not None:
        options["resource_server"] = resource_server
    for name, (option, kind) in PIPELINE_OPTIONS.items():
        if kind == "resource_server" or not reader.is_set(name):
            continue
        if kind == "text":
            options[option] = reader.text(name)
        elif kind == "strings":
            options[option] = reader.strings(name)
        elif kind == "flag":
            options[option] = reader.flag(name, False)
        else:
            options[option] = reader.log_level(name, 0)
    return options
