"""Documentation step: dbt docs (with the catalog of the run's warehouse) and GX Data Docs.

Both go under `settings.docs_dir`:
- `dbt/index.html` + `manifest.json` + `catalog.json` (serve the folder, or open
  `dbt/static_index.html`, a single self-contained file that works from disk);
- `gx/index.html`, the Great Expectations Data Docs of this warehouse's validations.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from klantwaarde.settings import RunSettings

DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


@dataclass(frozen=True)
class DocsSummary:
    dbt_docs: str
    data_docs: str

    def as_dict(self) -> dict[str, str]:
        return {"dbt_docs": self.dbt_docs, "data_docs": self.data_docs}


def build_dbt_docs(settings: RunSettings) -> str:
    """`dbt docs generate --static` in-process (same target folder and environment as the
    build step, and like its parse without vars, so dbt's partial parse is reused); the
    dbt connection is closed after."""
    from klantwaarde.dbt_invoke import invoke

    invoke(settings, ["docs", "generate", "--static", "--no-compile"], what="docs generate")
    target = settings.output_dir / "dbt_target"
    out = settings.docs_dir / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        if (target / name).exists():
            shutil.copy2(target / name, out / name)
    return str(out / "static_index.html")


def build_docs(settings: RunSettings) -> DocsSummary:
    """dbt docs, and the GX Data Docs site. The check and segment steps of the run have
    already rendered their validation results into it; the whole site is built here only
    when its index is missing (a new docs folder), not again every night."""
    from klantwaarde.checks import build_data_docs

    dbt_docs = build_dbt_docs(settings)
    index = settings.docs_dir / "gx" / "index.html"
    data_docs = str(index) if index.is_file() else build_data_docs(settings)
    return DocsSummary(dbt_docs=dbt_docs, data_docs=data_docs)


def docs_paths(settings: RunSettings) -> dict[str, Path]:
    return {
        "dbt_docs": settings.docs_dir / "dbt" / "index.html",
        "data_docs": settings.docs_dir / "gx" / "index.html",
    }
