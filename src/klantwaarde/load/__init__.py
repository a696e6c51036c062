"""Landing zone → raw tables, with a load log and a quarantine (ARCHITECTURE.md, Raw layer).

| module | one job |
|---|---|
| `landing` | find drops; complete (manifest present) or pending; read a manifest |
| `verify` | files and checksums against the manifest and the contract, before loading |
| `csv_reader`, `jsonl_reader` | a file as VARCHAR columns in file order; what cannot be split |
| `casting` | types, quarantine reasons, line numbers, duplicate keys (set-based SQL) |
| `flags` | row flags: added columns, non-EUR, mojibake repaired, unknown references |
| `file_load` | one file: append what loads, look for bad rows if any are missing, count |
| `loader` | `load_landing`: drops in date order, one transaction each, `LoadSummary` |
| `log` | meta.load_log and meta.quarantine rows |
| `schema` | raw and meta DDL |
| `bench` | `python -m klantwaarde.load.bench --lines N` |
"""

from klantwaarde.load.landing import (
    Drop,
    complete_drops,
    drops_ready,
    missing_systems,
    pending_drops,
)
from klantwaarde.load.loader import LoadSummary, known_currencies, load_landing
from klantwaarde.load.log import FileResult
from klantwaarde.load.schema import ensure_schemas

__all__ = [
    "Drop",
    "FileResult",
    "LoadSummary",
    "complete_drops",
    "drops_ready",
    "ensure_schemas",
    "known_currencies",
    "load_landing",
    "missing_systems",
    "pending_drops",
]
