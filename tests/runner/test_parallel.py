"""Mappings side by side: who waits for whom, that independent mappings overlap, and that
the per-service caps hold. Threads meet at barriers (with a time limit) instead of
sleeping, so a schedule that failed to overlap shows as a broken barrier."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from mapsync.engine.language import compile_paths
from mapsync.engine.plan import PlanMapping
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.parallel import Schedule, Throttled, must_follow
from mapsync.engine.runner.run import with_actions_first


@pytest.fixture(scope="module")
def mappings() -> list[PlanMapping]:
    plan, _ = compile_paths([rules_dir()])
    assert plan is not None
    return with_actions_first(list(plan.mappings))


def test_parents_come_first_and_writers_of_one_object_take_turns(
    mappings: list[PlanMapping],
) -> None:
    after = must_follow(mappings)
    assert after["ARTerm"] == set()
    assert {"ARTerm", "CustomerType", "Territory"} <= after["Customer"]
    assert "BillingPriceList" in after["PriceList"]  # both write Pricebook2
    assert "SalesInvoice" not in after["OtherSalesDocument"]  # other docparid, earlier
    action = next(m for m in mappings if m.kind == "action")
    before = {m.name for m in mappings[: mappings.index(action)]}
    assert after[action.name] == before
    for index, mapping in enumerate(mappings):  # only ever earlier mappings: no cycle
        assert after[mapping.name] <= {m.name for m in mappings[:index]}


def test_independent_mappings_run_at_the_same_time_and_children_after(
    mappings: list[PlanMapping],
) -> None:
    managed = [m for m in mappings if m.name in ("ARTerm", "Class", "Customer")]
    meet = threading.Barrier(2, timeout=30)  # ARTerm and Class must be in flight together
    seen: list[str] = []

    def run_one(mapping: PlanMapping) -> str:
        if mapping.name in ("ARTerm", "Class"):
            meet.wait()
        seen.append(mapping.name)
        return mapping.name

    done = [m.name for m, f in Schedule(managed).run(run_one, workers=3) if f.result()]
    assert sorted(done[:2]) == ["ARTerm", "Class"] and done[2] == "Customer"
    assert seen[-1] == "Customer"


def test_a_stop_starts_nothing_more(mappings: list[PlanMapping]) -> None:
    ran: list[str] = []
    flow = Schedule(mappings[:5]).run(lambda m: ran.append(m.name), workers=1,
                                      stop=lambda: len(ran) >= 2)
    assert len(list(flow)) == 2


class Service:
    """A client whose calls and paged reads record how many run at once."""

    def __init__(self, parties: int) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()
        self.meet = threading.Barrier(parties, timeout=30)

    def _enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def _leave(self) -> None:
        with self.lock:
            self.now -= 1

    def call(self, value: int) -> int:
        self._enter()
        self._leave()
        return value

    def pages(self, count: int) -> Iterator[int]:
        for page in range(count):
            self._enter()
            self._leave()
            yield page


def test_throttled_clients_hold_the_cap_on_calls_and_pages() -> None:
    service = Service(parties=4)
    client = Throttled(service, 2)

    def work() -> None:
        service.meet.wait()
        for _ in range(50):
            client.call(1)
            assert list(client.pages(3)) == [0, 1, 2]

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= service.most <= 2 and service.now == 0
    assert client.now == 0  # plain attributes pass through
