"""The prepared tables behind :class:`~jwtguard.http.security_headers.SecurityHeaders`:
one per flavour (ASGI byte pairs, WSGI ``str`` pairs), and the merge that uses them.

The common response shares no header name with the policy: then the merge is one pass
over the app's few names (a set look-up each, remembered per spelling) to find the
``Content-Type``, and a list concatenation with the pairs prepared for that kind.
Anything else (a name the app set that the policy also sets, a ``Vary``, an
``override``) takes the careful path, which compares names case-insensitively.

Kept whole: one table per flavour and the forms of its merge (the merge, the careful
path, the ASGI ``send`` and the WSGI app that inline its common case) share the
spellings and types the merge learns; split, they would read each other's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

__all__ = ["API", "HTML", "NOT_MODIFIED", "Tables"]

API: Final = 0
HTML: Final = 1
NOT_MODIFIED: Final = 2
"""Kinds of response: they index the prepared pairs (``2 * kind + authenticated``)."""

_NEUTRAL: Final = 0
_TYPE: Final = 1
_CLASH: Final = 2
_MEMO_SIZE: Final = 512
_HTML_TYPES: Final = ("text/html", "application/xhtml+xml")

Pairs = Mapping[tuple[int, bool], tuple[tuple[str, str], ...]]


class Tables:
    """The pairs of each kind, encoded for one flavour, and what the merge looks names up in."""

    __slots__ = (
        "_api_values",
        "_codes",
        "_fast",
        "_full",
        "_html_types",
        "_html_values",
        "_mergers",
        "_neutral",
        "_override",
        "_override_all",
        "_raw",
        "_senders",
        "_type_names",
        "_vary",
        "_vary_names",
    )

    def __init__(
        self,
        fast: tuple[list[Any], ...],
        full: tuple[tuple[list[Any], frozenset[Any]], ...],
        codes: dict[Any, int],
        override: frozenset[Any],
        vary: tuple[Any, Any] | None,
        vary_names: tuple[str, ...],
        *,
        raw: bool,
    ) -> None:
        self._fast = fast
        self._full = full
        self._codes = codes
        self._neutral: set[Any] = set()
        self._type_names: set[Any] = set()
        self._api_values: set[Any] = set()
        self._html_values: set[Any] = set()
        self._override = override
        self._override_all = any(n == "*" or n == b"*" for n in override)
        self._vary = vary
        self._vary_names = vary_names
        self._raw = raw
        self._html_types: tuple[Any, ...] = (
            tuple(t.encode("latin-1") for t in _HTML_TYPES) if raw else _HTML_TYPES
        )
        self._mergers = tuple(
            self._make_merger(authenticated, html)
            for html in (False, True)
            for authenticated in (False, True)
        )
        self._senders = tuple(
            self._make_sender(authenticated, html)
            for html in (False, True)
            for authenticated in (False, True)
        )

    @classmethod
    def build(cls, sets: Pairs, vary: str, override: frozenset[str], *, raw: bool) -> Tables:
        """Tables for ``sets`` (by kind and authenticated) in bytes (``raw``, names lower-case
        as ASGI sends them) or in ``str`` (names as written, for WSGI)."""

        def enc(text: str) -> Any:
            return text.encode("latin-1") if raw else text

        def name_of(name: str) -> Any:
            return enc(name.lower()) if raw else name

        vary_pair = (name_of("Vary"), enc(vary)) if vary else None
        fast: list[list[Any]] = []
        full: list[tuple[list[Any], frozenset[Any]]] = []
        codes: dict[Any, int] = {enc("content-type"): _TYPE, enc("vary"): _CLASH}
        for kind in (API, HTML, NOT_MODIFIED):
            for authenticated in (False, True):
                pairs = [(name_of(n), enc(v)) for n, v in sets[kind, authenticated]]
                names = frozenset(enc(n.lower()) for n, _ in sets[kind, authenticated])
                stored = any(n == enc("cache-control") for n in names)
                # A response that may not be stored needs no Vary: only add it otherwise.
                tail = [vary_pair] if authenticated and vary_pair and not stored else []
                fast.append(pairs + tail)
                full.append((pairs, names))
                codes.update(dict.fromkeys(names, _CLASH))
        return cls(
            tuple(fast),
            tuple(full),
            codes,
            frozenset(enc(n) for n in override),
            vary_pair,
            tuple(part.strip() for part in vary.split(",") if part.strip()),
            raw=raw,
        )

    def merge(
        self, existing: Iterable[tuple[Any, Any]], authenticated: bool, html: bool, status: Any
    ) -> list[tuple[Any, Any]]:
        """The app's headers followed by the policy's (a new list; ``existing`` unchanged)."""
        return self._mergers[(2 if html else 0) + (1 if authenticated else 0)](existing, status)

    def merger(self, authenticated: bool, html: bool) -> Callable[[Iterable[Any], Any], list[Any]]:
        """:meth:`merge` with ``authenticated`` and ``html`` fixed: ``(existing, status)``,
        for adapters' hot paths (one function per pair, made once)."""
        return self._mergers[(2 if html else 0) + (1 if authenticated else 0)]

    def _make_merger(
        self, authenticated: bool, html: bool
    ) -> Callable[[Iterable[Any], Any], list[Any]]:
        # Set membership, not method calls, for the names and types seen before: the
        # common response costs a few hash look-ups more than appending the pairs.
        neutral, type_names = self._neutral, self._type_names
        api_values, html_values = self._api_values, self._html_values
        learn, learn_type, careful = self._learn, self._learn_type, self._careful
        fast = self._fast
        start = HTML if html else API
        offset = 1 if authenticated else 0

        def merge(existing: Iterable[tuple[Any, Any]], status: Any) -> list[tuple[Any, Any]]:
            if type(existing) is not list:
                existing = list(existing)
            kind = start
            for name, value in existing:
                if name in neutral:
                    continue
                if name in type_names:
                    if not kind and value not in api_values:  # API so far: the type decides
                        kind = HTML if value in html_values else learn_type(value)
                    continue
                code = learn(name)
                if code == _CLASH:
                    return careful(existing, authenticated, html, status)
                if code == _TYPE and not kind:
                    kind = learn_type(value)
            if status == 304 or (type(status) is str and status.startswith("304")):
                kind = NOT_MODIFIED
            return existing + fast[kind + kind + offset]

        return merge

    def sender(self, authenticated: bool, html: bool) -> Callable[[Any], Any]:
        """For ASGI: ``wrap(send)``, the ``send`` that merges the headers of one kind of
        response (:meth:`merger`) into ``http.response.start``; other messages pass."""
        return self._senders[(2 if html else 0) + (1 if authenticated else 0)]

    def _make_sender(self, authenticated: bool, html: bool) -> Callable[[Any], Any]:
        # The merger's common case in the wrapper's own frame: every name the app set is
        # known neutral, or the Content-Type of an API response (any kind, for HTML). The
        # tables are one tuple, unpacked at the start only: the closure made per request
        # holds two cells, not seven.
        index = (2 if html else 0) + (1 if authenticated else 0)
        tables = (
            self._neutral,
            self._type_names,
            self._api_values,
            html,
            self._fast[index],
            self._mergers[index],
        )

        def wrap(send: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def send_with_headers(message: Any) -> Any:
                if message["type"] == "http.response.start":
                    neutral, type_names, api_values, html, plain, merge = tables
                    existing = message.get("headers", ())
                    status = message["status"]
                    if type(existing) is list and type(status) is int and status != 304:
                        for name, value in existing:
                            if name not in neutral and (
                                name not in type_names or not (html or value in api_values)
                            ):
                                break
                        else:
                            message["headers"] = existing + plain
                            return send(message)
                    message["headers"] = merge(existing, status)
                return send(message)

            return send_with_headers

        return wrap

    def wsgi_app(
        self, app: Any, key: str, html: Callable[[Any], bool] | None
    ) -> Callable[[Any, Any], Any]:
        """For WSGI: ``app`` merging the headers (:meth:`merger`) into the list it hands to
        ``start_response``; authenticated when ``environ[key]`` is not None by then, HTML
        whatever the type where ``html(environ)``. The merger's common case (names known
        neutral or ``Content-Type``, a known type, not a 3xx) runs in ``start``'s frame."""
        neutral, type_names = self._neutral, self._type_names
        api_values, html_values = self._api_values, self._html_values
        # by kind (API, HTML), indexed with exact ints: bool arithmetic and a bool index
        # take the interpreter's generic paths
        anonymous, authenticated = (self._fast[0], self._fast[2]), (self._fast[1], self._fast[3])
        mergers = self._mergers

        def wsgi_app_with_headers(environ: Any, start_response: Any) -> Any:
            first = 1 if html is not None and html(environ) else 0

            def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                if type(headers) is list and status and status[0] != "3":
                    kind = first
                    for name, value in headers:
                        if name in neutral:
                            continue
                        if name not in type_names:
                            break
                        if not kind and value not in api_values:
                            if value not in html_values:
                                break
                            kind = 1
                    else:
                        extra = anonymous[kind] if environ.get(key) is None else authenticated[kind]
                        return start_response(status, headers + extra, exc_info)
                merge = mergers[first + first + (0 if environ.get(key) is None else 1)]
                return start_response(status, merge(headers, status), exc_info)

            return app(environ, start)

        return wsgi_app_with_headers

    def _learn(self, name: Any) -> int:
        """The code of a header name (case-insensitive); neutral and type names are
        remembered per spelling."""
        code = self._codes.get(name.lower(), _NEUTRAL)
        if len(self._neutral) + len(self._type_names) < _MEMO_SIZE:  # never grow without end
            if code == _NEUTRAL:
                self._neutral.add(name)
            elif code == _TYPE:
                self._type_names.add(name)
        return code

    def _learn_type(self, value: Any) -> int:
        """HTML or API for a ``Content-Type`` value, remembered per value."""
        kind = HTML if value.lower().startswith(self._html_types) else API
        if len(self._api_values) + len(self._html_values) < _MEMO_SIZE:
            (self._html_values if kind == HTML else self._api_values).add(value)
        return kind

    def _careful(
        self, existing: list[tuple[Any, Any]], authenticated: bool, html: bool, status: Any
    ) -> list[tuple[Any, Any]]:
        """The merge when the app set a header the policy also sets, or a ``Vary``."""
        lowered = [name.lower() for name, _ in existing]
        kind = HTML if html else API
        content_type = b"content-type" if self._raw else "content-type"
        if not html:
            for (_, value), low in zip(existing, lowered, strict=True):
                if low == content_type and self._learn_type(value) == HTML:
                    kind = HTML
                    break
        if status == 304 or (type(status) is str and status.startswith("304")):
            kind = NOT_MODIFIED
        pairs, names = self._full[kind + kind + (1 if authenticated else 0)]
        clash = names & set(lowered)
        replaced = clash if self._override_all else clash & self._override
        if replaced:
            out = [h for h, low in zip(existing, lowered, strict=True) if low not in replaced]
        else:
            out = list(existing)
        kept = clash - replaced
        out.extend(p for p in pairs if p[0].lower() not in kept)
        if authenticated and self._vary is not None and not self._no_store(out):
            self._merge_vary(out)
        return out

    def _text(self, value: Any) -> str:
        return value.decode("latin-1") if self._raw else value  # type: ignore[no-any-return]

    def _no_store(self, headers: list[tuple[Any, Any]]) -> bool:
        """Whether a ``Cache-Control`` among ``headers`` forbids storing the response."""
        for name, value in headers:
            if self._text(name).lower() == "cache-control":
                for directive in self._text(value).split(","):
                    if directive.partition("=")[0].strip().lower() == "no-store":
                        return True
        return False

    def _merge_vary(self, out: list[tuple[Any, Any]]) -> None:
        """Add the missing ``vary`` names to the app's first ``Vary``, or a ``Vary`` header."""
        assert self._vary is not None
        found = [i for i, (name, _) in enumerate(out) if self._text(name).lower() == "vary"]
        if not found:
            out.append(self._vary)
            return
        values = [self._text(out[i][1]) for i in found]
        have = {part.strip().lower() for value in values for part in value.split(",")}
        if "*" in have:  # already varies on everything
            return
        missing = [n for n in self._vary_names if n.lower() not in have]
        if not missing:
            return
        first = values[0]
        merged = f"{first}, {', '.join(missing)}" if first.strip() else ", ".join(missing)
        name = out[found[0]][0]
        out[found[0]] = (name, merged.encode("latin-1") if self._raw else merged)
