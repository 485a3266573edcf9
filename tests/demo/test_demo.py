"""jwtguard.demo without a long-running server: its tokens, its error exits, its check list."""

from __future__ import annotations

import socket
import sys

import pytest

from jwtguard.demo import checks, main
from jwtguard.demo._apps import DemoTokens, RunningServer, wsgi_app
from jwtguard.errors import ExpiredTokenError, InvalidSignatureError


def test_demo_tokens_are_what_the_checks_expect() -> None:
    tokens = DemoTokens.create()
    guard = tokens.guard
    assert guard.verify(tokens.token).scopes == {"read", "admin"}
    assert guard.verify(tokens.reader).scopes == {"read"}
    with pytest.raises(ExpiredTokenError):
        guard.verify(tokens.expired)
    with pytest.raises(InvalidSignatureError):
        guard.verify(tokens.tampered)
    assert tokens.tampered.split(".")[2] == tokens.reader.split(".")[2]
    assert DemoTokens.create().token != tokens.token  # a fresh key every run


def test_every_status_class_is_exercised() -> None:
    assert {check.expected for check in checks()} == {200, 401, 403}


def test_missing_web_extras_exit_2_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["--check"]) == 2
    err = capsys.readouterr().err
    assert "uvicorn" in err
    assert "jwtguard[demo]" in err


@pytest.mark.parametrize("variant", [[], ["--wsgi"]], ids=["asgi", "wsgi"])
def test_a_taken_port_exits_2(variant: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["--port", str(taken.getsockname()[1]), "--check", *variant]) == 2
    assert "cannot serve" in capsys.readouterr().err


def test_flask_variant_uses_the_extension_per_view() -> None:
    """``demo --flask`` shows the Flask extension, not the WSGI middleware around Flask."""
    from flask import Flask

    tokens = DemoTokens.create()
    app = wsgi_app(tokens.guard, flask=True)
    assert isinstance(app, Flask) and "jwtguard" in app.extensions
    assert app.view_functions["admin"].jwtguard_requirement.scopes == frozenset({"admin"})
    client = app.test_client()
    reader = {"Authorization": f"Bearer {tokens.reader}"}
    assert client.get("/me", headers=reader).get_json()["sub"] == "demo-reader"
    assert client.get("/admin", headers=reader).status_code == 403
    assert client.get("/public").status_code == 200


class _Thread:
    """A stand-in for the server thread: alive until ``ends_after`` joins."""

    def __init__(self, ends_after: int) -> None:
        self.joins = 0
        self.ends_after = ends_after

    def join(self, timeout: float | None = None) -> None:
        self.joins += 1

    def is_alive(self) -> bool:
        return self.joins < self.ends_after


@pytest.mark.parametrize(("ends_after", "closed"), [(1, True), (2, False)])
def test_stop_releases_the_port_only_once_the_server_thread_ended(
    ends_after: int, closed: bool
) -> None:
    calls: list[str] = []
    thread = _Thread(ends_after)
    server = RunningServer(
        "http://127.0.0.1:1",
        1,
        thread,  # type: ignore[arg-type]
        lambda: calls.append("shutdown"),
        lambda: calls.append("close"),
    )
    server.stop(timeout=0.01)
    assert calls == (["shutdown", "close"] if closed else ["shutdown"])
    assert thread.joins == 1
