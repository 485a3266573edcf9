"""Coverage-guided fuzzing of ``Guard.verify`` with atheris (libFuzzer for Python).

The contract under test: any input whatsoever ends in :class:`jwtguard.Claims` or a
:class:`jwtguard.TokenError` whose message does not quote the input. Any other exception
escapes ``TestOneInput`` and libFuzzer reports a crash with the input that caused it.

Input layout (so seeds and mutations stay meaningful): byte 0 picks the mode, byte 1 the
guard, the rest is the material.

- mode 0: the material is the token, as ``bytes``;
- mode 1: the same, decoded as Latin-1 to a ``str`` (any code point below 256);
- mode 2: the material is ``header JSON`` + ``\\n`` + ``payload JSON``, base64url-encoded and
  *signed with the guard's real key*, so header parsing and the claims checks are fuzzed
  behind a valid signature, which random bytes would never reach.

Run with ``make fuzz`` (``FUZZ_SECONDS=60`` by default), or by hand::

    .venv/bin/python fuzz/fuzz_verify.py -max_total_time=60 [CORPUS_DIR]

Without a corpus directory, a temporary one is seeded with valid tokens and claim sets.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["jwtguard"]):
    from jwtguard import Claims, Guard, Key, TokenError
    from jwtguard.jose import b64url_encode
    from jwtguard.testing import FrozenClock, generate_key

NOW = 1_700_000_000
CLAIMS = {
    "sub": "42",
    "aud": "api",
    "iss": "https://idp.example",
    "iat": NOW,
    "nbf": NOW,
    "exp": NOW + 600,
    "jti": "j1",
    "scope": "read write",
}
CLOCK = FrozenClock(NOW)

# (guard, signing key, algorithm, header): a cached HS256 guard, a strict uncached one
# (typ, max_age, more required claims), ECDSA and EdDSA with public keys only.
_hs = generate_key("HS256", kid="hs")
_es = generate_key("ES256", kid="es")
_ed = generate_key("EdDSA")
_POLICY = {"audience": "api", "issuer": "https://idp.example", "leeway": 5, "clock": CLOCK}
GUARDS: list[tuple[Guard, Key, str, dict[str, str]]] = [
    (Guard(_hs, algorithms=["HS256"], **_POLICY), _hs, "HS256", {"alg": "HS256", "kid": "hs"}),
    (
        Guard(
            _hs,
            algorithms=["HS256"],
            typ="at+jwt",
            max_age=3600,
            require=("exp", "sub", "jti"),
            cache_size=0,
            max_token_bytes=2048,
            **_POLICY,
        ),
        _hs,
        "HS256",
        {"alg": "HS256", "kid": "hs", "typ": "at+jwt"},
    ),
    (
        Guard(Key.from_crypto(_es.to_crypto(), "ES256", kid="es"), algorithms=["ES256"], **_POLICY),
        _es,
        "ES256",
        {"alg": "ES256", "kid": "es"},
    ),
    (
        Guard(Key.from_crypto(_ed.to_crypto(), "EdDSA"), algorithms=["EdDSA"], **_POLICY),
        _ed,
        "EdDSA",
        {"alg": "EdDSA", "typ": "JWT"},
    ),
]


def sign(index: int, header: bytes, payload: bytes) -> str:
    """A compact JWS over the given octets, signed with guard ``index``'s real key."""
    _, key, alg, _ = GUARDS[index]
    signing_input = f"{b64url_encode(header)}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(alg, signing_input.encode('ascii')))}"


def TestOneInput(data: bytes) -> None:  # the name atheris calls
    if len(data) < 2:
        return
    mode, index, material = data[0] % 3, data[1] % len(GUARDS), data[2:]
    token: str | bytes
    if mode == 0:
        token = material
    elif mode == 1:
        token = material.decode("latin-1")
    else:
        header, _, payload = material.partition(b"\n")
        token = sign(index, header, payload)
    guard = GUARDS[index][0]
    try:
        claims = guard.verify(token)
    except TokenError as exc:
        if not isinstance(exc.code, str) or not exc.code:
            raise AssertionError("a TokenError without a code") from None
        text = token if isinstance(token, str) else token.decode("latin-1")
        if len(text) >= 16 and text in str(exc):
            raise AssertionError("a TokenError message quotes the token") from None
        return
    if not isinstance(claims, Claims):
        raise AssertionError(f"verify returned {type(claims).__name__}, not Claims")


def seeds() -> list[bytes]:
    """Valid inputs for every mode and guard: tokens, and header/payload pairs to sign."""
    found = []
    payload = json.dumps(CLAIMS).encode()
    for index, (guard, _, _, header) in enumerate(GUARDS):
        raw_header = json.dumps(header).encode()
        token = sign(index, raw_header, payload)
        guard.verify(token)  # the seeds are valid: the fuzzer starts past the signature
        for mode in (0, 1):
            found.append(bytes([mode, index]) + token.encode("ascii"))
        found.append(bytes([2, index]) + raw_header + b"\n" + payload)
        guard.clear_cache()
    return found


def main() -> None:
    argv = list(sys.argv)
    if not any(Path(arg).is_dir() for arg in argv[1:] if not arg.startswith("-")):
        corpus = tempfile.mkdtemp(prefix="jwtguard-fuzz-")
        argv.append(corpus)
        print(f"fuzz: seed corpus in {corpus}", file=sys.stderr)
    else:
        corpus = next(a for a in argv[1:] if not a.startswith("-") and Path(a).is_dir())
    for number, seed in enumerate(seeds()):
        Path(corpus, f"seed-{number:02d}").write_bytes(seed)
    atheris.Setup(argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
