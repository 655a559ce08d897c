"""Both connector benches in one run, and their figures side by side.

    python bench/connectors.py [--quick] [--latency SECONDS] [--only intacct|salesforce]

Runs bench/connectors_intacct.py (reads by page size, creates by batch size, the fit behind
the Intacct batch size of 100) and bench/connectors_salesforce.py (Collections and Bulk API
2.0 throughput, and the Collections vs Bulk 2.0 crossover behind the bulk threshold) in this
process, each against its own sandbox, printing their output as they go; then a summary of
the figures that set the defaults. `--latency` is passed to both (seconds added to every
call, standing in for the round trip to the real services); `--quick` uses fewer records.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import connectors_intacct  # noqa: E402  (bench/connectors_intacct.py)
import connectors_salesforce  # noqa: E402  (bench/connectors_salesforce.py)

# Lines of the two benches' output that the summary repeats, by what they say.
SUMMARY = (
    ("intacct", "reads, records/s (x baseline)", re.compile(r"^(readByQuery|query) .*$")),
    ("intacct", "writes, records/s (x baseline)", re.compile(r"^(create|update), batch .*$")),
    ("intacct", "batch size", re.compile(r"^smallest batch .*$")),
    ("salesforce", "baseline", re.compile(r"^baseline: .*$")),
    ("salesforce", "writes and reads", re.compile(r"^  (collections|bulk 2\.0|read_changed) .*$")),
    ("salesforce", "crossover", re.compile(r"^  N=.*$")),
    ("salesforce", "crossover", re.compile(r"^  (calls|time) crossover.*$")),
    ("salesforce", "bulk threshold", re.compile(r"^  suggested threshold.*$")),
)


class Tee(io.TextIOBase):
    """Writes through to the terminal and keeps a copy."""

    def __init__(self, out: io.TextIOBase | object) -> None:
        self.out = out
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.out.write(text)  # type: ignore[attr-defined, no-any-return]

    def flush(self) -> None:
        self.out.flush()  # type: ignore[attr-defined]


def run(title: str, main: Callable[[Sequence[str]], int], argv: Sequence[str]) -> str:
    """Run one bench's main(argv), printing as it goes; returns what it printed."""
    print(f"\n===== {title}: {' '.join(argv) or '(defaults)'} =====", flush=True)
    tee = Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        code = main(list(argv))
    if code:
        raise SystemExit(f"{title} failed with exit code {code}")
    return tee.copy.getvalue()


def summary(outputs: dict[str, str]) -> None:
    """The figures that set the connectors' defaults, from both outputs."""
    print("\n===== summary =====")
    heading = None
    for system, label, pattern in SUMMARY:
        lines = [line for line in outputs.get(system, "").splitlines() if pattern.match(line)]
        if not lines:
            continue
        if (system, label) != heading:
            print(f"{system} — {label}:")
            heading = (system, label)
        for line in lines:
            print(f"  {line.strip()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer records (a quick look)")
    parser.add_argument("--latency", type=float, default=None,
                        help="seconds added per call for both (defaults: each bench's own)")
    parser.add_argument("--only", choices=("intacct", "salesforce"))
    args = parser.parse_args(argv)
    common = ["--latency", str(args.latency)] if args.latency is not None else []
    benches = {
        "intacct": (connectors_intacct.main, ["--records", "300"] if args.quick else []),
        "salesforce": (connectors_salesforce.main, ["--records", "1000"] if args.quick else []),
    }
    outputs = {}
    for system, (bench, extra) in benches.items():
        if args.only and system != args.only:
            continue
        outputs[system] = run(f"bench/connectors_{system}.py", bench, [*extra, *common])
    summary(outputs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
