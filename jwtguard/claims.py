"""The read-only claim set handed to applications.

:class:`Claims` and the JSON objects inside it (:class:`FrozenDict`) are ``dict``
subclasses whose every mutating method raises ``TypeError``; arrays are tuples. Being
real dicts, they go through every framework's JSON tools as they are (``json.dumps``,
Flask's ``jsonify``, Starlette's ``JSONResponse``, Django's ``JsonResponse``, FastAPI's
``jsonable_encoder``, orjson), while the object the verified-token cache shares between
requests can never be changed through them (Werkzeug's ``ImmutableDict`` is the same idea).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, NoReturn

__all__ = [
    "FAMILY_CLAIM",
    "Claims",
    "FrozenDict",
    "frozen_from_pairs",
    "identity_hashes",
    "thaw",
]

_new: Final = dict.__new__
_fill: Final = dict.__init__
_store: Final = dict.__setitem__


def _freeze(value: Any) -> Any:
    if type(value) is FrozenDict:  # built frozen all the way down
        return value
    if isinstance(value, Mapping):
        return _frozen_dict(FrozenDict, {k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _frozen_dict(cls: type[FrozenDict], items: Any) -> Any:
    obj = _new(cls)
    _fill(obj, items)
    return obj


def _array(items: list[Any]) -> tuple[Any, ...]:
    # objects inside were frozen when the decoder built them; only nested arrays remain
    if list in map(type, items):
        return tuple(_array(v) if type(v) is list else v for v in items)
    return tuple(items)


def frozen_from_pairs(pairs: list[tuple[str, Any]]) -> FrozenDict:
    """A JSON decoder's ``object_pairs_hook``: the members as a :class:`FrozenDict`, its
    arrays as tuples (the objects inside them were built by this hook already).

    Raises ``ValueError`` when a member name repeats (RFC 7519 section 4 allows
    refusing them; "last one wins" would let two parsers read two different claim sets).
    """
    obj: FrozenDict = _new(FrozenDict)
    _fill(obj, pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    if list in map(type, obj.values()):
        for name, value in pairs:
            if type(value) is list:
                _store(obj, name, _array(value))
    return obj


def frozen_from_scalar_pairs(pairs: list[tuple[str, Any]]) -> FrozenDict:
    """:func:`frozen_from_pairs` for a document known to hold no array (no ``[`` outside
    strings either): nothing to convert. Not public (not in ``__all__``): given an array it
    would leave a mutable list inside a read-only claim set; the JOSE layer's parser picks
    it only after counting no ``[`` in the text."""
    obj: FrozenDict = _new(FrozenDict)
    _fill(obj, pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def thaw(value: Any) -> Any:
    """A mutable, JSON-serialisable copy of a frozen claim value (mappings to dicts,
    tuples to lists); other values as they are."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


class FrozenDict(dict[str, Any]):
    """A read-only ``dict``: a JSON object inside the claims, frozen all the way down.

    Reading works as on any dict, and ``json.dumps`` and the frameworks serialise it as
    one; every mutating method (``d[k] = v``, ``del``, ``update``, ``pop``, ``|=``, ...)
    raises ``TypeError``. ``copy()`` and ``d | other`` give ordinary, mutable dicts.
    """

    __slots__ = ()

    def __new__(cls, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /) -> FrozenDict:
        items = dict(data)
        return _frozen_dict(cls, {k: _freeze(v) for k, v in items.items()})  # type: ignore[no-any-return]

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        """Built by ``__new__``; calling ``__init__`` again changes nothing."""

    def _read_only(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only: use .to_dict() for a mutable copy")

    __setitem__ = _read_only
    __delitem__ = _read_only
    __ior__ = _read_only
    clear = _read_only
    pop = _read_only
    popitem = _read_only
    setdefault = _read_only
    update = _read_only

    def copy(self) -> dict[str, Any]:
        """A shallow, mutable ``dict`` copy (nested objects stay frozen)."""
        return dict(self)

    def to_dict(self) -> dict[str, Any]:
        """A mutable deep copy with plain dicts and lists."""
        return {k: thaw(v) for k, v in self.items()}

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, _memo: Any) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


FAMILY_CLAIM: Final = "fam"
"""The claim naming a refresh-token family (also carried by the access tokens it issues)."""


def identity_hashes(data: Mapping[str, Any]) -> tuple[int | None, int | None, int | None]:
    """See :attr:`Claims.identity`; for any mapping of claims."""
    jti, fam, sub = data.get("jti"), data.get(FAMILY_CLAIM), data.get("sub")
    return (
        hash(jti) if type(jti) is str else None,
        hash(fam) if type(fam) is str else None,
        hash(sub) if type(sub) is str else None,
    )


class Claims(FrozenDict):
    """A verified JWT payload: a read-only ``dict``, frozen all the way down.

    The same object may be returned for every request that carries the same
    token (it lives in the verified-token cache), so nothing in it can be
    changed: nested objects are :class:`FrozenDict` and arrays are tuples. It
    serialises as the JSON object it came from with any JSON tool;
    :meth:`to_dict` gives a mutable deep copy.
    """

    __slots__ = ("_identity", "_scopes", "_view")
    _identity: tuple[int | None, int | None, int | None] | None
    _scopes: frozenset[str] | None
    _view: Any
    """An adapter's objects derived from these claims alone (the ASGI middleware's
    ``request.user`` and ``request.auth``), built on first use and kept here: the claims
    are immutable and shared by every request with the token, so the objects are too."""

    def __new__(cls, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /) -> Claims:
        claims: Claims = super().__new__(cls, data)  # type: ignore[assignment]
        claims._identity = None
        claims._scopes = None
        claims._view = None
        return claims

    @classmethod
    def wrap(cls, payload: FrozenDict) -> Claims:
        """Claims holding the members of a :class:`FrozenDict` (as :func:`frozen_from_pairs`
        builds them): the values are frozen already, so they are shared, not copied."""
        if type(payload) is not FrozenDict:
            return cls(payload)
        claims: Claims = _new(cls)
        _fill(claims, payload)
        claims._identity = None
        claims._scopes = None
        claims._view = None
        return claims

    def __repr__(self) -> str:
        # Claim names only: values may be personal data and do not belong in logs.
        return f"Claims(<{len(self)} claims: {', '.join(sorted(self))}>)"

    @property
    def identity(self) -> tuple[int | None, int | None, int | None]:
        """``hash()`` of the ``jti``, ``fam`` and ``sub`` claims (``None`` where a claim is
        absent or not a string), computed on first use and kept: a revocation check keys
        on them, so a cached token costs it no hashing. Process-local values: never store
        or send them."""
        identity = self._identity
        if identity is None:
            identity = self._identity = identity_hashes(self)
        return identity

    @property
    def subject(self) -> str | None:
        """``sub``, when it is a string."""
        sub = self.get("sub")
        return sub if isinstance(sub, str) else None

    @property
    def jti(self) -> str | None:
        """``jti``, when it is a string."""
        jti = self.get("jti")
        return jti if isinstance(jti, str) else None

    @property
    def scopes(self) -> frozenset[str]:
        """Granted scopes: ``scope`` (space-separated, RFC 8693) and ``scp`` (list or string)."""
        if self._scopes is None:
            found: set[str] = set()
            for name in ("scope", "scp"):
                value = self.get(name)
                if isinstance(value, str):
                    found.update(value.split())
                elif isinstance(value, tuple):
                    found.update(v for v in value if isinstance(v, str))
            self._scopes = frozenset(found)
        return self._scopes
