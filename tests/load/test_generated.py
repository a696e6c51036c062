"""The loader on the generator's dirty landing zone: every planted fault has its outcome."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.generate import generate
from klantwaarde.generate.faults import plant_stopping_fault
from klantwaarde.load import load_landing

QUARANTINED = {"bad_date", "bad_amount", "wrong_column_count", "broken_json", "duplicate_key"}
REASON = {
    "bad_date": (" is not a DATE", " is not a TIMESTAMP"),
    "bad_amount": (" is not a DECIMAL", " is not a INTEGER"),
    "wrong_column_count": ("wrong column count",),
    "broken_json": ("line is not valid JSON",),
    "duplicate_key": ("duplicate key",),
}
FLAG = {"mojibake": "mojibake_repaired", "non_eur_currency": "non_eur_currency"}
CURRENCIES = {"EUR", "USD", "GBP"}


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "landing"
    generate(out=out, customers=200, months=2, seed=11, dirty_rate=0.02)
    return out


@pytest.fixture(scope="module")
def loaded(dirty: Path, tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    summary = load_landing(con, dirty, date(2030, 1, 1), currencies=CURRENCIES)
    yield con, summary
    con.close()


def faults(landing: Path) -> list[dict[str, str]]:
    truth = landing.parent / f"{landing.name}_truth" / "faults.csv"
    with open(truth, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_rows_in_equal_loaded_plus_quarantined_for_every_file(loaded):
    con, summary = loaded
    assert summary.loaded and summary.files
    for f in summary.files:
        assert f.rows_in == f.rows_loaded + f.rows_quarantined, f.source_file
    for ent in contract.ENTITIES:
        mismatches = con.execute(
            f"""
            SELECT l.extract_date FROM meta.load_log l
            LEFT JOIN (SELECT _extract_date, count(*) AS n FROM {ent.raw_table} GROUP BY 1) r
              ON r._extract_date = l.extract_date
            LEFT JOIN (SELECT extract_date, count(*) AS n FROM meta.quarantine
                       WHERE system = ? AND file_name = ? GROUP BY 1) q
              ON q.extract_date = l.extract_date
            WHERE l.system = ? AND l.file_name = ?
              AND (l.rows_in <> l.rows_loaded + l.rows_quarantined
                   OR l.rows_loaded <> coalesce(r.n, 0)
                   OR l.rows_quarantined <> coalesce(q.n, 0))""",
            [ent.system, ent.file_name, ent.system, ent.file_name],
        ).fetchall()
        assert not mismatches, ent.raw_table


def test_planted_row_faults_are_quarantined_with_their_reason(dirty, loaded):
    con, _ = loaded
    planted = [f for f in faults(dirty) if f["fault"] in QUARANTINED]
    assert {f["fault"] for f in planted} == QUARANTINED
    reasons = {
        (s, str(d), f, ln): r
        for s, d, f, ln, r in con.execute(
            "SELECT system, extract_date, file_name, line_no, reason FROM meta.quarantine"
        ).fetchall()
    }
    for f in planted:
        where = (f["system"], f["extract_date"], f["file"], int(f["line_no"]))
        assert where in reasons, f"{f['fault']} at {where} not quarantined"
        assert any(x in reasons[where] for x in REASON[f["fault"]]), (where, reasons[where])
    # and nothing else is quarantined: every quarantined row is a planted fault
    assert len(reasons) == len(planted)


def test_planted_flags_are_on_the_loaded_rows(dirty, loaded):
    con, _ = loaded
    flags: dict[tuple, str] = {}
    for ent in contract.ENTITIES:
        for d, ln, fl in con.execute(
            f"SELECT _extract_date, _line_no, _flags FROM {ent.raw_table} WHERE _flags IS NOT NULL"
        ).fetchall():
            flags[(ent.system, str(d), ent.file_name, ln)] = fl
    seen = defaultdict(int)
    for f in faults(dirty):
        where = (f["system"], f["extract_date"], f["file"], int(f["line_no"]))
        if f["fault"] in FLAG:
            assert FLAG[f["fault"]] in flags.get(where, ""), (f["fault"], where)
            seen[f["fault"]] += 1
        elif f["fault"] == "unknown_reference":
            assert "unknown_" in flags.get(where, ""), where
            seen[f["fault"]] += 1
    assert set(seen) == {*FLAG, "unknown_reference"}


def test_once_per_run_faults(dirty, loaded):
    con, summary = loaded
    log = {
        (s, str(d), f): (rows_in, fl)
        for s, d, f, rows_in, fl in con.execute(
            "SELECT system, extract_date, file_name, rows_in, flags FROM meta.load_log"
        ).fetchall()
    }
    by_kind = {f["fault"]: f for f in faults(dirty)}
    empty = by_kind["empty_file"]
    assert log[(empty["system"], empty["extract_date"], empty["file"])] == (0, "empty_file")
    added = by_kind["added_column"]
    assert log[(added["system"], added["extract_date"], added["file"])][1].startswith(
        "added_columns:"
    )
    ent = contract.entity_for_file(added["system"], added["file"])
    assert con.execute(
        f"SELECT count(*) = count(_extra), bool_and(_flags LIKE '%added_columns%') "
        f"FROM {ent.raw_table} WHERE _extract_date = ?",
        [date.fromisoformat(added["extract_date"])],
    ).fetchone() == (True, True)
    # the pending drop (no manifest, the night after the last) is reported, not loaded
    assert summary.pending and all(not d.is_complete for d in summary.pending)


def test_reload_skips_everything(dirty, loaded):
    con, summary = loaded
    again = load_landing(con, dirty, date(2030, 1, 1), currencies=CURRENCIES)
    assert not again.loaded and len(again.skipped) == len(summary.loaded)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("row_count_mismatch", "row count mismatch"),
        ("checksum_mismatch", "checksum mismatch"),
        ("missing_file", "listed in the manifest but absent"),
        ("renamed_column", "missing from the header"),
    ],
)
def test_stopping_faults_stop_with_file_and_reason(tmp_path, kind, message):
    out = tmp_path / "landing"
    generate(out=out, customers=20, months=1, seed=3, nightly_days=1)
    done = plant_stopping_fault(out, kind, system="erp")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(LoadError) as err:
        load_landing(con, out, date(2030, 1, 1), currencies=CURRENCIES)
    text = str(err.value)
    assert text.startswith(f"erp/{done['extract_date']}/{done['file']}: "), text
    assert message in text and "\n" not in text
    # the broken drop left nothing behind; the drops before it are loaded
    assert con.execute(
        "SELECT count(*) FROM meta.load_log WHERE system = 'erp' AND extract_date = ?",
        [date.fromisoformat(done["extract_date"])],
    ).fetchone() == (0,)
    assert err.value.summary.loaded
