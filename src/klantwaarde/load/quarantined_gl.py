"""GL money in quarantine: what the ledger holds that the warehouse did not load.

A GL posting the loader quarantines (an amount written `12252,81`, a line over the
reader's size limit, a wrong column count) is money the reconciliation would otherwise
never see: the pool's ledger amount is simply lower, and the month still "balances".
After every load this module re-reads the quarantined rows of `erp/*/gl_entries.csv`
into `meta.quarantined_gl_entries`, one row per quarantined posting that is still
missing, with what can be read of it:

- `entry_no`, `posting_date`, `account_no`, `cost_center`: as written, when readable;
- `amount`: the amount read leniently (a decimal comma, thousands separators), NULL
  when it cannot be read at all: that row's money is unknown, and said to be;
- `reason`: the loader's quarantine reason.

A posting is no longer missing once a version of the same `entry_no` was loaded from
the same drop or a later one (the latest drop wins). Earlier lines of a key that a
later line of the same file superseded are not missing money either: they are left
out. The file's description column is not carried (free text).

dbt maps these postings to cost pools exactly like the loaded ones and shows their sum
per pool and month as `reconciliation_ledger.quarantined_amount`; the reconciliation
gate stops publish while any GL money is in quarantine, unless released.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb

from klantwaarde import contract

TABLE = "meta.quarantined_gl_entries"
FILE_NAME = "gl_entries.csv"

DDL = f"""
create table if not exists {TABLE} (
    quarantine_id varchar not null,
    _extract_date date not null,
    _loaded_at timestamp,
    source_file varchar not null,
    line_no bigint,
    entry_no varchar,
    posting_date date,
    account_no varchar,
    cost_center varchar,
    amount decimal(18, 2),
    amount_text varchar,
    reason varchar not null
)
"""

_COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_POINT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def lenient_amount(text: str | None) -> Decimal | None:
    """An amount as a person would read it: `12252,81`, `1.234,56`, `1,234.56`, `12.5`.

    None when it is no amount at all (or too large for DECIMAL(18,2))."""
    if text is None:
        return None
    value = text.strip().replace(" ", "").replace("\u00a0", "").replace("€", "")
    if _COMMA_DECIMAL.match(value):
        value = value.replace(".", "").replace(",", ".")
    elif _POINT_THOUSANDS.match(value):
        value = value.replace(",", "")
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or abs(amount) >= Decimal("1e16"):
        return None
    return amount


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text else None
    except ValueError:
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class QuarantinedPosting:
    entry_no: str | None
    posting_date: date | None
    account_no: str | None
    cost_center: str | None
    amount: Decimal | None
    amount_text: str | None


def read_posting(raw_content: str | None) -> QuarantinedPosting:
    """What can be read of one quarantined GL row: a JSON object of its columns (a value
    that did not cast) or the raw CSV line (a line the reader rejected)."""
    fields: dict[str, object] = {}
    if raw_content:
        try:
            parsed = json.loads(raw_content)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            fields = parsed
        else:
            columns = list(_entity().columns)
            try:
                record = next(csv.reader(io.StringIO(raw_content)), [])
            except csv.Error:
                record = []
            if len(record) == len(columns):
                fields = dict(zip(columns, record, strict=True))
            elif record:
                # a wrong column count: the leading key and date still say where it
                # belongs; the amount cannot be placed with confidence
                fields = {"entry_no": record[0]}
                if len(record) > 1:
                    fields["posting_date"] = record[1]
    amount_text = _text(fields.get("amount"))
    cost_center = _text(fields.get("cost_center"))
    return QuarantinedPosting(
        entry_no=_text(fields.get("entry_no")),
        posting_date=_date(_text(fields.get("posting_date"))),
        account_no=_text(fields.get("account_no")),
        cost_center=cost_center.upper() if cost_center else None,
        amount=lenient_amount(amount_text),
        amount_text=amount_text if lenient_amount(amount_text) is None else None,
    )


def _entity() -> contract.Entity:
    return next(e for e in contract.ENTITIES if e.system == "erp" and e.file_name == FILE_NAME)


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite `meta.quarantined_gl_entries` from `meta.quarantine`; returns its rows."""
    con.execute(DDL)
    rows = con.execute(
        """
        select quarantine.extract_date, quarantine.line_no, quarantine.raw_content,
               quarantine.reason, load_log.loaded_at
          from meta.quarantine as quarantine
          left join (
              select system, extract_date, file_name, max(loaded_at) as loaded_at
                from meta.load_log group by all
          ) as load_log
            on quarantine.system = load_log.system
           and quarantine.extract_date = load_log.extract_date
           and quarantine.file_name = load_log.file_name
         where quarantine.system = 'erp' and quarantine.file_name = ?
           and quarantine.reason not like 'duplicate key (%'
         order by quarantine.extract_date, quarantine.line_no
        """,
        [FILE_NAME],
    ).fetchall()
    records = []
    for extract_date, line_no, raw_content, reason, loaded_at in rows:
        posting = read_posting(raw_content)
        records.append(
            (
                f"erp/{extract_date.isoformat()}/{FILE_NAME}:{line_no}",
                extract_date,
                loaded_at,
                f"erp/{extract_date.isoformat()}/{FILE_NAME}",
                line_no,
                posting.entry_no,
                posting.posting_date,
                posting.account_no,
                posting.cost_center,
                posting.amount,
                posting.amount_text,
                reason,
            )
        )
    con.execute(f"delete from {TABLE}")
    if records:
        con.executemany(f"insert into {TABLE} values ({', '.join('?' * 12)})", records)
        # a posting whose entry_no was loaded from the same drop or a later one is there
        con.execute(
            f"""
            delete from {TABLE}
             where entry_no is not null
               and exists (
                   select 1 from raw_erp.gl_entries as loaded
                    where loaded.entry_no = {TABLE}.entry_no
                      and loaded._extract_date >= {TABLE}._extract_date)
            """
        )
    return con.execute(f"select count(*) from {TABLE}").fetchone()[0]
