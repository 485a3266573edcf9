"""Sequences written once, run by a sync and an async driver (the style of httpx's auth
flows).

A flow is a generator that does no I/O: it yields the operation it needs next and is
sent the reply, or has the operation's exception thrown in (so a flow handles errors
where the sequence says, e.g. a refused refresh token becomes a 401 reply). :func:`run`
and :func:`arun` are the only two loops; each caller passes the one function that
performs an operation (blocking, or awaited). :class:`Call` is the common operation
"call this method of a target": ``name`` on a sync target, ``a<name>`` on an async one
(:func:`run_calls`, :func:`arun_calls`).

Used by refresh rotation, the refresh route, the remote JWKS fetch and the Redis
revocation stores.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from contextlib import closing
from typing import Any, TypeVar

__all__ = ["Call", "Flow", "arun", "arun_calls", "run", "run_calls"]

Op = TypeVar("Op")
T = TypeVar("T")

Flow = Generator[Op, Any, T]
"""A flow yielding operations of type ``Op`` and returning ``T``."""


def run(flow: Generator[Op, Any, T], execute: Callable[[Op], Any]) -> T:
    """Drive ``flow`` to its end, performing each operation with ``execute``."""
    with closing(flow):
        done, value = _advance(flow, None, None)
        while not done:
            try:
                reply, error = execute(value), None
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which may handle it
                reply, error = None, exc
            done, value = _advance(flow, reply, error)
        return value  # type: ignore[no-any-return]


async def arun(flow: Generator[Op, Any, T], execute: Callable[[Op], Awaitable[Any]]) -> T:
    """:func:`run` with awaited operations."""
    with closing(flow):
        done, value = _advance(flow, None, None)
        while not done:
            try:
                reply, error = await execute(value), None
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which may handle it
                reply, error = None, exc
            done, value = _advance(flow, reply, error)
        return value  # type: ignore[no-any-return]


def _advance(
    flow: Generator[Any, Any, Any], reply: Any, error: Exception | None
) -> tuple[bool, Any]:
    """Send ``reply`` (or throw ``error``) into ``flow``: ``(True, result)`` when it ended,
    else ``(False, next operation)``."""
    try:
        return False, flow.send(reply) if error is None else flow.throw(error)
    except StopIteration as stop:
        return True, stop.value


class Call:
    """One method call a flow needs: ``name`` on a sync target, ``a<name>`` awaited on an
    async one."""

    __slots__ = ("args", "kwargs", "name")

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs

    def __repr__(self) -> str:
        return f"Call({self.name!r})"


def run_calls(flow: Generator[Call, Any, T], target: object) -> T:
    """Drive a flow of :class:`Call` on a sync ``target``."""
    return run(flow, lambda call: getattr(target, call.name)(*call.args, **call.kwargs))


async def arun_calls(flow: Generator[Call, Any, T], target: object) -> T:
    """Drive a flow of :class:`Call` on an async ``target`` (its ``a<name>`` methods)."""
    return await arun(
        flow, lambda call: getattr(target, f"a{call.name}")(*call.args, **call.kwargs)
    )
