"""The JOSE layer: base64url, strict JSON, algorithms, JWS reading and signature checks,
and the pure claims check. It knows nothing of key loading, caches or HTTP.

:func:`jwtguard.verify_jws` is the public entry point for a bare JWS; the
:class:`jwtguard.Guard` drives this layer for JWTs.
"""

from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS

__all__ = ["SUPPORTED_ALGORITHMS"]
