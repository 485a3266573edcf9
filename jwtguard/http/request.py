"""The request as jwtguard decides on it: small, framework-free, built once per request.

Werkzeug's sans-IO ``Request`` is the model: a :class:`RequestView` holds the method,
the route path, the headers, the query string and where the request was sent (scheme,
host, root path), and nothing of the server's own objects. A builder per protocol is
the only code that reads an ASGI scope or a WSGI environ:
:func:`jwtguard.adapters.asgi.request_from_scope` and
:func:`jwtguard.adapters.wsgi.request_from_environ`. A new framework needs a builder
(and a shell that sends the answer), nothing else.

Paths:

* :attr:`RequestView.path` is the *route path*: the path the app's router matches,
  percent-decoded, relative to where the app is mounted (``root_path`` or
  ``SCRIPT_NAME`` removed, as Starlette's ``get_route_path`` does). Rules and exempt
  paths are matched against it (see :mod:`jwtguard.http.routing`).
* :attr:`RequestView.raw_path` is the path as the client sent it (still
  percent-encoded), when the server says; it is how an encoded ``/`` is told apart
  from a real one.
* :attr:`RequestView.full_path` and :attr:`RequestView.url` are what the client asked
  for (``root_path`` included), e.g. for a DPoP proof's ``htu``. Scheme and host are
  taken as the server reports them: which proxy headers to trust is a deployment
  decision (uvicorn ``--proxy-headers``, werkzeug's ``ProxyFix``) made before jwtguard.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final
from urllib.parse import parse_qsl

from jwtguard.errors import InvalidRequestError

__all__ = ["WEBSOCKET", "Headers", "RequestView", "cookie_values"]

WEBSOCKET: Final = "WEBSOCKET"
"""The :attr:`RequestView.method` of a websocket handshake (a ``GET`` on the wire): a
method of its own, so ``exempt_methods=["GET"]`` never exempts websockets, and a
cookie-borne token on a handshake needs a same-origin ``Origin``."""

_MAX_QUERY_FIELDS: Final = 200
_KEYS: dict[str, bytes] = {}  # header name -> its lower-case bytes (names are few)


def _key(name: str) -> bytes:
    key = _KEYS.get(name)
    if key is None:
        key = name.lower().encode("latin-1")
        if len(_KEYS) < 256:
            _KEYS[name] = key
    return key


def cookie_values(header: str, name: str) -> list[str]:
    """Every value of cookie ``name`` in a ``Cookie`` header (quotes removed, empty skipped)."""
    found = []
    for part in header.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                found.append(value)
    return found


class Headers:
    """Request header fields, read-only: names are case-insensitive, values are text.

    Built from the ``(name, value)`` byte pairs servers hand on (lower-case names, as
    ASGI, h11 and HTTP/2 carry them), without copying. Values are decoded as latin-1,
    the way HTTP defines octets in fields. Repeated lines stay separate: :meth:`get_all`
    returns each; a WSGI server has already joined them with ``", "`` (the WSGI builder's
    subclass reads the environ instead of pairs).
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self._raw = raw

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, str]]) -> Headers:
        """Headers from text pairs, names in any case (tests, other frameworks)."""
        return cls([(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs])

    def get_all(self, name: str) -> list[str]:
        """The value of every line named ``name``, in order (empty when absent)."""
        key = _key(name)
        return [v.decode("latin-1") for k, v in self._raw if k == key]

    def get(self, name: str) -> str | None:
        """The first value named ``name``, or None."""
        key = _key(name)
        for k, v in self._raw:
            if k == key:
                return v.decode("latin-1")
        return None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = _key(name)
        return any(k == key for k, _ in self._raw)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """``(name, value)`` text pairs, names lower-case, in order."""
        return ((k.decode("latin-1"), v.decode("latin-1")) for k, v in self._raw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted({name for name, _ in self})!r})"  # no values


class RequestView:
    """The request the decision is made on. Built by a builder; read-only by convention.

    Args:
        method: the HTTP method, upper-case (:data:`WEBSOCKET` for a websocket handshake).
        path: the route path (see the module docstring): percent-decoded text, relative
            to the mount point, starting with ``/``.
        headers: the request's :class:`Headers`.
        query_string: the raw query string (percent-encoded, without ``?``).
        raw_path: the path as received, percent-encoded (``None``: the server does not say).
        root_path: where the app is mounted (ASGI ``root_path``, WSGI ``SCRIPT_NAME``).
        scheme: ``http``/``https`` (``ws``/``wss`` for websockets), as the server reports it.
        host: the host the request was sent to (``host[:port]``); None: its ``Host`` header.
        client_cert: the client certificate (PEM) the TLS connection authenticated, as
            the server reports it (the ASGI TLS extension, WSGI ``SSL_CLIENT_CERT``);
            never from a header (see :class:`jwtguard.oauth.MTLS` for proxies).
    """

    __slots__ = (
        "_cookies",
        "_host",
        "client_cert",
        "headers",
        "method",
        "path",
        "query_string",
        "raw_path",
        "root_path",
        "scheme",
    )

    def __init__(
        self,
        method: str,
        path: str,
        headers: Headers,
        query_string: str = "",
        raw_path: str | None = None,
        root_path: str = "",
        scheme: str = "http",
        host: str | None = None,
        client_cert: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.query_string = query_string
        self.raw_path = raw_path
        self.root_path = root_path
        self.scheme = scheme
        self._host = host
        self.client_cert = client_cert
        self._cookies: str | None = None

    def __repr__(self) -> str:  # never headers or the query: they may hold a token
        return f"RequestView({self.method!r}, {self.path!r})"

    @property
    def websocket(self) -> bool:
        """Whether this is a websocket handshake."""
        return self.method == WEBSOCKET

    @property
    def preflight(self) -> bool:
        """A CORS preflight: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``
        (browsers never attach credentials to it)."""
        return (
            self.method == "OPTIONS"
            and "origin" in self.headers
            and "access-control-request-method" in self.headers
        )

    @property
    def cookie_header(self) -> str:
        """Every ``Cookie`` line joined with ``"; "`` (``""`` when there is none)."""
        if self._cookies is None:
            self._cookies = "; ".join(self.headers.get_all("cookie"))
        return self._cookies

    def cookies(self, name: str) -> list[str]:
        """Every value the request sends for cookie ``name`` (more than one is possible)."""
        header = self.cookie_header
        return cookie_values(header, name) if header else []

    def query(self, name: str) -> list[str]:
        """Every non-empty value of query parameter ``name``.

        Raises InvalidRequestError for a query string with too many fields.
        """
        if not self.query_string:
            return []
        try:
            pairs = parse_qsl(
                self.query_string, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
            )
        except ValueError:
            raise InvalidRequestError from None
        return [v for k, v in pairs if k == name and v]

    @property
    def full_path(self) -> str:
        """The path the client asked for: ``root_path`` plus the route path."""
        return self.root_path + self.path if self.root_path else self.path

    @property
    def host(self) -> str:
        """Where the request was sent (``host[:port]``): as the builder says, else the
        ``Host`` header (``""`` without one)."""
        if self._host is not None:
            return self._host
        return (self.headers.get("host") or "").strip()

    @property
    def origin(self) -> str:
        """``scheme://host`` as the server reports them."""
        return f"{self.scheme}://{self.host}"

    @property
    def url(self) -> str:
        """The request URL without the query: ``origin`` plus ``full_path`` (percent-decoded
        text; a DPoP ``htu`` is compared on this after normalisation)."""
        return self.origin + self.full_path
