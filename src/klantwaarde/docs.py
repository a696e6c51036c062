"""Documentation step: dbt docs (with the catalog of the run's warehouse) and GX Data Docs.

Both go under `settings.docs_dir`:
- `dbt/index.html` + `manifest.json` + `catalog.json` (serve the folder, or open
  `dbt/static_index.html`, a single self-contained file that works from disk);
- `gx/index.html`, the Great Expectations Data Docs of this warehouse's validations.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from klantwaarde.errors import BuildError
from klantwaarde.settings import DBT_PROJECT_DIR, RunSettings

DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


@dataclass(frozen=True)
class DocsSummary:
    dbt_docs: str
    data_docs: str

    def as_dict(self) -> dict[str, str]:
        return {"dbt_docs": self.dbt_docs, "data_docs": self.data_docs}


def _dbt_env(settings: RunSettings) -> dict[str, str]:
    return {
        "KLANTWAARDE_WAREHOUSE": str(settings.warehouse),
        "KLANTWAARDE_DUCKDB_THREADS": str(settings.duckdb.threads),
        "KLANTWAARDE_DUCKDB_MEMORY": settings.duckdb.memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def build_dbt_docs(settings: RunSettings) -> str:
    """`dbt docs generate --static` in-process, into a target folder of this run."""
    from dbt.cli.main import dbtRunner

    out = settings.docs_dir / "dbt"
    target = settings.output_dir / "dbt_target_docs"
    saved = {k: os.environ.get(k) for k in _dbt_env(settings)}
    os.environ.update(_dbt_env(settings))
    try:
        result = dbtRunner().invoke(
            [
                "docs",
                "generate",
                "--static",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target),
                "--log-path",
                str(settings.output_dir / "dbt_logs"),
                "--vars",
                json.dumps({"as_of_date": settings.as_of.isoformat()}),
                "--quiet",
            ]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if not result.success:
        reason = result.exception or "see the dbt log"
        raise BuildError(f"dbt docs generate failed: {str(reason).splitlines()[0]}")
    out.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        if (target / name).exists():
            shutil.copy2(target / name, out / name)
    return str(out / "index.html")


def build_docs(settings: RunSettings) -> DocsSummary:
    from klantwaarde.checks import build_data_docs

    dbt_docs = build_dbt_docs(settings)
    data_docs = build_data_docs(settings)
    return DocsSummary(dbt_docs=dbt_docs, data_docs=data_docs)


def docs_paths(settings: RunSettings) -> dict[str, Path]:
    return {
        "dbt_docs": settings.docs_dir / "dbt" / "index.html",
        "data_docs": settings.docs_dir / "gx" / "index.html",
    }
