"""meta.load_log and meta.quarantine: what was loaded, what was not and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from klantwaarde.load.landing import Drop


@dataclass(frozen=True)
class FileResult:
    """One file of one drop: the load_log row."""

    system: str
    extract_date: date
    file_name: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    sha256: str
    status: str
    flags: str | None
    file_size: int
    file_mtime_ns: int
    business_date_min: date | None = None
    seconds: float = 0.0

    @property
    def source_file(self) -> str:
        return f"{self.system}/{self.extract_date.isoformat()}/{self.file_name}"


@dataclass(frozen=True)
class LoggedFile:
    sha256: str
    file_size: int | None
    file_mtime_ns: int | None


def loaded_drops(con: duckdb.DuckDBPyConnection) -> set[tuple[str, date]]:
    rows = con.execute(
        "SELECT DISTINCT system, extract_date FROM meta.load_log WHERE status = 'loaded'"
    ).fetchall()
    return {(system, d) for system, d in rows}


def logged_files(con: duckdb.DuckDBPyConnection, drop: Drop) -> dict[str, LoggedFile]:
    rows = con.execute(
        "SELECT file_name, sha256, file_size, file_mtime_ns FROM meta.load_log "
        "WHERE system = ? AND extract_date = ? AND status = 'loaded'",
        [drop.system, drop.extract_date],
    ).fetchall()
    return {name: LoggedFile(sha, size, mtime) for name, sha, size, mtime in rows}


def write_load_log(con: duckdb.DuckDBPyConnection, result: FileResult, loaded_at: datetime) -> None:
    con.execute(
        "INSERT INTO meta.load_log (system, extract_date, file_name, rows_in, rows_loaded, "
        "rows_quarantined, sha256, loaded_at, status, flags, file_size, file_mtime_ns, "
        "business_date_min) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.system,
            result.extract_date,
            result.file_name,
            result.rows_in,
            result.rows_loaded,
            result.rows_quarantined,
            result.sha256,
            loaded_at,
            result.status,
            result.flags,
            result.file_size,
            result.file_mtime_ns,
            result.business_date_min,
        ],
    )


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    drop: Drop,
    file_name: str,
    rows: list[tuple[int | None, str | None, str]],
) -> int:
    """Quarantine a few rows given in Python: (line_no, raw_content, reason)."""
    if rows:
        con.executemany(
            "INSERT INTO meta.quarantine VALUES (?, ?, ?, ?, ?, ?)",
            [(drop.system, drop.extract_date, file_name, ln, raw, why) for ln, raw, why in rows],
        )
    return len(rows)
