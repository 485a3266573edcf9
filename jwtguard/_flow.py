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
from typing import Any, TypeVar

__all__ = ["Call", "Flow", "arun", "arun_calls", "run", "run_calls"]

Op = TypeVar("Op")
T = TypeVar("T")

Flow = Generator[Op, Any, T]
"""A flow yielding operations of type ``Op`` and returning ``T``."""


def run(flow: Generator[Op, Any, T], execute: Callable[[Op], Any]) -> T:
    """Drive ``flow`` to its end, performing each operation with ``execute``.

    One loop, no helper per step: a request's decision under a resource server runs
    through here, so driving costs a generator's sends and nothing more.
    """
    try:
        op = flow.send(None)
        while True:
            try:
                reply = execute(op)
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which may handle it
                op = flow.throw(exc)
            else:
                op = flow.send(reply)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()  # interrupted from outside (an exception the flow let through, Ctrl-C)


async def arun(flow: Generator[Op, Any, T], execute: Callable[[Op], Awaitable[Any]]) -> T:
    """:func:`run` with awaited operations."""
    try:
        op = flow.send(None)
        while True:
            try:
                reply = await execute(op)
            except Exception as exc:  # noqa: BLE001 - handed to the flow, which may handle it
                op = flow.throw(exc)
            else:
                op = flow.send(reply)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()


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
