"""Which months a build rebuilds: a pure function of what the previous build recorded
and what the warehouse holds tonight (no database, no dbt).

The facts at the source's grain (an ERP customer number, a CRM account, a service-desk
organisation per month) are incremental by whole months: from `RebuildPlan.rebuild_from`
on (None: every month). They never depend on the customer mapping; the marts that map
them to the conformed customer rewrite those months and every month of the customers
whose source ids changed (dbt model int_customer_keys_restated). So the first month to
rebuild is the earliest of:

- the first month the load touched (`LoadSummary.touched_from`);
- the month of the previous build's as-of date (open receivables accrue euro-days and
  fall overdue as time goes on, so the last built month changes without new rows), or
  of tonight's when that is earlier;
- the month of the latest ERP drop the last build staged, when it lags behind (the
  receivables horizon is the day after it);
- the earliest month of any key that got a new row version since the previous build,
  including the months of its earlier versions (a corrected row that moves to another
  month empties the old one).

Every month is rebuilt on the first build, when asked (`--full-refresh`), when the as-of
date is earlier than what is staged, when a seed or the run's config folder changed, and
when a fact table is missing. The first three use dbt's `--full-refresh` (every table
recreated, staging included); the last two do not: no staging model reads a seed or the
config, so a changed rate, pool map or capacity rebuilds every month of the facts and
leaves the staged rows as they are.

A changed dbt project (a new version deployed) restates only what it changed: the
models dbt finds modified against the previous build's parse (`state:modified`, which
follows changed macros too) and every model downstream of them are rebuilt whole, and
the rest of the build is an ordinary night (`RebuildPlan.restate_modified`). Only when
that comparison is not possible (no saved parse of the previous project, or a changed
`dbt_project.yml`, whose vars dbt cannot trace to the models that read them) does a
changed project rebuild everything with `--full-refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PreviousBuild:
    """What `meta.build_runs` recorded of the last successful build."""

    as_of: date
    seeds_sha256: str
    project_sha256: str | None
    raw_loaded_until: datetime | None


@dataclass(frozen=True)
class Tonight:
    """What the build knows before it runs dbt."""

    as_of: date
    seeds_sha256: str
    project_sha256: str
    full_refresh_requested: bool = False
    load_touched_from: date | None = None
    # the latest drop (extract date) the staged deltas and masters hold, all and ERP
    staged_until: date | None = None
    erp_staged_until: date | None = None
    # the earliest business date of any version of a key with a version new since the
    # previous build (`build.changed_rows_month`)
    changed_rows_from: date | None = None
    missing_facts: tuple[str, ...] = ()
    # the previous build's parse is saved and dbt_project.yml is the same: dbt can tell
    # which models a changed project touched (state:modified)
    changes_comparable: bool = False


@dataclass(frozen=True)
class RebuildPlan:
    rebuild_from: date | None  # first month rebuilt; None: every month
    full_refresh: bool  # dbt's --full-refresh (tables recreated, not only refilled)
    reasons: tuple[str, ...]
    # the models the project changed, and their descendants, are rebuilt whole
    restate_modified: bool = False

    @property
    def everything(self) -> bool:
        return self.rebuild_from is None


def month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


PROJECT_CHANGED = "the dbt project changed since the last build"


def plan(previous: PreviousBuild | None, tonight: Tonight) -> RebuildPlan:
    """The months to rebuild tonight and why (see the module docstring)."""
    if tonight.full_refresh_requested:
        return RebuildPlan(None, True, ("full refresh requested",))
    if previous is None:
        # dbt's --full-refresh too: a warehouse whose build log was lost
        return RebuildPlan(None, True, ("first build of this warehouse",))
    if previous.project_sha256 == tonight.project_sha256:
        return _data_plan(previous, tonight)
    if not tonight.changes_comparable:
        return RebuildPlan(None, True, (PROJECT_CHANGED,))
    data = _data_plan(previous, tonight)
    if data.full_refresh:  # recreates every table anyway
        return data
    return RebuildPlan(
        data.rebuild_from,
        False,
        (f"{PROJECT_CHANGED}: the models it changed rebuilt whole", *data.reasons),
        restate_modified=True,
    )


def _data_plan(previous: PreviousBuild, tonight: Tonight) -> RebuildPlan:
    """The months the data moved since the previous build (the project aside)."""
    if previous.seeds_sha256 != tonight.seeds_sha256:
        return RebuildPlan(None, False, ("a seed or the config changed",))
    if tonight.as_of < previous.as_of or (
        tonight.staged_until is not None and tonight.as_of < tonight.staged_until
    ):
        # staging holds row versions up to the later date (a build that failed after
        # staging still moved it on)
        return RebuildPlan(None, True, ("as-of date before the date already staged",))
    if tonight.missing_facts:
        return RebuildPlan(None, False, (f"{tonight.missing_facts[0]} missing",))

    candidates: list[tuple[date, str]] = []
    if tonight.load_touched_from is not None:
        first = month(tonight.load_touched_from)
        candidates.append((first, f"load touched {first}"))
    # the later of the two as-of months moves (receivables age with the date)
    as_of_month = month(min(previous.as_of, tonight.as_of))
    candidates.append((as_of_month, f"previous as-of month {as_of_month}"))
    if tonight.erp_staged_until is not None and month(tonight.erp_staged_until) < as_of_month:
        horizon = month(tonight.erp_staged_until)
        candidates.append((horizon, f"receivables horizon of the last build in {horizon}"))
    if tonight.changed_rows_from is not None:
        changed = month(tonight.changed_rows_from)
        candidates.append((changed, f"row versions since the last build reach back to {changed}"))
    return RebuildPlan(
        min(first for first, _ in candidates),
        False,
        tuple(reason for _, reason in candidates),
    )
