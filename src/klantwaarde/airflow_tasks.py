"""What the DAG's tasks need from Airflow, kept out of the thin DAG file.

- `settings_from_context()`: the run's `RunSettings` from its params and logical date
  (one run per as-of date: the logical date is the night whose drops it loads).
- `run_step(name)`: call the pipeline step of that name; a `KlantwaardeError` (a gate
  that stopped the run: bad drop, failing dbt test, GX, ledger) becomes an
  `AirflowFailException` with the same one-line message, so the task fails at once
  instead of being retried: those failures are deterministic. Anything else (a lock,
  a full disk) is retried with exponential back-off.
- `CompleteDropsSensor`: waits for complete drops of all three systems; when it times
  out its message names the missing systems and the date.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from airflow.sdk import BaseSensorOperator, get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

from klantwaarde import pipeline
from klantwaarde.errors import KlantwaardeError
from klantwaarde.settings import DEFAULT_CONFIG_DIR, REPO_ROOT, RunSettings

DEFAULT_LANDING = os.environ.get("KLANTWAARDE_LANDING", str(REPO_ROOT / "var" / "landing"))
DEFAULT_CONFIG = os.environ.get("KLANTWAARDE_CONFIG_DIR", str(DEFAULT_CONFIG_DIR))
DEFAULT_WAREHOUSE = os.environ.get(
    "KLANTWAARDE_WAREHOUSE_PATH", str(REPO_ROOT / "var" / "warehouse" / "klantwaarde.duckdb")
)


def as_of_from_logical_date(logical_date: Any) -> date:
    if logical_date is None:
        raise AirflowFailException("the run has no logical date: trigger it for a night")
    if getattr(logical_date, "tzinfo", None) is not None:
        from airflow.sdk import timezone

        logical_date = timezone.convert_to_utc(logical_date)
    return logical_date.date()


def settings_from_context(context: Any | None = None) -> RunSettings:
    context = context or get_current_context()
    params = context["params"]
    return RunSettings(
        landing=Path(params["landing"]),
        warehouse=Path(params["warehouse"]),
        config_dir=Path(params.get("config") or DEFAULT_CONFIG),
        as_of=as_of_from_logical_date(context.get("logical_date")),
        full_refresh=bool(params.get("full_refresh", False)),
        release_quarantined_gl=bool(params.get("release_quarantined_gl", False)),
        commercial_budget=Decimal(str(params["commercial_budget"])).quantize(Decimal("0.01")),
    )


def run_step(name: str, **kwargs: Any) -> dict[str, Any]:
    steps = {step.name: step for step in pipeline.STEPS}
    settings = settings_from_context()
    try:
        return steps[name].func(settings, **kwargs)
    except KlantwaardeError as exc:
        raise AirflowFailException(str(exc)) from exc


class CompleteDropsSensor(BaseSensorOperator):
    """Pokes until `<landing>/<system>/<as_of>/_manifest.json` exists for every system.

    `as_of` defaults to the run's as-of date, derived from the logical date exactly as
    the other tasks derive it (`settings_from_context`).
    """

    template_fields = ("landing", "as_of")
    ui_color = "#e8f4fa"

    def __init__(self, *, landing: str, as_of: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.landing = landing
        self.as_of = as_of
        self._missing: list[str] = []

    def _night(self, context: Any) -> date:
        if self.as_of:
            return date.fromisoformat(self.as_of)
        return as_of_from_logical_date(context.get("logical_date"))

    def poke(self, context: Any) -> bool:
        night = self._night(context)
        self._missing = pipeline.missing_systems(Path(self.landing), night)
        if self._missing:
            self.log.info("waiting for %s drops of %s", ", ".join(self._missing), night)
        return not self._missing

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout as exc:
            message = pipeline.drops_not_ready_message(
                Path(self.landing), self._night(context), self._missing
            )
            raise AirflowSensorTimeout(f"{message}; gave up after {self.timeout:.0f}s") from exc
