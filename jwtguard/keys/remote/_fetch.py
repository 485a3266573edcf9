"""Bounded HTTP GETs for key material (httpx, sync and async), and what they return.

Every fetch has connect, read and total time limits, refuses bodies over a
byte cap while streaming (before reading them whole), refuses compressed
bodies (a small gzip can inflate to gigabytes), never follows redirects, and
raises :class:`FetchError` whose ``kind`` is safe to log: never a body, a
header value or a URL's credentials.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import ssl
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from jwtguard._flow import arun, run
from jwtguard.errors import ConfigError, MalformedTokenError
from jwtguard.jose import parse_json_object

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FetchError",
    "Fetched",
    "Flow",
    "HttpLimits",
    "afetch_json",
    "arun_flow",
    "check_url",
    "fetch_json",
    "run_flow",
]

_MAX_AGE: Final = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.I)
_NO_CACHE: Final = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\s*(?:,|$)", re.I)
_HEADERS: Final = {"Accept": "application/json", "Accept-Encoding": "identity"}
_TLS: dict[str, ssl.SSLContext] = {}


def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying TLS context, built once for every fetch. Building one
    reads the whole CA bundle (tens of milliseconds of CPU): per fetch, on an event loop,
    that would stall every other request."""
    context = _TLS.get("default")
    if context is None:
        import httpx

        create = getattr(httpx, "create_ssl_context", None)
        if create is not None:
            built: ssl.SSLContext = create()
        else:  # httpx < 0.28: the same default, certifi's bundle
            import certifi

            built = ssl.create_default_context(cafile=certifi.where())
        context = _TLS.setdefault("default", built)
    return context


async def _atls_context() -> ssl.SSLContext:
    """:func:`_tls_context` without building it on the event loop."""
    context = _TLS.get("default")
    return context if context is not None else await asyncio.to_thread(_tls_context)


class FetchError(Exception):
    """A fetch or its document failed. ``kind`` is a short, fixed label (safe to log)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """Time and size limits of one fetch."""

    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = 256 * 1024
    allow_insecure_http: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A JSON object fetched over HTTP and the freshness its ``Cache-Control`` asked for."""

    document: dict[str, Any]
    max_age: float | None
    """``max-age`` in seconds; 0 for ``no-cache``/``no-store``; ``None`` when unstated."""


def require_httpx() -> None:
    """Raise :class:`ConfigError` when the optional ``httpx`` dependency is missing."""
    if importlib.util.find_spec("httpx") is None:
        raise ConfigError("remote key sets need httpx: pip install 'jwtguard[jwks]'")


def check_url(url: object, *, allow_insecure_http: bool, what: str) -> str:
    """``url`` if it is an absolute https URL (or http when explicitly allowed)."""
    if not isinstance(url, str):
        raise ConfigError(f"{what}: must be a URL string")
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_insecure_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ConfigError(
            f"{what}: must be an absolute https:// URL"
            + ("" if allow_insecure_http else " (http:// needs allow_insecure_http=True)")
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{what}: credentials in the URL are not allowed")
    return url


def parse_max_age(cache_control: str | None) -> float | None:
    """Seconds from a ``Cache-Control`` header: ``max-age``, or 0 for ``no-cache``/``no-store``."""
    if not cache_control:
        return None
    if _NO_CACHE.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return None if match is None else float(match.group(1))


def _timeout(limits: HttpLimits) -> httpx.Timeout:
    import httpx

    return httpx.Timeout(
        limits.read_timeout,
        connect=limits.connect_timeout,
        pool=limits.connect_timeout,
    )


def _check_head(response: httpx.Response, limits: HttpLimits) -> None:
    if response.status_code != 200:
        raise FetchError(f"http_{response.status_code}")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError("compressed_body")
    length = response.headers.get("content-length")
    if length is not None and (not length.strip().isdigit() or int(length) > limits.max_bytes):
        raise FetchError("too_large")


def _add(body: bytearray, chunk: bytes, limits: HttpLimits, deadline: float) -> None:
    body += chunk
    if len(body) > limits.max_bytes:
        raise FetchError("too_large")
    if time.monotonic() > deadline:
        raise FetchError("timeout")


_BOM: Final = b"\xef\xbb\xbf"


def _finish(body: bytearray, headers: Mapping[str, str]) -> Fetched:
    raw = bytes(body)
    try:  # RFC 8259 section 8.1: a parser may ignore a byte-order mark, and some servers send one
        document = parse_json_object(raw[len(_BOM) :] if raw.startswith(_BOM) else raw)
    except MalformedTokenError:
        raise FetchError("invalid_json") from None
    return Fetched(document, parse_max_age(headers.get("cache-control")))


def _network_kind(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "network"


def fetch_json(url: str, limits: HttpLimits) -> Fetched:
    """GET ``url`` and parse a JSON object, within ``limits``; :class:`FetchError` otherwise."""
    import httpx

    deadline = time.monotonic() + limits.total_timeout
    body = bytearray()
    try:
        with (
            httpx.Client(
                timeout=_timeout(limits), follow_redirects=False, verify=_tls_context()
            ) as client,
            client.stream("GET", url, headers=_HEADERS) as response,
        ):
            _check_head(response, limits)
            for chunk in response.iter_raw():
                _add(body, chunk, limits, deadline)
            headers = response.headers
    except httpx.HTTPError as exc:
        raise FetchError(_network_kind(exc)) from None
    return _finish(body, headers)


async def afetch_json(url: str, limits: HttpLimits) -> Fetched:
    """:func:`fetch_json` with ``httpx.AsyncClient``."""
    import httpx

    tls = await _atls_context()
    deadline = time.monotonic() + limits.total_timeout
    body = bytearray()
    try:
        async with (
            httpx.AsyncClient(
                timeout=_timeout(limits), follow_redirects=False, verify=tls
            ) as client,
            client.stream("GET", url, headers=_HEADERS) as response,
        ):
            _check_head(response, limits)
            async for chunk in response.aiter_raw():
                _add(body, chunk, limits, deadline)
            headers = response.headers
    except httpx.HTTPError as exc:
        raise FetchError(_network_kind(exc)) from None
    return _finish(body, headers)


Flow = Generator[str, Fetched, None]
"""A sequence of fetches written once, without I/O (as httpx writes an auth flow): it
yields the URL it needs next and is sent what was fetched there. A driver does the I/O."""


def run_flow(flow: Flow, limits: HttpLimits) -> None:
    """Drive ``flow`` with blocking fetches."""
    run(flow, lambda url: fetch_json(url, limits))


async def arun_flow(flow: Flow, limits: HttpLimits) -> None:
    """Drive ``flow`` with awaited fetches (never blocking the event loop)."""
    await arun(flow, lambda url: afetch_json(url, limits))
