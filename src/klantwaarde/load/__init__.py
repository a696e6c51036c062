"""Landing zone → raw tables, with a load log and a quarantine."""

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
