"""web.admission: a worker runs a bounded number of searches at once, the rest in turn."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from kb.config import load_settings
from tests.conftest import run_async
from web.admission import SearchGate
from web.deps import Services
from web.portal import Portal


async def _crowd(gate: SearchGate, n: int) -> tuple[int, list[int]]:
    """``n`` searches that each hold the gate over two awaits (like a search's requests):
    the most inside at once, and the order they got in."""
    most, entered = 0, []

    async def one(i: int) -> None:
        nonlocal most
        async with gate:
            entered.append(i)
            most = max(most, gate.running)
            await asyncio.sleep(0.001)
            await asyncio.sleep(0)

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(0)  # arrivals one after the other
    await asyncio.gather(*tasks)
    return most, entered


def test_no_more_than_the_limit_at_once_and_in_arrival_order() -> None:
    gate = SearchGate(3)
    most, entered = run_async(_crowd(gate, 10))
    assert most == 3
    assert entered == list(range(10))
    assert gate.running == 0


def test_zero_lets_every_search_in() -> None:
    most, _ = run_async(_crowd(SearchGate(0), 10))
    assert most == 10


def test_a_failed_search_gives_its_place_back() -> None:
    gate = SearchGate(1)

    async def failing() -> None:
        async with gate:
            raise RuntimeError("Meilisearch went away")

    async def main() -> int:
        for _ in range(3):
            with contextlib.suppress(RuntimeError):
                await failing()
        most, _ = await _crowd(gate, 4)  # would wait forever if a place were lost
        return most

    assert run_async(asyncio.wait_for(main(), 5)) == 1


def test_each_event_loop_has_its_own_bound() -> None:
    gate = SearchGate(2)  # one gate, used by two loops one after the other (test clients)
    assert run_async(_crowd(gate, 5))[0] == 2
    assert run_async(_crowd(gate, 5))[0] == 2


def test_the_apps_searches_go_through_the_one_gate(tmp_path: Any) -> None:
    content = Path(__file__).parents[1] / "content"
    settings = load_settings(content_dir=content, data_dir=tmp_path, search_concurrency=2)
    services = Services.create(settings)
    assert services.gate.limit == 2
    portal = Portal(services)
    services._searcher = object()  # type: ignore[assignment]  # no server: fn never asks it
    portal._searcher = object()  # type: ignore[assignment]
    most = 0

    async def fn(searcher: Any, *args: Any) -> None:
        nonlocal most
        most = max(most, services.gate.running)
        await asyncio.sleep(0.001)

    async def main() -> None:
        instructors = [services.acall(fn) for _ in range(4)]
        public = [portal._acall(fn) for _ in range(4)]
        await asyncio.gather(*instructors, *public)

    run_async(main())
    assert most == 2 and services.gate.running == 0
