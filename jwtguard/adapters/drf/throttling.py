"""Throttling keyed by the token's subject.

``SubjectRateThrottle`` (rate scope ``"subject"``) counts a verified token's ``sub``
(hashed into the cache key, whatever characters it holds), and anonymous requests by
address, as DRF's ``UserRateThrottle`` does; that one works too (a :class:`TokenUser`'s
``pk`` is its ``sub``)::

    REST_FRAMEWORK = {
        "DEFAULT_THROTTLE_CLASSES": ["jwtguard.adapters.drf.SubjectRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {"subject": "100/min"},
    }
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from jwtguard.adapters.drf.permissions import token_claims

__all__ = ["SubjectRateThrottle"]


class SubjectRateThrottle(SimpleRateThrottle):
    """A rate per token subject (``sub``); per address for anonymous requests."""

    scope = "subject"

    def get_cache_key(self, request: Request, view: Any) -> str:
        claims = token_claims(request)
        subject = None if claims is None else claims.subject
        if subject:
            ident = "sub:" + hashlib.sha256(subject.encode("utf-8", "replace")).hexdigest()
        else:
            ident = "addr:" + str(self.get_ident(request))
        return str(self.cache_format % {"scope": self.scope, "ident": ident})
