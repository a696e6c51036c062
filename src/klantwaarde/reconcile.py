"""The reconciliation gate: every euro of the ledger is allocated or shown unallocated.

`mart.reconciliation_ledger.difference = ledger_amount - allocated_amount -
unallocated_amount` must be exactly 0.00 on every row (shared/contracts.md §3).
A single cent off anywhere stops the run before publish, naming pool and month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from klantwaarde.errors import ReconciliationError
from klantwaarde.settings import RunSettings


@dataclass(frozen=True)
class ReconciliationSummary:
    rows: int
    months: int
    pools: int
    ledger_total: Decimal
    unallocated_total: Decimal

    @property
    def status(self) -> str:
        return f"balanced: {self.rows} pool-months, difference 0.00 everywhere"

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "months": self.months,
            "pools": self.pools,
            "ledger_total": str(self.ledger_total),
            "unallocated_total": str(self.unallocated_total),
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
    if rows == 0:
        raise ReconciliationError("reconciliation gate: mart.reconciliation_ledger is empty")
    return ReconciliationSummary(
        rows=rows,
        months=months,
        pools=pools,
        ledger_total=Decimal(str(ledger)).quantize(Decimal("0.01")),
        unallocated_total=Decimal(str(unallocated)).quantize(Decimal("0.01")),
    )


def reconcile(settings: RunSettings) -> ReconciliationSummary:
    """The gate step: read the working warehouse read-only and check the ledger."""
    con = duckdb.connect(str(settings.warehouse), read_only=True, config=settings.duckdb.config())
    try:
        return check_ledger(con)
    finally:
        con.close()
