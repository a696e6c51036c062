"""Write the landing zone: `<out>/<system>/<YYYY-MM-DD>/<entity>.<ext>` + `_manifest.json`.

Every entity is one table of row *versions*: `_v` is the night a version is first
exported, `_nv` the night the next version of the same key is (NEVER when none). A
master snapshot on night D holds the versions with `_v <= D < _nv`; a delta on night D
(previous drop P) holds those with `P < _v <= D < _nv`, so a row corrected later comes
again with its new values. DuckDB formats and writes the files (`COPY … TO`), in the
order of the registered table, so the same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from klantwaarde import contract
from klantwaarde.generate.events import G36_MACRO
from klantwaarde.generate.timeline import Timeline


@dataclass
class Spec:
    """How one entity is written: its versions table and the SQL of its columns."""

    system: str
    entity: str
    table: pa.Table
    select: list[str]  # SQL expressions, one per contract column, in contract order
    pre: list[str] = field(default_factory=list)  # helper columns computed first

    @property
    def meta(self) -> contract.Entity:
        return contract.entity(self.system, self.entity)


def connect(tl: Timeline, seed: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={"threads": 2, "memory_limit": "6GB", "preserve_insertion_order": True}
    )
    start = tl.start.isoformat()
    con.execute(G36_MACRO)
    con.execute(f"CREATE MACRO d(x) AS DATE '{start}' + CAST(x AS INTEGER)")
    con.execute(
        f"CREATE MACRO ts_erp(s) AS strftime(TIMESTAMP '{start}' + to_seconds(CAST(s AS BIGINT)),"
        " '%Y-%m-%d %H:%M:%S')"
    )
    con.execute(
        f"CREATE MACRO ts_iso(s) AS strftime(TIMESTAMP '{start}' + to_seconds(CAST(s AS BIGINT)),"
        " '%Y-%m-%dT%H:%M:%SZ')"
    )
    con.execute("CREATE MACRO cents(x) AS CAST(x * 0.01 AS DECIMAL(18,2))")
    con.execute(f"CREATE MACRO seedtxt() AS '{seed}'")
    return con


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class DropWriter:
    out: Path
    tl: Timeline
    con: duckdb.DuckDBPyConnection
    # per (system, entity, day): extra SQL columns appended (the "added column" fault)
    extra_columns: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    # called on every written file before the manifest (spec, night, path, rows written);
    # may rewrite the file (planted faults) and returns its data rows
    after_file: Callable[[Spec, int, Path, int], int] | None = None
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def write_system(self, specs: list[Spec], days: list[int], pending: int | None) -> None:
        for spec in specs:
            self.con.register(f"t_{spec.entity}", spec.table)
        prev = -(10**9)
        for day in days:
            self._write_drop(specs, day, prev, manifest=True)
            prev = day
        if pending is not None:
            self._write_drop(specs, pending, prev, manifest=False)
        for spec in specs:
            self.con.unregister(f"t_{spec.entity}")

    def _write_drop(self, specs: list[Spec], day: int, prev: int, manifest: bool) -> None:
        system = specs[0].system
        folder = self.out / system / self.tl.iso(day)
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict] = {}
        for spec in specs:
            meta = spec.meta
            if meta.kind == "master":
                where = f"_v <= {day} AND _nv > {day}"
            else:
                where = f"_v > {prev} AND _v <= {day} AND _nv > {day}"
            cols = list(spec.select) + self.extra_columns.get((system, spec.entity, day), [])
            src = f"t_{spec.entity}"
            if spec.pre:
                src = f"(SELECT *, {', '.join(spec.pre)} FROM {src} WHERE {where})"
            path = folder / meta.file_name
            fmt = "(FORMAT JSON)" if meta.ext == "jsonl" else "(HEADER, DELIMITER ',')"
            sql = f"COPY (SELECT {', '.join(cols)} FROM {src} WHERE {where}) TO '{path}' {fmt}"
            t0 = time.perf_counter()
            rows = self.con.execute(sql).fetchone()[0]
            t1 = time.perf_counter()
            if self.after_file is not None:
                rows = self.after_file(spec, day, path, rows)
            files[meta.file_name] = {"rows": int(rows), "sha256": sha256(path)}
            st = self.stats.setdefault(
                f"{system}.{spec.entity}",
                {"files": 0, "rows": 0, "bytes": 0, "write_s": 0.0, "check_s": 0.0},
            )
            st["write_s"] += t1 - t0
            st["check_s"] += time.perf_counter() - t1
            st["files"] += 1
            st["rows"] += int(rows)
            st["bytes"] += path.stat().st_size
        if manifest:
            body = {
                "system": system,
                "extract_date": self.tl.iso(day),
                "files": dict(sorted(files.items())),
            }
            tmp = folder / "_manifest.json.tmp"
            tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
            tmp.rename(folder / contract.MANIFEST_NAME)
