"""`klantwaarde run` through the real console entry point: a gate → exit 2, one line."""

from __future__ import annotations

import subprocess
import sys


def test_run_stops_with_one_line_when_drops_are_not_ready(tmp_path):
    landing = tmp_path / "landing"
    (landing / "erp" / "2026-03-01").mkdir(parents=True)
    (landing / "erp" / "2026-03-01" / "_manifest.json").write_text("{}")
    (landing / "crm" / "2026-03-01").mkdir(parents=True)  # still being written
    warehouse = tmp_path / "wh" / "klantwaarde.duckdb"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "klantwaarde.cli",
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--as-of",
            "2026-03-01",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"klantwaarde run: no complete drop for crm, servicedesk on 2026-03-01 "
        f"(expected {landing}/<system>/2026-03-01/_manifest.json)"
    ]
    assert not warehouse.exists()  # nothing was opened, let alone published
