"""Planted faults: every kind is there, listed in faults.csv, and really is what it says."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from klantwaarde import contract
from klantwaarde.generate.faults import (
    ADDED_COLUMN,
    BAD_AMOUNTS,
    BAD_DATES,
    STOPPING_KINDS,
    UNKNOWN,
    plant_stopping_fault,
)
from klantwaarde.generate.truth import truth_dir

from .helpers import manifest_problems

ROW_KINDS = {
    "bad_date",
    "bad_amount",
    "wrong_column_count",
    "broken_json",
    "duplicate_key",
    "unknown_reference",
    "mojibake",
    "non_eur_currency",
}
ONCE_KINDS = {"empty_file", "added_column"}


@pytest.fixture(scope="module")
def faults(dirty: Path) -> pd.DataFrame:
    return pd.read_csv(truth_dir(dirty) / "faults.csv", dtype=str, keep_default_na=False)


def test_every_fault_kind_is_planted_and_listed(faults: pd.DataFrame) -> None:
    assert set(faults["fault"]) == ROW_KINDS | ONCE_KINDS
    assert list(faults.columns) == ["system", "extract_date", "file", "line_no", "key", "fault"]
    # every system gets row faults
    assert set(faults["system"]) == set(contract.SYSTEMS)


def test_manifests_of_a_dirty_landing_are_true(dirty: Path) -> None:
    assert manifest_problems(dirty) == []


def test_pending_drop_has_no_manifest(dirty: Path) -> None:
    s = json.loads((truth_dir(dirty) / "summary.json").read_text())
    pending = dirty / "erp" / s["pending_drop"]
    assert pending.is_dir() and any(pending.iterdir())
    assert not (pending / contract.MANIFEST_NAME).exists()
    assert s["pending_drop"] > s["drops"][-1]


def _line(dirty: Path, row) -> str:
    path = dirty / row.system / row.extract_date / row.file
    lines = path.read_text(encoding="utf-8").split("\n")
    return lines[int(row.line_no) - 1]


def test_listed_faults_are_real(dirty: Path, faults: pd.DataFrame) -> None:
    for row in faults.itertuples():
        path = dirty / row.system / row.extract_date / row.file
        if row.fault == "empty_file":
            assert path.stat().st_size == 0
            body = json.loads((path.parent / contract.MANIFEST_NAME).read_text())
            assert body["files"][row.file]["rows"] == 0
            continue
        line = _line(dirty, row)
        meta = contract.entity_for_file(row.system, row.file)
        if row.fault == "added_column":
            assert line.split(",")[-1] == ADDED_COLUMN
        elif row.fault == "bad_date":
            assert any(v in line for v in BAD_DATES), line
        elif row.fault == "bad_amount":
            assert any(v in line for v in BAD_AMOUNTS), line
        elif row.fault == "wrong_column_count":
            header = path.open(encoding="utf-8").readline()
            n_header = len(next(csv.reader(io.StringIO(header))))
            assert len(next(csv.reader(io.StringIO(line)))) != n_header
        elif row.fault == "broken_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
        elif row.fault == "unknown_reference":
            assert any(v in line for v in UNKNOWN.values()), line
        elif row.fault == "mojibake":
            assert any(ch in line for ch in "ÃÂÅÄ"), line
        elif row.fault == "non_eur_currency":
            assert line.endswith((",USD", ",GBP")), line
        elif row.fault == "duplicate_key":
            text = path.read_text(encoding="utf-8").split("\n")
            first_key = meta.key[0]
            key0 = row.key.split("|")[0]
            if meta.ext == "jsonl":
                hits = [t for t in text if f'"{first_key}":"{key0}"' in t]
            else:
                hits = [t for t in text if t.startswith(key0 + ",")]
            assert len(hits) >= 2, row
            # the earlier line is the faulty one: the true one comes after it
            assert text.index(line) < max(i for i, t in enumerate(text) if t in hits)


def test_foreign_currency_amounts_are_converted_in_the_books(dirty: Path) -> None:
    s = json.loads((truth_dir(dirty) / "summary.json").read_text())
    assert s["fx_eur_per_unit"] == {"USD": 0.8, "GBP": 1.2}


@pytest.mark.parametrize("kind", STOPPING_KINDS)
def test_stopping_fault_breaks_one_drop(clean: Path, tmp_path: Path, kind: str) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(clean, landing)
    done = plant_stopping_fault(landing, kind)
    assert done["kind"] == kind and done["system"] == "erp"
    problems = manifest_problems(landing)
    assert len(problems) == 1, problems
    assert done["file"] in problems[0] and done["extract_date"] in problems[0]
    expected = {
        "row_count_mismatch": "rows",
        "checksum_mismatch": "sha256",
        "missing_file": "missing",
        "renamed_column": "columns",
    }[kind]
    assert expected in problems[0]


def test_stopping_fault_on_a_chosen_drop_and_file(clean: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(clean, landing)
    done = plant_stopping_fault(
        landing,
        "renamed_column",
        system="crm",
        extract_date="2025-03-24",
        file_name="accounts.jsonl",
    )
    assert done["extract_date"] == "2025-03-24"
    first = (landing / "crm" / "2025-03-24" / "accounts.jsonl").open().readline()
    assert "name_renamed" in json.loads(first)
    assert manifest_problems(landing) == []  # the manifest matches; the column does not
    with pytest.raises(ValueError):
        plant_stopping_fault(landing, "no_such_fault")


def test_broken_delta_rows_come_again_the_next_night(dirty: Path, faults: pd.DataFrame) -> None:
    s = json.loads((truth_dir(dirty) / "summary.json").read_text())
    assert s["faulty_rows_sent_again"] > 0
    drops = s["drops"] + [s["pending_drop"]]
    broken = faults[
        faults["fault"].isin(["bad_date", "bad_amount", "wrong_column_count"])
        & (faults["file"] == "invoice_lines.csv")
        & (faults["extract_date"] != s["drops"][-1])
    ]
    assert len(broken) > 0
    for row in broken.itertuples():
        nxt = drops[drops.index(row.extract_date) + 1]
        text = (dirty / "erp" / nxt / "invoice_lines.csv").read_text(encoding="utf-8")
        invoice_no, line_no = row.key.split("|")
        assert f"\n{invoice_no},{line_no}," in text, row
