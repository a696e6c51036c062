"""Write the report next to the published mart, atomically."""

from __future__ import annotations

import os
from pathlib import Path

from klantwaarde.report.figures import read
from klantwaarde.report.page import render


def build_report(published_mart: Path) -> Path:
    """Render `<published dir>/report/index.html` from the published mart file."""
    published_mart = Path(published_mart)
    out_dir = published_mart.parent / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    temp = out_dir / f".index.html.{os.getpid()}.tmp"
    temp.write_text(render(read(published_mart)), encoding="utf-8")
    os.replace(temp, target)
    return target
