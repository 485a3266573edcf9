"""Loading a remote JWKS: direct URL, OIDC discovery, URL rules, preload and health."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from jwtguard import ConfigError, Guard, UnknownKeyError
from jwtguard.keys.remote import JWKSFetchError, JWKSOptions, RemoteKeySet
from jwtguard.keys.remote._fetch import check_url, parse_max_age
from jwtguard.protocols import AsyncKeySource, KeySource
from jwtguard.testing import FakeIdentityProvider, FrozenClock


def test_is_a_key_source_and_plugs_into_guard(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    assert isinstance(remote, KeySource)
    assert isinstance(remote, AsyncKeySource)
    guard = Guard(remote, algorithms=["ES256"], audience="api", issuer=idp.issuer, clock=clock)
    assert guard.verify(idp.issue(sub="7"))["sub"] == "7"
    assert idp.count() == 1
    assert remote.kids == ("key-1",)


def test_from_jwks_url_and_from_oidc_issuer_build_remote_sets(idp: FakeIdentityProvider) -> None:
    options = JWKSOptions(allow_insecure_http=True)
    with RemoteKeySet.from_jwks_url(idp.jwks_url, ["ES256"], options=options) as remote:
        remote.preload()
        assert remote.kids == ("key-1",)
    with RemoteKeySet.from_oidc_issuer(idp.issuer, "ES256", options=options) as remote:
        remote.preload()
        assert remote.kids == ("key-1",)
    assert idp.count("discovery") == 1
    assert idp.count() == 2


def test_nothing_is_fetched_before_use(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    make_remote()
    assert idp.count() == 0


@pytest.mark.parametrize("issuer_path", ["", "/realms/acme"])
def test_discovery_sync_and_async(clock: FrozenClock, issuer_path: str) -> None:
    with FakeIdentityProvider("EdDSA", clock=clock, issuer_path=issuer_path) as idp:
        guard = idp.guard(discovery=True)
        token = idp.issue(sub="1")
        assert asyncio.run(guard.averify(token))["sub"] == "1"
        assert guard.verify(idp.issue(sub="2"))["sub"] == "2"
        assert (idp.count("discovery"), idp.count()) == (1, 1)


@pytest.mark.parametrize(
    "claimed",
    [
        pytest.param(lambda i: i + "/", id="trailing-slash"),
        pytest.param(lambda i: i.replace("127.0.0.1", "localhost"), id="other-host"),
        pytest.param(lambda i: i + "/evil", id="longer"),
    ],
)
def test_discovery_issuer_must_match_exactly(
    idp: FakeIdentityProvider,
    make_remote: Callable[..., RemoteKeySet],
    claimed: Callable[[str], str],
) -> None:
    idp.discovery_issuer = claimed(idp.issuer)
    remote = make_remote(discovery=True)
    with pytest.raises(JWKSFetchError) as info:
        remote.preload()
    assert info.value.kind == "issuer_mismatch"
    assert idp.count() == 0  # the JWKS named by a mismatching document is never fetched


def test_async_preload_and_discovery_mismatch(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    remote = make_remote(discovery=True)
    asyncio.run(remote.apreload())
    assert remote.kids == ("key-1",)
    idp.discovery_issuer = "https://attacker.example"
    other = make_remote(discovery=True)
    with pytest.raises(JWKSFetchError, match="issuer_mismatch"):
        asyncio.run(other.apreload())


def test_http_is_refused_unless_allowed(idp: FakeIdentityProvider) -> None:
    with pytest.raises(ConfigError, match="https://"):
        RemoteKeySet(idp.jwks_url, algorithms=["ES256"])
    with pytest.raises(ConfigError, match="https://"):
        RemoteKeySet(issuer=idp.issuer, algorithms=["ES256"])


@pytest.mark.parametrize(
    "url",
    ["ftp://idp.example/jwks", "/jwks.json", "https://", "https://user:pw@idp.example/jwks", 42],
)
def test_bad_urls_are_configuration_errors(url: object) -> None:
    with pytest.raises(ConfigError):
        check_url(url, allow_insecure_http=True, what="JWKS URL")


def test_exactly_one_of_url_or_issuer_and_known_algorithms() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        RemoteKeySet(algorithms=["RS256"])
    with pytest.raises(ConfigError, match="exactly one"):
        RemoteKeySet("https://a.example/j", issuer="https://a.example", algorithms=["RS256"])
    with pytest.raises(Exception, match="unsupported algorithm"):
        RemoteKeySet("https://a.example/j", algorithms=["XS256"])


def test_options_collect_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        JWKSOptions(cooldown=-1, max_bytes=float("inf"), allow_insecure_http="yes")  # type: ignore[arg-type]
    assert len(info.value.problems) == 3


def test_preload_failure_is_an_error_with_a_label(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.status = 503
    remote = make_remote()
    with pytest.raises(JWKSFetchError) as info:
        remote.preload()
    assert info.value.kind == "http_503"
    health = remote.health()
    assert (health.last_success, health.last_error, health.kids) == (None, "http_503", ())
    assert not health.ready


def test_health_reports_success_error_and_kids(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    health = remote.health()
    assert health.ready
    assert health.kids == ("key-1",)
    assert health.last_success == clock()
    assert health.expires_at == clock() + 300
    assert (health.last_error, health.fetches, health.failures) == (None, 1, 0)
    idp.body = b"<html>oops</html>"
    clock.advance(301)
    assert remote.refresh_if_due()
    health = remote.health()
    assert (health.last_error, health.failures, health.kids) == ("invalid_json", 1, ("key-1",))
    assert "oops" not in repr(health)


def test_unknown_kid_without_any_set_is_an_unknown_key_error(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    idp.status = 500
    guard = idp.guard()
    with pytest.raises(UnknownKeyError):
        guard.verify(idp.issue(sub="1"))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=120", 120.0),
        ("public, max-age=3600, must-revalidate", 3600.0),
        ('max-age="60"', 60.0),
        ("no-store", 0.0),
        ("private, no-cache", 0.0),
        ("s-maxage=10", None),
        (None, None),
        ("max-age=abc", None),
    ],
)
def test_cache_control_parsing(header: str | None, seconds: float | None) -> None:
    assert parse_max_age(header) == seconds


def test_fake_idp_builds_key_sets(idp: FakeIdentityProvider) -> None:
    with idp.key_set(discovery=True) as remote:
        remote.preload()
        assert remote.kids == ("key-1",)
        assert remote.issuer == idp.issuer
    assert (idp.count("discovery"), idp.count()) == (1, 1)
