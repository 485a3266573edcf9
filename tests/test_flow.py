"""jwtguard._flow: the one sync and one async driver every flow runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest

from jwtguard._flow import Call, arun, arun_calls, run, run_calls


def doubling(log: list[str]) -> Generator[int, Any, int]:
    """Asks for 1, then for twice each reply; recovers once from a ValueError."""
    total = 0
    value = 1
    try:
        for _ in range(3):
            reply = yield value
            total += reply
            value = reply * 2
    except ValueError as exc:
        log.append(f"handled {exc}")
        total = -1
    finally:
        log.append("closed")
    return total


def test_run_sends_every_reply_and_returns_the_flows_value() -> None:
    seen: list[int] = []
    log: list[str] = []

    def execute(op: int) -> int:
        seen.append(op)
        return op + 1

    assert run(doubling(log), execute) == 2 + 5 + 11
    assert seen == [1, 4, 10] and log == ["closed"]


def test_arun_awaits_each_operation() -> None:
    log: list[str] = []

    async def execute(op: int) -> int:
        await asyncio.sleep(0)
        return op + 1

    assert asyncio.run(arun(doubling(log), execute)) == 18


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_an_error_is_thrown_into_the_flow_where_it_may_be_handled(driver: str) -> None:
    log: list[str] = []

    def execute(op: int) -> int:
        raise ValueError(f"op {op}")

    async def aexecute(op: int) -> int:
        execute(op)
        return 0

    flow = doubling(log)
    result = run(flow, execute) if driver == "sync" else asyncio.run(arun(flow, aexecute))
    assert result == -1 and log == ["handled op 1", "closed"]


def test_an_error_the_flow_does_not_handle_reaches_the_caller() -> None:
    log: list[str] = []

    def execute(op: int) -> int:
        raise KeyError(op)

    with pytest.raises(KeyError):
        run(doubling(log), execute)
    assert log == ["closed"]


def test_a_flow_interrupted_from_outside_is_closed() -> None:
    log: list[str] = []

    def execute(op: int) -> int:
        raise KeyboardInterrupt  # not an Exception: never handed to the flow

    with pytest.raises(KeyboardInterrupt):
        run(doubling(log), execute)
    assert log == ["closed"]


class Target:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def add(self, a: int, *, b: int = 0) -> int:
        self.calls.append(("add", (a,), {"b": b}))
        return a + b

    async def aadd(self, a: int, *, b: int = 0) -> int:
        self.calls.append(("aadd", (a,), {"b": b}))
        return a + b


def adding() -> Generator[Call, Any, int]:
    first = yield Call("add", 1, b=2)
    return int((yield Call("add", first, b=10)))


def test_calls_run_name_on_a_sync_target_and_a_name_on_an_async_one() -> None:
    sync, asynchronous = Target(), Target()
    assert run_calls(adding(), sync) == 13
    assert asyncio.run(arun_calls(adding(), asynchronous)) == 13
    assert [name for name, _, _ in sync.calls] == ["add", "add"]
    assert asynchronous.calls == [("aadd", (1,), {"b": 2}), ("aadd", (3,), {"b": 10})]
    assert repr(Call("add", 1)) == "Call('add')"
