"""Soak: the standard rules on a big demo company under SIGKILLs, fault storms and edits.

    python bench/soak.py [--records 10000] [--kills 100] [--fault-rate 0.10] [--edits 20]
                         [--seed 1] [--dir DIR] [--json]

1. Both sandboxes are seeded with the demo company: `--records` accounts with their
   contacts, items, price lists, projects, contracts and sales documents.
2. Rounds run until `--kills` SIGKILLs have landed. Each round makes `--edits` random
   edits on both sides (new and changed accounts, changed contacts and customers, new and
   changed items), restarts the sandboxes with a fault storm every other round (429, 500
   and expired sessions, `--fault-rate` of all calls, split evenly) and starts
   `mapsync sync` in a child process, killed with SIGKILL after a random number of calls
   the sandboxes answered (drawn below the calls of the last run that finished).
3. Convergence: syncs under the storm until one fails nothing (at most 10), then one calm
   sync.
4. Verdict, read from both services' data (not from the state store): duplicates on each
   side (an external ID on two Salesforce records, an Intacct key on two records, a record
   this soak created copied twice), lost records on each side (a record a mapping must copy
   that has no partner with its key on the other side), and `reconcile`.

Target: 0 duplicates, 0 lost, reconcile in step. Prints one line per figure (or JSON).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapsync.engine.commands._context import RunContext  # noqa: E402
from mapsync.engine.commands.demo import write_config  # noqa: E402
from mapsync.engine.runner.reconcile import reconcile  # noqa: E402
from mapsync.engine.sandbox.launcher import Sandboxes  # noqa: E402

FAULT_KINDS = ("429", "500", "expire")
CONVERGE_RUNS = 10
POLL_SECONDS = 0.002
FIRST_CEILING = 4000  # calls: a guess for the first (initial) sync, refined by finished runs


def storm(rate: float) -> str:
    """A fault spec spreading `rate` evenly over 429, 500 and expired sessions."""
    share = rate / len(FAULT_KINDS)
    return ",".join(f"{kind}:{share:.4f}" for kind in FAULT_KINDS)


@contextmanager
def started(directory: Path, records: int, faults: str | None, seed: int) -> Iterator[Any]:
    """The sandboxes of `directory` (seeded on first start) and a config written for them."""
    with Sandboxes(directory, records=records, faults=faults, fault_seed=seed) as boxes:
        write_config(directory, boxes.connection_info(), None)
        yield boxes


def calls(boxes: Any) -> int:
    stats = boxes.stats()
    return int(stats["intacct"]["total"]["calls"] + stats["salesforce"]["total"]["calls"])


def faults_seen(boxes: Any) -> Counter[str]:
    seen: Counter[str] = Counter()
    for system in ("intacct", "salesforce"):
        for kind, count in boxes.stats()[system]["faults"].items():
            seen[f"{system} {kind}"] += int(count)
    return seen


def sync_command(directory: Path) -> list[str]:
    config = str(directory / "mapsync.yaml")
    return [sys.executable, "-m", "mapsync", "sync", "-c", config, "--json"]


def sync_killed_after(boxes: Any, directory: Path, budget: int) -> tuple[bool, int]:
    """Run a sync and SIGKILL it after `budget` sandbox calls: (killed, calls it made)."""
    start = calls(boxes)
    process = subprocess.Popen(
        sync_command(directory), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while process.poll() is None:
            if calls(boxes) - start >= budget:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True, calls(boxes) - start
            time.sleep(POLL_SECONDS)
        return False, calls(boxes) - start
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def sync_to_end(directory: Path) -> dict[str, Any]:
    done = subprocess.run(sync_command(directory), cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if not done.stdout:
        raise SystemExit(f"sync printed nothing: {done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    summary["exit_code"] = done.returncode
    return summary


# -- edits ------------------------------------------------------------------------------------


def edit_both_sides(boxes: Any, rng: random.Random, count: int, round_no: int) -> Counter[str]:
    """`count` random edits spread over both sides; returns how many of each kind."""
    sf, ia = boxes.salesforce.store, boxes.intacct.store
    accounts = [a for a in sf.list("Account") if a.get("Intacct_ID__c")]
    contacts = [c for c in sf.list("Contact") if c.get("Intacct_ID__c")]
    customers = ia.list("CUSTOMER")
    items = ia.list("ITEM")
    done: Counter[str] = Counter()
    for i in range(count):
        kind = rng.choice(("new account", "account", "contact", "customer", "new item", "item"))
        tag = f"{round_no}-{i}"
        if kind == "new account":
            sf.insert("Account", {"Name": f"Soak Account {tag}", "BillingCity": "Lyon"})
        elif kind == "account" and accounts:
            sf.update("Account", rng.choice(accounts)["Id"], {"BillingCity": f"City {tag}"})
        elif kind == "contact" and contacts:
            sf.update("Contact", rng.choice(contacts)["Id"], {"Phone": f"+33 1 00 {tag}"})
        elif kind == "customer" and customers:
            customer = rng.choice(customers)
            ia.update("CUSTOMER", int(customer["RECORDNO"]),
                      {"DISPLAYCONTACT.PHONE1": f"+1 512 {tag}"})
        elif kind == "new item":
            ia.insert("ITEM", {"ITEMID": f"SOAK-{tag}", "NAME": f"Soak item {tag}",
                               "ITEMTYPE": "Non-Inventory"})
        elif kind == "item" and items:
            ia.update("ITEM", int(rng.choice(items)["RECORDNO"]), {"NAME": f"Soak renamed {tag}"})
        else:
            continue
        done[kind] += 1
    return done


# -- verdict ----------------------------------------------------------------------------------


def duplicates(boxes: Any, plan: dict[str, Any]) -> dict[str, list[str]]:
    """What is stored twice, per side."""
    sf, ia = boxes.salesforce.store, boxes.intacct.store
    found: dict[str, list[str]] = {"salesforce": [], "intacct": []}
    for mapping in plan["mappings"]:
        if mapping["kind"] == "action":
            continue
        side, key = mapping["salesforce"]["object"], mapping["salesforce"]["key"]
        seen = Counter(str(r[key]).lower() for r in sf.list(side) if r.get(key))
        found["salesforce"] += [f"{side}.{key}={k} x{n}" for k, n in seen.items() if n > 1]
    checked: set[tuple[str, str]] = set()
    for mapping in plan["mappings"]:
        obj, key = mapping["intacct"]["object"], mapping["intacct"]["key"]
        if mapping["kind"] == "action" or key == "RECORDNO" or (obj, key) in checked:
            continue
        checked.add((obj, key))
        seen = Counter((r.get("DOCPARID"), str(r[key])) for r in ia.list(obj) if r.get(key))
        found["intacct"] += [f"{obj}.{key}={k[1]} x{n}" for k, n in seen.items() if n > 1]
    copies = Counter(c["NAME"] for c in ia.list("CUSTOMER") if c["NAME"].startswith("Soak "))
    found["intacct"] += [f"CUSTOMER NAME={k} x{n}" for k, n in copies.items() if n > 1]
    products = Counter(p.get("ProductCode") for p in sf.list("Product2")
                       if str(p.get("ProductCode") or "").startswith("SOAK-"))
    found["salesforce"] += [f"Product2 ProductCode={k} x{n}" for k, n in products.items() if n > 1]
    return found


def lost(boxes: Any, plan: dict[str, Any]) -> dict[str, list[str]]:
    """Records a mapping must copy that have no partner with their key, per side missing."""
    sf, ia = boxes.salesforce.store, boxes.intacct.store
    found: dict[str, list[str]] = {"salesforce": [], "intacct": []}
    for mapping in plan["mappings"]:
        i_side, s_side = mapping["intacct"], mapping["salesforce"]
        if mapping["kind"] == "action" or i_side.get("filter") or s_side.get("filter"):
            continue
        intacct = [r for r in ia.list(i_side["object"])
                   if not i_side.get("docparid") or r.get("DOCPARID") == i_side["docparid"]]
        i_keys = {str(r[i_side["key"]]) for r in intacct if r.get(i_side["key"])}
        salesforce = sf.list(s_side["object"])
        s_keys = {str(r[s_side["key"]]) for r in salesforce if r.get(s_side["key"])}
        name = mapping["name"]
        if "salesforce" in mapping["create"]:
            found["salesforce"] += [f"{name} {k}" for k in sorted(i_keys - s_keys)]
        if "intacct" in mapping["create"]:
            found["intacct"] += [
                f"{name} {r['Id']}" for r in salesforce
                if str(r.get(s_side["key"]) or "") not in i_keys
            ]
    return found


def verdict(directory: Path, records: int) -> dict[str, Any]:
    """Duplicates, lost records and reconcile, with the sandboxes started without faults."""
    with started(directory, records, None, 0) as boxes:
        with RunContext.open(directory / "mapsync.yaml") as ctx:
            plan = ctx.effective_plan()
            check = reconcile(plan, ctx.intacct, ctx.salesforce, ctx.state,
                              timezone=ctx.config.intacct.timezone).to_dict()
            open_errors = len(ctx.state.errors())
        return {
            "duplicates": duplicates(boxes, plan),
            "lost": lost(boxes, plan),
            "reconcile_in_step": check["in_step"],
            "out_of_step": [m["name"] for m in check["mappings"] if not m["in_step"]],
            "open_errors": open_errors,
        }


# -- the soak ---------------------------------------------------------------------------------


def soak(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(args.dir or tempfile.mkdtemp(prefix="mapsync-soak-"))
    rng = random.Random(args.seed)
    stormy = storm(args.fault_rate)
    kills, rounds, ceiling = 0, 0, FIRST_CEILING
    faults: Counter[str] = Counter()
    edits: Counter[str] = Counter()
    began = time.monotonic()
    while kills < args.kills:
        rounds += 1
        storming = rounds % 2 == 1
        with started(directory, args.records, stormy if storming else None, rounds) as boxes:
            if rounds > 1:
                edits += edit_both_sides(boxes, rng, args.edits, rounds)
            killed, used = sync_killed_after(boxes, directory, rng.randint(1, max(ceiling, 2)))
            faults += faults_seen(boxes)
        if killed:
            kills += 1
        else:
            ceiling = used
        if not args.json:
            print(f"round {rounds}: {'storm' if storming else 'calm'}, "
                  f"{'killed after' if killed else 'finished in'} {used} calls; "
                  f"kills {kills}/{args.kills}", flush=True)
    converge: list[dict[str, Any]] = []
    with started(directory, args.records, stormy, rounds + 1) as boxes:
        for _ in range(CONVERGE_RUNS):
            converge.append(sync_to_end(directory))
            if converge[-1]["failed"] == 0 and not converge[-1]["fatal"]:
                break
        faults += faults_seen(boxes)
    with started(directory, args.records, None, 0):
        calm = sync_to_end(directory)
    result = verdict(directory, args.records)
    result.update({
        "dir": str(directory), "records": args.records, "rounds": rounds, "kills": kills,
        "faults": dict(sorted(faults.items())), "faults_total": sum(faults.values()),
        "edits": dict(sorted(edits.items())), "converge_runs": len(converge),
        "last_storm_run_failed": converge[-1]["failed"], "calm_run_changes": calm["changes"],
        "calm_run_failed": calm["failed"], "seconds": round(time.monotonic() - began),
    })
    return result


def report(result: dict[str, Any]) -> None:
    dup = {side: len(v) for side, v in result["duplicates"].items()}
    gone = {side: len(v) for side, v in result["lost"].items()}
    print(f"soak on {result['dir']}: {result['records']} accounts, {result['rounds']} rounds, "
          f"{result['seconds']} s")
    print(f"kills: {result['kills']}")
    print(f"faults injected: {result['faults_total']} {result['faults']}")
    print(f"edits: {sum(result['edits'].values())} {result['edits']}")
    print(f"converged after {result['converge_runs']} stormy run(s); calm run: "
          f"{result['calm_run_changes']} change(s), {result['calm_run_failed']} failed")
    print(f"duplicates: intacct {dup['intacct']}, salesforce {dup['salesforce']}")
    for side in ("intacct", "salesforce"):
        for line in result["duplicates"][side][:5]:
            print(f"  duplicate in {side}: {line}")
    print(f"lost: intacct {gone['intacct']}, salesforce {gone['salesforce']}")
    for side in ("intacct", "salesforce"):
        for line in result["lost"][side][:5]:
            print(f"  missing in {side}: {line}")
    print(f"open errors: {result['open_errors']}")
    state = "in step" if result["reconcile_in_step"] else f"NOT in step {result['out_of_step']}"
    print(f"reconcile: {state}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", help="work directory (default: a new temporary one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = soak(args)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        report(result)
    clean = (not any(result["duplicates"].values()) and not any(result["lost"].values())
             and result["reconcile_in_step"])
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
