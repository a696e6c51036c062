"""The receivables (int_erp_receivables_monthly) read invoices at their own grain from
int_erp_invoices_settled, a persisted table that a night only recomputes for the invoices
named by a new row version. After handmade nights of late payments, corrected lines and
payments, a payment ahead of its invoice and a write-off, both equal a --full-refresh
build of the same warehouse exactly (every column)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from klantwaarde import build
from klantwaarde.load import ensure_schemas, load_landing
from klantwaarde.settings import RunSettings

from .test_incremental_staging import _csv_rows, _new_drop, _write_csv, _write_drop

pytestmark = pytest.mark.slow

MODELS = ("int_erp_invoices_settled", "int_erp_receivables_monthly")


@dataclass
class Nights:
    incremental: RunSettings  # built night by night
    full: RunSettings  # a copy after the last night, rebuilt with --full-refresh
    summaries: list  # BuildSummary of each handmade night
    picked: dict[str, str]  # the invoices the nights changed, by role
    before: dict[str, tuple]  # role -> (invoice, paid, written off amount) before the nights
    moved_amount: Decimal  # the payment that moved to another invoice


def _rows(settings: RunSettings, relation: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


def _erp_drop(landing: Path, night: date, previous: date, deltas: dict[str, tuple]) -> None:
    """An ERP drop for `night`: the masters of `previous`, and the delta files given as
    name -> (header, rows); the other delta files empty."""
    masters = _new_drop(landing, "erp", night, previous)
    folder = landing / "erp" / night.isoformat()
    files = dict(masters)
    for name in ("invoice_lines.csv", "payments.csv", "gl_entries.csv"):
        header, rows = deltas.get(
            name, (_csv_rows(landing / "erp" / previous.isoformat() / name)[0], [])
        )
        _write_csv(folder / name, header, rows)
        files[name] = len(rows)
    _write_drop(landing, "erp", night, files)


@pytest.fixture(scope="module")
def nights(nightly_build, tmp_path_factory: pytest.TempPathFactory) -> Nights:
    """The nightly warehouse goes on for three handmade ERP nights:

    A: a late payment, dated back in the first month, for an old invoice still open; an
       old invoice line with a new amount; an old invoice's line with another customer_no;
       a payment for invoice F-HANDMADE-1, whose lines have not arrived yet.
    B: the lines of F-HANDMADE-1; a write-off (bad-debt account, the invoice named in its
       text) of another old open invoice; an old payment moved to another invoice (its
       first invoice loses it).
    C: the write-off corrected to a lower amount; nothing else (the horizon moves on).
    """
    root = tmp_path_factory.mktemp("receivable_nights")
    landing = root / "landing"
    shutil.copytree(nightly_build.settings.landing, landing)
    warehouse = root / "nightly" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(nightly_build.settings.warehouse, warehouse)

    generated = sorted(date.fromisoformat(p.name) for p in (landing / "erp").iterdir())
    first, last = generated[0], generated[-1]
    night_a, night_b, night_c = (last + timedelta(days=n) for n in (1, 2, 3))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # old positive invoices still open, the oldest first
        open_invoices = [
            row[0]
            for row in con.execute(
                "select invoice_no from intermediate.int_erp_invoices_settled"
                " where invoice_amount > 0 and open_amount > 0 and starts_with(invoice_no, 'F')"
                " order by invoice_date, invoice_no limit 2"
            ).fetchall()
        ]
        # a payment of an invoice that will be moved to another (paid) invoice
        moved_payment, moved_from = con.execute(
            "select payment_id, invoice_no from staging.stg_erp__payments"
            " where invoice_no not in (?, ?) order by payment_date, payment_id limit 1",
            open_invoices,
        ).fetchone()
    late_paid, written_off = open_invoices

    header, lines = _csv_rows(landing / "erp" / first.isoformat() / "invoice_lines.csv")
    pay_header, payments = _csv_rows(landing / "erp" / first.isoformat() / "payments.csv")
    gl_header, gl = _csv_rows(landing / "erp" / first.isoformat() / "gl_entries.csv")
    late_line = next(line for line in lines if line["invoice_no"] == late_paid)
    amount_line = next(
        line
        for line in lines
        if line["invoice_no"].startswith("F")
        and line["invoice_no"] not in (*open_invoices, moved_from)
    )
    customer_line = next(
        line
        for line in lines
        if line["invoice_no"] not in (*open_invoices, amount_line["invoice_no"], moved_from)
        and line["customer_no"] != amount_line["customer_no"]
    )
    moved = next(p for p in payments if p["payment_id"] == moved_payment)
    moved_to = amount_line["invoice_no"]
    # the bad-debt account and cost centre of seed cost_pool_map (pool bad_debt)
    write_off = dict(gl[0], account_no="4550", account_name="Bad debt write-offs")
    write_off |= {"cost_center": "CRD", "customer_no": late_line["customer_no"]}
    picked = {
        "late_paid": late_paid,
        "written_off": written_off,
        "changed_amount": amount_line["invoice_no"],
        "changed_customer": customer_line["invoice_no"],
        "moved_from": moved_from,
        "moved_to": moved_to,
        "ahead_of_its_payment": "F-HANDMADE-1",
    }
    assert moved_from != moved_to
    with duckdb.connect(str(warehouse), read_only=True) as con:
        amounts = dict(
            con.execute(
                "select invoice_no, (invoice_amount, paid_amount, written_off_amount)"
                " from intermediate.int_erp_invoices_settled where invoice_no in ?",
                [list(picked.values())],
            ).fetchall()
        )
    before = {role: tuple(amounts[no]) for role, no in picked.items() if no in amounts}

    # ---- night A
    back_dated = date.fromisoformat(late_line["invoice_date"]) + timedelta(days=3)
    early = dict(payments[0], payment_id="BNK-HANDMADE-1")
    ahead = dict(payments[0], payment_id="BNK-HANDMADE-2")
    _erp_drop(
        landing,
        night_a,
        last,
        {
            "invoice_lines.csv": (
                header,
                [
                    dict(amount_line, net_amount="4321.00"),
                    dict(customer_line, customer_no=amount_line["customer_no"]),
                ],
            ),
            "payments.csv": (
                pay_header,
                [
                    dict(
                        early,
                        invoice_no=late_paid,
                        customer_no=late_line["customer_no"],
                        payment_date=back_dated.isoformat(),
                        amount="10.00",
                    ),
                    dict(
                        ahead,
                        invoice_no="F-HANDMADE-1",
                        customer_no=late_line["customer_no"],
                        payment_date=night_a.isoformat(),
                        amount="25.00",
                    ),
                ],
            ),
        },
    )
    # ---- night B
    new_line = dict(
        late_line,
        invoice_no="F-HANDMADE-1",
        line_no="1",
        invoice_date=(night_a - timedelta(days=20)).isoformat(),
        due_date=(night_a - timedelta(days=5)).isoformat(),
        net_amount="100.00",
        currency="EUR",
    )
    entry = dict(
        write_off,
        entry_no="WO-HANDMADE-1",
        posting_date=night_b.isoformat(),
        amount="50.00",
        description=f"Write-off invoice {written_off}",
    )
    _erp_drop(
        landing,
        night_b,
        night_a,
        {
            "invoice_lines.csv": (header, [new_line]),
            "payments.csv": (pay_header, [dict(moved, invoice_no=moved_to)]),
            "gl_entries.csv": (gl_header, [entry]),
        },
    )
    # ---- night C
    _erp_drop(
        landing, night_c, night_b, {"gl_entries.csv": (gl_header, [dict(entry, amount="20.00")])}
    )

    summaries = []
    for night in (night_a, night_b, night_c):
        settings = RunSettings(landing=landing, warehouse=warehouse, as_of=night)
        with duckdb.connect(str(warehouse)) as con:
            ensure_schemas(con)
            load_landing(con, landing, night)
        summaries.append(build.build(settings))

    full_warehouse = root / "full" / "warehouse.duckdb"
    full_warehouse.parent.mkdir()
    shutil.copy(warehouse, full_warehouse)
    full = replace(settings, warehouse=full_warehouse, full_refresh=True)
    build.build(full)
    return Nights(settings, full, summaries, picked, before, Decimal(moved["amount"]))


def test_the_handmade_nights_were_incremental(nights):
    assert not any(summary.full_refresh for summary in nights.summaries)
    assert all(summary.rebuild_from is not None for summary in nights.summaries)


@pytest.mark.parametrize("model", MODELS)
def test_nights_equal_a_full_refresh_every_column(nights, model):
    incremental = _rows(nights.incremental, f"intermediate.{model}")
    full = _rows(nights.full, f"intermediate.{model}")
    assert full
    assert len(incremental) == len(full)
    assert incremental == full


def test_the_handmade_changes_reached_the_invoices(nights):
    """Not vacuous: every handmade change shows in the invoices built night by night."""
    picked = nights.picked
    with duckdb.connect(str(nights.incremental.warehouse), read_only=True) as con:
        rows = dict(
            con.execute(
                "select invoice_no, (invoice_amount, paid_amount, written_off_amount)"
                " from intermediate.int_erp_invoices_settled where invoice_no in ?",
                [list(picked.values())],
            ).fetchall()
        )
    before = nights.before
    assert tuple(rows["F-HANDMADE-1"][:2]) == (100, 25)  # its payment came a night earlier
    assert rows[picked["late_paid"]][1] == before["late_paid"][1] + 10
    assert rows[picked["written_off"]][2] == before["written_off"][2] + 20  # corrected
    assert rows[picked["changed_amount"]][0] != before["changed_amount"][0]
    # the moved payment left its first invoice for another
    assert rows[picked["moved_from"]][1] == before["moved_from"][1] - nights.moved_amount
    assert rows[picked["moved_to"]][1] == before["moved_to"][1] + nights.moved_amount
