"""Benchmark of the rule language (not a test): prints figures and ratios.

1. parse + check + compile of the whole shipped rule set in-process, warm (target < 50 ms);
2. cold `mapsync validate rules/` as a ratio to a bare `python -c pass` (target < 6x);
3. parse throughput on a generated 10,000-rule file.

Run: `python bench/compile.py`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapsync.engine.catalog import load_catalogs  # noqa: E402
from mapsync.engine.language import compile_rules, load_rule_set  # noqa: E402
from mapsync.engine.language.parser import get_parser, parse_text  # noqa: E402
from mapsync.engine.resources import rules_dir  # noqa: E402


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def warm_pipeline() -> tuple[float, float]:
    """(median, best) seconds for parse + check + compile of the shipped rules."""
    load_catalogs()
    get_parser()

    def once() -> None:
        loaded = load_rule_set([rules_dir()])
        compile_rules(loaded.rule_set)

    once()
    times = [best_of(1, once) for _ in range(30)]
    return statistics.median(times), min(times)


def cold_ratio() -> tuple[float, float, float]:
    """(bare python seconds, validate seconds, validate seconds without a bytecode cache),
    best of 7 each, in this run.

    "Cold" is a new process with the on-disk caches an installed mapsync has: lark's grammar
    cache and Python bytecode (pip compiles it at install; this sandbox sets
    PYTHONDONTWRITEBYTECODE, so the bytecode goes to a private temporary prefix). The figure
    without any bytecode cache is printed too, since it is what a run here pays.
    """
    bare = best_of(7, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    command = [sys.executable, "-m", "mapsync",  # as the script
               "validate", str(rules_dir())]
    with tempfile.TemporaryDirectory() as prefix:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = prefix

        def run(environment: dict[str, str] | None) -> None:
            subprocess.run(command, cwd=ROOT, capture_output=True, env=environment, check=True)

        run(env)  # fills lark's grammar cache and the bytecode cache
        cold = best_of(7, lambda: run(env))
    uncached = best_of(7, lambda: run(None))
    return bare, cold, uncached


def big_file(rules: int = 10_000) -> str:
    lines = [f"    DISPLAYCONTACT.PRINTAS <- Name | trim | truncate({i % 200 + 1})\n"
             for i in range(rules)]
    return "mapping Customer {\n    intacct CUSTOMER\n    salesforce Account\n" + "".join(
        lines) + "}\n"


def throughput(rules: int = 10_000) -> tuple[float, float]:
    """(seconds, rules per second) to parse a generated file of `rules` rules."""
    text = big_file(rules)
    seconds = best_of(3, lambda: parse_text(text, "big.map"))
    return seconds, rules / seconds


def main() -> None:
    median, best = warm_pipeline()
    print(f"parse+check+compile, shipped rules, warm: median {median * 1000:.1f} ms, "
          f"best {best * 1000:.1f} ms (target < 50 ms: {median * 1000 / 50:.2f}x of target)")
    bare, cold, uncached = cold_ratio()
    print(f"cold `mapsync validate rules/`: {cold * 1000:.0f} ms; bare `python -c pass`: "
          f"{bare * 1000:.0f} ms; ratio {cold / bare:.2f}x (target < 6x); without a bytecode "
          f"cache: {uncached * 1000:.0f} ms, {uncached / bare:.2f}x")
    seconds, rate = throughput()
    print(f"parse 10,000-rule file: {seconds * 1000:.0f} ms, {rate:,.0f} rules/s; "
          f"{seconds / bare:.1f}x a bare interpreter start")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "big.map").write_text(big_file(), "utf-8")
        start = time.perf_counter()
        loaded = load_rule_set([folder])
        from mapsync.engine.language import check

        check(loaded.rule_set)
        print(f"parse+check 10,000-rule file from disk: "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
