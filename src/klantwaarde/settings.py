"""Run settings shared by the CLI, the Airflow DAG and the tests."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from klantwaarde.config import CompanyConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# the shipped example config folder, the default of `--config` (klantwaarde.config)
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class DuckDBSettings:
    """Explicit resource settings for every DuckDB connection the pipeline opens."""

    memory_limit: str = field(
        default_factory=lambda: os.environ.get("KLANTWAARDE_DUCKDB_MEMORY", "3GB")
    )
    threads: int = field(default_factory=lambda: _env_int("KLANTWAARDE_DUCKDB_THREADS", 2))

    def config(self) -> dict[str, str | int]:
        return {"memory_limit": self.memory_limit, "threads": self.threads}


@dataclass(frozen=True)
class RunSettings:
    """Everything one nightly run needs to know.

    `warehouse` is the working DuckDB file: only the pipeline opens it. BI readers use
    `published_path`, a separate file that is replaced atomically by the publish step.
    """

    landing: Path
    warehouse: Path
    as_of: date
    full_refresh: bool = False
    commercial_budget: Decimal = Decimal("1000000.00")
    # GL money in quarantine stops publish (reconcile.check_quarantine) unless released
    # for this run, or unless all of it is readable and its absolute sum is at most
    # the limit (EUR; None: $KLANTWAARDE_QUARANTINED_GL_LIMIT, else the config's
    # reconciliation.quarantined_gl_limit, shipped 0.00: any quarantined GL money stops).
    release_quarantined_gl: bool = False
    quarantined_gl_limit: Decimal | None = field(
        default_factory=lambda: (
            Decimal(os.environ["KLANTWAARDE_QUARANTINED_GL_LIMIT"])
            if os.environ.get("KLANTWAARDE_QUARANTINED_GL_LIMIT")
            else None
        )
    )
    duckdb: DuckDBSettings = field(default_factory=DuckDBSettings)
    # Publish also loads schema mart into this PostgreSQL database (None: DuckDB only).
    postgres_dsn: str | None = field(
        default_factory=lambda: os.environ.get("KLANTWAARDE_POSTGRES_DSN") or None
    )

    # The company's cost model and thresholds (`--config DIR`, contracts §5).
    config_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("KLANTWAARDE_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    )

    def __post_init__(self) -> None:
        # Steps run dbt and GX from their own folders: relative paths would land there.
        object.__setattr__(self, "landing", Path(self.landing).resolve())
        object.__setattr__(self, "warehouse", Path(self.warehouse).resolve())
        object.__setattr__(self, "config_dir", Path(self.config_dir).resolve())

    @functools.cached_property
    def config(self) -> CompanyConfig:
        """The validated config folder (read once per settings object)."""
        from klantwaarde.config import load_config

        return load_config(self.config_dir)

    @property
    def gl_quarantine_limit(self) -> Decimal:
        """The limit in force (see `quarantined_gl_limit`)."""
        if self.quarantined_gl_limit is not None:
            return self.quarantined_gl_limit
        return self.config.thresholds.quarantined_gl_limit

    @property
    def output_dir(self) -> Path:
        """Everything the run writes besides the working warehouse sits next to it."""
        return self.warehouse.parent

    @property
    def published_dir(self) -> Path:
        return self.output_dir / "published"

    @property
    def published_path(self) -> Path:
        return self.published_dir / "klantwaarde_mart.duckdb"

    @property
    def reconciliation_dir(self) -> Path:
        return self.published_dir / "reconciliation"

    @property
    def docs_dir(self) -> Path:
        return self.output_dir / "docs"
