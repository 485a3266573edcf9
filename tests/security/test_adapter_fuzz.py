"""Property tests through every adapter, end to end through its framework's real test client.

Whatever a client sends (token bytes in the ``Authorization`` header, the token header or
cookie, the query; any other header values; any path), the answer is a refusal (400, 401,
403) or, for a genuine token, the app's 200: never a 5xx, never an exception escaping the
framework, never an accepted request without the genuine token, never the input echoed.
Edits of a genuine token are refused through every adapter (RFC 7515 section 5.2).

Each adapter's app is built once per module (a Flask or FastAPI app per example would cost
more than the request); examples are bounded so the file runs in seconds.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import errors
from jwtguard.testing import FrozenClock, TokenFactory

from .conftest import _adapters

FACTORY = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
TOKEN = FACTORY.issue(sub="fuzz-subject", aud="api", scope="read")
OPTIONS: dict[str, Any] = {"cookie": "at", "header": "X-Token", "query_param": "access_token"}
ADAPTER_NAMES = [cls.name for cls in _adapters.ADAPTERS]
_SENDERS: dict[str, Callable[..., Any]] = {}

# What an HTTP server can hand an application as a header value (RFC 9110 section 5.5):
# visible ASCII, space, tab and obs-text; never CR, LF or NUL.
FIELD_TEXT = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x20, 0x7F)] + ["\t"] + [chr(c) for c in range(0x80, 0x100)]
    ),
    max_size=200,
)
TOKENISH = st.text(alphabet=string.ascii_letters + string.digits + "-_.=+/ ", max_size=300)
VALUE = st.one_of(FIELD_TEXT, TOKENISH, st.builds(lambda v: "Bearer " + v, TOKENISH))
NAMES = st.sampled_from(
    ["Authorization", "X-Token", "Cookie", "X-CSRF-Token", "Origin", "Content-Type", "X-Other"]
)
# A path starting "//" is read by httpx as "//authority/...": the client, not the app, would
# fail on it, so every generated path starts with one slash and a path character.
PATH = st.builds(
    lambda s: "/p" + s,
    st.text(alphabet=string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:@/", max_size=40),
)
QUERY = st.builds(
    lambda v: "access_token=" + v,
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=120),
)
METHOD = st.sampled_from(["GET", "POST", "DELETE", "PATCH"])
BOUNDED = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def sender(name: str) -> Callable[..., Any]:
    """The adapter's app (built once) behind its real test client."""
    if name not in _SENDERS:
        (cls,) = [c for c in _adapters.ADAPTERS if c.name == name]
        adapter = cls(lambda **kw: FACTORY.guard(**kw))
        send = adapter.client(guard=FACTORY.guard(audience="api"), **OPTIONS)
        if name in ("asgi", "fastapi"):  # httpx takes header octets as bytes (str is ASCII)
            send = _as_octets(send)
        _SENDERS[name] = send
    return _SENDERS[name]


def _as_octets(send: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(method: str, path: str, headers: Any = (), query: str = "") -> Any:
        octets = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return send(method, path, headers=octets, query=query)

    return wrapped


def _fixed_text() -> str:
    """Everything a refusal body may say by itself: codes and fixed descriptions."""
    classes: list[type[errors.TokenError]] = [errors.TokenError]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    words = [f"{c.code} {c.rfc6750_error} {c.default_description}" for c in classes]
    return '{"error":"","error_description":""} ' + " ".join(words)


FIXED_TEXT = _fixed_text()


def check_refused(answer: Any, sent: list[str]) -> None:
    assert answer.status in (400, 401, 403), answer.status
    for value in sent:
        for word in value.split():
            if len(word) >= 12 and word not in FIXED_TEXT:
                assert word.encode("utf-8", "replace") not in answer.body
    assert b"fuzz-subject" not in answer.body


@pytest.mark.parametrize("name", ADAPTER_NAMES)
@BOUNDED
@given(headers=st.lists(st.tuples(NAMES, VALUE), max_size=5), path=PATH, method=METHOD)
def test_arbitrary_headers_and_paths_are_refused(
    name: str, headers: list[tuple[str, str]], path: str, method: str
) -> None:
    """No genuine token anywhere: every request is refused with 4xx, never a 5xx or a 200."""
    answer = sender(name)(method, path, headers=headers)
    check_refused(answer, [v for _, v in headers])


@pytest.mark.parametrize("name", ADAPTER_NAMES)
@BOUNDED
@given(token=st.one_of(TOKENISH, FIELD_TEXT), where=st.sampled_from(["bearer", "header", "cookie"]))
def test_arbitrary_tokens_in_every_place_are_refused(name: str, token: str, where: str) -> None:
    headers = {
        "bearer": [("Authorization", f"Bearer {token}")],
        "header": [("X-Token", token)],
        "cookie": [("Cookie", f"at={token}")],
    }[where]
    answer = sender(name)("GET", "/resource", headers=headers)
    check_refused(answer, [token])


@pytest.mark.parametrize("name", ADAPTER_NAMES)
@BOUNDED
@given(query=QUERY, path=PATH)
def test_arbitrary_query_tokens_are_refused(name: str, query: str, path: str) -> None:
    answer = sender(name)("GET", path, query=query)
    check_refused(answer, [query.partition("=")[2]])


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(TOKEN) - 1),
        st.sampled_from(["replace", "delete", "insert"]),
        st.sampled_from(string.ascii_letters + string.digits + "-_.="),
    ),
    min_size=1,
    max_size=3,
)


def edit(token: str, edits: list[tuple[int, str, str]]) -> str:
    for position, kind, char in edits:
        position = min(position, len(token) - 1)
        if kind == "replace":
            token = token[:position] + char + token[position + 1 :]
        elif kind == "delete":
            token = token[:position] + token[position + 1 :]
        else:
            token = token[:position] + char + token[position:]
    return token


@pytest.mark.parametrize("name", ADAPTER_NAMES)
@BOUNDED
@given(edits=EDITS)
def test_edits_of_a_genuine_token_are_refused(name: str, edits: list[tuple[int, str, str]]) -> None:
    """Any change to the signed octets or the signature invalidates the JWS (RFC 7515 5.2)."""
    token = edit(TOKEN, edits)
    answer = sender(name)("GET", "/resource", headers=[("Authorization", f"Bearer {token}")])
    if token == TOKEN:
        assert answer.status == 200
    else:
        check_refused(answer, [token])


@pytest.mark.parametrize("name", ADAPTER_NAMES)
@BOUNDED
@given(headers=st.lists(st.tuples(NAMES.filter(lambda n: n != "Authorization"), VALUE), max_size=4))
def test_a_genuine_token_with_hostile_company_never_breaks(
    name: str, headers: list[tuple[str, str]]
) -> None:
    """The genuine token beside arbitrary other headers: accepted or refused, never a 5xx."""
    answer = sender(name)(
        "GET", "/resource", headers=[("Authorization", f"Bearer {TOKEN}"), *headers]
    )
    assert answer.status in (200, 400, 401, 403), answer.status
    if answer.status == 200:
        assert answer.json() == {"sub": "fuzz-subject", "authenticated": True}


def test_the_apps_accept_the_genuine_token() -> None:
    """The refusals above are for the input, not a broken set-up."""
    for name in ADAPTER_NAMES:
        answer = sender(name)("GET", "/resource", headers=[("Authorization", f"Bearer {TOKEN}")])
        assert answer.status == 200, name
        assert answer.json()["sub"] == "fuzz-subject"
