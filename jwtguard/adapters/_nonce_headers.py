"""``DPoP-Nonce`` on the responses of the two server interfaces (RFC 9449 section 8.2):
the fresh nonce an allowed request's decision handed out (:func:`jwtguard.http.dpop_nonce`)
added to the headers the app starts its response with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["asgi_send_adding_nonce", "wsgi_start_adding_nonce"]

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
StartResponse = Callable[..., Callable[[bytes], object]]


def asgi_send_adding_nonce(send: Send, nonce: str) -> Send:
    """ASGI ``send`` adding ``DPoP-Nonce: nonce`` to ``http.response.start``."""
    field = (b"dpop-nonce", nonce.encode("ascii"))

    def send_with_nonce(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), field]
        return send(message)

    return send_with_nonce


def wsgi_start_adding_nonce(start_response: StartResponse, nonce: str) -> StartResponse:
    """WSGI ``start_response`` adding ``DPoP-Nonce: nonce``."""

    def start_with_nonce(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        return start_response(status, [*headers, ("DPoP-Nonce", nonce)], exc_info)

    return start_with_nonce
