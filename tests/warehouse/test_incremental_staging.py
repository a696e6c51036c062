"""The staged transaction deltas: views over the raw tables that leave out the versions a
later one supersedes, kept by incremental base models. Night by night they hold exactly
what one --full-refresh build gives (same rows, every column), and a night only
recomputes the superseded versions of the keys that got a new row version."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from klantwaarde import build, build_state, contract, dbt_invoke
from klantwaarde.errors import BuildError
from klantwaarde.generate.drops import sha256
from klantwaarde.load import ensure_schemas, load_landing
from klantwaarde.settings import RunSettings

pytestmark = pytest.mark.slow

# staging view -> (raw table, key of the staging view, the same key over the raw columns)
STAGING: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "stg_erp__invoice_lines": (
        "raw_erp.invoice_lines",
        ("invoice_no", "line_no"),
        ("trim(invoice_no)", "line_no"),
    ),
    "stg_erp__payments": ("raw_erp.payments", ("payment_id",), ("trim(payment_id)",)),
    "stg_erp__gl_entries": ("raw_erp.gl_entries", ("entry_no",), ("trim(entry_no)",)),
    "stg_crm__activities": ("raw_crm.activities", ("activity_id",), ("activityid",)),
    "stg_servicedesk__tickets": ("raw_servicedesk.tickets", ("ticket_id",), ("ticket_id",)),
}


def superseded(table: str) -> str:
    """The base model that keeps the superseded versions of a staging view."""
    return f"base_{table.removeprefix('stg_')}_superseded"


# loaded at once differs between two warehouses built from the same landing zone
LOAD_TIME = "loaded_at"


def _rows(con: duckdb.DuckDBPyConnection, table: str, exclude: tuple[str, ...] = ()) -> list:
    columns = f"* exclude ({', '.join(exclude)})" if exclude else "*"
    return con.execute(f"select {columns} from staging.{table} order by all").fetchall()


# ------------------------------------------------------- the pipeline's nightly build

# the customer masters: a full snapshot per drop, incremental too
MASTERS = ("stg_erp__customers", "stg_crm__accounts", "stg_servicedesk__organizations")


@pytest.mark.parametrize("table", MASTERS)
def test_masters_of_the_nightly_build_equal_the_full_build(nightly_build, full_build, table):
    """Night by night a master holds what one build over every snapshot gives, flags
    (is_in_latest_snapshot) included; each night read only its new snapshot."""
    with nightly_build.connect() as incremental, full_build.connect() as full:
        nightly_rows = _rows(incremental, table, (LOAD_TIME,))
        assert nightly_rows == _rows(full, table, (LOAD_TIME,))
        assert len(nightly_rows) > 0
        # the flag is not constant: some keys are missing from the latest snapshot
        flags = incremental.execute(
            f"select count(distinct is_in_latest_snapshot) from staging.{table}"
        ).fetchone()[0]
        assert flags in (1, 2)
    assert len(nightly_build.summaries) > 1 and nightly_build.summaries[-1].rebuild_from


@pytest.mark.parametrize("table", STAGING)
def test_staging_tables_of_the_nightly_build_equal_the_full_build(nightly_build, full_build, table):
    with nightly_build.connect() as incremental, full_build.connect() as full:
        assert _rows(incremental, table, (LOAD_TIME,)) == _rows(full, table, (LOAD_TIME,))
        columns = incremental.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        assert (LOAD_TIME, "TIMESTAMP") in columns


# ------------------------------------------------------- handmade nights, staging only


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _write_drop(landing: Path, system: str, night: date, files: dict[str, int]) -> None:
    folder = landing / system / night.isoformat()
    manifest = {
        "system": system,
        "extract_date": night.isoformat(),
        "files": {
            name: {"rows": rows, "sha256": sha256(folder / name)}
            for name, rows in sorted(files.items())
        },
    }
    (folder / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _new_drop(landing: Path, system: str, night: date, previous: date) -> dict[str, int]:
    """A drop folder for `night` holding the masters of the `previous` drop unchanged;
    returns their row counts (file name -> rows) for the manifest."""
    folder = landing / system / night.isoformat()
    folder.mkdir(parents=True)
    before = json.loads((landing / system / previous.isoformat() / "_manifest.json").read_text())
    masters = {}
    for name, entry in before["files"].items():
        if contract.entity_for_file(system, name).kind == "master":
            shutil.copy(landing / system / previous.isoformat() / name, folder / name)
            masters[name] = entry["rows"]
    return masters


def _first_rows(landing: Path, system: str, first: date, name: str, n: int) -> list:
    path = landing / system / first.isoformat() / name
    if name.endswith(".jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[:n]]
    return _csv_rows(path)[1][:n]


@dataclass
class Nights:
    warehouse: Path
    full: Path  # a copy of `warehouse` after the last night, rebuilt with --full-refresh
    nights: list[date]
    recomputed: dict[tuple[date, str], tuple[set, set]]  # (night, table) -> (got, expected)
    corrected: dict[str, str]  # what the handmade nights changed (for the asserts)
    since: Since  # what the next night's run gets as the previous one's


def _settings(landing: Path, warehouse: Path, as_of: date) -> RunSettings:
    return RunSettings(landing=landing, warehouse=warehouse, as_of=as_of)


# (raw_loaded_until, as_of) of the previous night's run, as klantwaarde.build passes them
Since = tuple[datetime, date] | None


def _run_staging(settings: RunSettings, since: Since, *extra: str) -> None:
    models = [name for table in STAGING for name in (table, superseded(table))]
    dbt_invoke.invoke(
        settings,
        ["run", "--select", *models, "--vars", build._vars(settings, None, since), *extra],
        what="run of the staging models",
    )


# `loaded_at` of a superseded version the next run has not written again
MARK = datetime(1900, 1, 1)


def _mark(con: duckdb.DuckDBPyConnection) -> None:
    """Mark every superseded version: a row the next run recomputes loses its mark."""
    for table in STAGING:
        con.execute(f"update staging.{superseded(table)} set loaded_at = ?", [MARK])


def _recomputed_and_unmark(
    con: duckdb.DuckDBPyConnection, night: date
) -> dict[str, tuple[set, set]]:
    """Per staging view: (keys whose superseded versions were recomputed, keys with a row
    version extracted this night and more than one version); then the marks are taken
    off again."""
    found = {}
    for table, (raw, _, raw_key) in STAGING.items():
        base = f"staging.{superseded(table)}"
        keys = ", ".join(raw_key)
        got = set(
            con.execute(
                f"select distinct {keys} from {base} as base inner join {raw} as raw"
                " on raw._source_file = base.source_file and raw._line_no = base.source_line_no"
                " where base.loaded_at <> ?",
                [MARK],
            ).fetchall()
        )
        expected = set(
            con.execute(
                f"select {', '.join(raw_key)} from {raw} where _extract_date <= ?"
                f" group by all having count(*) > 1 and max(_extract_date) = ?",
                [night, night],
            ).fetchall()
        )
        found[table] = (got, expected)
        con.execute(
            f"update {base} set loaded_at = raw._loaded_at from {raw} as raw"
            f" where raw._source_file = {base}.source_file"
            f" and raw._line_no = {base}.source_line_no and {base}.loaded_at = ?",
            [MARK],
        )
    return found


@pytest.fixture(scope="module")
def nights(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Nights:
    """The generated drops night by night, then two handmade nights:

    night A re-sends corrected versions of old keys of every delta (an invoice line now
    in USD), a new invoice line, an old line twice (the last line wins), and the newest
    version of another old line malformed (quarantined: the line keeps its version);
    night B corrects the same invoice line again and another old ticket. The loader runs
    ahead of the build: night B is loaded with night A but built a night later, so its
    rows were loaded before the table was last built (only their extract date is new).

    Every night after the first runs the five staging views and their base models
    incrementally.
    """
    root = tmp_path_factory.mktemp("staging_nights")
    copy = root / "landing"
    shutil.copytree(landing, copy)
    generated = sorted(date.fromisoformat(p.name) for p in (copy / "erp").iterdir())
    first, last = generated[0], generated[-1]
    night_a, night_b = last + timedelta(days=1), last + timedelta(days=2)

    header, lines = _csv_rows(copy / "erp" / first.isoformat() / "invoice_lines.csv")
    corrected_line, twice, malformed = lines[0], lines[1], lines[2]
    corrected = {
        "invoice_line": f"{corrected_line['invoice_no']}|{corrected_line['line_no']}",
        "malformed_line": f"{malformed['invoice_no']}|{malformed['line_no']}",
    }

    # ---- night A
    folder = copy / "erp" / night_a.isoformat()
    masters = _new_drop(copy, "erp", night_a, last)
    new_line = dict(corrected_line, invoice_no="F-HANDMADE-1", line_no="1")
    rows = [
        dict(corrected_line, net_amount="123.45", cost_amount="100.00", currency="USD"),
        dict(twice, net_amount="1.00"),
        dict(malformed, quantity="not-a-number"),
        new_line,
        dict(twice, net_amount="2.00"),  # the last line of a key wins
    ]
    _write_csv(folder / "invoice_lines.csv", header, rows)
    payment_header, payments = _csv_rows(copy / "erp" / first.isoformat() / "payments.csv")
    _write_csv(folder / "payments.csv", payment_header, [dict(payments[0], amount="9.99")])
    gl_header, gl = _csv_rows(copy / "erp" / first.isoformat() / "gl_entries.csv")
    _write_csv(folder / "gl_entries.csv", gl_header, [dict(gl[0], amount="77.77")])
    files = {"invoice_lines.csv": 5, "payments.csv": 1, "gl_entries.csv": 1}
    _write_drop(copy, "erp", night_a, masters | files)

    folder = copy / "crm" / night_a.isoformat()
    masters = _new_drop(copy, "crm", night_a, last)
    (activity,) = _first_rows(copy, "crm", first, "activities.jsonl", 1)
    activity["actualdurationminutes"] = 999
    (folder / "activities.jsonl").write_text(json.dumps(activity) + "\n", "utf-8")
    (folder / "opportunities.jsonl").write_text("", "utf-8")
    files = {"activities.jsonl": 1, "opportunities.jsonl": 0}
    _write_drop(copy, "crm", night_a, masters | files)

    folder = copy / "servicedesk" / night_a.isoformat()
    masters = _new_drop(copy, "servicedesk", night_a, last)
    ticket_header, tickets = _csv_rows(copy / "servicedesk" / first.isoformat() / "tickets.csv")
    _write_csv(folder / "tickets.csv", ticket_header, [dict(tickets[0], time_spent_minutes="321")])
    _write_drop(copy, "servicedesk", night_a, masters | {"tickets.csv": 1})

    # ---- night B
    folder = copy / "erp" / night_b.isoformat()
    masters = _new_drop(copy, "erp", night_b, night_a)
    _write_csv(
        folder / "invoice_lines.csv",
        header,
        [dict(corrected_line, net_amount="-50.00", cost_amount="", currency="GBP")],
    )
    for name, head in (("payments.csv", payment_header), ("gl_entries.csv", gl_header)):
        _write_csv(folder / name, head, [])
    files = {"invoice_lines.csv": 1, "payments.csv": 0, "gl_entries.csv": 0}
    _write_drop(copy, "erp", night_b, masters | files)
    folder = copy / "servicedesk" / night_b.isoformat()
    masters = _new_drop(copy, "servicedesk", night_b, night_a)
    _write_csv(folder / "tickets.csv", ticket_header, [dict(tickets[1], status="closed")])
    _write_drop(copy, "servicedesk", night_b, masters | {"tickets.csv": 1})

    # ---- the nights
    warehouse = root / "nightly" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    nights_built = [*generated, night_a, night_b]
    loads = {night: night for night in generated} | {night_a: night_b}  # B loaded with A
    recomputed: dict[tuple[date, str], tuple[set, set]] = {}
    since: Since = None
    for i, night in enumerate(nights_built):
        settings = _settings(copy, warehouse, night)
        with duckdb.connect(str(warehouse)) as con:
            ensure_schemas(con)
            if night in loads:
                load_landing(con, copy, loads[night])
            if i:
                _mark(con)
            loaded_until = build_state.raw_loaded_until(con)
        if i == 0:
            build.seed(settings, json.dumps({"as_of_date": night.isoformat()}))
        _run_staging(settings, since)
        since = (loaded_until, night)
        if i:
            with duckdb.connect(str(warehouse)) as con:
                for table, found in _recomputed_and_unmark(con, night).items():
                    recomputed[(night, table)] = found

    full = root / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    _run_staging(_settings(copy, full, night_b), None, "--full-refresh")
    return Nights(warehouse, full, nights_built, recomputed, corrected, since)


@pytest.mark.parametrize("table", STAGING)
def test_incremental_nights_equal_a_full_refresh_every_column(nights, table):
    """Same raw tables, so every column compares, `loaded_at` included; the superseded
    versions too, and the view is a view (the rows are stored once, in the raw table)."""
    for name in (table, superseded(table)):
        with duckdb.connect(str(nights.warehouse), read_only=True) as con:
            incremental = _rows(con, name)
            kind = build_state.relation_type(con, f"staging.{name}")
        with duckdb.connect(str(nights.full), read_only=True) as con:
            full = _rows(con, name)
        assert len(incremental) == len(full)
        assert incremental == full
        assert kind == ("VIEW" if name == table else "BASE TABLE")
    # the handmade nights superseded versions of every delta
    assert incremental


def test_a_night_recomputes_only_the_keys_with_a_new_row_version(nights):
    for night in nights.nights[1:]:
        for table in STAGING:
            got, expected = nights.recomputed[(night, table)]
            assert got == expected, (night, table)
    night_a, night_b = nights.nights[-2:]
    # the handmade nights superseded versions in every table on night A, and B came in
    # through its extract date alone (loaded before the previous build)
    assert all(nights.recomputed[(night_a, table)][0] for table in STAGING)
    assert len(nights.recomputed[(night_b, "stg_erp__invoice_lines")][0]) == 1
    assert len(nights.recomputed[(night_b, "stg_servicedesk__tickets")][0]) == 1
    assert not nights.recomputed[(night_b, "stg_crm__activities")][0]


def test_corrections_quarantine_and_duplicates_land_as_in_a_full_build(nights):
    invoice_no, line_no = nights.corrected["invoice_line"].split("|")
    with duckdb.connect(str(nights.warehouse), read_only=True) as con:
        row = con.execute(
            "select currency, net_amount, coalesce(cost_amount, 0), extract_date"
            " from staging.stg_erp__invoice_lines where invoice_no = ? and line_no = ?",
            [invoice_no, int(line_no)],
        ).fetchone()
        assert row[0] == "GBP" and float(row[1]) == -50.0
        assert float(row[2]) == 0.0 and row[3] == nights.nights[-1]
        bad_no, bad_line = nights.corrected["malformed_line"].split("|")
        kept, loaded = con.execute(
            "select (select extract_date from staging.stg_erp__invoice_lines"
            "        where invoice_no = $1 and line_no = $2),"
            "       (select max(_extract_date) from raw_erp.invoice_lines"
            "        where invoice_no = $1 and line_no = $2)",
            [bad_no, int(bad_line)],
        ).fetchone()
        # the newest version was quarantined: the line keeps its previous one
        assert kept == loaded and kept < nights.nights[-2]
        reasons = con.execute(
            "select reason from meta.quarantine where system = 'erp' and extract_date = ?"
            " and file_name = 'invoice_lines.csv' order by line_no",
            [nights.nights[-2]],
        ).fetchall()
        assert len(reasons) == 2, reasons
        assert any("quantity" in r for (r,) in reasons)
        assert any("duplicate key" in r for (r,) in reasons)


def test_an_earlier_as_of_stops_the_incremental_run(nights, tmp_path):
    """as_of never moves back in an incremental run (build.py then passes
    --full-refresh); if it does, the run stops instead of mixing two dates."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nights.warehouse, warehouse)
    settings = _settings(nights.warehouse.parent, warehouse, nights.nights[-2])
    with pytest.raises(BuildError) as raised:
        _run_staging(settings, nights.since)
    assert "--full-refresh" in str(raised.value)
    _run_staging(settings, None, "--full-refresh")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        latest = con.execute("select max(extract_date) from staging.stg_erp__invoice_lines")
        assert latest.fetchone()[0] == nights.nights[-2]
