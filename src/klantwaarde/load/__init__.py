"""Landing zone → raw tables, with a load log and a quarantine."""

from klantwaarde.load.schema import ensure_schemas

__all__ = ["ensure_schemas"]
