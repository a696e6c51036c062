"""load_landing on small hand-made drops: one test per kind of fault."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.load import (
    complete_drops,
    drops_ready,
    ensure_schemas,
    known_currencies,
    load_landing,
    missing_systems,
    pending_drops,
)

from .drops import (
    CURRENCIES,
    DAY,
    clean_files,
    clean_rows,
    csv_text,
    render,
    write_all,
    write_drop,
)

NEXT = date(2025, 3, 2)


def load(con, landing: Path, as_of: date = DAY):
    return load_landing(con, landing, as_of, currencies=CURRENCIES)


def quarantine(con, file_name: str) -> list[tuple[int, str, str]]:
    return con.execute(
        "SELECT line_no, raw_content, reason FROM meta.quarantine WHERE file_name = ? "
        "ORDER BY line_no",
        [file_name],
    ).fetchall()


def assert_balanced(con) -> None:
    """rows_in = rows_loaded + rows_quarantined, per file, against the tables themselves."""
    for ent in contract.ENTITIES:
        rows = con.execute(
            f"""
            SELECT l.extract_date, l.rows_in, l.rows_loaded, l.rows_quarantined,
                   (SELECT count(*) FROM {ent.raw_table} r
                     WHERE r._extract_date = l.extract_date) AS in_raw,
                   (SELECT count(*) FROM meta.quarantine q WHERE q.system = l.system
                     AND q.extract_date = l.extract_date AND q.file_name = l.file_name) AS in_q
            FROM meta.load_log l WHERE l.system = ? AND l.file_name = ?""",
            [ent.system, ent.file_name],
        ).fetchall()
        for d, rows_in, loaded, quarantined, in_raw, in_q in rows:
            where = f"{ent.system}/{d}/{ent.file_name}"
            assert rows_in == loaded + quarantined, where
            assert (loaded, quarantined) == (in_raw, in_q), where


def inv_line(**values: str) -> str:
    """One invoice_lines.csv data line: a clean line with some values replaced."""
    row = dict(clean_rows("erp", DAY)["invoice_lines"][0])
    row.update(values)
    cols = list(contract.entity("erp", "invoice_lines").columns)
    return csv_text(cols, [[row[c] for c in cols]]).split("\n", 1)[1]


def with_lines(*lines: str) -> dict[str, str]:
    return {"invoice_lines.csv": clean_files("erp", DAY)["invoice_lines.csv"] + "".join(lines)}


# ---- clean drops ---------------------------------------------------------------------


def test_clean_drops_load_typed_with_lineage(con, landing):
    write_all(landing, DAY)
    summary = load(con, landing)

    assert [d.label for d in summary.loaded] == [
        "crm/2025-03-01",
        "erp/2025-03-01",
        "servicedesk/2025-03-01",
    ]
    assert summary.rows_quarantined == 0 and not summary.pending and not summary.skipped
    assert len(summary.files) == len(contract.ENTITIES)
    row = con.execute(
        "SELECT invoice_date, quantity, net_amount, _extract_date, _source_file, _line_no, "
        "_flags, _extra, _loaded_at FROM raw_erp.invoice_lines ORDER BY _line_no LIMIT 1"
    ).fetchone()
    assert row[:8] == (
        date(2025, 1, 10),
        Decimal("10.000"),
        Decimal("50.00"),
        DAY,
        "erp/2025-03-01/invoice_lines.csv",
        2,
        None,
        None,
    )
    assert isinstance(row[8], datetime)
    # every column has its contract type, not a sniffed one
    for ent in contract.ENTITIES:
        schema, table = ent.raw_table.split(".")
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        )
        for column, type_ in ent.columns.items():
            assert types[column] == type_, f"{ent.raw_table}.{column}"
    # JSON numbers and ISO timestamps with Z
    acc = con.execute(
        "SELECT statecode, createdon, _line_no FROM raw_crm.accounts WHERE accountid = 'a-1'"
    ).fetchone()
    assert acc == (0, datetime(2024, 1, 15, 8, 0), 1)
    # empty strings are NULL
    assert con.execute(
        "SELECT vat_number FROM raw_erp.customers WHERE customer_no = 'C002'"
    ).fetchone() == (None,)
    assert con.execute(
        "SELECT count(*) FROM raw_servicedesk.tickets WHERE organization_id IS NULL"
    ).fetchone() == (1,)
    assert_balanced(con)


def test_touched_from_is_first_of_earliest_month(con, landing):
    write_all(landing, DAY)
    summary = load(con, landing)
    # the earliest delta row is the January invoice / activity / ticket
    assert summary.touched_from == date(2025, 1, 1)


def test_touched_from_of_a_payment_is_its_own_month(con, landing):
    write_all(landing, DAY)
    load(con, landing)
    # next night: only a payment (dated in March) on the January invoice I100 is new
    pay = clean_rows("erp", NEXT)["payments"]
    empty_deltas = {
        "invoice_lines.csv": render("erp", "invoice_lines", []),
        "gl_entries.csv": render("erp", "gl_entries", []),
        "payments.csv": render("erp", "payments", pay),
    }
    write_drop(landing, "erp", NEXT, empty_deltas)
    summary = load(con, landing, NEXT)
    assert [d.label for d in summary.loaded] == ["erp/2025-03-02"]
    # receivables of January and February do not depend on a March payment
    assert all(str(p["payment_date"]).startswith("2025-03") for p in pay)
    assert summary.touched_from == date(2025, 3, 1)


def test_drops_after_as_of_and_pending_drops_are_not_loaded(con, landing):
    write_all(landing, DAY)
    write_drop(landing, "erp", NEXT)
    write_drop(landing, "crm", NEXT, manifest=False)
    summary = load(con, landing, NEXT)
    assert [d.label for d in summary.pending] == ["crm/2025-03-02"]
    assert "crm/2025-03-02" not in {d.label for d in summary.loaded}
    assert con.execute(
        "SELECT count(*) FROM raw_crm.accounts WHERE _extract_date = ?", [NEXT]
    ).fetchone() == (0,)
    assert [d.label for d in pending_drops(landing, NEXT)] == ["crm/2025-03-02"]
    assert [d.label for d in complete_drops(landing, NEXT)][-1] == "erp/2025-03-02"
    assert missing_systems(landing, NEXT) == ["crm", "servicedesk"]
    assert drops_ready(landing, DAY) and not drops_ready(landing, NEXT)
    # the as-of date bounds the load
    assert not load(con, landing, DAY).loaded


def test_reload_is_skipped(con, landing):
    write_all(landing, DAY)
    load(con, landing)
    again = load(con, landing)
    assert not again.loaded and len(again.skipped) == 3 and again.touched_from is None
    assert con.execute("SELECT count(*) FROM meta.load_log").fetchone() == (10,)
    assert con.execute("SELECT count(*) FROM raw_erp.customers").fetchone() == (3,)


def test_masters_are_appended_per_drop(con, landing):
    write_all(landing, DAY)
    write_all(landing, NEXT)
    summary = load(con, landing, NEXT)
    assert [d.extract_date for d in summary.loaded] == [DAY] * 3 + [NEXT] * 3
    assert con.execute(
        "SELECT _extract_date, count(*) FROM raw_erp.customers GROUP BY 1 ORDER BY 1"
    ).fetchall() == [(DAY, 3), (NEXT, 3)]


# ---- row faults: quarantined ---------------------------------------------------------


def test_malformed_date_is_quarantined_with_column_value_and_line(con, landing):
    write_all(landing, DAY, erp=with_lines(inv_line(invoice_no="I9", invoice_date="not-a-date")))
    summary = load(con, landing)
    [(line, raw, reason)] = quarantine(con, "invoice_lines.csv")
    assert line == 5
    assert reason == "invoice_date: 'not-a-date' is not a DATE"
    assert json.loads(raw)["invoice_no"] == "I9"
    inv = next(f for f in summary.files if f.file_name == "invoice_lines.csv")
    assert (inv.rows_in, inv.rows_loaded, inv.rows_quarantined) == (4, 3, 1)
    assert_balanced(con)


def test_text_in_amount_is_quarantined(con, landing):
    write_all(landing, DAY, erp=with_lines(inv_line(invoice_no="I9", net_amount="12,50 EUR")))
    load(con, landing)
    [(line, _, reason)] = quarantine(con, "invoice_lines.csv")
    assert (line, reason) == (5, "net_amount: '12,50 EUR' is not a DECIMAL(18,2)")


def test_empty_required_and_key_columns_are_quarantined(con, landing):
    write_all(
        landing,
        DAY,
        erp=with_lines(inv_line(invoice_no="I9", customer_no=""), inv_line(invoice_no="")),
    )
    load(con, landing)
    reasons = [r for _, _, r in quarantine(con, "invoice_lines.csv")]
    assert reasons == [
        "customer_no: empty in a required column",
        "invoice_no: empty in a key column",
    ]


def test_wrong_column_count_is_quarantined_with_raw_line(con, landing):
    short = "I9,1,2025-02-01,2025-03-01,C001\n"
    long = inv_line(invoice_no="I8").rstrip("\n") + ",surplus\n"
    write_all(landing, DAY, erp=with_lines(short, inv_line(invoice_no="I7"), long))
    load(con, landing)
    q = quarantine(con, "invoice_lines.csv")
    assert [(ln, raw) for ln, raw, _ in q] == [(5, short.strip()), (7, long.strip())]
    assert q[0][2] == "wrong column count: expected 14, found 5"
    assert q[1][2] == "wrong column count: expected 14, found 15"
    # the good line between them keeps its own line number
    assert con.execute(
        "SELECT _line_no FROM raw_erp.invoice_lines WHERE invoice_no = 'I7'"
    ).fetchone() == (6,)
    assert_balanced(con)


def test_duplicate_key_last_line_wins(con, landing):
    write_all(
        landing,
        DAY,
        erp=with_lines(inv_line(net_amount="99.00"), inv_line(net_amount="77.00")),
    )
    load(con, landing)
    assert con.execute(
        "SELECT net_amount, _line_no FROM raw_erp.invoice_lines "
        "WHERE invoice_no = 'I100' AND line_no = 1"
    ).fetchall() == [(Decimal("77.00"), 6)]
    q = quarantine(con, "invoice_lines.csv")
    assert [(ln, r) for ln, _, r in q] == [
        (2, "duplicate key (invoice_no='I100', line_no='1') superseded by line 6"),
        (5, "duplicate key (invoice_no='I100', line_no='1') superseded by line 6"),
    ]
    assert_balanced(con)


def test_text_is_stored_without_the_spaces_around_it(con, landing):
    """Every reader compares text trimmed (the staging views read the raw rows as
    stored): keys that differ only by the spaces around them are one key, the last line
    wins."""
    write_all(
        landing,
        DAY,
        erp=with_lines(
            inv_line(invoice_no=" I777", customer_no=" C001 ", net_amount="5.00"),
            inv_line(invoice_no="I777 ", customer_no="C001  ", order_no="  O-9", net_amount="6.00"),
        ),
    )
    load(con, landing)
    assert con.execute(
        "SELECT invoice_no, customer_no, order_no, net_amount, _line_no FROM raw_erp.invoice_lines"
        " WHERE invoice_no LIKE '%I777%'"
    ).fetchall() == [("I777", "C001", "O-9", Decimal("6.00"), 6)]
    q = quarantine(con, "invoice_lines.csv")
    assert [(ln, r) for ln, _, r in q] == [
        (5, "duplicate key (invoice_no='I777', line_no='1') superseded by line 6")
    ]
    assert_balanced(con)


def test_a_warehouse_loaded_before_trims_its_raw_text_once(con, landing):
    """Raw rows an older version loaded with spaces around their text get them taken
    off by the next load's ensure_schemas, once (meta.raw_upgrades)."""
    write_all(landing, DAY)
    load(con, landing)
    con.execute("UPDATE raw_erp.invoice_lines SET customer_no = '  ' || customer_no || ' '")
    con.execute("UPDATE raw_crm.accounts SET name = name || ' '")
    con.execute("DELETE FROM meta.raw_upgrades")  # as an older version left it
    ensure_schemas(con)
    padded = con.execute(
        "SELECT (SELECT count(*) FROM raw_erp.invoice_lines"
        "        WHERE customer_no <> trim(customer_no)),"
        "       (SELECT count(*) FROM raw_crm.accounts WHERE name <> trim(name))"
    ).fetchone()
    assert padded == (0, 0)
    assert con.execute("SELECT upgrade FROM meta.raw_upgrades").fetchall() == [("text trimmed",)]
    # once: a later call leaves the rows alone
    con.execute("UPDATE raw_crm.accounts SET name = name || ' '")
    ensure_schemas(con)
    assert (
        con.execute("SELECT count(*) FROM raw_crm.accounts WHERE name <> trim(name)").fetchone()[0]
        == con.execute("SELECT count(*) FROM raw_crm.accounts").fetchone()[0]
    )


def test_unknown_currency_is_quarantined_other_currencies_flagged(con, landing):
    write_all(
        landing,
        DAY,
        erp=with_lines(
            inv_line(invoice_no="I8", currency="USD"), inv_line(invoice_no="I9", currency="XYZ")
        ),
    )
    load(con, landing)
    assert con.execute(
        "SELECT _flags FROM raw_erp.invoice_lines WHERE invoice_no = 'I8'"
    ).fetchone() == ("non_eur_currency",)
    [(line, _, reason)] = quarantine(con, "invoice_lines.csv")
    assert (line, reason) == (6, "currency: 'XYZ' has no rate in fx_rates")


def test_known_currencies_come_from_the_fx_seed(tmp_path):
    seed = tmp_path / "fx_rates.csv"
    seed.write_text("currency,rate_to_eur\nEUR,1.0\nCHF,1.05\n")
    assert known_currencies(seed) == {"EUR", "CHF"}
    assert known_currencies(tmp_path / "absent.csv") == {"EUR"}


def test_unknown_references_are_loaded_and_flagged(con, landing):
    tickets = clean_rows("servicedesk", DAY)["tickets"]
    tickets[1]["organization_id"] = "999"
    acts = clean_rows("crm", DAY)["activities"]
    acts[0]["regardingobjectid"] = "a-404"
    write_all(
        landing,
        DAY,
        erp=with_lines(inv_line(invoice_no="I9", customer_no="C404", product_code="P404")),
        servicedesk={"tickets.csv": render("servicedesk", "tickets", tickets)},
        crm={"activities.jsonl": render("crm", "activities", acts)},
    )
    load(con, landing)
    assert con.execute(
        "SELECT _flags FROM raw_erp.invoice_lines WHERE invoice_no = 'I9'"
    ).fetchone() == ("unknown_customer_no;unknown_product_code",)
    assert con.execute(
        "SELECT _flags FROM raw_servicedesk.tickets WHERE ticket_id = '5002'"
    ).fetchone() == ("unknown_organization_id",)
    assert con.execute(
        "SELECT _flags FROM raw_crm.activities WHERE activityid = 'act-1'"
    ).fetchone() == ("unknown_regardingobjectid",)
    # an empty reference (ticket without organization, GL entry without customer) is clean
    assert con.execute(
        "SELECT count(*) FROM raw_erp.gl_entries WHERE _flags IS NOT NULL"
    ).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (0,)


def test_mojibake_is_repaired_and_flagged(con, landing):
    mangled = "Müller GmbH".encode().decode("latin-1")  # 'MÃ¼ller GmbH'
    customers = clean_rows("erp", DAY)["customers"]
    customers[0]["name"] = mangled
    customers[0]["city"] = "Köln".encode().decode("latin-1")
    accounts = clean_rows("crm", DAY)["accounts"]
    accounts[0]["name"] = mangled
    write_all(
        landing,
        DAY,
        erp={"customers.csv": render("erp", "customers", customers)},
        crm={"accounts.jsonl": render("crm", "accounts", accounts)},
    )
    load(con, landing)
    assert con.execute(
        "SELECT name, city, _flags FROM raw_erp.customers WHERE customer_no = 'C001'"
    ).fetchone() == ("Müller GmbH", "Köln", "mojibake_repaired")
    assert con.execute(
        "SELECT name, _flags FROM raw_crm.accounts WHERE accountid = 'a-1'"
    ).fetchone() == ("Müller GmbH", "mojibake_repaired")
    # correct UTF-8 is left alone
    assert con.execute(
        "SELECT name, _flags FROM raw_servicedesk.organizations WHERE organization_id = '101'"
    ).fetchone() == ("Müller GmbH", None)


def test_broken_json_lines_are_quarantined_with_raw_line(con, landing):
    text = clean_files("crm", DAY)["activities.jsonl"]
    text += '{"activityid": "act-3", "activitytypecode": \n'
    text += '["not", "an", "object"]\n'
    text += '{"activityid": "act-4", "activitytypecode": "email", "actualstart": "soon"}\n'
    write_all(landing, DAY, crm={"activities.jsonl": text})
    load(con, landing)
    assert quarantine(con, "activities.jsonl") == [
        (3, '{"activityid": "act-3", "activitytypecode": ', "line is not valid JSON"),
        (4, '["not", "an", "object"]', "line is not a JSON object"),
        (
            5,
            '{"activityid": "act-4", "activitytypecode": "email", "actualstart": "soon"}',
            "actualstart: 'soon' is not a TIMESTAMP",
        ),
    ]
    assert_balanced(con)


def test_quoted_newlines_keep_true_line_numbers(con, landing):
    gl = clean_rows("erp", DAY)["gl_entries"]
    gl[0]["description"] = "two\nlines"
    gl.append(dict(gl[1], entry_no="G3", posting_date="bad"))
    write_all(landing, DAY, erp={"gl_entries.csv": render("erp", "gl_entries", gl)})
    load(con, landing)
    assert con.execute(
        "SELECT entry_no, description, _line_no FROM raw_erp.gl_entries ORDER BY _line_no"
    ).fetchall() == [("G1", "two\nlines", 2), ("G2", "Write-off", 4)]
    assert [(ln, r) for ln, _, r in quarantine(con, "gl_entries.csv")] == [
        (5, "posting_date: 'bad' is not a DATE")
    ]


def _rows_off_their_line(con, table: str, key: str, prefix: str) -> tuple[int, int]:
    """(rows, rows whose key is not `prefix` + their own line number)."""
    return con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {key} <> '{prefix}' || _line_no) FROM {table}"
    ).fetchone()


def test_line_numbers_hold_on_a_bigger_file_with_many_faults(con, landing):
    """Parallel read, rejects scattered: every row keeps its physical line (the rows
    appended before the rejects were known are shifted). 150,000 lines: several read
    buffers and row groups, so the rowid numbering of the parallel append is tested."""
    lines, good = [], 0
    for i in range(150_000):
        line_no = i + 2
        if i % 97 == 5:
            lines.append(f"X{line_no},1,2025-02-01\n")  # wrong column count
        elif i % 89 == 7:
            lines.append(inv_line(invoice_no=f"X{line_no}", quantity="many"))
        else:
            lines.append(inv_line(invoice_no=f"X{line_no}"))
            good += 1
    text = csv_text(list(contract.entity("erp", "invoice_lines").columns), []) + "".join(lines)
    write_all(landing, DAY, erp={"invoice_lines.csv": text})
    load(con, landing)
    assert _rows_off_their_line(con, "raw_erp.invoice_lines", "invoice_no", "X") == (good, 0)
    bad = con.execute(
        "SELECT count(*) FILTER (WHERE CASE WHEN json_valid(raw_content) "
        "THEN json_extract_string(raw_content, '$.invoice_no') "
        "ELSE split_part(raw_content, ',', 1) END <> 'X' || line_no), count(*) "
        "FROM meta.quarantine"
    ).fetchone()
    assert bad == (0, 150_000 - good)
    assert_balanced(con)


def test_insertion_order_off_stops_the_load_naming_the_file(con, landing):
    """Lines are numbered by insertion order: without it the loader refuses, and the
    drop leaves nothing behind."""
    write_all(landing, DAY)
    con.execute("SET preserve_insertion_order = false")
    try:
        with pytest.raises(
            LoadError, match=r"crm/2025-03-01/accounts.jsonl: .*preserve_insertion_order is off"
        ):
            load(con, landing)
    finally:
        con.execute("SET preserve_insertion_order = true")
    assert con.execute("SELECT count(*) FROM raw_erp.invoice_lines").fetchone() == (0,)


def test_json_line_numbers_hold_on_a_bigger_file_with_many_faults(con, landing):
    """JSON Lines are appended by one parallel read too: over several read buffers and
    row groups, broken, non-object and blank lines and values that do not cast keep every
    row on its physical line."""
    base = clean_rows("crm", DAY)["activities"][0]
    lines, good, bad = [], 0, 0
    for i in range(150_000):
        line_no = i + 1
        if i % 97 == 5:
            lines.append('{"activityid": "broken", \n')
            bad += 1
        elif i % 89 == 7:
            lines.append(" \t\n")  # blank: not a row
        elif i % 83 == 3:
            lines.append(json.dumps(dict(base, activityid=f"A{line_no}", actualstart="soon")))
            lines.append("\n")
            bad += 1
        else:
            lines.append(json.dumps(dict(base, activityid=f"A{line_no}")) + "\n")
            good += 1
    text = "".join(lines)
    write_all(landing, DAY)
    write_drop(
        landing,
        "crm",
        DAY,
        {"activities.jsonl": text},
        manifest_rows={"activities.jsonl": good + bad},
    )
    load(con, landing)
    assert _rows_off_their_line(con, "raw_crm.activities", "activityid", "A") == (good, 0)
    quarantined = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE CASE WHEN json_valid(raw_content) "
        "THEN json_extract_string(raw_content, '$.activityid') <> 'A' || line_no "
        "ELSE line_no % 97 <> 6 END) FROM meta.quarantine"
    ).fetchone()
    assert quarantined == (bad, 0)
    assert_balanced(con)


def test_blank_lines_are_not_rows_and_keep_line_numbers(con, landing):
    acts = clean_rows("crm", DAY)["activities"]
    act9 = json.dumps(dict(acts[0], activityid="act-9"))
    jsonl = clean_files("crm", DAY)["activities.jsonl"] + "\n \t\r\n" + act9 + "\n"
    gl_header, gl_body = clean_files("erp", DAY)["gl_entries.csv"].split("\n", 1)
    gl = gl_header + "\n\n" + gl_body  # a blank line 2
    write_all(landing, DAY)
    write_drop(
        landing, "crm", DAY, {"activities.jsonl": jsonl}, manifest_rows={"activities.jsonl": 3}
    )
    gl_rows = len(clean_rows("erp", DAY)["gl_entries"])
    write_drop(
        landing, "erp", DAY, {"gl_entries.csv": gl}, manifest_rows={"gl_entries.csv": gl_rows}
    )
    load(con, landing)
    assert con.execute(
        "SELECT activityid, _line_no FROM raw_crm.activities ORDER BY _line_no"
    ).fetchall() == [("act-1", 1), ("act-2", 2), ("act-9", 5)]
    gl_lines = con.execute("SELECT _line_no FROM raw_erp.gl_entries ORDER BY 1").fetchall()
    assert gl_lines == [(3 + i,) for i in range(gl_rows)]
    assert con.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (0,)
    assert_balanced(con)


def test_flags_of_one_row_keep_their_order(con, landing):
    gl = clean_rows("erp", DAY)["gl_entries"]
    gl[0]["description"] = "Müller".encode().decode("latin-1")
    gl[0]["customer_no"] = "C404"
    write_all(landing, DAY, erp={"gl_entries.csv": render("erp", "gl_entries", gl)})
    load(con, landing)
    assert con.execute(
        "SELECT description, _flags FROM raw_erp.gl_entries WHERE customer_no = 'C404'"
    ).fetchone() == ("Müller", "mojibake_repaired;unknown_customer_no")


# ---- file faults ---------------------------------------------------------------------


def test_empty_file_loads_nothing_and_is_logged(con, landing):
    write_all(landing, DAY, erp={"gl_entries.csv": b""})
    load(con, landing)
    assert con.execute(
        "SELECT rows_in, rows_loaded, rows_quarantined, flags FROM meta.load_log "
        "WHERE file_name = 'gl_entries.csv'"
    ).fetchone() == (0, 0, 0, "empty_file")


def test_empty_file_with_rows_in_manifest_stops(con, landing):
    write_drop(landing, "erp", DAY, {"gl_entries.csv": b""}, manifest_rows={"gl_entries.csv": 2})
    with pytest.raises(LoadError, match=r"^erp/2025-03-01/gl_entries.csv: file is empty"):
        load(con, landing)


def test_row_count_mismatch_stops(con, landing):
    write_drop(landing, "erp", DAY, manifest_rows={"payments.csv": 5})
    with pytest.raises(LoadError) as err:
        load(con, landing)
    assert str(err.value) == (
        "erp/2025-03-01/payments.csv: row count mismatch, manifest says 5 rows, file has 1"
    )


def test_checksum_mismatch_stops(con, landing):
    write_drop(landing, "erp", DAY, manifest_sha={"products.csv": "0" * 64})
    with pytest.raises(LoadError, match=r"^erp/2025-03-01/products.csv: checksum mismatch"):
        load(con, landing)


def test_checksum_mismatch_of_a_later_drop_stops_there(con, landing):
    """The next drop is verified while the one before it loads: its fault still stops the
    load at that drop, after the drops before it."""
    write_all(landing, DAY)
    write_drop(landing, "crm", NEXT, manifest_sha={"accounts.jsonl": "0" * 64})
    write_drop(landing, "erp", NEXT)
    with pytest.raises(
        LoadError, match=r"^crm/2025-03-02/accounts.jsonl: checksum mismatch"
    ) as err:
        load(con, landing, NEXT)
    assert [d.label for d in err.value.summary.loaded] == [
        "crm/2025-03-01",
        "erp/2025-03-01",
        "servicedesk/2025-03-01",
    ]
    assert con.execute(
        "SELECT count(*) FROM meta.load_log WHERE extract_date = ?", [NEXT]
    ).fetchone() == (0,)


def test_file_listed_but_absent_stops(con, landing):
    write_drop(landing, "crm", DAY, absent=("opportunities.jsonl",))
    with pytest.raises(
        LoadError,
        match=r"^crm/2025-03-01/opportunities.jsonl: listed in the manifest but absent",
    ):
        load(con, landing)


def test_contract_file_missing_from_drop_stops(con, landing):
    write_drop(
        landing,
        "servicedesk",
        DAY,
        absent=("tickets.csv",),
        omit_from_manifest=("tickets.csv",),
    )
    with pytest.raises(LoadError, match=r"^servicedesk/2025-03-01/tickets.csv: contract file"):
        load(con, landing)


def test_added_column_is_kept_in_extra_and_flagged(con, landing):
    ent = contract.entity("erp", "products")
    rows = clean_rows("erp", DAY)["products"]
    cols = [*list(ent.columns)[:2], "eco_label", *list(ent.columns)[2:]]
    body = [[r.get(c, f"A{i}") for c in cols] for i, r in enumerate(rows)]
    body[1][2] = ""
    write_all(landing, DAY, erp={"products.csv": csv_text(cols, body)})
    load(con, landing)
    assert con.execute(
        "SELECT product_code, product_group, _extra, _flags FROM raw_erp.products ORDER BY 1"
    ).fetchall() == [
        ("P1", "hardware", '{"eco_label":"A0"}', "added_columns"),
        ("S1", "service", '{"eco_label":null}', "added_columns"),
    ]
    assert con.execute(
        "SELECT flags FROM meta.load_log WHERE file_name = 'products.csv'"
    ).fetchone() == ("added_columns:eco_label",)


def test_added_json_field_is_kept_in_extra_and_flagged(con, landing):
    opps = clean_rows("crm", DAY)["opportunities"]
    text = "".join(json.dumps(dict(o, budgetstatus=2)) + "\n" for o in opps)
    write_all(landing, DAY, crm={"opportunities.jsonl": text})
    load(con, landing)
    assert con.execute("SELECT _extra, _flags FROM raw_crm.opportunities").fetchone() == (
        '{"budgetstatus":2}',
        "added_columns",
    )
    assert con.execute(
        "SELECT flags FROM meta.load_log WHERE file_name = 'opportunities.jsonl'"
    ).fetchone() == ("added_columns:budgetstatus",)


def test_renamed_column_stops(con, landing):
    text = clean_files("erp", DAY)["invoice_lines.csv"].replace("net_amount", "netamount", 1)
    write_drop(landing, "erp", DAY, {"invoice_lines.csv": text})
    with pytest.raises(LoadError) as err:
        load(con, landing)
    assert str(err.value) == (
        "erp/2025-03-01/invoice_lines.csv: column(s) net_amount missing from the header "
        "(unknown column(s) netamount: renamed?)"
    )


def test_missing_required_column_stops(con, landing):
    ent = contract.entity("servicedesk", "tickets")
    cols = [c for c in ent.columns if c != "created_at"]
    rows = clean_rows("servicedesk", DAY)["tickets"]
    text = csv_text(cols, [[r[c] for c in cols] for r in rows])
    write_drop(landing, "servicedesk", DAY, {"tickets.csv": text})
    with pytest.raises(
        LoadError, match=r"^servicedesk/2025-03-01/tickets.csv: column\(s\) created_at missing"
    ):
        load(con, landing)


def test_renamed_json_field_stops(con, landing):
    acts = clean_rows("crm", DAY)["activities"]
    text = "".join(
        json.dumps({("activitytype" if k == "activitytypecode" else k): v for k, v in a.items()})
        + "\n"
        for a in acts
    )
    write_drop(landing, "crm", DAY, {"activities.jsonl": text})
    with pytest.raises(LoadError) as err:
        load(con, landing)
    assert str(err.value) == (
        "crm/2025-03-01/activities.jsonl: field(s) activitytypecode missing from every line "
        "(unknown field(s) activitytype: renamed?)"
    )


def test_file_changed_after_load_stops(con, landing):
    folder = write_drop(landing, "erp", DAY)
    load(con, landing)
    path = folder / "payments.csv"
    path.write_text(path.read_text().replace("125.00", "126.00"))
    os.utime(path, ns=(1, 1))
    with pytest.raises(LoadError, match=r"^erp/2025-03-01/payments.csv: changed after it was"):
        load(con, landing)


def test_drop_rewritten_with_new_manifest_after_load_stops(con, landing):
    write_drop(landing, "erp", DAY)
    load(con, landing)
    payments = clean_files("erp", DAY)["payments.csv"] + "PAY2,I100,C001,2025-03-01,1.00\n"
    write_drop(landing, "erp", DAY, {"payments.csv": payments})
    with pytest.raises(LoadError, match=r"^erp/2025-03-01/payments.csv: changed after it was"):
        load(con, landing)


def test_failing_drop_leaves_nothing_behind_earlier_drops_stay(con, landing):
    write_all(landing, DAY)
    # next night's ERP drop: good files first, then a bad row count on the last file
    write_drop(landing, "erp", NEXT, manifest_rows={"gl_entries.csv": 7})
    with pytest.raises(LoadError, match=r"gl_entries\.csv: row count mismatch") as err:
        load(con, landing, NEXT)
    assert {d.label for d in err.value.summary.loaded} == {
        "crm/2025-03-01",
        "erp/2025-03-01",
        "servicedesk/2025-03-01",
    }
    for ent in contract.entities("erp"):
        assert con.execute(
            f"SELECT count(*) FROM {ent.raw_table} WHERE _extract_date = ?", [NEXT]
        ).fetchone() == (0,), ent.raw_table
    assert con.execute(
        "SELECT count(*) FROM meta.load_log WHERE extract_date = ?", [NEXT]
    ).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM meta.load_log").fetchone() == (10,)
    # no temporary leftovers, and the connection is usable
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
    assert_balanced(con)


def test_rows_in_equals_loaded_plus_quarantined_on_a_dirty_drop(con, landing):
    erp = with_lines(
        inv_line(invoice_no="I5", invoice_date="31/02/2025"),
        "I6,1\n",
        inv_line(invoice_no="I7", currency="JPY"),
        inv_line(invoice_no="I8", currency="GBP", customer_no="C404"),
        inv_line(),
    )
    write_all(landing, DAY, erp=erp)
    summary = load(con, landing)
    for f in summary.files:
        assert f.rows_in == f.rows_loaded + f.rows_quarantined, f.source_file
    inv = next(f for f in summary.files if f.file_name == "invoice_lines.csv")
    assert (inv.rows_in, inv.rows_loaded, inv.rows_quarantined) == (8, 4, 4)
    assert_balanced(con)


def test_summary_is_json_able(con, landing):
    write_all(landing, DAY)
    write_drop(landing, "erp", NEXT, manifest=False)
    summary = load(con, landing, NEXT)
    data = json.loads(json.dumps(summary.as_dict()))
    assert data["loaded"] == ["crm/2025-03-01", "erp/2025-03-01", "servicedesk/2025-03-01"]
    assert data["pending"] == ["erp/2025-03-02"]
    assert data["touched_from"] == "2025-01-01"
    assert sum(f["rows_in"] for f in data["files"]) == data["rows_loaded"]
