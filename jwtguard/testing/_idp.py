"""A fake OpenID Connect identity provider on loopback, for end-to-end tests without network.

Serves discovery and a JWKS from ephemeral keys, counts requests per path, and
can rotate keys, fail, be slow, or serve broken documents on demand. Re-exported
by :mod:`jwtguard.testing`.

Kept whole: one fake server; its request handler reads the switches live (status,
delay, trickle, body) from the provider it serves, which stays private to this module.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from jwtguard.guard import Guard
from jwtguard.issuer import TokenIssuer
from jwtguard.keys import Key
from jwtguard.protocols import Clock
from jwtguard.testing._keys import generate_key

if TYPE_CHECKING:
    from jwtguard.keys.remote import JWKSOptions, RemoteKeySet

__all__ = ["FakeIdentityProvider"]

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


def public_jwk(key: Key, algorithm: str) -> dict[str, Any]:
    """The published JWK of a signing :class:`Key` (an ``oct`` JWK for an HMAC secret)."""
    if not key.can_sign:
        raise ValueError("a public key cannot sign tokens for the fake provider")
    jwk = key.to_jwk(private=key.family == "oct")
    jwk["alg"] = algorithm
    return jwk


class FakeIdentityProvider:
    """An OIDC provider on ``http://127.0.0.1:<free port><issuer_path>``; a context manager.

    ``issue(**claims)`` signs with the newest key (``iss`` and ``aud`` filled
    in); ``guard(**options)`` is a :class:`Guard` reading this provider's JWKS.
    Behaviour switches (set them any time): ``status`` (answer every request
    with this HTTP status), ``delay`` (seconds before answering), ``trickle``
    (seconds between body bytes), ``body`` (raw JWKS bytes served instead of
    the keys), ``extra_jwks`` (JWKs appended to the set as given),
    ``cache_control`` (header value or None), ``discovery_issuer`` (what
    discovery claims as issuer), ``content_length`` (False: no length header,
    the body ends when the connection closes), ``headers`` (extra JWKS response
    headers). ``requests`` counts requests by path.
    """

    def __init__(
        self,
        algorithm: str = "RS256",
        *,
        audience: str = "api",
        issuer_path: str = "",
        clock: Clock = time.time,
        cache_control: str | None = "max-age=300",
    ) -> None:
        self.algorithm = algorithm
        self.audience = audience
        self.issuer_path = issuer_path.rstrip("/")
        self.clock = clock
        self.cache_control = cache_control
        self.status: int | None = None
        self.delay = 0.0
        self.trickle: float | None = None
        self.body: bytes | None = None
        self.extra_jwks: list[Any] = []
        self.discovery_issuer: str | None = None
        self.content_length = True
        self.headers: dict[str, str] = {}
        self.requests: Counter[str] = Counter()
        self._keys: list[tuple[Key, str]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._serial = 0
        self.add_key()

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeIdentityProvider:
        """Listen on a free loopback port and serve in a background thread."""
        if self._server is None:
            self._wake.clear()
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
            self._server.daemon_threads = True
            self._server.block_on_close = False
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any request held by ``delay``/``trickle``."""
        if self._server is not None:
            self._wake.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeIdentityProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port listened on (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the fake identity provider is not started")
        return int(self._server.server_address[1])

    @property
    def issuer(self) -> str:
        """The issuer URL, also the ``iss`` of issued tokens."""
        return f"http://127.0.0.1:{self.port}{self.issuer_path}"

    @property
    def jwks_url(self) -> str:
        """Where the JWKS is served."""
        return self.issuer + JWKS_PATH

    @property
    def discovery_url(self) -> str:
        """Where the discovery document is served."""
        return self.issuer + DISCOVERY_PATH

    def count(self, what: str = "jwks") -> int:
        """Requests served so far for ``"jwks"`` or ``"discovery"``."""
        path = JWKS_PATH if what == "jwks" else DISCOVERY_PATH
        with self._lock:
            return self.requests[self.issuer_path + path]

    # -- keys ---------------------------------------------------------------------------

    def add_key(
        self, algorithm: str | None = None, *, kid: str | None = None, key: Key | None = None
    ) -> str:
        """Publish a new key (fresh unless ``key`` is given); it signs from now on. Its kid."""
        alg = algorithm or self.algorithm
        with self._lock:
            self._serial += 1
            kid = kid or (key.kid if key is not None else None) or f"key-{self._serial}"
        if key is None:
            key = generate_key(alg, kid=kid)
        elif key.kid != kid:
            key = key.with_kid(kid)
        with self._lock:
            self._keys.append((key, alg))
        return kid

    def remove_key(self, kid: str) -> None:
        """Stop publishing ``kid``."""
        with self._lock:
            self._keys = [(k, a) for k, a in self._keys if k.kid != kid]

    def rotate(self, algorithm: str | None = None, *, keep_old: bool = False) -> str:
        """Publish a new signing key and (unless ``keep_old``) drop the others. Its kid."""
        with self._lock:
            old = [k.kid for k, _ in self._keys]
        kid = self.add_key(algorithm)
        if not keep_old:
            for old_kid in old:
                if old_kid is not None:
                    self.remove_key(old_kid)
        return kid

    @property
    def kids(self) -> list[str | None]:
        """The published key ids, oldest first."""
        with self._lock:
            return [k.kid for k, _ in self._keys]

    def jwks(self) -> dict[str, Any]:
        """The JWKS document as served (keys plus ``extra_jwks``)."""
        with self._lock:
            keys = [public_jwk(k, a) for k, a in self._keys]
            return {"keys": keys + list(self.extra_jwks)}

    def signing_key(self, kid: str | None = None) -> tuple[Key, str]:
        """The key (newest, or by ``kid``) and algorithm tokens are signed with."""
        with self._lock:
            for key, alg in reversed(self._keys):
                if kid is None or key.kid == kid:
                    return key, alg
        raise KeyError(kid)

    # -- tokens -------------------------------------------------------------------------

    def issue(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        kid: str | None = None,
        ttl: float = 900,
        headers: Mapping[str, Any] | None = None,
        **more_claims: Any,
    ) -> str:
        """A token from this provider: ``iss``, ``aud``, ``exp``... plus the given claims."""
        key, alg = self.signing_key(kid)
        issuer = TokenIssuer(
            key, alg, audience=self.audience, issuer=self.issuer, ttl=ttl, clock=self.clock
        )
        return issuer.issue({**(claims or {}), **more_claims}, headers=headers)

    def key_set(
        self,
        algorithms: Sequence[str] | None = None,
        *,
        discovery: bool = False,
        options: JWKSOptions | None = None,
        clock: Clock | None = None,
        background_refresh: bool = False,
    ) -> RemoteKeySet:
        """A :class:`RemoteKeySet` reading this provider (http allowed; no refresh thread)."""
        from jwtguard.keys.remote import JWKSOptions, RemoteKeySet

        return RemoteKeySet(
            None if discovery else self.jwks_url,
            issuer=self.issuer if discovery else None,
            algorithms=algorithms or [self.algorithm],
            options=options or JWKSOptions(allow_insecure_http=True),
            clock=clock or self.clock,
            background_refresh=background_refresh,
        )

    def guard(self, *, discovery: bool = False, **options: Any) -> Guard:
        """A Guard for this provider's tokens, reading its JWKS (or discovery) over loopback.

        ``options`` go to :class:`Guard`, except ``jwks_options`` and
        ``background_refresh`` (see :meth:`key_set`).
        """
        algorithms = options.pop("algorithms", [self.algorithm])
        remote = self.key_set(
            algorithms,
            discovery=discovery,
            options=options.pop("jwks_options", None),
            clock=options.get("clock", self.clock),
            background_refresh=options.pop("background_refresh", False),
        )
        options.setdefault("audience", self.audience)
        options.setdefault("issuer", self.issuer)
        options.setdefault("clock", self.clock)
        return Guard(remote, algorithms=algorithms, **options)

    # -- serving ------------------------------------------------------------------------

    def _respond(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests[path] += 1
        if self.status is not None:
            return self.status, {}, b'{"error":"unavailable"}'
        if path == self.issuer_path + DISCOVERY_PATH:
            document = {
                "issuer": self.discovery_issuer or self.issuer,
                "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": [self.algorithm],
            }
            return 200, {}, json.dumps(document).encode()
        if path == self.issuer_path + JWKS_PATH:
            body = self.body if self.body is not None else json.dumps(self.jwks()).encode()
            headers = {} if self.cache_control is None else {"Cache-Control": self.cache_control}
            headers.update(self.headers)
            return 200, headers, body
        return 404, {}, b'{"error":"not_found"}'


def _handler_for(idp: FakeIdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, headers, body = idp._respond(self.path.split("?", 1)[0])
            if idp.delay and idp._wake.wait(idp.delay):
                return
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if idp.content_length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if idp.trickle is None:
                    self.wfile.write(body)
                    return
                for i in range(0, len(body), 64):
                    if idp._wake.wait(idp.trickle):
                        return
                    self.wfile.write(body[i : i + 64])
                    self.wfile.flush()
            except OSError:  # the client gave up (timeout): nothing to do
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
