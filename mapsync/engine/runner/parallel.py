"""Mappings side by side: each starts once the mappings it must follow are done.

    order = Schedule(mappings)                 # the plan's write order
    for mapping, outcome in order.run(run_one, workers=4, stop=lambda: fatal):
        ...                                    # in the order they finish

A mapping waits for the earlier mappings (in write order) that it references (its
`depends_on`: parents finish before their children), that touch the same Intacct or
Salesforce object (two writers of one object never overlap), and for every earlier action
(an action waits for all before it). Requests to each service are capped by `Throttled`
clients, whatever the number of mappings in flight, so the per-service limits hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from typing import Any, Generic, TypeVar, cast

from mapsync.engine.plan import PlanMapping

T = TypeVar("T")
C = TypeVar("C")


def must_follow(mappings: Sequence[PlanMapping]) -> dict[str, set[str]]:
    """For each mapping, the earlier mappings that must be done before it starts."""
    after: dict[str, set[str]] = {}
    for index, mapping in enumerate(mappings):
        earlier = mappings[:index]
        after[mapping.name] = {
            other.name
            for other in earlier
            if other.name in mapping.depends_on
            or mapping.kind == "action"
            or other.kind == "action"
            or (other.intacct.object, other.intacct.docparid)
            == (mapping.intacct.object, mapping.intacct.docparid)
            or other.salesforce.object == mapping.salesforce.object
        }
    return after


class Schedule:
    """The mappings of one run and what each waits for."""

    def __init__(self, mappings: Sequence[PlanMapping]) -> None:
        self.mappings = list(mappings)
        self.after = must_follow(self.mappings)

    def run(
        self,
        run_one: Callable[[PlanMapping], T],
        *,
        workers: int,
        stop: Callable[[], bool] = lambda: False,
        started: Callable[[PlanMapping], object] = lambda _m: None,
    ) -> Iterator[tuple[PlanMapping, Future[T]]]:
        """Run every mapping once its predecessors are done, `workers` at a time; yields
        each (mapping, finished future) in the calling thread. Once `stop()` is true no
        mapping starts; those running finish."""
        waiting = list(self.mappings)
        done: set[str] = set()
        running: dict[Future[T], PlanMapping] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mapping") as pool:
            while waiting or running:
                for mapping in self._ready(waiting, done, len(running), workers, stop()):
                    waiting.remove(mapping)
                    started(mapping)
                    running[pool.submit(run_one, mapping)] = mapping
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    mapping = running.pop(future)
                    done.add(mapping.name)
                    yield mapping, future

    def _ready(
        self, waiting: list[PlanMapping], done: set[str], busy: int, workers: int, stop: bool
    ) -> list[PlanMapping]:
        if stop:
            return []
        ready = [m for m in waiting if self.after[m.name] <= done]
        return ready[: max(workers - busy, 0)]


def limited(client: C, limit: int, scope: ExitStack) -> C:
    """`client` with at most `limit` requests in flight while `scope` lasts.

    A client that can hold the slot only while a request is on the wire (`on_the_wire`:
    the Intacct client) does so, so that one mapping building its next request or
    parsing an answer never keeps another's request from the service; any other client
    is wrapped whole in `Throttled`.
    """
    on_the_wire = getattr(client, "on_the_wire", None)
    if callable(on_the_wire):
        scope.enter_context(on_the_wire(limit))
        return client
    return cast(C, Throttled(client, limit))


class Throttled(Generic[T]):
    """A service client whose requests hold one of `limit` slots while they run.

    Every public method call holds a slot; a method that returns an iterator (paged reads)
    holds one for each step, so pages of several mappings' reads interleave within the cap.
    """

    def __init__(self, client: T, limit: int) -> None:
        self._client = client
        self._slots = threading.BoundedSemaphore(max(limit, 1))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._client, name)
        if name.startswith("_") or not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._slots:
                result = value(*args, **kwargs)
            if isinstance(result, Iterator):
                return self._paced(result)
            return result

        return call

    def _paced(self, steps: Iterator[Any]) -> Iterator[Any]:
        while True:
            with self._slots:
                try:
                    item = next(steps)
                except StopIteration:
                    return
            yield item
