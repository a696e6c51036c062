"""Reading a generated landing zone back (for the tests only)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd

from klantwaarde import contract


def manifests(landing: Path) -> list[Path]:
    return sorted(Path(landing).glob("*/*/_manifest.json"))


def manifest_problems(landing: Path) -> list[str]:
    """Every way a manifest disagrees with its drop (empty list: all true)."""
    problems = []
    for m in manifests(landing):
        body = json.loads(m.read_text(encoding="utf-8"))
        for name, f in body["files"].items():
            path = m.parent / name
            if not path.exists():
                problems.append(f"{path}: missing")
                continue
            data = path.read_bytes()
            rows = data.count(b"\n") - (1 if name.endswith(".csv") and data else 0)
            if rows != f["rows"]:
                problems.append(f"{path}: {rows} rows, manifest {f['rows']}")
            if hashlib.sha256(data).hexdigest() != f["sha256"]:
                problems.append(f"{path}: sha256 differs")
            if name.endswith(".csv") and data:
                header = data.split(b"\n", 1)[0].decode().split(",")
                meta = contract.entity_for_file(body["system"], name)
                if not set(meta.columns) <= set(header):
                    problems.append(f"{path}: columns {header}")
    return problems


def read_all(landing: Path, system: str, entity: str) -> pd.DataFrame:
    """Every row of every complete drop, all text, with its extract date."""
    meta = contract.entity(system, entity)
    frames = []
    for m in manifests(landing):
        if m.parent.parent.name != system:
            continue
        path = m.parent / meta.file_name
        if not path.exists() or path.stat().st_size == 0:
            continue
        if meta.ext == "csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            df = pd.read_json(path, lines=True, dtype=False)
        df["_extract_date"] = m.parent.name
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def latest(df: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """The latest version of every key (the latest drop wins)."""
    return df.sort_values("_extract_date", kind="stable").drop_duplicates(list(key), keep="last")


def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()
