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


def _run_cli(tmp_path, *extra: str) -> subprocess.CompletedProcess:
    landing = tmp_path / "landing"
    (landing / "erp" / "2026-03-01").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "klantwaarde.cli", "run", "--landing", str(landing),
         "--warehouse", str(tmp_path / "wh" / "klantwaarde.duckdb"), "--as-of", "2026-03-01",
         *extra],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_run_says_each_step_as_it_starts_and_quiet_silences_it(tmp_path):
    talking = _run_cli(tmp_path)
    lines = talking.stdout.splitlines()
    assert lines[0] == "configure: the config folder: cost model and thresholds …"
    assert lines[1].startswith("configure: done in ")
    assert lines[2:] == ["wait_for_drops: complete drops from all three systems …"]
    assert len(talking.stderr.strip().splitlines()) == 1
    quiet = _run_cli(tmp_path, "--quiet")
    assert quiet.stdout == ""
    assert quiet.stderr == talking.stderr


def test_every_option_of_every_command_has_a_help_text():
    import argparse

    from klantwaarde.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {'/'.join(action.option_strings)}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.option_strings and not action.help
    ]
    assert set(commands.choices) >= {"generate", "run", "report", "demo"}
    assert missing == []
