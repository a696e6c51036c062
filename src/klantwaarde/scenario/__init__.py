"""What-if scenarios (contracts §6): `klantwaarde scenario --name NAME --config DIR`.

`run_scenario` recomputes cost allocation and profitability with DIR's cost model (and
its `price_changes.csv`) beside the actuals, which it never changes: the same dbt models
build into `scenario_*` schemas (var `scenario_schema_prefix`, `--defer` to the actual
build for everything the cost model does not touch), and the result lands in
`mart.scenario_profitability` next to the actual contribution, listed in
`mart.scenarios`. Running a scenario again replaces it.
"""

from klantwaarde.scenario.run import ScenarioSummary, run_scenario

__all__ = ["ScenarioSummary", "run_scenario"]
