"""The reconciliation gate: every euro of the ledger is allocated or shown unallocated.

`mart.reconciliation_ledger.difference = ledger_amount - allocated_amount -
unallocated_amount` must be exactly 0.00 on every row (shared/contracts.md §3).
A single cent off anywhere stops the run before publish, naming pool and month.

GL money in quarantine (`mart.quarantined_gl_entries`: postings the loader could not
load) is not in the ledger amount, so the identity holds without it. It stops the run
all the same, naming the first posting, unless the data engineer releases it for the run
(`--release-quarantined-gl`, DAG param `release_quarantined_gl`) or all of it is readable
and within the config's `reconciliation.quarantined_gl_limit` (EUR, shipped 0.00;
`KLANTWAARDE_QUARANTINED_GL_LIMIT` overrides it). A run that publishes
with quarantined money says so in its status line.

Open months (`mart.ledger_months`, doc block month_status) are named in the status line:
a month without cost postings while a later month has them (missing_costs) is reported,
not counted as a month that cost nothing. A ledger without any cost postings (a
revenue-only company, contracts §7) publishes all the same and says that the ledger is
empty: nothing is reported as balanced that was not there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import duckdb

from klantwaarde.errors import ReconciliationError
from klantwaarde.settings import RunSettings


@dataclass(frozen=True)
class QuarantinedMoney:
    """GL postings in quarantine: how many, their readable sum, how many unreadable."""

    postings: int = 0
    amount: Decimal = Decimal("0.00")
    absolute_amount: Decimal = Decimal("0.00")
    unreadable: int = 0

    @property
    def sentence(self) -> str:
        unreadable = f", {self.unreadable} with an unreadable amount" if self.unreadable else ""
        plural = "posting" if self.postings == 1 else "postings"
        return f"{self.amount} EUR of GL money in quarantine ({self.postings} {plural}{unreadable})"


@dataclass(frozen=True)
class ReconciliationSummary:
    rows: int
    months: int
    pools: int
    ledger_total: Decimal
    unallocated_total: Decimal
    quarantined: QuarantinedMoney = QuarantinedMoney()
    open_months: tuple[str, ...] = ()
    missing_cost_months: tuple[str, ...] = ()

    @property
    def ledger_empty(self) -> bool:
        return self.rows == 0

    @property
    def status(self) -> str:
        if self.ledger_empty:
            text = (
                "the ledger is empty: no GL cost postings, nothing to reconcile; revenue, "
                "segments and future value published, cost-to-serve zero"
            )
        else:
            text = f"balanced: {self.rows} pool-months, difference 0.00 everywhere"
        if self.open_months and not self.ledger_empty:
            text += f"; open (costs not posted yet): {', '.join(self.open_months)}"
        if self.missing_cost_months:
            text += (
                f"; NO COST POSTINGS in {', '.join(self.missing_cost_months)} while later "
                "months have them (mart.ledger_months)"
            )
        if self.quarantined.postings:
            return f"{text}; published with {self.quarantined.sentence}, released"
        return text

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "months": self.months,
            "pools": self.pools,
            "ledger_total": str(self.ledger_total),
            "unallocated_total": str(self.unallocated_total),
            "quarantined_postings": self.quarantined.postings,
            "quarantined_amount": str(self.quarantined.amount),
            "quarantined_unreadable": self.quarantined.unreadable,
            "ledger_empty": self.ledger_empty,
            "open_months": list(self.open_months),
            "missing_cost_months": list(self.missing_cost_months),
            "status": self.status,
        }


def check_ledger(con: duckdb.DuckDBPyConnection) -> ReconciliationSummary:
    """Raise ReconciliationError unless every row of the ledger difference is 0.00."""
    # Recompute the difference as well as reading the stored column: a row whose
    # stored difference says 0.00 while its amounts do not add up is just as wrong.
    off = con.execute(
        """
        select cost_pool, strftime(period_month, '%Y-%m') as month,
               difference,
               ledger_amount - allocated_amount - unallocated_amount as recomputed
          from mart.reconciliation_ledger
         where difference is distinct from 0
            or ledger_amount - allocated_amount - unallocated_amount is distinct from 0
         order by period_month, cost_pool
        """
    ).fetchall()
    if off:
        pool, month, difference, recomputed = off[0]
        shown = recomputed if difference == 0 else difference
        more = f" (and {len(off) - 1} more pool-months)" if len(off) > 1 else ""
        raise ReconciliationError(
            f"reconciliation gate: pool {pool} month {month} is off by "
            f"{Decimal(str(shown)).quantize(Decimal('0.01'))} EUR "
            f"(ledger - allocated - unallocated must be 0.00){more}"
        )
    rows, months, pools, ledger, unallocated = con.execute(
        """
        select count(*), count(distinct period_month), count(distinct cost_pool),
               coalesce(sum(ledger_amount), 0), coalesce(sum(unallocated_amount), 0)
          from mart.reconciliation_ledger
        """
    ).fetchone()
    statuses = dict(
        con.execute(
            """
            select month_status, list(strftime(period_month, '%Y-%m') order by period_month)
              from mart.ledger_months
             group by month_status
            """
        ).fetchall()
    )
    if rows == 0 and "closed" in statuses:
        raise ReconciliationError(
            "reconciliation gate: mart.reconciliation_ledger is empty although the ledger "
            "holds cost postings"
        )
    return ReconciliationSummary(
        open_months=tuple(statuses.get("open", ())),
        missing_cost_months=tuple(statuses.get("missing_costs", ())),
        rows=rows,
        months=months,
        pools=pools,
        ledger_total=Decimal(str(ledger)).quantize(Decimal("0.01")),
        unallocated_total=Decimal(str(unallocated)).quantize(Decimal("0.01")),
    )


def check_quarantine(
    con: duckdb.DuckDBPyConnection, *, release: bool = False, limit: Decimal = Decimal("0")
) -> QuarantinedMoney:
    """Raise ReconciliationError while GL money is in quarantine, unless `release`, or
    unless every quarantined amount is readable and their absolute sum is within `limit`."""
    postings, amount, absolute, unreadable = con.execute(
        """
        select count(*), coalesce(sum(amount), 0), coalesce(sum(abs(amount)), 0),
               count(*) filter (where amount is null)
          from mart.quarantined_gl_entries
        """
    ).fetchone()
    money = QuarantinedMoney(
        postings=postings,
        amount=Decimal(str(amount)).quantize(Decimal("0.01")),
        absolute_amount=Decimal(str(absolute)).quantize(Decimal("0.01")),
        unreadable=unreadable,
    )
    if not postings or release or (not unreadable and money.absolute_amount <= limit):
        return money
    source_file, line_no, pool, month, shown = con.execute(
        """
        select source_file, source_line_no, coalesce(cost_pool, 'no cost pool'),
               coalesce(strftime(period_month, '%Y-%m'), 'month unreadable'),
               amount
          from mart.quarantined_gl_entries
         order by extract_date, source_line_no
         limit 1
        """
    ).fetchone()
    what = f"{shown} EUR" if shown is not None else "an unreadable amount"
    raise ReconciliationError(
        f"reconciliation gate: {money.sentence}; the first is {source_file} line {line_no} "
        f"({what}, pool {pool}, {month}); correct it in a later drop, or publish with "
        f"--release-quarantined-gl (DAG param release_quarantined_gl)"
    )


def reconcile(settings: RunSettings) -> ReconciliationSummary:
    """The gate step: read the working warehouse read-only, check the ledger, then the
    GL money in quarantine."""
    con = duckdb.connect(str(settings.warehouse), read_only=True, config=settings.duckdb.config())
    try:
        summary = check_ledger(con)
        quarantined = check_quarantine(
            con, release=settings.release_quarantined_gl, limit=settings.gl_quarantine_limit
        )
    finally:
        con.close()
    return replace(summary, quarantined=quarantined)
