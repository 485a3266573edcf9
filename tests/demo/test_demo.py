"""jwtguard.demo without a long-running server: its tokens, its error exits, its check list."""

from __future__ import annotations

import socket
import sys
import threading

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


@pytest.mark.parametrize(("ended", "closed"), [(True, True), (False, False)])
def test_stop_releases_the_port_only_once_the_server_thread_ended(
    ended: bool, closed: bool
) -> None:
    calls: list[str] = []
    done = threading.Event()
    # A thread that reports itself stopped although it may still run, as CPython 3.11
    # leaves one whose join a Ctrl-C interrupted: only the server's own signal counts.
    thread = threading.Thread(target=lambda: None)

    def shutdown() -> None:
        calls.append("shutdown")
        if ended:
            done.set()

    server = RunningServer(
        "http://127.0.0.1:1", 1, thread, shutdown, lambda: calls.append("close"), done
    )
    assert not thread.is_alive()
    server.stop(timeout=0.01)
    assert calls == (["shutdown", "close"] if closed else ["shutdown"])


def test_the_server_thread_signals_its_end_however_it_ends() -> None:
    from jwtguard.demo._servers import _serving

    ended = threading.Event()

    def fails() -> None:
        raise OSError("the socket went away")

    with pytest.raises(OSError, match="went away"):
        _serving(fails, ended)()
    assert ended.is_set()
