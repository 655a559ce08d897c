"""Initial and incremental sync of customers with contacts through both sandboxes.

    python bench/sync.py [--sizes 10000,100000] [--quick] [--contacts K] [--json FILE]

For each size N, a child process (fresh interpreter, so its peak RSS is its own) starts both
sandboxes in a further process, loads N Salesforce Accounts with K Contacts each (no Intacct
ID yet: the standard rules create their Intacct CUSTOMERs and CONTACTs) plus the managed lists
they reference (AR terms, customer types, territories in Intacct; the AR terms already linked
in Salesforce, as `mapsync init` leaves them), then runs the standard rules four times:

1. the initial sync, `--only ARTerm CustomerType Territory Customer Contact`: records/s, and
   the API calls per side and phase against the minimum for the same work, as
   `mapsync plan` computes it (mapsync/engine/runner/cost.py): reads in pages of the largest
   size (Intacct 1,000, Salesforce 2,000) and one request per side for the changes of all
   mappings, where each Salesforce read's first page rides in a `/composite` call (five
   queries to a call); writes in the largest batches (Intacct 100 functions a request), and for
   Salesforce the cheaper of sObject Collections (200 a call) and one Bulk API 2.0 job per
   object and operation. Phases: `read` (changes by watermark), `look-up` (reads by key:
   pairing, read-back; their minimum is 0) and `write`. Targets: <= 1.1 on each side;
2. all 30 standard mappings, right after it: they read the initial sync's own writes once;
3. all 30 again after the overlap window and a minute boundary: it reads that window a last
   time;
4. all 30 again a minute later: the quiet run (target: <= 3 calls in all, 0 records read).

Time passes on the services' clock (the sandbox process moves it on; the runner is given the
same clock), not on the wall clock: the runs do not wait.

Calls are those the sandboxes answered (their own counters), split by phase from the client
methods the runner called: each call's cost is the client's count in the calling thread (the
mappings run side by side), so the phases add up to the sandboxes' totals; "other" shows
any difference (a call outside the client methods).

The initial sync's CPU seconds are printed for the runner (this child) and for the sandbox
process, beside its wall time and the direct writes' wall time.

Peak memory is the child's peak RSS minus its RSS before the first run (imports, plan and
connections), so the ratio 100k/10k shows whether the sync streams (target: flat).

Baseline measured in the same child, against the same sandboxes, after the syncs: the
production clients writing the same records directly, one call per object and operation
(each client picks its own batching, Collections or Bulk 2.0): M = min(N, 10,000) CUSTOMERs
and M CONTACTs created in Intacct with the fields the sync sends, then their Intacct keys
and sync status written back on M Accounts and M Contacts, as the sync writes them. A record
is one create and one write-back, as in the sync; the initial sync's records/s is printed as
a ratio to that rate (target >= 1.0). The former baseline (M 5-field CUSTOMERs, one field of
M Accounts: lighter records than the sync writes) is printed beside it for comparison.
Transform throughput: the compiled Customer mapping (rules/customers.map, both directions)
against hand-written functions doing the same, using bench/customer_transforms.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sized
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync_cost import WRITES, cost_table, ratio  # noqa: E402  (bench/sync_cost.py)
from sync_data import baseline, load  # noqa: E402  (bench/sync_data.py)

ONLY = ("ARTerm", "CustomerType", "Territory", "Customer", "Contact")
SIZES = "10000,100000"
QUICK = "1000,10000"
BASELINE_RECORDS = 10_000  # at most; min(N, this)
QUIET_TARGET = 3
RATIO_TARGET = 1.1
FLAT = 1.2  # peak RSS at 10x the records, at most this many times the smaller run's


def serve(directory: str, n: int, contacts: int, pipe: Any) -> None:
    """Sandbox process: load, announce the connection info, answer stats until "stop"."""
    from mapsync.engine.sandbox.launcher import Sandboxes

    with Sandboxes(directory, seed_profile="none") as boxes:
        # One clock for both services, which "advance" moves on (the runner follows it).
        org_time = boxes.salesforce.store.time
        boxes.intacct.store.clock = lambda: org_time.now().replace(tzinfo=None)
        started = time.perf_counter()
        loaded = load(boxes, n, contacts)
        pipe.send({"info": boxes.connection_info(), "loaded": loaded,
                   "load_seconds": time.perf_counter() - started})
        while (command := pipe.recv()) != "stop":
            if isinstance(command, tuple) and command[0] == "advance":
                org_time.advance(command[1])
                pipe.send(None)
            elif command == "cpu":  # this process's CPU seconds (every sandbox thread)
                pipe.send(time.process_time())
            else:
                pipe.send(boxes.stats() if command == "stats" else None)


# -- metering ---------------------------------------------------------------------------------


class Metered:
    """Wraps a client: attributes each call to the mapping and the runner stages that caused it.

    Mappings run side by side in threads sharing one client, so a call's cost is read from
    the client's per-thread count (`counter.by_this_thread`), and its mapping from the
    runner's frame that runs it; the change probe, before any mapping, counts as "(run)".
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self.phases: Counter[tuple[str, str]] = Counter()
        self.written: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @property
    def counter(self) -> Any:
        return self._client.counter

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            mapping, phase = _mapping(), f"{_caller()} {name}"
            if name in WRITES and name != "write_all":
                self._tally(mapping, name, args)
            before = self._client.counter.by_this_thread
            result = target(*args, **kwargs)
            self._add(mapping, phase, before)
            if name == "write_all":  # (operation, object, key, source): results, lazily
                return self._stream(mapping, phase, result, f"{args[1]} {args[0]}")
            if isinstance(result, Iterator):
                return self._stream(mapping, phase, result)
            return result

        return call

    def _tally(self, mapping: str, method: str, args: tuple[Any, ...]) -> None:
        """Records written, per mapping and "Object operation" (the work of the minimum)."""
        obj = args[0] if args and isinstance(args[0], str) else "SODOCUMENT"
        records = next((a for a in reversed(args) if isinstance(a, Sized)
                        and not isinstance(a, str)), ())
        with self._lock:
            self.written[(mapping, f"{obj} {method}")] += len(records)

    def _add(self, mapping: str, phase: str, before: int) -> None:
        spent = self._client.counter.by_this_thread - before
        if spent:
            with self._lock:
                self.phases[(mapping, phase)] += spent

    def _stream(
        self, mapping: str, phase: str, rows: Iterator[Any], written: str | None = None
    ) -> Iterator[Any]:
        """The rows of a lazy call, its calls counted as they are made (`written`: the
        "Object operation" each row is a record written of)."""
        while True:
            before = self._client.counter.by_this_thread
            try:
                row = next(rows)
            except StopIteration:
                self._add(mapping, phase, before)
                return
            self._add(mapping, phase, before)
            if written is not None:
                with self._lock:
                    self.written[(mapping, written)] += 1
            yield row


def _mapping() -> str:
    """The mapping whose run made the call: `run_one(mapping)` of runner/run.py on the
    stack ("(run)" outside any mapping: the change probe)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "run_one" and "mapping" in frame.f_locals:
            return str(frame.f_locals["mapping"].name)
        frame = frame.f_back  # type: ignore[assignment]
    return "(run)"


STAGES = ("pipeline", "reader", "pairer", "decider", "writer")  # mapsync/engine/runner/*.py


def _caller() -> str:
    """The runner stages on the stack, innermost last ("pipeline.run>pairer.x>send")."""
    frame = sys._getframe(2)
    chain: list[str] = []
    while frame is not None and len(chain) < 3:
        stage = Path(frame.f_code.co_filename).stem
        if stage in STAGES and "/runner/" in frame.f_code.co_filename.replace("\\", "/"):
            chain.append(f"{stage}.{frame.f_code.co_name}")
        elif chain:
            break
        frame = frame.f_back  # type: ignore[assignment]
    return ">".join(reversed(chain)) or "?"


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one size (child process) -----------------------------------------------------------------


def run_size(n: int, contacts: int) -> dict[str, Any]:
    """Everything measured at one size; runs in its own process."""
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        spawn = mp.get_context("spawn")
        ours, theirs = spawn.Pipe()
        server = spawn.Process(target=serve, args=(str(Path(folder) / "boxes"), n, contacts,
                                                   theirs))
        server.start()
        try:
            hello = ours.recv()
            out = measure(Path(folder), hello, ours, n)
        finally:
            ours.send("stop")
            server.join(timeout=60)
        out.update(size=n, contacts=contacts, loaded=hello["loaded"],
                   load_seconds=hello["load_seconds"])
        return out


def measure(folder: Path, hello: Mapping[str, Any], pipe: Any, n: int) -> dict[str, Any]:
    from dataclasses import asdict

    from mapsync.engine.commands._context import RunContext
    from mapsync.engine.commands.demo import write_config
    from mapsync.engine.runner.cost import Limits
    from mapsync.engine.runner.run import run_plan

    config = write_config(folder, hello["info"], None)
    out: dict[str, Any] = {"runs": []}
    with RunContext.open(config) as ctx:
        ctx.intacct.open_session()
        ctx.salesforce.connect()
        out["batch_sizes"] = asdict(ctx.config.options.batch_sizes)
        out["overlap_seconds"] = ctx.config.options.overlap_seconds
        out["mappings"] = [m.name for m in ctx.plan.mappings]
        out["limits"] = asdict(Limits.of(ctx.intacct, ctx.salesforce))
        intacct, salesforce = Metered(ctx.intacct), Metered(ctx.salesforce)

        rss_before = rss_mb()
        offset = dt.timedelta(0)  # how far the services' clock was moved on

        def clock() -> dt.datetime:
            return dt.datetime.now(dt.UTC) + offset

        for number in range(4):
            if number >= 2:
                # Time passes on the services' clock, which the runner shares: past the
                # overlap window and a minute boundary, the third run reads the window one
                # last time and makes it final; a minute later, the fourth is the steady
                # state of a quiet org (getUpdated answers for whole minutes: a run in the
                # same minute as the one before asks exact queries, docs/quiet-runs.md).
                step = ctx.config.options.overlap_seconds + 60 if number == 2 else 60
                ask(pipe, ("advance", step))
                offset += dt.timedelta(seconds=step)
            for client in (intacct, salesforce):
                client.phases.clear()
                client.written.clear()
            stats_before = ask(pipe, "stats")
            cpu_before = (time.process_time(), ask(pipe, "cpu"))
            started = time.perf_counter()
            # The initial sync runs the five mappings of the data; the others all 30.
            report = run_plan(ctx.plan, intacct, salesforce, ctx.state, ctx.options(),
                              only=ONLY if number == 0 else None, clock=clock,
                              timezone=ctx.config.intacct.timezone)
            seconds = time.perf_counter() - started
            cpu = {"runner": time.process_time() - cpu_before[0],
                   "sandboxes": ask(pipe, "cpu") - cpu_before[1]}
            stats_after = ask(pipe, "stats")
            out["runs"].append({
                "seconds": seconds, "cpu_seconds": cpu, "report": report.to_dict(),
                "phases": _phases(intacct, salesforce),
                "written": {side: [[m, label, k] for (m, label), k in c.written.items()]
                            for side, c in (("intacct", intacct), ("salesforce", salesforce))},
                "sandbox_calls": {s: _total(stats_after[s]) - _total(stats_before[s])
                                  for s in ("intacct", "salesforce")},
                "sandbox_records": {s: _records(stats_before[s], stats_after[s])
                                    for s in ("intacct", "salesforce")},
                "peak_rss_mb": rss_mb(),
            })
        out["rss_before_mb"] = rss_before
        out["baseline"] = baseline(ctx, min(n, BASELINE_RECORDS))
    return out


def ask(pipe: Any, command: str) -> Any:
    """A request to the sandbox process and its answer."""
    pipe.send(command)
    return pipe.recv()


def _total(snapshot: Mapping[str, Any]) -> int:
    """HTTP requests answered (the Intacct sandbox counts functions under "total")."""
    if "requests" in snapshot:
        return int(snapshot["requests"])
    return int(snapshot.get("total", {}).get("calls", 0))


def _records(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, int]:
    """Records the sandbox handled per operation between two snapshots."""
    was = before.get("records", {})
    return {op: n - was.get(op, 0) for op, n in after.get("records", {}).items()
            if n - was.get(op, 0)}


def _phases(*clients: Metered) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for side, client in zip(("intacct", "salesforce"), clients, strict=True):
        for (mapping, phase), calls in client.phases.items():
            out.setdefault(mapping, {}).setdefault(side, {})[phase] = calls
    return out


def child(n: int, contacts: int, queue: Any) -> None:
    queue.put(run_size(n, contacts))


# -- printing ---------------------------------------------------------------------------------


def records_synced(run: Mapping[str, Any]) -> int:
    return sum(m["created"] + m["updated"] + m["linked"] for m in run["report"]["mappings"])


def records_read(run: Mapping[str, Any]) -> dict[str, int]:
    return {side: sum(m["read"][side] for m in run["report"]["mappings"])
            for side in ("intacct", "salesforce")}


def print_size(result: dict[str, Any]) -> None:
    n = result["size"]
    first = result["runs"][0]
    synced = records_synced(first)
    rate = synced / first["seconds"]
    base = result["baseline"]
    result["ratio_to_direct"] = rate / base["both_per_s"]
    print(f"\n== {n:,} customers x {result['contacts']} contacts "
          f"(loaded in {result['load_seconds']:.0f} s) ==")
    minimal = base["minimal"]
    result["ratio_to_minimal"] = rate / minimal["both_per_s"]
    print(f"initial sync: {synced:,} records in {first['seconds']:.1f} s = {rate:,.0f} records/s;"
          f" direct client writes of the same {base['records']:,} records (Intacct create + "
          f"Salesforce write-back) {base['both_per_s']:,.0f}/s; ratio sync/direct "
          f"{result['ratio_to_direct']:.2f} (target >= 1.0); against the former 5-field "
          f"baseline ({minimal['both_per_s']:,.0f}/s) {result['ratio_to_minimal']:.2f}")
    cpu = first["cpu_seconds"]
    print(f"  CPU of the initial sync: runner {cpu['runner']:.1f} s, sandboxes "
          f"{cpu['sandboxes']:.1f} s (the process serving both), for {first['seconds']:.1f} s"
          f" of wall time; the direct writes: {base['seconds']:.1f} s of wall time")
    print_costs(result, first)
    print_mappings(first)
    print_phases(first)
    for label, run in zip(("second run, all mappings (reads the initial sync's echoes)",
                           "third run, after the overlap window (reads it a last time)",
                           "fourth run: the quiet run"), result["runs"][1:], strict=True):
        print_quiet(label, run)
    quiet = result["runs"][3]
    served = {side: sum(ops.values()) for side, ops in quiet["sandbox_records"].items()}
    result["quiet"] = {"mappings": len(quiet["report"]["mappings"]),
                       "calls": sum(quiet["sandbox_calls"].values()),
                       "records_read": sum(records_read(quiet).values()),
                       "records_served": sum(served.values())}
    figures = result["quiet"]
    print(f"quiet run: {figures['calls']} calls for {figures['mappings']} mappings (target <= "
          f"{QUIET_TARGET}: ratio to it {figures['calls'] / QUIET_TARGET:.2f}); records read "
          f"{figures['records_read']} by the runner's count, {figures['records_served']} served "
          f"by the sandboxes (Intacct {served.get('intacct', 0)}, Salesforce "
          f"{served.get('salesforce', 0)}; target 0)")
    grown = first["peak_rss_mb"] - result["rss_before_mb"]
    print(f"(overlap window {result['overlap_seconds']} s; calls include no login: the "
          "clients keep one session for all runs)")
    print(f"peak memory: RSS {first['peak_rss_mb']:.0f} MB, {grown:.0f} MB above the "
          f"{result['rss_before_mb']:.0f} MB before the first run")


def print_costs(result: dict[str, Any], run: Mapping[str, Any]) -> None:
    table = cost_table(run, result["limits"])
    result["cost"] = table
    print(f"  calls against the minimum for the same work (runner/cost.py; target <= "
          f"{RATIO_TARGET}):")
    print(f"    {'side':<12}{'phase':<9}{'calls':>7}{'minimum':>9}{'ratio':>7}")
    for side, rows in table.items():
        for phase, row in rows.items():
            print(f"    {side:<12}{phase:<9}{row['calls']:>7}{row['minimum']:>9}"
                  f"{ratio(row['calls'], row['minimum']):>7}")


def print_mappings(run: Mapping[str, Any]) -> None:
    print(f"  {'mapping':<13}{'side':<11}{'read':>8}{'created':>9}{'calls':>7}")
    for mapping in run["report"]["mappings"]:
        for side in ("intacct", "salesforce"):
            print(f"  {mapping['name']:<13}{side:<11}{mapping['read'][side]:>8}"
                  f"{mapping['sides'][side]['created']:>9}{mapping['api_calls'][side]:>7}")


def print_phases(run: Mapping[str, Any]) -> None:
    print("  calls by runner phase (mapping side: runner stage chain and client call):")
    for mapping, by_side in run["phases"].items():
        for side, phases in by_side.items():
            for phase, calls in sorted(phases.items(), key=lambda p: -p[1]):
                print(f"    {mapping:<13}{side:<11}{calls:>6}  {phase}")


def print_quiet(label: str, run: Mapping[str, Any]) -> None:
    calls = run["sandbox_calls"]
    read = records_read(run)
    print(f"{label}: {calls['intacct'] + calls['salesforce']} calls (Intacct "
          f"{calls['intacct']}, Salesforce {calls['salesforce']}) for "
          f"{len(run['report']['mappings'])} mappings, records read: Intacct "
          f"{read['intacct']}, Salesforce {read['salesforce']}; {run['report']['changes']} "
          f"writes, {run['seconds']:.1f} s")
    for mapping in run["report"]["mappings"]:
        if mapping["read"]["intacct"] or mapping["read"]["salesforce"]:
            print(f"  {mapping['name']:<13} read: intacct {mapping['read']['intacct']:>7}  "
                  f"salesforce {mapping['read']['salesforce']:>7}")


def print_memory(results: list[dict[str, Any]]) -> None:
    if len(results) < 2:
        return
    small, large = results[0], results[-1]
    grown = [r["runs"][0]["peak_rss_mb"] - r["rss_before_mb"] for r in (small, large)]
    print(f"\nmemory {large['size']:,}/{small['size']:,}: peak RSS ratio "
          f"{large['runs'][0]['peak_rss_mb'] / small['runs'][0]['peak_rss_mb']:.2f}, growth "
          f"during the sync ratio {grown[1] / max(grown[0], 1.0):.2f} "
          f"(records ratio {large['size'] / small['size']:.0f}; target: flat)")


def print_targets(results: list[dict[str, Any]]) -> None:
    """Each figure of the issue against its target, for every size run."""
    print("\ntargets:")
    for result in results:
        n = f"{result['size']:,}"
        for side in ("intacct", "salesforce"):
            row = result["cost"][side]["all"]
            value = row["calls"] / row["minimum"] if row["minimum"] else float("inf")
            print(f"  {n:>8} {side:<10} calls / minimum   {value:6.2f}  target <= {RATIO_TARGET}"
                  f"  {_met(value <= RATIO_TARGET)}")
        quiet = result["quiet"]
        print(f"  {n:>8} quiet run          {quiet['calls']:4d} calls, {quiet['records_served']} "
              f"records  target <= {QUIET_TARGET} calls, 0 records ({quiet['mappings']} "
              f"mappings)  {_met(quiet['calls'] <= QUIET_TARGET and not quiet['records_served'])}")
        value = result["ratio_to_direct"]
        print(f"  {n:>8} sync / direct      {value:6.2f}  target >= 1.0  {_met(value >= 1.0)}")
    if len(results) > 1:
        small, large = results[0], results[-1]
        value = large["runs"][0]["peak_rss_mb"] / small["runs"][0]["peak_rss_mb"]
        print(f"  peak RSS {large['size']:,} / {small['size']:,}: {value:.2f}  target flat "
              f"(<= {FLAT})  {_met(value <= FLAT)}")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


# -- transforms -------------------------------------------------------------------------------


def transform_figures(records: int, repeat: int) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import customer_transforms  # bench/customer_transforms.py

    figures: dict[str, float] = customer_transforms.measure(records, repeat)
    print(f"\ntransforms, compiled Customer mapping vs hand-written ({records:,} records, "
          f"best of {repeat}):")
    customer_transforms.report(figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help=f"customers per run (default {SIZES})")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK}")
    parser.add_argument("--contacts", type=int, default=1, help="contacts per customer")
    parser.add_argument("--transform-records", type=int, default=20_000)
    parser.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (QUICK if args.quick else args.sizes).split(",")]
    results = []
    spawn = mp.get_context("spawn")
    for n in sizes:
        queue = spawn.Queue()
        process = spawn.Process(target=child, args=(n, args.contacts, queue))
        process.start()
        result = queue.get()
        process.join()
        results.append(result)
        print_size(result)
    print_memory(results)
    print_targets(results)
    figures = transform_figures(args.transform_records, 5)
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": results, "transforms": figures},
                                              indent=2, default=str), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
