"""URLs compared the way RFC 9449 (``htu``), RFC 8707 and RFC 9728 (resource
identifiers) say: after RFC 3986 syntax-based and scheme-based normalisation.

:func:`normalize_url` lower-cases the scheme and host, drops the scheme's default port,
turns an empty path into ``/``, decodes percent-encoded unreserved characters,
upper-cases the hex digits of the others, percent-encodes what may not appear raw in a
path, and removes dot segments. Query and fragment are dropped (a DPoP ``htu`` ignores
them). Userinfo is refused: no legitimate ``htu`` or resource URI has one.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, urlsplit

__all__ = ["normalize_path", "normalize_url", "origin_of"]

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT: Final = re.compile(r"%([0-9A-Fa-f]{2})")
# what may stand raw in a path segment (RFC 3986 section 3.3), '%' handled above
_PATH_SAFE: Final = "/!$&'()*+,;=:@-._~"
_HOST: Final = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def normalize_path(path: str) -> str:
    """A path in canonical form: percent-encodings normalised, raw characters that a URI
    path may not hold encoded (UTF-8), dot segments removed, ``""`` as ``/``."""
    pieces = _PERCENT.split(path)
    # split() alternates raw text and the two hex digits of each %XX
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(_percent_char(piece))
        else:
            out.append(quote(piece, safe=_PATH_SAFE))
    return _remove_dot_segments("".join(out) or "/")


def _percent_char(hex_digits: str) -> str:
    char = chr(int(hex_digits, 16))
    return char if char in _UNRESERVED else "%" + hex_digits.upper()


def normalize_url(url: str) -> str:
    """``url`` without query and fragment, normalised (see the module docstring).

    Raises ValueError for anything that is not an absolute ``http``/``https`` URL with a
    plain host (no userinfo, a valid port).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError("not an http(s) URL")
    netloc = parts.netloc
    if "@" in netloc:
        raise ValueError("userinfo is not allowed")
    host = netloc
    port: int | None = None
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError("bad authority")
            port = _port(rest[1:])
    elif ":" in netloc:
        host, _, text = netloc.partition(":")
        port = _port(text)
    if not _HOST.fullmatch(host):
        raise ValueError("bad host")
    host = host.lower()
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}{normalize_path(parts.path)}"


def origin_of(url: str) -> str:
    """The normalised ``scheme://host[:port]`` of ``url`` (ValueError as :func:`normalize_url`)."""
    normalised = normalize_url(url)
    return normalised[: normalised.index("/", len("https://"))]


def _port(text: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise ValueError("bad port")
    return int(text)
