"""Odd inputs that used to load silently (issue 21): each gets its named outcome.

Every case writes a small hand-made drop, loads it into a real DuckDB file and checks
the outcome the contract names: quarantined with its reason, loaded with a flag, or a
stop naming the file; and rows in = rows loaded + rows quarantined throughout.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest

from klantwaarde import contract
from klantwaarde.errors import LoadError

from .drops import DAY, clean_files, clean_rows, csv_text, jsonl_text, write_all, write_drop
from .test_loader import assert_balanced, inv_line, load, quarantine, with_lines


def test_nested_json_value_is_quarantined_naming_the_field(con, landing):
    accounts = clean_rows("crm", DAY)["accounts"]
    accounts[1] = dict(accounts[1], accountnumber={"erp": "100340"})
    cols = list(contract.entity("crm", "accounts").columns)
    text = jsonl_text([{c: r.get(c) for c in cols} for r in accounts])
    write_all(landing, DAY, crm={"accounts.jsonl": text})
    load(con, landing)
    [(line, raw, reason)] = quarantine(con, "accounts.jsonl")
    assert (line, reason) == (
        2,
        "accountnumber: a JSON object or array where a value belongs",
    )
    assert json.loads(raw)["accountid"] == "a-2"
    assert con.execute("SELECT list(accountid) FROM raw_crm.accounts").fetchone() == (["a-1"],)
    assert_balanced(con)


def test_a_string_that_looks_like_json_still_loads(con, landing):
    accounts = clean_rows("crm", DAY)["accounts"]
    accounts[1] = dict(accounts[1], name="{Curly} & [Square] Ltd")
    cols = list(contract.entity("crm", "accounts").columns)
    text = jsonl_text([{c: r.get(c) for c in cols} for r in accounts])
    write_all(landing, DAY, crm={"accounts.jsonl": text})
    load(con, landing)
    assert quarantine(con, "accounts.jsonl") == []
    assert con.execute("SELECT name FROM raw_crm.accounts WHERE accountid = 'a-2'").fetchone() == (
        "{Curly} & [Square] Ltd",
    )


def test_control_characters_are_removed_and_flagged(con, landing):
    customers = clean_rows("erp", DAY)["customers"]
    customers[1] = dict(customers[1], name="Brouw\x00er\x07 Schilderwerken B.V.")
    cols = list(contract.entity("erp", "customers").columns)
    text = csv_text(cols, [[r[c] for c in cols] for r in customers])
    orgs = clean_rows("servicedesk", DAY)["organizations"]
    orgs[0] = dict(orgs[0], name="Müller\x1b GmbH")
    ocols = list(contract.entity("servicedesk", "organizations").columns)
    write_all(
        landing,
        DAY,
        erp={"customers.csv": text},
        servicedesk={"organizations.csv": csv_text(ocols, [[r[c] for c in ocols] for r in orgs])},
    )
    load(con, landing)
    assert con.execute(
        "SELECT name, _flags FROM raw_erp.customers WHERE customer_no = 'C002'"
    ).fetchone() == ("Brouwer Schilderwerken B.V.", "control_characters_removed")
    assert con.execute(
        "SELECT name, _flags FROM raw_servicedesk.organizations WHERE organization_id = '101'"
    ).fetchone() == ("Müller GmbH", "control_characters_removed")
    # other rows keep no flag
    assert con.execute(
        "SELECT count(*) FROM raw_erp.customers WHERE _flags IS NOT NULL"
    ).fetchone() == (1,)
    assert_balanced(con)


def test_escaped_control_characters_in_json_lines_are_removed_and_flagged(con, landing):
    accounts = clean_rows("crm", DAY)["accounts"]
    accounts[1] = dict(accounts[1], name="Bakkerij\u0007 de Vries\f")
    cols = list(contract.entity("crm", "accounts").columns)
    text = jsonl_text([{c: r.get(c) for c in cols} for r in accounts])
    assert "\\u0007" in text  # JSON writes the bell as an escape, not as its byte
    write_all(landing, DAY, crm={"accounts.jsonl": text})
    load(con, landing)
    assert con.execute(
        "SELECT name, _flags FROM raw_crm.accounts WHERE accountid = 'a-2'"
    ).fetchone() == ("Bakkerij de Vries", "control_characters_removed")
    assert_balanced(con)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("clean.csv", b"a,b\n1,Tab\there\r\n", False),
        ("raw.csv", b"a,b\n1,Bel\x07\n", True),
        ("delete.csv", b"a,b\n1,Del\x7f\n", True),
        ("clean.jsonl", b'{"a": "line\\nbreak \\u00e9"}\n', True),
        ("plain.jsonl", b'{"a": "no escapes at all"}\n', False),
        ("escape.jsonl", b'{"a": "bell \\u0007"}\n', True),
        ("formfeed.jsonl", b'{"a": "page\\f"}\n', True),
    ],
)
def test_the_file_pass_tells_where_control_characters_may_be(
    tmp_path, monkeypatch, name, content, expected
):
    from klantwaarde.load import verify

    # chunks of 5 bytes: an escape split between two chunks is still seen
    monkeypatch.setattr(verify, "_CHUNK", 5)
    path = tmp_path / name
    path.write_bytes(content)
    assert verify.file_facts(path).control_characters is expected


@pytest.mark.parametrize(
    ("name", "content", "lines", "comma_ends"),
    [
        ("plain.csv", b"a,b\n1,2\n3,4\n", 3, 0),
        ("empty_last.csv", b"a,b\n1,\n3,4\n5,\n", 4, 2),
        ("crlf.csv", b"a,b\r\n1,\r\n3,4\r\n", 3, 1),
        ("no_newline.csv", b"a,b\n1,2\n3,", 3, 1),
        ("comma_in_value.csv", b'a,b\n"x,",2\n', 2, 0),
        ("object.jsonl", b'{"a": 1,\n"b": 2}\n', 2, 0),
    ],
)
def test_the_file_pass_counts_lines_and_lines_ending_in_a_comma(
    tmp_path, monkeypatch, name, content, lines, comma_ends
):
    from klantwaarde.load import verify

    for chunk in (1, 2, 3, 5, 1 << 20):  # a line end split between chunks is still seen
        monkeypatch.setattr(verify, "_CHUNK", chunk)
        path = tmp_path / name
        path.write_bytes(content)
        facts = verify.file_facts(path)
        assert (facts.lines, facts.comma_ends, facts.last_byte) == (
            lines,
            comma_ends,
            content[-1:],
        ), chunk


def test_a_row_dated_after_its_drop_is_quarantined(con, landing):
    write_all(landing, DAY, erp=with_lines(inv_line(invoice_no="I2030", invoice_date="2030-01-05")))
    summary = load(con, landing)
    [(line, raw, reason)] = quarantine(con, "invoice_lines.csv")
    assert line == 5
    assert reason == "invoice_date: 2030-01-05 is after the drop's extract date 2025-03-01"
    assert json.loads(raw)["invoice_no"] == "I2030"
    inv = next(f for f in summary.files if f.file_name == "invoice_lines.csv")
    assert (inv.rows_in, inv.rows_loaded, inv.rows_quarantined) == (4, 3, 1)
    assert con.execute(
        "SELECT count(*) FROM raw_erp.invoice_lines WHERE invoice_date > DATE '2025-03-01'"
    ).fetchone() == (0,)
    assert_balanced(con)


def test_a_ticket_created_after_its_drop_is_quarantined(con, landing):
    tickets = clean_rows("servicedesk", DAY)["tickets"]
    tickets.append(dict(tickets[0], ticket_id="5999", created_at="2025-03-02T00:00:01Z"))
    cols = list(contract.entity("servicedesk", "tickets").columns)
    text = csv_text(cols, [[str(r.get(c, "")) for c in cols] for r in tickets])
    write_all(landing, DAY, servicedesk={"tickets.csv": text})
    load(con, landing)
    reasons = [r for _, _, r in quarantine(con, "tickets.csv")]
    assert reasons == ["created_at: 2025-03-02 is after the drop's extract date 2025-03-01"]


def test_csv_without_header_stops_without_showing_its_values(con, landing):
    text = clean_files("servicedesk", DAY)["tickets.csv"]
    headless = text.split("\n", 1)[1]
    write_all(landing, DAY, servicedesk={"tickets.csv": headless})
    with pytest.raises(LoadError) as raised:
        load(con, landing)
    message = str(raised.value)
    assert message == (
        "servicedesk/2025-03-01/tickets.csv: no header row "
        "(line 1 names none of the contract's columns)"
    )
    assert "@" not in message and "\n" not in message


def test_a_symlinked_drop_file_is_refused_without_reading_it(con, landing, tmp_path):
    secret = tmp_path / "outside.csv"
    secret.write_text("root:x:0:0:secret line\n", encoding="utf-8")
    write_all(landing, DAY)
    target = landing / "erp" / DAY.isoformat() / "products.csv"
    # the manifest is rewritten to match, so that only the link is wrong
    write_drop(landing, "erp", DAY, {"products.csv": secret.read_text()})
    target.unlink()
    os.symlink(secret, target)
    with pytest.raises(LoadError) as raised:
        load(con, landing)
    message = str(raised.value)
    assert message.startswith("erp/2025-03-01/products.csv: is a symbolic link")
    assert "secret" not in message
    assert con.execute("SELECT count(*) FROM meta.load_log WHERE system = 'erp'").fetchone() == (0,)


def test_a_symlinked_manifest_is_refused(con, landing, tmp_path):
    write_all(landing, DAY)
    manifest = landing / "crm" / DAY.isoformat() / contract.MANIFEST_NAME
    copy = tmp_path / "manifest.json"
    copy.write_bytes(manifest.read_bytes())
    manifest.unlink()
    os.symlink(copy, manifest)
    with pytest.raises(LoadError, match=r"^crm/2025-03-01/_manifest.json: is a symbolic link"):
        load(con, landing)


def test_utc_offsets_are_converted_to_utc(con, landing):
    tickets = clean_rows("servicedesk", DAY)["tickets"]
    tickets[0] = dict(tickets[0], created_at="2025-01-05T23:36:40-05:00")
    tickets.append(dict(tickets[0], ticket_id="5998", created_at="2025-01-05T12:00:00+0530"))
    tickets.append(dict(tickets[0], ticket_id="5997", created_at="2025-01-05T12:00:00"))
    cols = list(contract.entity("servicedesk", "tickets").columns)
    text = csv_text(cols, [[str(r.get(c, "")) for c in cols] for r in tickets])
    write_all(landing, DAY, servicedesk={"tickets.csv": text})
    load(con, landing)
    got = dict(con.execute("SELECT ticket_id, created_at FROM raw_servicedesk.tickets").fetchall())
    assert got["5001"] == datetime(2025, 1, 6, 4, 36, 40)
    assert got["5998"] == datetime(2025, 1, 5, 6, 30, 0)
    assert got["5997"] == datetime(2025, 1, 5, 12, 0, 0)


def test_negative_quantity_on_a_line_that_is_no_credit_note_is_flagged(con, landing):
    write_all(
        landing,
        DAY,
        erp=with_lines(
            inv_line(invoice_no="I7", quantity="-2"),
            inv_line(invoice_no="CN1", quantity="-1", net_amount="-10.00", cost_amount="-5.00"),
        ),
    )
    load(con, landing)
    flagged = dict(
        con.execute(
            "SELECT invoice_no, _flags FROM raw_erp.invoice_lines WHERE invoice_no IN ('I7', 'CN1')"
        ).fetchall()
    )
    assert flagged == {"I7": "quantity_sign_mismatch", "CN1": None}


def test_a_manifest_with_a_byte_order_mark_is_accepted(con, landing):
    write_all(landing, DAY)
    manifest = landing / "erp" / DAY.isoformat() / contract.MANIFEST_NAME
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    summary = load(con, landing)
    assert [d.label for d in summary.loaded if d.system == "erp"] == ["erp/2025-03-01"]


def test_a_trailing_extra_field_is_a_wrong_column_count(con, landing):
    extra = inv_line(invoice_no="I8").rstrip("\n") + ",\n"
    write_all(landing, DAY, erp=with_lines(inv_line(invoice_no="I7"), extra))
    load(con, landing)
    [(line, raw, reason)] = quarantine(con, "invoice_lines.csv")
    assert (line, raw.endswith(","), reason) == (
        6,
        True,
        "wrong column count: expected 14, found 15",
    )
    assert con.execute(
        "SELECT _line_no FROM raw_erp.invoice_lines WHERE invoice_no = 'I7'"
    ).fetchone() == (5,)
    assert_balanced(con)


def test_an_empty_last_column_still_loads(con, landing):
    # gl_entries ends in customer_no, mostly empty: lines end in a comma and are fine
    write_all(landing, DAY)
    text = (landing / "erp" / DAY.isoformat() / "gl_entries.csv").read_text()
    assert any(line.endswith(",") for line in text.splitlines())
    load(con, landing)
    assert quarantine(con, "gl_entries.csv") == []
    rows = con.execute("SELECT count(*) FROM raw_erp.gl_entries").fetchone()[0]
    assert rows == len(clean_rows("erp", DAY)["gl_entries"])


# ---- what the landing zone holds that no drop loads ------------------------------------


def _issues(con) -> list[tuple]:
    return con.execute(
        "SELECT folder, file_name, issue, outcome FROM meta.landing_issues ORDER BY ALL"
    ).fetchall()


def test_a_folder_that_is_no_date_is_named(con, landing):
    write_all(landing, DAY)
    write_drop(landing, "erp", DAY)  # a complete drop in a folder that is no date:
    (landing / "erp" / DAY.isoformat()).rename(landing / "erp" / "2026-13-45")
    write_drop(landing, "erp", DAY)
    (landing / "ERP_old").mkdir()
    summary = load(con, landing)
    assert _issues(con) == [
        ("ERP_old", None, "not a system of the contract", "not read"),
        (
            "erp/2026-13-45",
            None,
            "folder name is not a YYYY-MM-DD extract date and holds a manifest",
            "not loaded",
        ),
    ]
    assert [str(i) for i in summary.issues][1] == (
        "erp/2026-13-45: folder name is not a YYYY-MM-DD extract date and holds a manifest "
        "(not loaded)"
    )
    assert "2 landing zone issue(s)" in summary.describe()


def test_manifest_entries_and_files_that_are_no_contract_files_are_named(con, landing):
    write_all(landing, DAY)
    folder = landing / "erp" / DAY.isoformat()
    manifest = json.loads((folder / contract.MANIFEST_NAME).read_text())
    manifest["files"]["credit_notes.csv"] = {"rows": 3, "sha256": "0" * 64}
    (folder / "notes.txt").write_text("hello\n")
    (folder / contract.MANIFEST_NAME).write_text(json.dumps(manifest))
    load(con, landing)
    assert _issues(con) == [
        (
            "erp/2025-03-01",
            "credit_notes.csv",
            "listed in the manifest, absent from the drop, and not a contract file",
            "not loaded",
        ),
        ("erp/2025-03-01", "notes.txt", "not a contract file", "not loaded"),
    ]


def test_an_earlier_drop_without_manifest_behind_a_later_one_is_named(con, landing):
    later = DAY.replace(day=2)
    write_all(landing, later)
    write_drop(landing, "crm", DAY, manifest=False)
    summary = load(con, landing, later)
    assert _issues(con) == [
        (
            "crm/2025-03-01",
            None,
            "no manifest yet, while the later drop of 2025-03-02 is complete",
            "waits: loaded when its manifest arrives",
        )
    ]
    assert [d.label for d in summary.pending] == ["crm/2025-03-01"]
    # once the manifest arrives the drop loads and the issue is gone
    write_drop(landing, "crm", DAY)
    summary = load(con, landing, later)
    assert [d.label for d in summary.loaded] == ["crm/2025-03-01"]
    assert _issues(con) == []
