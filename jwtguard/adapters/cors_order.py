"""Start-up warnings for a CORS layer that sits inside jwtguard, where it cannot help.

A CORS middleware adds ``Access-Control-Allow-Origin`` to the responses that pass through
it. Inside jwtguard, jwtguard's own 401/403 answers never do: the browser then hides them
from the page's script (it sees a network error, not the refusal), while the preflight,
answered inside, still succeeds, which makes the cause hard to find. The cure is the
order: CORS outside jwtguard (docs/cors.md).

What can be seen from where jwtguard sits is checked, duck-typed, without importing any
framework: the layers inside an ASGI or WSGI middleware (each middleware's ``app``), a
Starlette or FastAPI app's ``user_middleware``, a Flask app wrapped by the WSGI middleware
with flask-cors registered on it, and the Django middleware listed after jwtguard's in
``MIDDLEWARE`` (each one's ``get_response``). A CORS layer outside
jwtguard is invisible from inside, which is as it should be.
"""

from __future__ import annotations

import logging
from typing import Final

__all__ = ["cors_inside", "warn_cors_inside"]

logger = logging.getLogger("jwtguard.adapters")

_LINKS: Final = ("app", "get_response", "__wrapped__", "__self__")
_MAX_LAYERS: Final = 64
_ADVICE: Final = (
    "jwtguard: %s sits inside %s, so jwtguard's 401/403 answers carry no "
    "Access-Control-Allow-Origin and a browser page cannot read them (it sees a network "
    "error); put the CORS layer outside jwtguard: %s (docs/cors.md)"
)


def _is_cors(name: str) -> bool:
    return "cors" in name.lower()


def _attribute(layer: object, name: str) -> object:
    """``getattr(layer, name, None)``, None for an object whose attributes raise (a proxy)."""
    try:
        return getattr(layer, name, None)
    except Exception:  # noqa: BLE001 - a context-bound proxy may raise anything outside its context
        return None


def _name(layer: object) -> str:
    kind = layer if isinstance(layer, type) else type(layer)
    return f"{kind.__module__}.{kind.__qualname__}"


def _found_in(layer: object) -> str | None:
    """The CORS layer ``layer`` is, or lists (Starlette's middleware, flask-cors), or None."""
    if _is_cors(type(layer).__name__):
        return _name(layer)
    entries = _attribute(layer, "user_middleware")  # Starlette, FastAPI
    for entry in entries if isinstance(entries, (list, tuple)) else ():
        cls = _attribute(entry, "cls")
        if isinstance(cls, type) and _is_cors(cls.__name__):
            return _name(cls)
    hooks = _attribute(layer, "after_request_funcs")  # Flask: flask-cors's after_request
    if isinstance(hooks, dict):
        for functions in hooks.values():
            for function in functions or ():
                module = getattr(function, "__module__", "") or ""
                if module.split(".")[0] == "flask_cors":
                    return "flask_cors.CORS"
    return None


def cors_inside(app: object) -> str | None:
    """The name of a CORS layer inside ``app`` (the app jwtguard wraps), or None.

    Follows each layer's ``app`` (ASGI and WSGI middleware), ``get_response`` (Django),
    ``__wrapped__`` and ``__self__`` (a bound ``Flask.wsgi_app``), at most 64 layers deep.
    """
    seen: set[int] = set()
    layers = [app]
    while layers and len(seen) < _MAX_LAYERS:
        layer = layers.pop()
        if id(layer) in seen or layer is None:
            continue
        seen.add(id(layer))
        found = _found_in(layer)
        if found is not None:
            return found
        for link in _LINKS:
            inner = _attribute(layer, link)
            if inner is not None and not isinstance(inner, (str, bytes, int, float, type)):
                layers.append(inner)
    return None


def warn_cors_inside(found: str | None, where: str, fix: str) -> None:
    """Log the start-up warning for a CORS layer ``found`` inside ``where``."""
    if found is not None:
        logger.warning(_ADVICE, found, where, fix)
