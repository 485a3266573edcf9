"""Structured log records: the fields jwtguard puts in a record's ``extra``, and a JSON
formatter that renders them.

Every record jwtguard logs for a refusal, a key-set change or a revocation store's state
change carries its facts as attributes of the :class:`logging.LogRecord` (the ``extra``
of the logging call), beside the human-readable message: ``jwtguard_event`` names the
kind, the other fields are listed in docs/observability.md. None of them is ever a
token, a claim value or a secret, so any JSON formatter (this one, python-json-logger,
structlog's ``ExtraAdder``) can ship them as they are.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Final

__all__ = ["EVENT", "JSONFormatter", "refusal_fields"]

EVENT: Final = "jwtguard_event"
"""The ``extra`` field naming a record's kind: ``refusal``, ``jwks_keys_changed``,
``jwks_fetch_failed``, ``jwks_keys_skipped``, ``jwks_keys_dropped``, ``revocation_state``."""

# what every LogRecord has: anything else on a record came from ``extra``
_RECORD_ATTRIBUTES: Final = frozenset(
    set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
)


def refusal_fields(
    code: str,
    status: int,
    adapter: str,
    method: str,
    path: str,
    report_only: bool,
    tenant: str | None = None,
    kid: str | None = None,
) -> dict[str, Any]:
    """The ``extra`` of a refusal's record: the error's code and HTTP status, the adapter,
    the request's method and route path (as logged: cut to 200 characters), the tenant
    (a configured issuer) when one was selected, and ``kid_fingerprint`` (16 hex digits of
    the SHA-256 of the token's ``kid``) when verification refused it; never the token or
    anything else read from it."""
    return {
        EVENT: "refusal",
        "code": code,
        "status": status,
        "adapter": adapter,
        "method": method,
        "path": path,
        "report_only": report_only,
        "tenant": tenant,
        "kid_fingerprint": kid,
    }


class JSONFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (RFC 3339, UTC), ``level``, ``logger``,
    ``message``, every ``extra`` field, and ``exc_type`` for an exception (its type
    only: a message or traceback could quote a token or a claim).

    ``logging.getLogger("jwtguard").handlers[0].setFormatter(JSONFormatter())``.
    """

    def format(self, record: logging.LogRecord) -> str:
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        document: dict[str, Any] = {
            "time": f"{created}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                document[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            document["exc_type"] = record.exc_info[0].__name__
        return json.dumps(document, default=str, ensure_ascii=False)
