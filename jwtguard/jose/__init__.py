"""The JOSE layer: base64url, strict JSON, algorithms, JWS reading and signature checks,
and the pure claims check. It knows nothing of key loading, caches or HTTP.

:func:`jwtguard.verify_jws` is the public entry point for a bare JWS; the
:class:`jwtguard.Guard` drives this layer for JWTs. The layers above use the names
exported here, never this package's underscored modules.
"""

from jwtguard.jose._b64 import (
    b64url_decode,
    b64url_encode,
    decode_alphabet_checked,
    decode_standard,
)
from jwtguard.jose._json import parse_json_object
from jwtguard.jose._read import JWSReader, Signed, check_signature, read_payload
from jwtguard.jose._signatures import SignatureCheck, make_check
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "JWSReader",
    "SignatureCheck",
    "Signed",
    "b64url_decode",
    "b64url_encode",
    "check_signature",
    "decode_alphabet_checked",
    "decode_standard",
    "make_check",
    "parse_json_object",
    "read_payload",
]
