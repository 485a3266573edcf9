"""The resource server behind real servers on loopback: DPoP through uvicorn (plain,
``--root-path``, trusted forwarded headers) and gunicorn (two workers sharing the replay
cache in a real Redis, and the nonce secret), the bearer fast path's cache hits and its
refusal of bound tokens, ``require_binding`` over a view's own ``binding="bearer"``
(Django's async decorator under uvicorn, Flask's under gunicorn), certificate-bound
tokens through uvicorn's own TLS with client certificates, and through nginx terminating
TLS and passing the certificate on."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jwtguard import Guard
from jwtguard.jose import b64url_decode
from jwtguard.keys.thumbprint import certificate_thumbprint
from jwtguard.testing import DPoPKey
from tests.http.certificates import PKI

from .conftest import HERE, SECRET, Server, free_port

pytestmark = pytest.mark.e2e

AUDIENCE = "https://api.example"
DPOP_ENV = {"JWTGUARD_RESOURCE": AUDIENCE, "JWTGUARD_DPOP": "true"}


@pytest.fixture(scope="module")
def issuer() -> Guard:
    """Issues tokens the servers accept (their secret, the real clock)."""
    return Guard(SECRET, algorithms=["HS256"], audience=AUDIENCE)


def _token(issuer: Guard, **cnf: str) -> str:
    claims: dict[str, Any] = {"sub": "alice", "cnf": cnf} if cnf else {"sub": "alice"}
    return issuer.issue(claims, ttl=300)


def test_dpop_through_uvicorn(serve: Callable[..., Server], issuer: Guard) -> None:
    server = serve("dpop-uvicorn", "uvicorn", "resource_apps:starlette_app", env=DPOP_ENV)
    client = DPoPKey("ES256")
    token = _token(issuer, jkt=client.jkt)
    url = f"{server.url}/items"
    with httpx.Client() as http:
        headers = client.headers("GET", url, token)
        good = http.get(url, headers=headers)
        assert good.status_code == 200, good.text
        assert good.json() == {"sub": "alice", "path": "/items"}
        replayed = http.get(url, headers=headers)
        assert replayed.status_code == 401
        assert 'error="invalid_dpop_proof"' in replayed.headers.get_list("www-authenticate")[-1]
        retargeted = http.post(url, headers=client.headers("GET", url, token))
        assert retargeted.status_code == 401
        bearer = http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 401
        metadata = http.get(f"{server.url}/.well-known/oauth-protected-resource")
        assert metadata.json()["resource"] == AUDIENCE


def test_dpop_under_root_path(serve: Callable[..., Server], issuer: Guard) -> None:
    # a proxy strips /api before uvicorn; the client's URL, which the proof names, has it
    server = serve(
        "dpop-root-path",
        "uvicorn",
        "resource_apps:starlette_app",
        env=DPOP_ENV,
        extra=("--root-path", "/api"),
    )
    client = DPoPKey("ES256")
    token = _token(issuer, jkt=client.jkt)
    with httpx.Client() as http:
        public = f"{server.url}/api/items"
        good = http.get(f"{server.url}/items", headers=client.headers("GET", public, token))
        assert good.status_code == 200, good.text
        wrong = http.get(
            f"{server.url}/items", headers=client.headers("GET", f"{server.url}/items", token)
        )
        assert wrong.status_code == 401


def test_dpop_behind_a_proxy_with_trusted_forwarded_headers(
    serve: Callable[..., Server], issuer: Guard
) -> None:
    env = {**DPOP_ENV, "JWTGUARD_FORWARDED_HEADERS": "x-forwarded-proto x-forwarded-host"}
    server = serve("dpop-forwarded", "uvicorn", "resource_apps:starlette_app", env=env)
    client = DPoPKey("ES256")
    token = _token(issuer, jkt=client.jkt)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example"}
    with httpx.Client() as http:
        proof = dict(client.headers("GET", "https://api.example/items", token))
        good = http.get(f"{server.url}/items", headers={**proof, **forwarded})
        assert good.status_code == 200, good.text
        untrusted = serve("dpop-untrusted", "uvicorn", "resource_apps:starlette_app", env=DPOP_ENV)
        proof = dict(client.headers("GET", "https://api.example/items", token))
        refused = http.get(f"{untrusted.url}/items", headers={**proof, **forwarded})
        assert refused.status_code == 401


@pytest.mark.redis
@pytest.mark.workers
def test_dpop_replay_across_gunicorn_workers_through_redis(
    serve: Callable[..., Server], issuer: Guard, tmp_path: Path
) -> None:
    from tests.revocation.servers import RedisServer

    redis_server = RedisServer("redis", tmp_path / "redis")
    redis_server.start()
    try:
        env = {**DPOP_ENV, "JWTGUARD_DPOP_REPLAY_REDIS_URL": redis_server.url}
        server = serve("dpop-gunicorn", "gunicorn", "resource_apps:flask_app", env=env)
        client = DPoPKey("ES256")
        token = _token(issuer, jkt=client.jkt)
        url = f"{server.url}/items"
        statuses = []
        for _ in range(6):  # each proof used twice, on new connections: either worker
            headers = client.headers("GET", url, token)
            for _attempt in range(2):
                with httpx.Client() as http:
                    statuses.append(http.get(url, headers=headers).status_code)
        assert statuses == [200, 401] * 6
    finally:
        redis_server.kill()


def test_dpop_nonces_across_gunicorn_workers_with_one_secret(
    serve: Callable[..., Server], issuer: Guard
) -> None:
    """A nonce one worker issued is accepted by the other: the same secret in both."""
    env = {
        **DPOP_ENV,
        "JWTGUARD_DPOP_NONCE": "true",
        "JWTGUARD_DPOP_NONCE_SECRET": "a shared secret of at least 32 bytes",
    }
    server = serve("dpop-nonce-gunicorn", "gunicorn", "resource_apps:flask_app", env=env)
    client = DPoPKey("ES256")
    token = _token(issuer, jkt=client.jkt)
    url = f"{server.url}/items"
    with httpx.Client() as http:
        first = http.get(url, headers=client.headers("GET", url, token))
    assert first.status_code == 401
    assert 'error="use_dpop_nonce"' in first.headers["www-authenticate"]
    nonce = first.headers["dpop-nonce"]
    workers: set[int] = set()
    for _ in range(40):  # new connections until both workers have answered (bounded)
        with httpx.Client() as http:
            answer = http.get(url, headers=client.headers("GET", url, token, nonce=nonce))
        assert answer.status_code == 200, answer.text
        workers.add(answer.json()["pid"])
        if len(workers) == 2:
            break
    assert len(workers) == 2, "one worker answered every request"


def _nonce_step(nonce: str) -> int:
    """The time step a jwtguard nonce was issued in (its first 8 bytes)."""
    return int.from_bytes(b64url_decode(nonce)[:8], "big")


@pytest.mark.parametrize(
    ("kind", "factory"),
    [("uvicorn", "resource_apps:starlette_app"), ("gunicorn", "resource_apps:wsgi_app")],
    ids=["asgi-uvicorn", "wsgi-gunicorn"],
)
def test_an_allowed_response_hands_out_the_next_nonce(
    serve: Callable[..., Server], issuer: Guard, kind: str, factory: str
) -> None:
    """RFC 9449 section 8.2: a client whose nonce is about to expire gets the next one on
    a response it was allowed, so it never meets a use_dpop_nonce refusal."""
    lifetime = 2
    env = {
        **DPOP_ENV,
        "JWTGUARD_DPOP_NONCE": "true",
        "JWTGUARD_DPOP_NONCE_SECRET": "a shared secret of at least 32 bytes",
        "JWTGUARD_DPOP_NONCE_LIFETIME": str(lifetime),
    }
    server = serve(f"dpop-nonce-renewal-{kind}", kind, factory, env=env)
    client = DPoPKey("ES256")
    token = _token(issuer, jkt=client.jkt)
    url = f"{server.url}/items"
    with httpx.Client() as http:
        nonce = http.get(url, headers=client.headers("GET", url, token)).headers["dpop-nonce"]
        # wait for the next step (the server's clock is this one): the nonce is then
        # accepted for one more step, and due for renewal
        time.sleep(max(0.0, (_nonce_step(nonce) + 1) * lifetime - time.time()) + 0.05)
        renewed = http.get(url, headers=client.headers("GET", url, token, nonce=nonce))
        assert renewed.status_code == 200, renewed.text
        fresh = renewed.headers["dpop-nonce"]
        assert _nonce_step(fresh) == _nonce_step(nonce) + 1
        current = http.get(url, headers=client.headers("GET", url, token, nonce=fresh))
        answered_in = int(time.time() // lifetime)
    assert current.status_code == 200, current.text
    if answered_in == _nonce_step(fresh):  # (a loaded machine may have crossed a step)
        assert "dpop-nonce" not in current.headers  # already the current one


# -- the bearer fast path and the one switch -----------------------------------------------

SERVERS = pytest.mark.parametrize(
    ("kind", "factory", "extra"),
    [
        ("uvicorn", "resource_apps:starlette_app", ()),
        # one worker: the cache and its counters are per process
        ("gunicorn", "resource_apps:wsgi_app", ("--workers", "1")),
    ],
    ids=["asgi-uvicorn", "wsgi-gunicorn"],
)


def _stats(http: httpx.Client, server: Server) -> dict[str, int]:
    answer = http.get(f"{server.url}/stats")
    assert answer.status_code == 200, answer.text
    counters: dict[str, int] = answer.json()
    return counters


_DOWNGRADE = "A DPoP-bound access token must be sent with the DPoP scheme and a proof."


def _challenges(answer: httpx.Response) -> dict[str, str]:
    return {c.partition(" ")[0]: c for c in answer.headers.get_list("www-authenticate")}


@SERVERS
def test_a_cached_bearer_token_is_a_cache_hit_and_a_bound_one_never_passes_as_bearer(
    serve: Callable[..., Server], issuer: Guard, kind: str, factory: str, extra: tuple[str, ...]
) -> None:
    """The resource server's fast path (a cached Bearer token without ``cnf``) answers a
    repeated plain token from the cache; a ``cnf`` token sent as Bearer is refused with
    the right challenge even once it is in the cache, a DPoP-bound one also after it was
    accepted with its proof."""
    server = serve(f"bearer-fast-path-{kind}", kind, factory, env=DPOP_ENV, extra=extra)
    url = f"{server.url}/items"
    plain = _token(issuer)
    client = DPoPKey("ES256")
    dpop_bound = _token(issuer, jkt=client.jkt)
    cert_bound = _token(issuer, **{"x5t#S256": "a" * 43})
    with httpx.Client() as http:
        before = _stats(http, server)
        for _ in range(2):
            answer = http.get(url, headers={"Authorization": f"Bearer {plain}"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["sub"] == "alice"
        after = _stats(http, server)
        assert (after["misses"] - before["misses"], after["hits"] - before["hits"]) == (1, 1)
        proven = http.get(url, headers=client.headers("GET", url, dpop_bound))
        assert proven.status_code == 200, proven.text  # the bound token is cached now
        refusals = [  # (token, what the answer says, cache hit each time)
            (dpop_bound, _DOWNGRADE, (True, True)),  # cached by its DPoP request
            (cert_bound, "Certificate-bound access tokens are not accepted here.", (False, True)),
        ]
        for token, description, hits in refusals:
            for hit in hits:
                before = _stats(http, server)
                downgraded = http.get(url, headers={"Authorization": f"Bearer {token}"})
                assert downgraded.status_code == 401, downgraded.text
                assert downgraded.json() == {
                    "error": "invalid_token",
                    "error_description": description,
                }
                challenges = _challenges(downgraded)
                assert set(challenges) == {"Bearer", "DPoP"}
                assert 'error="invalid_token"' in challenges["Bearer"]
                assert "error=" not in challenges["DPoP"]
                assert 'algs="' in challenges["DPoP"]
                after = _stats(http, server)
                # from the cache: no full verification, and one hit (the fast path only
                # looks, the full decision counts)
                assert after["misses"] - before["misses"] == int(not hit)
                assert after["hits"] - before["hits"] == int(hit)
        # the plain token still takes the fast path: a hit, allowed
        before = _stats(http, server)
        assert http.get(url, headers={"Authorization": f"Bearer {plain}"}).status_code == 200
        assert _stats(http, server)["hits"] == before["hits"] + 1


@pytest.mark.parametrize(
    ("kind", "factory"),
    [("uvicorn", "resource_apps:django_views"), ("gunicorn", "resource_apps:flask_views")],
    ids=["django-async-uvicorn", "flask-gunicorn"],
)
def test_require_binding_wins_over_a_views_own_bearer_behind_a_real_server(
    serve: Callable[..., Server], issuer: Guard, kind: str, factory: str
) -> None:
    """``JWTGUARD_REQUIRE_BINDING`` refuses unbound tokens everywhere, also on a view
    whose decorator declares ``binding="bearer"`` (which start-up cannot see)."""
    env = {**DPOP_ENV, "JWTGUARD_REQUIRE_BINDING": "true"}
    server = serve(f"require-binding-{kind}", kind, factory, env=env)
    url = f"{server.url}/open"
    client = DPoPKey("ES256")
    token = _token(issuer)
    with httpx.Client() as http:
        for _ in range(2):  # the second time from the cache
            plain = http.get(url, headers={"Authorization": f"Bearer {token}"})
            assert plain.status_code == 401, plain.text
            assert plain.json()["error_description"] == (
                "This resource requires a sender-constrained access token."
            )
            assert list(_challenges(plain)) == ["DPoP"]  # no Bearer offered
        bound = _token(issuer, jkt=client.jkt)
        proven = http.get(url, headers=client.headers("GET", url, bound))
        assert proven.status_code == 200, proven.text
        assert proven.json() == {"sub": "alice", "path": "/open"}


# -- RFC 8705: certificate-bound tokens ------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


def _wait_tls(port: int, pki: PKI, process: subprocess.Popen[bytes], log: Path) -> None:
    context = ssl.create_default_context(cafile=str(pki.ca))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            httpx.get(f"https://127.0.0.1:{port}/health", verify=context, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"no TLS answer:\n{log.read_text()}")


@pytest.fixture(scope="module")
def tls_uvicorn(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """uvicorn terminating TLS itself, asking for client certificates from the test CA."""
    port = free_port()
    log = tmp_path_factory.mktemp("tls") / "uvicorn.log"
    env = {**os.environ, "ROUTING_SECRET": SECRET, "JWTGUARD_MTLS": "true"}
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "--factory",
        "resource_apps:starlette_app", "--host", "127.0.0.1", "--port", str(port),
        "--ssl-certfile", str(pki.server_cert), "--ssl-keyfile", str(pki.server_key),
        "--ssl-ca-certs", str(pki.ca), "--ssl-cert-reqs", "1",
        "--http", "jwtguard.adapters.uvicorn:TLSH11Protocol",
        "--lifespan", "off", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_tls(port, pki, process, log)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _client(pki: PKI, certificate: tuple[Path, Path] | None) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if certificate is not None:
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return httpx.Client(verify=context)


def test_certificate_bound_tokens_through_uvicorn_tls(
    tls_uvicorn: int, pki: PKI, issuer: Guard
) -> None:
    cert, key, pem = pki.client("alice-device")
    other_cert, other_key, _ = pki.client("other-device")
    token = _token(issuer, **{"x5t#S256": certificate_thumbprint(pem)})
    url = f"https://127.0.0.1:{tls_uvicorn}/items"
    auth = {"Authorization": f"Bearer {token}"}
    with _client(pki, (cert, key)) as http:
        good = http.get(url, headers=auth)
        assert good.status_code == 200, good.text
        assert good.json()["sub"] == "alice"
    with _client(pki, (other_cert, other_key)) as http:
        stolen = http.get(url, headers=auth)
        assert stolen.status_code == 401
        assert "does not match" in stolen.json()["error_description"]
    with _client(pki, None) as http:
        assert http.get(url, headers=auth).status_code == 401
        unbound = http.get(url, headers={"Authorization": f"Bearer {_token(issuer)}"})
        assert unbound.status_code == 200  # bearer tokens are still accepted here


NGINX_CONF = """
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_client_certificate {ca};
        ssl_verify_client optional;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
            proxy_set_header Host $http_host;
        }}
    }}
}}
"""


def test_certificate_bound_tokens_through_nginx_terminating_tls(
    serve: Callable[..., Server], pki: PKI, issuer: Guard, tmp_path: Path
) -> None:
    nginx = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    if nginx is None:
        pytest.fail("nginx is needed (make test installs it)")
    env = {"JWTGUARD_MTLS_HEADER": "X-SSL-Client-Cert", "JWTGUARD_MTLS_HEADER_FORMAT": "pem"}
    upstream = serve("mtls-upstream", "uvicorn", "resource_apps:starlette_app", env=env)
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=tmp_path,
            port=port,
            cert=pki.server_cert,
            key=pki.server_key,
            ca=pki.ca,
            upstream=upstream.port,
        )
    )
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_tls(port, pki, process, tmp_path / "error.log")
        cert, key, pem = pki.client("alice-laptop")
        token = _token(issuer, **{"x5t#S256": certificate_thumbprint(pem)})
        url = f"https://127.0.0.1:{port}/items"
        auth = {"Authorization": f"Bearer {token}"}
        with _client(pki, (cert, key)) as http:
            good = http.get(url, headers=auth)
            assert good.status_code == 200, good.text
        with _client(pki, None) as http:
            # a client cannot forge the header: nginx overwrites it (empty without a cert)
            forged = http.get(url, headers={**auth, "X-SSL-Client-Cert": pem.replace("\n", "%0A")})
            assert forged.status_code == 401
    finally:
        process.terminate()
        process.wait(10)
