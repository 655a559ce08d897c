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
3. all 30 again after the overlap window: it reads that window a last time;
4. all 30 again: the quiet run (target: <= 3 calls in all, 0 records read).

Calls are those the sandboxes answered (their own counters), split by phase from the client
methods the runner called: each call's cost is the client's count in the calling thread (the
mappings run side by side), so the phases add up to the sandboxes' totals; "other" shows
any difference (a call outside the client methods).

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ONLY = ("ARTerm", "CustomerType", "Territory", "Customer", "Contact")
SIZES = "10000,100000"
QUICK = "1000,10000"
LOAD_BATCH = 2000
BASELINE_RECORDS = 10_000  # at most; min(N, this)
WRITES = frozenset({"create", "update", "upsert", "delete", "create_sotransactions",
                    "write_all"})
LOOKUPS = frozenset({"read_by_keys"})
QUIET_TARGET = 3
RATIO_TARGET = 1.1
FLAT = 1.2  # peak RSS at 10x the records, at most this many times the smaller run's
CITIES = (("Lyon", "ARA", "69002", "France"), ("Austin", "TX", "73301", "United States"),
          ("Berlin", "BE", "10115", "Germany"), ("Seattle", "WA", "98101", "United States"))


# -- data -------------------------------------------------------------------------------------


def account(i: int, term_ids: list[str]) -> dict[str, Any]:
    """Salesforce Account i: a customer known to sales, not yet in Intacct."""
    city, state, zip_code, country = CITIES[i % len(CITIES)]
    return {
        "Name": f"Bench Customer {i:06d}", "AccountNumber": f"B-{i:06d}",
        "BillingStreet": f"{i % 240 + 1} Main Street\nSuite {i % 30}",
        "BillingCity": city, "BillingState": state, "BillingPostalCode": zip_code,
        "BillingCountry": country, "Phone": f"+1 555 {i % 10000:04d}",
        "Website": f"https://bench{i}.example.com", "Type": "Customer - Direct",
        "Description": "Bench account" if i % 10 == 0 else None,
        "Intacct_Payment_Term__c": term_ids[i % len(term_ids)],
    }


def contact(i: int, k: int, account_id: str) -> dict[str, Any]:
    """Contact k of account i (names unique: Intacct keys contacts by name)."""
    city, state, zip_code, country = CITIES[i % len(CITIES)]
    return {
        "AccountId": account_id, "FirstName": ("Ada", "Grace", "Alan", "Edsger")[k % 4],
        "LastName": f"Bench{i:06d}x{k}", "Email": f"person{k}@bench{i}.example.com",
        "Phone": f"+1 555 {i % 10000:04d}", "MailingCity": city, "MailingState": state,
        "MailingPostalCode": zip_code, "MailingCountry": country,
    }


def load(boxes: Any, n: int, contacts: int) -> dict[str, int]:
    """Managed lists in Intacct (AR terms linked in Salesforce), then N accounts + contacts."""
    from mapsync.engine.sandbox.demo.vocabulary import AR_TERMS, CUSTOMER_TYPES, TERRITORIES

    intacct, salesforce = boxes.intacct.store, boxes.salesforce.store
    intacct.insert_many("ARTERM", [dict(t) for t in AR_TERMS])
    intacct.insert_many("CUSTTYPE", [dict(t) for t in CUSTOMER_TYPES])
    intacct.insert_many("TERRITORY", [
        {"TERRITORYID": t, "NAME": name, **({"PARENTID": parent} if parent else {})}
        for t, name, parent in TERRITORIES
    ])
    term_ids = salesforce.insert_many("Intacct_AR_Term__c", [
        {"Name": t["NAME"], "Intacct_ID__c": t["NAME"]} for t in AR_TERMS
    ])
    for start in range(0, n, LOAD_BATCH):
        numbers = range(start, min(n, start + LOAD_BATCH))
        ids = salesforce.insert_many("Account", [
            {k: v for k, v in account(i, term_ids).items() if v is not None} for i in numbers
        ])
        salesforce.insert_many("Contact", [
            contact(i, k, account_id) for i, account_id in zip(numbers, ids, strict=True)
            for k in range(contacts)
        ])
    return {"Account": n, "Contact": n * contacts}


def serve(directory: str, n: int, contacts: int, pipe: Any) -> None:
    """Sandbox process: load, announce the connection info, answer stats until "stop"."""
    from mapsync.engine.sandbox.launcher import Sandboxes

    with Sandboxes(directory, seed_profile="none") as boxes:
        started = time.perf_counter()
        loaded = load(boxes, n, contacts)
        pipe.send({"info": boxes.connection_info(), "loaded": loaded,
                   "load_seconds": time.perf_counter() - started})
        while (command := pipe.recv()) != "stop":
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


# -- minimum calls (mapsync/engine/runner/cost.py, as `mapsync plan` prints it) -------------


def phase_of(client_call: str) -> str:
    """`read` (changes by watermark), `look-up` (reads by key) or `write`."""
    method = client_call.rsplit(" ", 1)[-1]
    if method in WRITES:
        return "write"
    return "look-up" if method in LOOKUPS else "read"


class Work:
    """What one mapping read and wrote, in the shape `runner.cost.run_costs` takes."""

    def __init__(self, read: Mapping[str, int], written: dict[str, dict[str, int]]) -> None:
        self.read = dict(read)
        self.written = written


def works(run: Mapping[str, Any]) -> list[Work]:
    """Each mapping's work in a run: records read (its report), records written (metered)."""
    written: dict[str, dict[str, dict[str, int]]] = {}
    for side, tallies in run["written"].items():
        for mapping, label, records in tallies:
            by_side = written.setdefault(mapping, {}).setdefault(side, {})
            by_side[label] = by_side.get(label, 0) + records
    return [Work(m["read"], written.get(m["name"], {})) for m in run["report"]["mappings"]]


def cost_table(
    run: Mapping[str, Any], limits_seen: Mapping[str, int]
) -> dict[str, dict[str, dict[str, float]]]:
    """Calls per side and phase against the minimum for the run's work, at the limits the
    clients reported (a Bulk 2.0 job's calls among them)."""
    from mapsync.engine.runner.cost import Limits, run_costs

    limits = Limits(**limits_seen)
    costs = run_costs(limits, works(run), run["sandbox_calls"])
    out: dict[str, dict[str, dict[str, float]]] = {}
    for side in ("intacct", "salesforce"):
        by_phase: Counter[str] = Counter()
        for phases in run["phases"].values():
            for phase, calls in phases.get(side, {}).items():
                by_phase[phase_of(phase)] += calls
        floor = {"read": costs[side].read_minimum, "look-up": 0,
                 "write": costs[side].write_minimum}
        rows = {phase: {"calls": by_phase[phase], "minimum": floor[phase]}
                for phase in ("read", "look-up", "write")}
        other = run["sandbox_calls"][side] - sum(by_phase.values())
        if other:
            rows["other"] = {"calls": other, "minimum": 0}
        rows["all"] = {"calls": run["sandbox_calls"][side], "minimum": costs[side].minimum}
        out[side] = rows
    return out


def ratio(calls: float, floor: float) -> str:
    return f"{calls / floor:.2f}" if floor else ("-" if not calls else "inf")


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
        for number in range(4):
            if number == 2:
                # Let the overlap window pass: the third run reads it one last time and
                # makes it final, the fourth is the steady state of a quiet org.
                time.sleep(ctx.config.options.overlap_seconds + 0.5)
            for client in (intacct, salesforce):
                client.phases.clear()
                client.written.clear()
            stats_before = ask(pipe, "stats")
            started = time.perf_counter()
            # The initial sync runs the five mappings of the data; the others all 30.
            report = run_plan(ctx.plan, intacct, salesforce, ctx.state, ctx.options(),
                              only=ONLY if number == 0 else None,
                              timezone=ctx.config.intacct.timezone)
            seconds = time.perf_counter() - started
            stats_after = ask(pipe, "stats")
            out["runs"].append({
                "seconds": seconds, "report": report.to_dict(),
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


def direct_customer(i: int) -> dict[str, Any]:
    """Account i as a hand-written integration sends it to Intacct: the fields the standard
    rules send, under a key of its own."""
    from mapsync.engine.sandbox.demo.vocabulary import AR_TERMS

    a = account(i, [""])  # no term Ids: the term is named below
    street = (a["BillingStreet"].split("\n") + [None])[:2]
    return {"NAME": a["Name"], "DISPLAYCONTACT.PRINTAS": a["Name"], "CUSTOMERID": f"BASE-{i:06d}",
            "STATUS": None, "CUSTTYPE": None, "PARENTID": None, "TERRITORYID": None,
            "TERMNAME": AR_TERMS[i % len(AR_TERMS)]["NAME"], "CREDITLIMIT": None,
            "ONHOLD": False, "TAXID": None, "CURRENCY": None, "COMMENTS": a["Description"],
            "DISPLAYCONTACT.PHONE1": a["Phone"], "DISPLAYCONTACT.FAX": None,
            "DISPLAYCONTACT.URL1": a["Website"],
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": street[0],
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": street[1],
            "DISPLAYCONTACT.MAILADDRESS.CITY": a["BillingCity"],
            "DISPLAYCONTACT.MAILADDRESS.STATE": a["BillingState"],
            "DISPLAYCONTACT.MAILADDRESS.ZIP": a["BillingPostalCode"],
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": a["BillingCountry"]}


def direct_contact(i: int) -> dict[str, Any]:
    """Contact 0 of account i as a hand-written integration sends it to Intacct."""
    c = contact(i, 0, "")
    name = f"{c['FirstName']} Base{i:06d}"
    return {"CONTACTNAME": name, "PRINTAS": name, "FIRSTNAME": c["FirstName"],
            "LASTNAME": f"Base{i:06d}", "PREFIX": None, "PHONE1": c["Phone"],
            "CELLPHONE": None, "FAX": None, "EMAIL1": c["Email"],
            "MAILADDRESS.ADDRESS1": None, "MAILADDRESS.ADDRESS2": None,
            "MAILADDRESS.CITY": c["MailingCity"], "MAILADDRESS.STATE": c["MailingState"],
            "MAILADDRESS.ZIP": c["MailingPostalCode"],
            "MAILADDRESS.COUNTRY": c["MailingCountry"]}


def write_back(record_id: str, key: str, recordno: Any, **more: Any) -> dict[str, Any]:
    """The Intacct keys and sync status written back on a Salesforce record, as the sync
    writes them."""
    return {"Intacct_Record_No__c": recordno, **more, "Intacct_ID__c": key, "Id": record_id,
            "Intacct_Sync_Status__c": "Synced", "Intacct_Last_Sync__c": dt.datetime.now(dt.UTC),
            "Intacct_Sync_Error__c": None}


def baseline(ctx: Any, records: int) -> dict[str, float]:
    """Records/s of the same writes made directly with the clients (no runner, no reads
    timed): `records` customers and `records` contacts created in Intacct, one client call
    each, with the fields the sync sends; then the write-back the sync makes, one client call
    per object: their Intacct keys and sync status on `records` Accounts and Contacts.

    It used to create `records` 5-field CUSTOMERs and update one field (Phone) of as many
    Accounts: lighter records than the sync writes (22-field CUSTOMERs, 15-field CONTACTs,
    6 to 8 fields written back), so that ratio compared unlike work. `minimal` keeps that
    figure for comparison (the same creates and updates as before)."""
    customers = [direct_customer(i) for i in range(records)]
    contacts = [direct_contact(i) for i in range(records)]
    started = time.perf_counter()
    made = ctx.intacct.create("CUSTOMER", customers) + ctx.intacct.create("CONTACT", contacts)
    intacct_rate = len(made) / (time.perf_counter() - started)
    if not all(r.ok for r in made):
        raise SystemExit(f"baseline creates failed: {next(r.error for r in made if not r.ok)}")
    accounts = ctx.salesforce.read_by_keys(
        "Account", "AccountNumber", [f"B-{i:06d}" for i in range(records)], ["Id"])
    people = ctx.salesforce.read_by_keys(
        "Contact", "LastName", [f"Bench{i:06d}x0" for i in range(records)], ["Id"])
    by_number = {a["AccountNumber"]: a["Id"] for a in accounts}
    by_name = {c["LastName"]: c["Id"] for c in people}
    account_updates = [
        write_back(by_number[f"B-{i:06d}"], f"BASE-{i:06d}", made[i].record_id,
                   Intacct_Status__c="Active", Intacct_Total_Due__c=None)
        for i in range(records)]
    contact_updates = [
        write_back(by_name[f"Bench{i:06d}x0"], contacts[i]["CONTACTNAME"],
                   made[records + i].record_id)
        for i in range(records)]
    started = time.perf_counter()
    ctx.salesforce.update("Account", account_updates)
    ctx.salesforce.update("Contact", contact_updates)
    sf_rate = 2 * records / (time.perf_counter() - started)
    return {"records": 2 * records, "intacct_create_per_s": intacct_rate,
            "salesforce_update_per_s": sf_rate,
            "both_per_s": 1 / (1 / intacct_rate + 1 / sf_rate),
            "minimal": minimal_baseline(ctx, records)}


def minimal_baseline(ctx: Any, records: int) -> dict[str, float]:
    """The former baseline: `records` 5-field CUSTOMERs created, one field of as many
    Accounts updated."""
    payload = [{"CUSTOMERID": f"MIN-{i:06d}", "NAME": f"Baseline {i}",
                "DISPLAYCONTACT.PRINTAS": f"Baseline {i}",
                "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon", "TERMNAME": "Net 30"}
               for i in range(records)]
    started = time.perf_counter()
    results = ctx.intacct.create("CUSTOMER", payload)
    intacct_rate = len(payload) / (time.perf_counter() - started)
    accounts = list(ctx.salesforce.read_by_keys(
        "Account", "AccountNumber", [f"B-{i:06d}" for i in range(records)], ["Id"]))
    updates = [{"Id": a["Id"], "Phone": "+1 555 0000"} for a in accounts]
    started = time.perf_counter()
    ctx.salesforce.update("Account", updates)
    sf_rate = len(updates) / (time.perf_counter() - started)
    if not all(r.ok for r in results):
        raise SystemExit("baseline creates failed")
    return {"records": records, "intacct_create_per_s": intacct_rate,
            "salesforce_update_per_s": sf_rate,
            "both_per_s": 1 / (1 / intacct_rate + 1 / sf_rate)}


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
