"""load_landing: every complete, not yet loaded drop up to the as-of date → raw tables.

One drop is one transaction: verified first (files, checksums), then file by file
(masters first) typed, quarantined, flagged and appended, row counts checked against the
manifest and `rows_in = rows_loaded + rows_quarantined` asserted, then logged. A drop
that fails leaves nothing behind; drops loaded before it in the same call stay.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from klantwaarde import progress
from klantwaarde.errors import LoadError
from klantwaarde.load import landing_issues, quarantined_gl
from klantwaarde.load.file_load import cleanup, load_file
from klantwaarde.load.landing import Drop, find_drops, read_manifest
from klantwaarde.load.log import (
    FileResult,
    loaded_drops,
    logged_files,
    write_load_log,
)
from klantwaarde.load.schema import ensure_schemas
from klantwaarde.load.verify import VerifiedFile, file_facts, verify_drop
from klantwaarde.settings import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

FX_RATES_SEED = DBT_PROJECT_DIR / "seeds" / "fx_rates.csv"


@dataclass
class LoadSummary:
    loaded: list[Drop] = field(default_factory=list)  # drops loaded in this call
    skipped: list[Drop] = field(default_factory=list)  # complete drops loaded before
    pending: list[Drop] = field(default_factory=list)  # no manifest yet: not loaded
    files: list[FileResult] = field(default_factory=list)  # one per file loaded
    touched_from: date | None = None  # first day of the earliest month touched, or None
    issues: list[landing_issues.LandingIssue] = field(default_factory=list)  # not loaded

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def as_dict(self) -> dict:
        """JSON-able form (for an XCom or a run report)."""
        return {
            "loaded": [d.label for d in self.loaded],
            "skipped": [d.label for d in self.skipped],
            "pending": [d.label for d in self.pending],
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "touched_from": self.touched_from.isoformat() if self.touched_from else None,
            "landing_issues": [str(i) for i in self.issues],
            "files": [
                {
                    "file": f.source_file,
                    "rows_in": f.rows_in,
                    "rows_loaded": f.rows_loaded,
                    "rows_quarantined": f.rows_quarantined,
                    "flags": f.flags,
                    "seconds": round(f.seconds, 3),
                }
                for f in self.files
            ],
        }

    def describe(self) -> str:
        return (
            f"{len(self.loaded)} drop(s) loaded, {len(self.skipped)} already loaded, "
            f"{len(self.pending)} pending; {self.rows_loaded} rows loaded, "
            f"{self.rows_quarantined} quarantined; touched from {self.touched_from}"
            + (f"; {len(self.issues)} landing zone issue(s)" if self.issues else "")
        )


def known_currencies(seed: Path = FX_RATES_SEED) -> frozenset[str]:
    """Currencies with a rate in the fx seed; only EUR when the seed is missing."""
    if not seed.is_file():
        return frozenset({"EUR"})
    with open(seed, encoding="utf-8", newline="") as handle:
        found = {row["currency"].strip() for row in csv.DictReader(handle) if row.get("currency")}
    return frozenset(found | {"EUR"})


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    as_of: date,
    *,
    currencies: Iterable[str] | None = None,
    rehash_loaded: bool = False,
) -> LoadSummary:
    """Load every complete drop dated up to `as_of` that is not loaded yet, in date order.

    Already loaded drops are skipped, after checking their files did not change since
    (manifest checksum against the log; files whose size or mtime differ from the log, or
    every file with `rehash_loaded`, are hashed again). Raises LoadError naming the file
    and the problem; the drops loaded before it stay, and the error carries the partial
    summary as `.summary`.
    """
    landing = Path(landing)
    ensure_schemas(con)
    currency_set = frozenset(currencies) if currencies is not None else known_currencies()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    summary = LoadSummary()
    done = loaded_drops(con)
    progress = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")  # no bars in task logs
    drops = find_drops(landing, as_of)
    to_load = [d for d in drops if d.is_complete and (d.system, d.extract_date) not in done]
    # A drop is verified (its files hashed) before its transaction begins; the next one
    # already on a helper thread while this one loads, so that the hashing runs on the core
    # DuckDB leaves idle instead of between two loads.
    ahead = ThreadPoolExecutor(max_workers=1)
    next_verified: Future[list[VerifiedFile]] | None = None
    try:
        for drop in drops:
            if not drop.is_complete:
                summary.pending.append(drop)
            elif (drop.system, drop.extract_date) in done:
                check_unchanged(con, drop, rehash=rehash_loaded)
                summary.skipped.append(drop)
            else:
                if next_verified is not None:
                    verified = next_verified.result()
                else:
                    verified = verify_drop(drop)
                following = len(summary.loaded) + 1  # index of the next drop in to_load
                next_verified = None
                if following < len(to_load):
                    next_verified = ahead.submit(verify_drop, to_load[following], 1)
                summary.files.extend(load_drop(con, drop, loaded_at, currency_set, verified))
                summary.loaded.append(drop)
    except LoadError as exc:
        summary.touched_from = _touched_from(summary.files)
        exc.summary = summary  # type: ignore[attr-defined]
        raise
    finally:
        ahead.shutdown(wait=True, cancel_futures=True)
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
    summary.touched_from = _touched_from(summary.files)
    summary.issues = landing_issues.find_issues(landing, drops)
    landing_issues.record(con, summary.issues, as_of, loaded_at)
    quarantined_gl.refresh(con)  # GL money the quarantine holds (reconciliation_ledger)
    log.info("load: %s", summary.describe())
    return summary


def _touched_from(files: list[FileResult]) -> date | None:
    dates = [f.business_date_min for f in files if f.business_date_min is not None]
    return min(dates).replace(day=1) if dates else None


def check_unchanged(con: duckdb.DuckDBPyConnection, drop: Drop, rehash: bool = False) -> None:
    """A loaded drop whose files changed since is an error, never a silent reload."""
    logged = logged_files(con, drop)
    manifest = read_manifest(drop)
    for name, entry in logged.items():
        where = drop.source_file(name)
        listed = manifest.get(name)
        if listed is not None and listed.sha256 != entry.sha256:
            raise LoadError(
                f"{where}: changed after it was loaded (manifest sha256 {listed.sha256[:12]}…, "
                f"loaded {entry.sha256[:12]}…)"
            )
        path = drop.path / name
        if not path.is_file():
            continue  # cleaned up from the landing zone: nothing to compare
        stat = path.stat()
        if rehash or stat.st_size != entry.file_size or stat.st_mtime_ns != entry.file_mtime_ns:
            sha = file_facts(path).sha256
            if sha != entry.sha256:
                raise LoadError(
                    f"{where}: changed after it was loaded (sha256 now {sha[:12]}…, "
                    f"loaded {entry.sha256[:12]}…)"
                )


def load_drop(
    con: duckdb.DuckDBPyConnection,
    drop: Drop,
    loaded_at: datetime,
    currencies: frozenset[str],
    verified: list[VerifiedFile] | None = None,
) -> list[FileResult]:
    """Verify (unless given its verified files) and load one drop in one transaction;
    nothing of it stays when it fails."""
    if verified is None:
        verified = verify_drop(drop)
    results: list[FileResult] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for vf in verified:
            progress.say(f"  load: {vf.source_file}")
            result = load_file(con, drop, vf, loaded_at, currencies)
            write_load_log(con, result, loaded_at)
            results.append(result)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        cleanup(con)
    for r in results:
        log.info(
            "%s: %d in, %d loaded, %d quarantined%s (%.2fs)",
            r.source_file,
            r.rows_in,
            r.rows_loaded,
            r.rows_quarantined,
            f", flags {r.flags}" if r.flags else "",
            r.seconds,
        )
    return results
