"""The demo's loopback servers: uvicorn or wsgiref in a background thread, each a
:class:`RunningServer` that stops cleanly on Ctrl-C."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, Final
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["LOOPBACK", "RunningServer", "check_host", "serve_asgi", "serve_wsgi"]

LOOPBACK: Final = ("127.0.0.1", "::1", "localhost")
READY_TIMEOUT: Final = 15.0
GRACEFUL_SHUTDOWN: Final = 5  # seconds an open connection may delay a stop


def check_host(host: str) -> str:
    if host not in LOOPBACK:
        raise ValueError("the demo listens on loopback only (127.0.0.1, ::1 or localhost)")
    return "127.0.0.1" if host == "localhost" else host


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: the demo prints its own lines."""


@dataclass
class RunningServer:
    """A demo server running in a background thread; :meth:`stop` shuts it down and joins."""

    url: str
    port: int
    thread: threading.Thread
    _shutdown: Callable[[], None]
    _close: Callable[[], None]
    ended: threading.Event = field(default_factory=threading.Event)
    """Set by the server thread as its last act (see :func:`_serving`)."""

    def stop(self, timeout: float = 30.0) -> None:
        """Stop accepting, finish in-flight requests, wait for the thread, release the port.

        The port is released only once the server has ended: it closes its own socket as
        it shuts down, and closing it under a server still on its way there made uvicorn
        fail on the closed descriptor. The end is read from :attr:`ended`, not from
        ``Thread.is_alive()``: a Ctrl-C that interrupts ``Thread.join`` in the main thread
        can leave CPython (3.11) reporting a running thread as stopped. A server still
        running after ``timeout`` is a daemon and ends with the process.
        """
        self._shutdown()
        if self.ended.wait(timeout):
            self._close()

    def wait(self) -> None:
        """Block until the server thread ends (Ctrl-C in the caller interrupts the wait)."""
        while not self.ended.wait(0.25):
            pass


def _serving(run: Callable[[], object], ended: threading.Event) -> Callable[[], None]:
    """The server thread's target: ``run``, then ``ended`` set, however ``run`` ends."""

    def target() -> None:
        try:
            run()
        finally:
            ended.set()

    return target


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_asgi(app: Any, host: str, port: int) -> RunningServer:
    import uvicorn

    sock = _bind(host, port)  # bound here, so a port of 0 is known before uvicorn starts
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="none",
        http="h11",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    server = uvicorn.Server(config)
    ended = threading.Event()
    thread = threading.Thread(
        target=_serving(lambda: server.run(sockets=[sock]), ended),
        name="jwtguard-demo",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + READY_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise RuntimeError("the demo server did not start")
        time.sleep(0.02)

    def shutdown() -> None:
        server.should_exit = True

    bound = sock.getsockname()[1]
    return RunningServer(_url(host, bound), bound, thread, shutdown, sock.close, ended)


def serve_wsgi(app: WSGIApplication, host: str, port: int) -> RunningServer:
    server_class: type[_ThreadingWSGIServer] = _ThreadingWSGIServer
    if ":" in host:
        server_class = type("_V6", (_ThreadingWSGIServer,), {"address_family": socket.AF_INET6})
    server = server_class((host, port), _QuietHandler)  # bound and listening on return
    server.set_app(app)
    ended = threading.Event()
    thread = threading.Thread(
        target=_serving(lambda: server.serve_forever(poll_interval=0.1), ended),
        name="jwtguard-demo",
        daemon=True,
    )
    thread.start()
    bound = server.server_address[1]
    return RunningServer(
        _url(host, bound), bound, thread, server.shutdown, server.server_close, ended
    )
