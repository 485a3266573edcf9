"""Structured log records: rendered by jwtguard's JSON formatter and by structlog, with
their fields in ``extra`` and never a token, a claim value or a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from jwtguard import Guard, Key, Tenant
from jwtguard._values import kid_fingerprint
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.requirement import Requirement
from jwtguard.observability.logs import JSONFormatter
from jwtguard.testing import FakeIdentityProvider, TokenFactory
from tests.observability.conftest import drive

SECRET = "an-hs256-secret-that-never-appears-in-a-log-0123456789"


def _structlog_formatter() -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )


@pytest.fixture(params=["json", "structlog"])
def rendered(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """Every jwtguard record, one JSON document a line, through the formatter under test."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JSONFormatter() if request.param == "json" else _structlog_formatter())
    logger = logging.getLogger("jwtguard")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def documents(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_refusal_records(rendered: io.StringIO) -> None:
    factory = TokenFactory.hs256()
    token = drive(factory.guard(), factory, adapter="flask")
    found = [d for d in documents(rendered) if d.get("jwtguard_event") == "refusal"]
    assert [(d["code"], d["status"], d["path"]) for d in found] == [
        ("malformed", 401, "/data"),
        ("insufficient_scope", 403, "/admin"),
    ]
    for document in found:
        assert document["adapter"] == "flask"
        assert document["method"] == "GET"
        assert document["report_only"] is False
        assert document["level"] in ("INFO", "info")
    text = rendered.getvalue()
    assert token not in text
    assert token.split(".")[1] not in text  # nor its payload
    assert "alice" not in text  # the sub claim's value


def test_no_secret_in_any_record(rendered: io.StringIO) -> None:
    guard = Guard(SECRET, algorithms=["HS256"], audience="api")
    pipeline = Pipeline(guard, adapter="wsgi")
    expired = guard.issue({"sub": "bob", "aud": "api", "iat": 1, "nbf": 1, "exp": 2})
    forged = Guard("x" * 40, algorithms=["HS256"]).issue({"sub": "carol", "aud": "api"})
    for token in (expired, forged):
        pipeline.decide_on_authorization("GET", "/data", f"Bearer {token}".encode())
    found = [d for d in documents(rendered) if d.get("jwtguard_event") == "refusal"]
    assert [d["code"] for d in found] == ["expired", "invalid_signature"]
    text = rendered.getvalue()
    for never in (SECRET, expired, forged, "bob", "carol"):
        assert never not in text


def test_refusals_name_the_key_by_a_fingerprint_of_its_kid(rendered: io.StringIO) -> None:
    kid = "key-2026-secret-looking-kid"
    known = Key.from_secret(SECRET.encode(), ["HS256"], kid=kid)
    pipeline = Pipeline(Guard(known, algorithms=["HS256"]), adapter="wsgi")
    other = Key.from_secret(b"o" * 40, ["HS256"], kid="unknown-kid")
    forged = Guard(Key.from_secret(b"x" * 40, ["HS256"], kid=kid), algorithms=["HS256"])
    for token in (
        forged.issue({"sub": "gina"}),  # the configured kid, a wrong signature
        Guard(other, algorithms=["HS256"]).issue({"sub": "hal"}),  # a kid nobody has
        Guard("y" * 40, algorithms=["HS256"]).issue({"sub": "ivy"}),  # no kid at all
    ):
        pipeline.decide_on_authorization("GET", "/data", f"Bearer {token}".encode())
    pipeline.decide_on_authorization("GET", "/data", b"Bearer not.a.token")
    found = [d for d in documents(rendered) if d.get("jwtguard_event") == "refusal"]
    assert [(d["code"], d["kid_fingerprint"]) for d in found] == [
        ("invalid_signature", kid_fingerprint(kid)),
        ("unknown_key", kid_fingerprint("unknown-kid")),
        ("invalid_signature", None),
        ("malformed", None),  # refused before the header was read
    ]
    assert len(kid_fingerprint(kid) or "") == 16
    text = rendered.getvalue()
    assert kid not in text and "unknown-kid" not in text


def test_refusals_name_the_tenant(rendered: io.StringIO) -> None:
    with FakeIdentityProvider() as first, FakeIdentityProvider(issuer_path="/b") as second:
        tenants = [Tenant(idp.issuer, idp.key_set(), audience="api") for idp in (first, second)]
        guard = Guard(tenants=tenants, algorithms=["RS256"])
        pipeline = Pipeline(guard, rules={"/admin": Requirement.build(scopes="admin")})
        wrong_audience = second.issue(sub="dave", aud="other")
        reader = first.issue(sub="erin", scope="read")
        for token, path in ((wrong_audience, "/data"), (reader, "/admin")):
            header = f"Bearer {token}".encode()
            routed = pipeline.route("GET", path)
            assert isinstance(routed, Requirement)
            pipeline.decide_on_authorization("GET", path, header, routed)
        pipeline.decide_on_authorization("GET", "/data", b"Bearer not.a.token")
        issuers = first.issuer, second.issuer
    found = [d for d in documents(rendered) if d.get("jwtguard_event") == "refusal"]
    assert [(d["code"], d["tenant"]) for d in found] == [
        ("invalid_audience", issuers[1]),
        ("insufficient_scope", issuers[0]),
        ("malformed", None),  # no tenant selected
    ]
    assert "dave" not in rendered.getvalue() and "erin" not in rendered.getvalue()


def test_key_set_records(rendered: io.StringIO) -> None:
    with FakeIdentityProvider() as idp:
        keys = idp.key_set()
        keys.preload()
        new_kid = idp.rotate()
        keys.refresh()
        idp.status = 500
        keys.refresh()
        url = idp.jwks_url
    events = {d["jwtguard_event"]: d for d in documents(rendered) if "jwtguard_event" in d}
    changed = events["jwks_keys_changed"]
    assert changed["jwks_url"] == url
    assert changed["keys"] == 1
    assert len(changed["added"]) == len(changed["removed"]) == 1
    assert all(len(digest) == 16 for digest in changed["added"])
    failed = events["jwks_fetch_failed"]
    assert (failed["kind"], failed["keys"], failed["jwks_url"]) == ("http_500", 1, url)
    assert failed["level"] in ("WARNING", "warning")
    assert new_kid not in json.dumps(changed)  # fingerprints, not key ids or material
