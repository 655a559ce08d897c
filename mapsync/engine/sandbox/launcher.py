"""Both sandboxes in one process, over one data directory that keeps their data between runs.

    with Sandboxes("~/.mapsync/sandbox", records=200) as boxes:
        info = boxes.connection_info()   # {"intacct": {...}, "salesforce": {...}}

Layout of the data directory: `intacct.db` and `salesforce.db` (SQLite), `tls/` (the local
CA that signs the Salesforce certificate, renewed on each start), `seed.json` (what the first
start seeded, "none" included; a directory with it is never seeded again), and `serve.json`
while the servers run (where their statistics are served; no credentials).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from mapsync.engine.catalog import Catalogs
from mapsync.engine.sandbox.demo import PROFILES, SeedReport, seed
from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.intacct import IntacctSandbox
from mapsync.engine.sandbox.intacct.server import STATS_PATH
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

INTACCT_DB = "intacct.db"
SALESFORCE_DB = "salesforce.db"
TLS_DIR = "tls"
SEED_FILE = "seed.json"
SERVE_FILE = "serve.json"
DEFAULT_RECORDS = 100


class SandboxDataError(RuntimeError):
    """The data directory is in a state the launcher will not guess about; the message says
    what to do (usually: remove the directory)."""


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """How to start the sandboxes: data, seeding and fault injection."""

    data_dir: Path
    seed_profile: str = "demo"
    records: int = DEFAULT_RECORDS
    faults: str | None = None
    fault_seed: int = 0
    data_seed: int = 0
    slow_seconds: float = 0.2


class Sandboxes:
    """The Intacct gateway and the Salesforce org, started and stopped together.

    `start()` creates the data directory if needed, starts both servers on 127.0.0.1
    (ephemeral ports), and seeds them when the directory holds no data yet. `seeded` is the
    report of that seed (None when the data was already there or the profile is "none").
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        seed_profile: str = "demo",
        records: int = DEFAULT_RECORDS,
        faults: str | None = None,
        fault_seed: int = 0,
        data_seed: int = 0,
        slow_seconds: float = 0.2,
        catalogs: Catalogs | None = None,
    ) -> None:
        if seed_profile not in PROFILES:
            raise ValueError(f"unknown seed profile {seed_profile!r}; use {', '.join(PROFILES)}")
        if records < 1:
            raise ValueError("records must be at least 1")
        self.options = SandboxOptions(
            Path(data_dir).expanduser(), seed_profile, records, faults, fault_seed, data_seed,
            slow_seconds,
        )
        # Parse now so a bad --faults fails before anything starts.
        self._plan(self.options.faults)
        # A rule set's custom fields and objects (`serve --schema`), else the shipped catalogs.
        self.catalogs = catalogs
        self.seeded: SeedReport | None = None
        self._intacct: IntacctSandbox | None = None
        self._salesforce: SalesforceSandbox | None = None

    # -- paths ------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The directory holding both databases."""
        return self.options.data_dir

    def path(self, name: str) -> Path:
        """A file inside the data directory."""
        return self.data_dir / name

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> Sandboxes:
        """Start both servers (seeding a new directory first); returns self."""
        if self._intacct is not None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / TLS_DIR).mkdir(exist_ok=True)
        try:
            catalogs = self.catalogs
            self._intacct = IntacctSandbox(
                self.path(INTACCT_DB), faults=self._plan(self.options.faults),
                catalogs=dict(catalogs.intacct) if catalogs else None,
            ).start()
            self._salesforce = SalesforceSandbox(
                self.path(SALESFORCE_DB), faults=self._plan(self.options.faults),
                ca_dir=self.data_dir / TLS_DIR,
                objects=list(catalogs.salesforce.values()) if catalogs else None,
            ).start()
            self.seeded = self._seed_if_new()
            self._write_serve_file()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both servers and close their databases (the data stays)."""
        salesforce, self._salesforce = self._salesforce, None
        intacct, self._intacct = self._intacct, None
        try:
            if salesforce is not None:
                salesforce.stop()
        finally:
            if intacct is not None:
                intacct.stop()
            self.path(SERVE_FILE).unlink(missing_ok=True)

    def __enter__(self) -> Sandboxes:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _plan(self, spec: str | None) -> FaultPlan:
        return FaultPlan.parse(
            spec, seed=self.options.fault_seed, slow_seconds=self.options.slow_seconds
        )

    # -- seeding ------------------------------------------------------------------------

    def is_new(self) -> bool:
        """True when the directory was never started (it has no `seed.json`)."""
        return not self.path(SEED_FILE).exists()

    def _seed_if_new(self) -> SeedReport | None:
        if not self.is_new():
            return None
        if self.intacct.store.objects():
            raise SandboxDataError(
                f"{self.data_dir} holds sandbox data but no {SEED_FILE}: an earlier seed was "
                "interrupted. Remove the directory to start afresh."
            )
        report = seed(
            self.intacct, self.salesforce, records=self.options.records,
            profile=self.options.seed_profile, seed=self.options.data_seed,
        )
        self._write_json(SEED_FILE, report.as_dict())
        return report if report.profile != "none" else None

    # -- running servers -------------------------------------------------------------------

    @property
    def intacct(self) -> IntacctSandbox:
        """The running Intacct gateway."""
        if self._intacct is None:
            raise RuntimeError("the sandboxes are not running; call start() first")
        return self._intacct

    @property
    def salesforce(self) -> SalesforceSandbox:
        """The running Salesforce org."""
        if self._salesforce is None:
            raise RuntimeError("the sandboxes are not running; call start() first")
        return self._salesforce

    def connection_info(self) -> dict[str, dict[str, str]]:
        """Endpoints and credentials, in the shape `mapsync sandbox serve --json` prints."""
        creds = self.intacct.credentials
        sf = self.salesforce.endpoints()
        return {
            "intacct": {
                "endpoint": self.intacct.url,
                "sender_id": creds.sender_id,
                "sender_password": creds.sender_password,
                "company_id": creds.company_id,
                "user_id": creds.user_id,
                "user_password": creds.user_password,
            },
            "salesforce": {
                name: sf[name]
                for name in ("instance_url", "login_url", "client_id", "client_secret",
                             "username", "password", "ca_bundle")
            },
        }

    def stats_urls(self) -> dict[str, str]:
        """Where each server answers its call statistics (GET, JSON)."""
        return {
            "intacct": self.intacct.base_url + STATS_PATH,
            "salesforce": self.salesforce.instance_url + "/__sandbox/stats",
        }

    def stats(self) -> dict[str, Any]:
        """Calls per system and operation, injected faults, from the running servers."""
        return {
            "intacct": self.intacct.stats_snapshot(),
            "salesforce": self.salesforce.stats_snapshot(),
        }

    def _write_serve_file(self) -> None:
        self._write_json(SERVE_FILE, {
            "pid": os.getpid(),
            "stats": self.stats_urls(),
            "ca_bundle": self.salesforce.ca_bundle,
        })

    def _write_json(self, name: str, payload: dict[str, Any]) -> None:
        target = self.path(name)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        temporary.replace(target)


def read_serve_file(data_dir: str | Path) -> dict[str, Any] | None:
    """Where the sandboxes serving `data_dir` answer statistics, or None if none are running."""
    path = Path(data_dir).expanduser() / SERVE_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data
