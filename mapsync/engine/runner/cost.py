"""API calls: what a piece of work costs through the connectors, and the fewest it could take.

This is the one model of the run's calls, shared by `mapsync plan` and `bench/sync.py`:

- `Planner` is what a dry run (`plan`) uses where a sync would write: it adds the calls the
  connectors *will* make for those records (`planned_write_calls` of the mapping's report,
  beside the reads the dry run really made) and tallies the records written per object and
  operation (`written`), the work whose minimum `minimum` computes.
- `minimum` is the floor for the same work: reads in pages of the largest page size
  (Intacct readByQuery 1,000, Salesforce query 2,000), at least one request per side for
  the changes of all the run's mappings together (25 subrequests per Salesforce
  `/composite` call, `INTACCT_FUNCTIONS` functions per Intacct request); on Salesforce the
  first page of each mapping's read can ride in those composite calls, five queries to a
  call (the probe does it: runner/probe.py), so only the pages after it cost a call of
  their own; writes in batches of the
  largest batch (Intacct 100 functions a request, the project's cap, since Intacct
  documents none), and for Salesforce the cheaper of sObject Collections (200 records a
  call) and one Bulk API 2.0 job (`BULK_JOB_CALLS` calls) per object and operation.

Keep it in step with the connectors and the runner: when they change how many calls some
work takes (one Intacct request per batch of creates, a probe phase for quiet runs, Bulk
2.0 in the runner), change `Planner` here. tests/e2e/test_plan_truth.py compares what
`plan` predicts with the calls the sync then makes on the sandboxes, record set by record
set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SIDES = ("intacct", "salesforce")

INTACCT_PAGE = 1000  # readByQuery pagesize 1..1000 (reference/intacct.md)
INTACCT_BATCH = 100  # functions per write request (our cap: Intacct documents no maximum)
INTACCT_KEYS = 100  # keys per `IN (...)` look-up (connectors/intacct/client.py)
INTACCT_FUNCTIONS = 100  # functions per request in one multi-mapping read
SALESFORCE_PAGE = 2000  # query batchSize maximum
SALESFORCE_BATCH = 200  # sObject Collections maximum
SALESFORCE_KEYS = 200  # values per SOQL IN list (connectors/salesforce/soql.py)
COMPOSITE_QUERIES = 25  # subrequests per /composite call
COMPOSITE_READS = 5  # query subrequests per /composite call (connectors/salesforce/composite.py)
BULK_THRESHOLD = 3600  # records from which the Salesforce connector writes with Bulk 2.0
BULK_JOB_CALLS = 5  # create, upload, close, one poll, the successful rows (connector's count)
# A job has no record cap of its own: the connector starts another only past 100 MB of CSV
# (connectors/salesforce/staging.py), far beyond the writes a record count here stands for.
BULK_JOB_RECORDS = 150_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    """The page and batch sizes in force, read from the clients when they say."""

    intacct_page: int = INTACCT_PAGE
    intacct_batch: int = INTACCT_BATCH
    intacct_keys: int = INTACCT_KEYS
    intacct_functions: int = INTACCT_FUNCTIONS
    salesforce_page: int = SALESFORCE_PAGE
    salesforce_batch: int = SALESFORCE_BATCH
    salesforce_keys: int = SALESFORCE_KEYS
    composite_queries: int = COMPOSITE_QUERIES
    composite_reads: int = COMPOSITE_READS
    bulk_threshold: int = BULK_THRESHOLD
    bulk_job_calls: int = BULK_JOB_CALLS
    bulk_job_records: int = BULK_JOB_RECORDS

    @classmethod
    def of(cls, intacct: Any, salesforce: Any) -> Limits:
        """The limits the two clients write with (defaults for what they do not expose)."""
        return cls(
            intacct_batch=_positive(getattr(intacct, "batch_size", None), INTACCT_BATCH),
            salesforce_batch=_positive(getattr(salesforce, "batch_size", None), SALESFORCE_BATCH),
            bulk_threshold=_positive(getattr(salesforce, "bulk_threshold", None), BULK_THRESHOLD),
            bulk_job_calls=_positive(getattr(salesforce, "bulk_job_calls", None), BULK_JOB_CALLS),
            bulk_job_records=_positive(
                getattr(salesforce, "bulk_job_records", None), BULK_JOB_RECORDS),
        )

    def write_calls(self, side: str, records: int) -> int:
        """Calls the connector makes for one write of `records` records."""
        if records <= 0:
            return 0
        if side == "intacct":
            return batches(records, self.intacct_batch)
        if records >= self.bulk_threshold:
            return batches(records, self.bulk_job_records) * self.bulk_job_calls
        return batches(records, self.salesforce_batch)

    def lookup_calls(self, side: str, keys: int) -> int:
        """Calls of a look-up by `keys` keys (one IN list a call, each within one page)."""
        size = self.intacct_keys if side == "intacct" else self.salesforce_keys
        return batches(keys, size)

    def cheapest_write(self, side: str, records: int) -> int:
        """The fewest calls that write `records` records of one object and operation."""
        if records <= 0:
            return 0
        if side == "intacct":
            return batches(records, INTACCT_BATCH)
        # One Bulk 2.0 job per object and operation (the service's cap is 150 MB of CSV).
        return min(batches(records, SALESFORCE_BATCH), self.bulk_job_calls)

    def read_pages(self, side: str, records: int) -> int:
        """Pages of the largest size that hold `records` records."""
        return batches(records, INTACCT_PAGE if side == "intacct" else SALESFORCE_PAGE)

    def own_read_calls(self, side: str, records: int) -> int:
        """Calls of a mapping's own for reading `records` records: every page on Intacct;
        on Salesforce the pages after the first, which rides in a composite call."""
        pages = self.read_pages(side, records)
        return pages if side == "intacct" else max(pages - 1, 0)

    def read_minimum(self, side: str, reads: list[int]) -> int:
        """The fewest calls that read `reads` records (one count a mapping), together
        asked whether anything changed: on Salesforce the first pages five to a composite
        call, and at least one call per 25 mappings."""
        own = sum(self.own_read_calls(side, r) for r in reads)
        if side == "salesforce":
            own += batches(sum(1 for r in reads if r > 0), self.composite_reads)
        return max(self.probe_calls(side, len(reads)), own)

    def probe_calls(self, side: str, mappings: int) -> int:
        """Requests that ask every mapping for its changes at once."""
        per_call = self.intacct_functions if side == "intacct" else self.composite_queries
        return batches(mappings, per_call)


def batches(items: int, size: int) -> int:
    """Calls of at most `size` items each for `items` items."""
    return -(-max(items, 0) // max(size, 1))


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default


class Planner:
    """A dry run's writes, as the calls the sync will make for them and the work they are.

    Writes to `report.planned_write_calls` (calls per side) and `report.written` (records per
    side, by "Object operation").
    """

    def __init__(self, report: Any, limits: Limits) -> None:
        self.report = report
        self.limits = limits

    def write(self, side: str, obj: str, op: str, records: int) -> None:
        """One write through a connector of `records` records."""
        if records <= 0:
            return
        self.report.planned_write_calls[side] += self.limits.write_calls(side, records)
        written = self.report.written.setdefault(side, {})
        label = f"{obj} {op}"
        written[label] = written.get(label, 0) + records

    def lookup(self, side: str, keys: int) -> None:
        """A read by `keys` keys that only the sync makes (read-back, crash recovery)."""
        self.report.planned_write_calls[side] += self.limits.lookup_calls(side, keys)

    def intacct_created(self, records: int, salesforce_object: str) -> None:
        """After Intacct creates: the update of the Salesforce records with their Intacct
        key and what Intacct computed (read back in the create requests themselves, so no
        Intacct call of its own: connectors/intacct/keyed.py)."""
        if records <= 0:
            return
        self.write("salesforce", salesforce_object, "update", records)


@dataclass(frozen=True, slots=True)
class SideCost:
    """One side's calls against the minimum for the same work."""

    calls: int
    minimum: int
    read_minimum: int
    write_minimum: int

    @property
    def ratio(self) -> float | None:
        """calls / minimum (None when the minimum is 0)."""
        return self.calls / self.minimum if self.minimum else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        ratio = self.ratio
        return {"calls": self.calls, "minimum": self.minimum, "read_minimum": self.read_minimum,
                "write_minimum": self.write_minimum,
                "ratio": None if ratio is None else round(ratio, 3)}


def write_minimum(limits: Limits, side: str, written: Mapping[str, int]) -> int:
    """The fewest calls for the records written, per object and operation."""
    return sum(limits.cheapest_write(side, n) for n in written.values())


def mapping_minimum(limits: Limits, side: str, read: int, written: Mapping[str, int]) -> int:
    """One mapping's floor on one side: the pages of what it read that are its own (a
    Salesforce first page rides in the run's composite calls), the batches it wrote."""
    return limits.own_read_calls(side, read) + write_minimum(limits, side, written)


def run_costs(
    limits: Limits,
    mappings: Iterable[Any],
    calls: Mapping[str, int],
) -> dict[str, SideCost]:
    """Each side's calls (`calls`) against the minimum for the mappings' work.

    `mappings`: reports with `read` (records read per side) and `written` (records written
    per side, by "Object operation"). Reads cost at least one probe for all mappings
    together, and at least the pages of what each mapping read (`Limits.read_minimum`).
    """
    reports = list(mappings)
    out: dict[str, SideCost] = {}
    for side in SIDES:
        reads = limits.read_minimum(side, [r.read.get(side, 0) for r in reports])
        writes = sum(write_minimum(limits, side, r.written.get(side, {})) for r in reports)
        out[side] = SideCost(int(calls.get(side, 0)), reads + writes, reads, writes)
    return out


def price(report: Any, limits: Limits, calls: Mapping[str, int]) -> None:
    """Fill a dry run's report with what the sync will cost: `calls` (the dry run's own calls
    per side, its reads) plus the planned ones, against the minimum, per mapping and in all."""
    predicted = dict.fromkeys(SIDES, 0)
    for m in report.mappings:
        m.minimum_calls = {
            side: mapping_minimum(limits, side, m.read.get(side, 0), m.written.get(side, {}))
            for side in SIDES
        }
        for side in SIDES:
            predicted[side] += m.planned_write_calls[side]
    totals = {side: int(calls.get(side, 0)) + predicted[side] for side in SIDES}
    report.cost = run_costs(limits, report.mappings, totals)
