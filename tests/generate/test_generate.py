"""`klantwaarde generate`: layout, manifests, determinism, contract columns, formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from klantwaarde import contract
from klantwaarde.errors import KlantwaardeError
from klantwaarde.generate import generate
from klantwaarde.generate.truth import truth_dir

from .conftest import CUSTOMERS, MONTHS, SEED
from .helpers import latest, manifest_problems, manifests, read_all


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes(clean: Path, tmp_path: Path) -> None:
    again = tmp_path / "landing"
    generate(out=again, customers=CUSTOMERS, months=MONTHS, seed=SEED)
    assert _files(again) == _files(clean)
    assert _files(truth_dir(again)) == _files(truth_dir(clean))


def test_other_seed_other_bytes(clean: Path, tmp_path: Path) -> None:
    other = tmp_path / "landing"
    generate(out=other, customers=CUSTOMERS, months=MONTHS, seed=SEED + 1)
    a, b = _files(other), _files(clean)
    assert a.keys() == b.keys()
    assert a["erp/2025-03-31/invoice_lines.csv"] != b["erp/2025-03-31/invoice_lines.csv"]


def test_layout_initial_plus_seven_nights(clean: Path) -> None:
    for system in contract.SYSTEMS:
        drops = sorted(p.name for p in (clean / system).iterdir())
        assert drops == [f"2025-03-{d:02d}" for d in range(24, 32)], system
        for d in drops:
            names = sorted(p.name for p in (clean / system / d).iterdir())
            expected = sorted(
                [e.file_name for e in contract.entities(system)] + [contract.MANIFEST_NAME]
            )
            assert names == expected
    # the ground truth is outside the landing zone
    assert not (clean / "crm_accounts.csv").exists()
    assert {p.name for p in truth_dir(clean).iterdir()} == {
        "crm_accounts.csv",
        "servicedesk_organizations.csv",
        "faults.csv",
        "summary.json",
        "config",
    }


def test_every_manifest_is_true(clean: Path) -> None:
    assert len(manifests(clean)) == 3 * 8
    assert manifest_problems(clean) == []
    body = json.loads((clean / "erp" / "2025-03-31" / "_manifest.json").read_text())
    assert body["system"] == "erp" and body["extract_date"] == "2025-03-31"
    assert set(body["files"]["invoice_lines.csv"]) == {"rows", "sha256"}


def test_columns_in_contract_order(clean: Path) -> None:
    for m in manifests(clean):
        system = m.parent.parent.name
        for e in contract.entities(system):
            path = m.parent / e.file_name
            if e.ext == "csv":
                header = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
                assert header == list(e.columns), path
            else:
                first = path.open(encoding="utf-8").readline()
                if first:
                    assert list(json.loads(first)) == list(e.columns), path


def test_nightly_days_zero_gives_every_night(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    generate(out=out, customers=40, months=1, seed=3, nightly_days=0)
    drops = sorted(p.name for p in (out / "erp").iterdir())
    assert drops[0] == "2025-01-01" and drops[-1] == "2025-01-31" and len(drops) == 31
    assert manifest_problems(out) == []


def test_masters_are_snapshots_and_deltas_carry_corrections(clean: Path) -> None:
    customers = read_all(clean, "erp", "customers")
    per_drop = customers.groupby("_extract_date").size()
    assert per_drop.is_monotonic_increasing and per_drop.iloc[-1] == CUSTOMERS
    tickets = read_all(clean, "servicedesk", "tickets")
    again = tickets[tickets.duplicated("ticket_id", keep=False)]
    assert len(again) > 0, "no ticket came again with new values"
    solved_later = again.groupby("ticket_id")["status"].agg(lambda s: s.iloc[-1] == "solved")
    assert solved_later.any()
    lines = read_all(clean, "erp", "invoice_lines")
    assert not lines.duplicated(["invoice_no", "line_no", "_extract_date"]).any()


@pytest.mark.parametrize(
    ("system", "entity", "columns", "fmt"),
    [
        ("erp", "customers", ["modified_at"], "%Y-%m-%d %H:%M:%S"),
        ("erp", "customers", ["created_date"], "%Y-%m-%d"),
        ("erp", "invoice_lines", ["invoice_date", "due_date"], "%Y-%m-%d"),
        ("erp", "payments", ["payment_date"], "%Y-%m-%d"),
        ("erp", "gl_entries", ["posting_date"], "%Y-%m-%d"),
        ("crm", "accounts", ["createdon", "modifiedon"], "%Y-%m-%dT%H:%M:%SZ"),
        ("crm", "activities", ["actualstart", "modifiedon"], "%Y-%m-%dT%H:%M:%SZ"),
        ("crm", "opportunities", ["modifiedon"], "%Y-%m-%dT%H:%M:%SZ"),
        ("crm", "opportunities", ["estimatedclosedate"], "%Y-%m-%d"),
        ("servicedesk", "organizations", ["created_at", "updated_at"], "%Y-%m-%dT%H:%M:%SZ"),
        ("servicedesk", "tickets", ["created_at", "updated_at", "solved_at"], "%Y-%m-%dT%H:%M:%SZ"),
    ],
)
def test_timestamps_and_dates_parse(clean: Path, system, entity, columns, fmt) -> None:
    df = read_all(clean, system, entity)
    for col in columns:
        values = df[col][df[col].notna() & (df[col] != "")]
        assert len(values) > 0, col
        pd.to_datetime(values, format=fmt, errors="raise")


@pytest.mark.parametrize(
    ("system", "entity", "column"),
    [
        ("erp", "invoice_lines", "invoice_date"),
        ("erp", "payments", "payment_date"),
        ("erp", "gl_entries", "posting_date"),
        ("crm", "activities", "modifiedon"),
        ("servicedesk", "tickets", "updated_at"),
    ],
)
def test_drop_holds_events_up_to_its_date(clean: Path, system, entity, column) -> None:
    df = read_all(clean, system, entity)
    assert (df[column].astype(str).str.slice(0, 10) <= df["_extract_date"]).all()


def test_erp_shapes(clean: Path) -> None:
    lines = latest(read_all(clean, "erp", "invoice_lines"), ("invoice_no", "line_no"))
    products = read_all(clean, "erp", "products").drop_duplicates("product_code")
    svc = set(products.loc[products["is_service"] == "true", "product_code"])
    is_svc = lines["product_code"].isin(svc)
    assert is_svc.any()
    assert (lines.loc[is_svc, "delivery_no"] == "").all()
    assert (lines.loc[~is_svc & (lines["net_amount"].astype(float) > 0), "delivery_no"] != "").all()
    credit = lines["quantity"].astype(float) < 0
    assert credit.any()
    assert (lines.loc[credit, "net_amount"].astype(float) <= 0).all()
    assert lines["invoice_no"][credit].str.startswith("CN").all()
    customers = read_all(clean, "erp", "customers")
    assert (customers["vat_number"] == "").any() and (customers["vat_number"] != "").any()
    assert (lines["currency"] == "EUR").all()
    gl = read_all(clean, "erp", "gl_entries")
    writeoffs = gl[gl["account_no"] == "4550"]
    assert (writeoffs["customer_no"] != "").all()
    assert (gl.loc[gl["account_no"] != "4550", "customer_no"] == "").all()


def test_summary_dates(clean: Path) -> None:
    s = json.loads((truth_dir(clean) / "summary.json").read_text())
    assert s["start"] == "2025-01-01" and s["end"] == "2025-03-31"
    assert s["initial_drop"] == "2025-03-24" and s["pending_drop"] is None
    assert date.fromisoformat(s["drops"][-1]) == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("customers", "months", "nightly", "dirty", "seed"),
    [(10, 1, None, 0.0, 1), (10, 1, 0, 0.0, 2), (50, 2, 1, 0.5, 3), (30, 2, 40, 0.2, 4)],
)
def test_edge_sizes(tmp_path: Path, customers, months, nightly, dirty, seed) -> None:
    out = tmp_path / "landing"
    text = generate(
        out=out,
        customers=customers,
        months=months,
        seed=seed,
        nightly_days=nightly,
        dirty_rate=dirty,
    )
    assert "rows" in text and str(out) in text
    assert manifest_problems(out) == []


def test_regenerates_in_place_but_never_clears_a_foreign_folder(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    generate(out=out, customers=20, months=1, seed=1)
    generate(out=out, customers=20, months=1, seed=2)  # replaces its own output
    assert manifest_problems(out) == []
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.txt").write_text("do not delete")
    with pytest.raises(KlantwaardeError, match="refusing"):
        generate(out=other, customers=20, months=1, seed=1)
    assert (other / "thesis.txt").exists()
