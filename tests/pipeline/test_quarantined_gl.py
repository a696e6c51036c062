"""GL money in quarantine is never hidden: the gate stops, a release publishes it shown."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from klantwaarde.load.quarantined_gl import lenient_amount, read_posting
from klantwaarde.pipeline import run
from klantwaarde.settings import RunSettings

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12252,81", Decimal("12252.81")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("-75.5", Decimal("-75.50")),
        (" 40 ", Decimal("40.00")),
        ("twelve", None),
        ("", None),
        ("1e30", None),
    ],
)
def test_a_quarantined_amount_is_read_as_a_person_would(text, amount):
    assert lenient_amount(text) == amount


def test_a_rejected_line_with_a_wrong_column_count_keeps_its_key_and_date():
    posting = read_posting("G9,2025-03-31,4100,Orders,ORD,12,50,month end,")
    assert (posting.entry_no, posting.posting_date, posting.amount) == (
        "G9",
        date(2025, 3, 31),
        None,
    )


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from klantwaarde.generate import generate

    out = tmp_path_factory.mktemp("quarantined_gl") / "landing"
    generate(out=out, customers=60, months=2, seed=9, start=date(2025, 5, 1), nightly_days=1)
    return out


def _rewrite(drop: Path, name: str, text: str) -> None:
    (drop / name).write_text(text, encoding="utf-8")
    manifest = json.loads((drop / "_manifest.json").read_text())
    data = (drop / name).read_bytes()
    manifest["files"][name] = {
        "rows": len(text.splitlines()) - 1,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (drop / "_manifest.json").write_text(json.dumps(manifest))


def _cost_postings(clean: Path) -> list[str]:
    """Two cost postings of different pools or months, each allocated to a pool."""
    con = duckdb.connect(str(clean), read_only=True)
    try:
        rows = con.execute(
            """
            select min(entry_no) from intermediate.int_gl_entries_pooled
             where cost_pool <> 'unmapped' and customer_no is null and amount > 0
             group by period_month, cost_pool order by 1 limit 2
            """
        ).fetchall()
    finally:
        con.close()
    return [entry_no for (entry_no,) in rows]


def _line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def _dirty(landing: Path, out: Path, entries: list[str]) -> tuple[dict, dict]:
    """A copy of `landing` in which two cost postings are written wrongly: the first's
    amount with a decimal comma (readable as a person would), the second's as words (no
    amount at all). Returns both original rows."""
    shutil.copytree(landing, out)
    found: dict[str, dict] = {}
    for drop in sorted((out / "erp").iterdir()):
        lines = (drop / "gl_entries.csv").read_text(encoding="utf-8").splitlines()
        header = next(csv.reader([lines[0]]))
        text = [lines[0]]
        for line in lines[1:]:
            row = dict(zip(header, next(csv.reader([line])), strict=True))
            if row["entry_no"] in entries and row["entry_no"] not in found:
                found[row["entry_no"]] = row
                written = (
                    row["amount"].replace(".", ",")
                    if row["entry_no"] == entries[0]
                    else "see attachment"
                )
                line = _line([written if c == "amount" else row[c] for c in header])
            text.append(line)
        _rewrite(drop, "gl_entries.csv", "\n".join(text) + "\n")
    return found[entries[0]], found[entries[1]]


def _ledger(published: Path) -> dict[tuple, tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {
            (month, pool): rest
            for month, pool, *rest in con.execute(
                "select period_month, cost_pool, ledger_amount, quarantined_amount,"
                " quarantined_entry_count, reconciliation_status from mart.reconciliation_ledger"
            ).fetchall()
        }
    finally:
        con.close()


def test_quarantined_gl_money_stops_publish_and_is_shown_when_released(landing, tmp_path):
    last = max(date.fromisoformat(p.name) for p in (landing / "erp").iterdir())
    clean = tmp_path / "clean" / "warehouse.duckdb"
    run(RunSettings(landing=landing, warehouse=clean, as_of=last))
    first, second = _dirty(landing, tmp_path / "dirty_landing", _cost_postings(clean))
    dirty = tmp_path / "dirty" / "warehouse.duckdb"
    command = [
        sys.executable, "-m", "klantwaarde.cli", "run", "--landing",
        str(tmp_path / "dirty_landing"), "--warehouse", str(dirty), "--as-of", last.isoformat(),
    ]  # fmt: skip

    stopped = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert stopped.returncode == 2
    # the reason is the last line; a warning the run logged may come before it
    *logged, line = stopped.stderr.strip().splitlines()
    assert all(entry.startswith("WARNING:") for entry in logged), logged
    amount = Decimal(first["amount"])
    assert line.startswith(
        f"klantwaarde run: reconciliation gate: {amount} EUR of GL money in quarantine "
        f"(2 postings, 1 with an unreadable amount); the first is erp/"
    )
    assert line.endswith("--release-quarantined-gl (DAG param release_quarantined_gl)")
    published = dirty.parent / "published" / "klantwaarde_mart.duckdb"
    assert not published.exists()

    released = subprocess.run(
        [*command, "--release-quarantined-gl"], capture_output=True, text=True, timeout=600
    )
    assert released.returncode == 0, released.stderr
    assert f"published with {amount} EUR of GL money in quarantine" in released.stdout

    con = duckdb.connect(str(published), read_only=True)
    try:
        held = con.execute(
            "select entry_no, amount, period_month, cost_pool from mart.quarantined_gl_entries"
            " order by amount nulls last"
        ).fetchall()
    finally:
        con.close()
    month = date.fromisoformat(first["posting_date"]).replace(day=1)
    assert [(e, a) for e, a, _, _ in held] == [
        (first["entry_no"], amount),
        (second["entry_no"], None),
    ]
    # every pool and month: the clean ledger = the loaded ledger + what is in quarantine
    # (+ the unreadable posting's money, which is known to be missing, not how much)
    clean_con = duckdb.connect(str(clean), read_only=True)
    try:
        unreadable = clean_con.execute(
            "select period_month, cost_pool, amount from intermediate.int_gl_entries_pooled"
            " where entry_no = ?",
            [second["entry_no"]],
        ).fetchone()
    finally:
        clean_con.close()
    before = _ledger(clean.parent / "published" / "klantwaarde_mart.duckdb")
    after = _ledger(published)
    assert set(after) == set(before)
    for key, (ledger, quarantined, entries, status) in after.items():
        missing = unreadable[2] if key == unreadable[:2] else 0
        assert ledger + quarantined + missing == before[key][0], key
        assert status == ("quarantined_gl_money" if entries else "balanced"), key
    assert after[(month, held[0][3])][1] == amount
    csv_rows = list(
        csv.DictReader(
            (published.parent / "reconciliation" / f"{month:%Y-%m}.csv").open(encoding="utf-8")
        )
    )
    shown = [r for r in csv_rows if r["cost_pool"] == held[0][3]]
    assert shown[0]["quarantined_amount"] == str(amount)
    assert shown[0]["reconciliation_status"] == "quarantined_gl_money"
