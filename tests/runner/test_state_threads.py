"""One store shared by mappings running side by side: transactions from several threads,
interleaved with lazy reads, commit whole or not at all, on both backends. Threads start
together at a barrier (with a time limit) instead of sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from state_backends import Backend

from mapsync.engine.state import SqlStore, Watermark

THREADS = 4
ROUNDS = 15
PER_ROUND = 5
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Boom(Exception):
    """Raised inside a transaction to roll it back."""


def writer(store: SqlStore, name: str, meet: threading.Barrier) -> Callable[[], None]:
    def run() -> None:
        meet.wait()
        for round_ in range(ROUNDS):
            keys = [f"{name}-{round_}-{i}" for i in range(PER_ROUND)]
            try:
                with store.transaction():
                    store.link_many(name, [(k, None, f"sf-{k}") for k in keys])
                    store.save_shadows(name, {k: {"round": round_} for k in keys})
                    mark = Watermark(START + dt.timedelta(seconds=round_), keys[-1])
                    store.set_watermark(name, "intacct", mark)
                    # a lazy read of the mapping's links, consumed inside the transaction
                    committed = (round_ + 1) // 2  # the even rounds before this one
                    assert sum(1 for _ in store.all_links(name)) == (committed + 1) * PER_ROUND
                    if round_ % 2:
                        raise Boom
            except Boom:
                continue

    return run


def reader(store: SqlStore, meet: threading.Barrier, seen: list[int]) -> Callable[[], None]:
    def run() -> None:
        meet.wait()
        for _ in range(ROUNDS * 2):
            # never a half-committed transaction: link counts are whole rounds
            seen.extend(sum(1 for _ in store.all_links(f"m{t}")) for t in range(THREADS))

    return run


def test_transactions_from_several_threads_commit_whole_or_not_at_all(
    backend: Backend,
) -> None:
    seen: list[int] = []
    errors: list[BaseException] = []
    with backend.open() as store:
        meet = threading.Barrier(THREADS + 1, timeout=60)
        bodies = [writer(store, f"m{t}", meet) for t in range(THREADS)]
        bodies.append(reader(store, meet, seen))

        def guarded(body: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    body()
                except BaseException as exc:  # reported below, in the test's thread
                    errors.append(exc)

            return run

        threads = [threading.Thread(target=guarded(body)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        kept = (ROUNDS + 1) // 2 * PER_ROUND  # the even rounds committed, the odd rolled back
        for t in range(THREADS):
            name = f"m{t}"
            links = {link.intacct_key for link in store.all_links(name)}
            assert len(links) == kept
            assert all(int(key.split("-")[1]) % 2 == 0 for key in links)
            assert len(store.shadows(name, links)) == kept
            mark = store.watermark(name, "intacct")
            assert mark is not None and mark.record_id == f"{name}-{ROUNDS - 1}-{PER_ROUND - 1}"
        assert seen and all(count % PER_ROUND == 0 for count in seen)


def test_a_read_never_shows_another_threads_open_transaction(backend: Backend) -> None:
    """The rows of a read are those committed when it ran, even when they are taken from
    its result while another thread's transaction has written and is still open."""
    opened, finish = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    with backend.open() as store:
        store.link_many("m", [(f"k{i}", None, f"sf-k{i}") for i in range(3)])
        rows = store.db.execute(
            "SELECT intacct_key FROM xref WHERE mapping = ? ORDER BY intacct_key", ("m",)
        )

        def write() -> None:
            try:
                with store.transaction():
                    store.link_many("m", [(f"k{i}", None, f"sf-k{i}") for i in range(3, 9)])
                    opened.set()
                    assert finish.wait(timeout=60)
                    raise Boom
            except Boom:
                return
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
                opened.set()

        other = threading.Thread(target=write)
        other.start()
        assert opened.wait(timeout=60)
        seen = [key for (key,) in rows.fetchall()]
        finish.set()
        other.join()
        assert errors == []
        assert seen == ["k0", "k1", "k2"]
        assert [link.intacct_key for link in store.all_links("m")] == ["k0", "k1", "k2"]
