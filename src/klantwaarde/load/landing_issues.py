"""What the landing zone holds that no drop loads: named, never silently passed over.

A folder of a system whose name is not a date, a folder that is no system, a file or a
manifest entry that is not a contract file, a drop still without its manifest while a
later drop of its system is complete. None of these stops the night (the contract's drops
load as they are), and each is written to `meta.landing_issues` (the state of the landing
zone as the last load saw it), logged as a warning and shown by `run`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.load.landing import Drop, read_manifest

log = logging.getLogger(__name__)

TABLE = "meta.landing_issues"  # its columns: load.schema.META_TABLES


@dataclass(frozen=True, order=True)
class LandingIssue:
    folder: str
    file_name: str | None
    system: str | None
    issue: str
    outcome: str

    def __str__(self) -> str:
        where = f"{self.folder}/{self.file_name}" if self.file_name else self.folder
        return f"{where}: {self.issue} ({self.outcome})"


def _is_date_name(name: str) -> bool:
    try:
        return date.fromisoformat(name).isoformat() == name
    except ValueError:
        return False


def _folder_issues(landing: Path) -> list[LandingIssue]:
    found: list[LandingIssue] = []
    for child in sorted(landing.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        if child.name not in contract.SYSTEMS:
            found.append(
                LandingIssue(child.name, None, None, "not a system of the contract", "not read")
            )
            continue
        for folder in sorted(child.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir() or _is_date_name(folder.name):
                continue
            holds = " and holds a manifest" if (folder / contract.MANIFEST_NAME).exists() else ""
            found.append(
                LandingIssue(
                    f"{child.name}/{folder.name}",
                    None,
                    child.name,
                    f"folder name is not a YYYY-MM-DD extract date{holds}",
                    "not loaded",
                )
            )
    return found


def _drop_issues(drop: Drop) -> list[LandingIssue]:
    """Files and manifest entries of a complete drop that are not contract files."""
    known = {e.file_name for e in contract.entities(drop.system)}
    try:
        listed = set(read_manifest(drop))
    except LoadError:
        return []  # the loader names a manifest it cannot read when it loads the drop
    present = {
        p.name for p in drop.path.iterdir() if p.name != contract.MANIFEST_NAME and p.is_file()
    }
    found = []
    for name in sorted((listed | present) - known):
        if name in listed and name not in present:
            issue = "listed in the manifest, absent from the drop, and not a contract file"
        elif name in listed:
            issue = "listed in the manifest but not a contract file"
        else:
            issue = "not a contract file"
        found.append(LandingIssue(drop.label, name, drop.system, issue, "not loaded"))
    return found


def _pending_issues(drops: list[Drop]) -> list[LandingIssue]:
    """Drops still without a manifest while a later drop of their system is complete."""
    newest: dict[str, date] = {}
    for d in drops:
        if d.is_complete:
            newest[d.system] = max(newest.get(d.system, d.extract_date), d.extract_date)
    return [
        LandingIssue(
            d.label,
            None,
            d.system,
            f"no manifest yet, while the later drop of {newest[d.system].isoformat()} is complete",
            "waits: loaded when its manifest arrives",
        )
        for d in drops
        if not d.is_complete and d.system in newest and d.extract_date < newest[d.system]
    ]


def find_issues(landing: Path, drops: list[Drop]) -> list[LandingIssue]:
    """Every issue of the landing zone, given its drops up to the as-of date."""
    landing = Path(landing)
    if not landing.is_dir():
        return []
    found = _folder_issues(landing)
    for drop in drops:
        if drop.is_complete:
            found += _drop_issues(drop)
    found += _pending_issues(drops)
    return sorted(found)


def record(
    con: duckdb.DuckDBPyConnection, issues: list[LandingIssue], as_of: date, seen_at: datetime
) -> None:
    """Replace `meta.landing_issues` with what this load saw; warn about each issue."""
    con.execute(f"DELETE FROM {TABLE}")
    if issues:
        con.executemany(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i.system, i.folder, i.file_name, i.issue, i.outcome, as_of, seen_at) for i in issues],
        )
    for issue in issues:
        log.warning("landing zone: %s", issue)
