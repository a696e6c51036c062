"""The build runner without dbt: the rows behind the rebuild window, the wiring of the dbt
invocations and the BuildError message (the window itself: tests/test_rebuild_plan.py)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import duckdb
import pytest

from klantwaarde import build, build_state, dbt_invoke
from klantwaarde.errors import BuildError
from klantwaarde.load import ensure_schemas


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schemas(con)
    yield con
    con.close()


def _ticket(con, ticket_id, created, org, extract, loaded):
    con.execute(
        """insert into raw_servicedesk.tickets (ticket_id, organization_id, created_at,
               _extract_date, _line_no, _loaded_at)
           values (?, ?, ?, ?, 2, ?)""",
        [ticket_id, org, created, extract, loaded],
    )


def test_changed_rows_reach_back_to_the_old_version_of_a_key(con):
    _ticket(con, "T1", datetime(2025, 1, 20), "O1", date(2025, 1, 31), datetime(2025, 2, 1))
    _ticket(con, "T2", datetime(2025, 2, 20), "O1", date(2025, 2, 28), datetime(2025, 3, 1))
    # T1 corrected in March: its creation date moves to March; January must be rebuilt
    _ticket(con, "T1", datetime(2025, 3, 2), "O1", date(2025, 3, 3), datetime(2025, 3, 4))
    since = datetime(2025, 3, 2)
    assert build_state.changed_rows_month(con, since, date(2025, 3, 31)) == date(2025, 1, 1)
    assert build_state.changed_rows_month(con, datetime(2025, 3, 5), date(2025, 3, 31)) is None
    # nothing built before: every key counts
    assert build_state.changed_rows_month(con, None, date(2025, 3, 31)) == date(2025, 1, 1)


def test_build_error_names_every_failing_node():
    def node_result(status, kind, name, message, failures=None):
        return SimpleNamespace(
            status=SimpleNamespace(value=status),
            node=SimpleNamespace(resource_type=SimpleNamespace(value=kind), name=name),
            message=message,
            failures=failures,
        )

    result = SimpleNamespace(
        result=SimpleNamespace(
            results=[
                node_result("success", "model", "stg_erp__customers", "OK"),
                node_result(
                    "error",
                    "model",
                    "fct_cost_allocation",
                    "Runtime Error in model fct_cost_allocation (m.sql)\n  Binder Error: x\n  more",
                ),
                node_result("fail", "test", "assert_reconciliation_difference_is_zero", "", 2),
                node_result("skipped", "model", "fct_customer_value_window", ""),
            ]
        )
    )
    failures = dbt_invoke.failing_nodes(result)
    assert failures == [
        "model fct_cost_allocation (error: Binder Error: x more)",
        "test assert_reconciliation_difference_is_zero (fail: 2 failing rows)",
    ]
    message = "dbt build failed: " + "; ".join(failures)
    assert "\n" not in str(BuildError(message))


def test_seeds_fingerprint_is_stable():
    assert build_state.seeds_fingerprint() == build_state.seeds_fingerprint()


@pytest.mark.slow
def test_failing_model_raises_build_error_naming_it(tmp_path):
    """dbt in-process on a warehouse without raw tables: the staging view cannot be
    created, and the one-line BuildError names the model and the cause."""
    from klantwaarde.settings import RunSettings

    settings = RunSettings(
        landing=tmp_path, warehouse=tmp_path / "w.duckdb", as_of=date(2025, 1, 31)
    )
    with pytest.raises(BuildError) as raised:
        dbt_invoke.invoke(settings, ["run", "--select", "stg_erp__customers"], what="run")
    message = str(raised.value)
    assert message.startswith("dbt run failed: model stg_erp__customers (error: ")
    assert "customers" in message and "\n" not in message
    # the connection is closed: the file opens read-write again
    duckdb.connect(str(settings.warehouse)).close()


def test_seeds_are_loaded_first_with_full_refresh_and_left_out_of_the_build(tmp_path, monkeypatch):
    """build() wiring without dbt: seeds recreated first (--full-refresh), then one build
    without seeds, on the first build as on an incremental one; a night with the seed
    tables of the same CSVs in place does not load them again."""
    from klantwaarde.settings import RunSettings

    calls: list[list[str]] = []
    parsed = SimpleNamespace(nodes={}, exposures={})  # the manifest of `build.parse`
    given: list[object] = []

    def fake_invoke(settings, args, *, what, manifest=None):
        if args[0] == "parse":
            assert "--vars" not in args  # the night's vars would force a full parse
            return SimpleNamespace(result=parsed)
        calls.append(list(args))
        given.append(manifest)
        return SimpleNamespace(result=SimpleNamespace(results=[]))

    monkeypatch.setattr(build, "invoke", fake_invoke)
    settings = RunSettings(
        landing=tmp_path, warehouse=tmp_path / "w.duckdb", as_of=date(2025, 1, 31)
    )
    for night in ("first build", "incremental build"):
        if night == "incremental build":
            with duckdb.connect(str(settings.warehouse)) as con:
                con.execute("create schema if not exists intermediate")
                for table in build_state.SOURCE_GRAIN_FACTS:
                    con.execute(f"create table {table} (period_month date)")
        calls.clear()
        summary = build.build(settings)
        # a first build recreates everything (dbt --full-refresh), later ones do not
        assert summary.full_refresh is (night == "first build")
        assert calls[0][:2] == ["seed", "--full-refresh"]
        assert all(call[0] != "seed" for call in calls[1:])
        final = calls[-1]
        assert final[0] == "build" and final[final.index("--exclude-resource-type") + 1] == "seed"
        # unit tests run on the build that restates everything, not on a night
        assert ("unit_test" in final) is (night == "incremental build")
    # the incremental build: one dbt build of everything but the seeds
    assert summary.rebuild_from is not None and len(calls) == 2
    assert "--full-refresh" not in calls[-1]
    # every invocation of a build runs on the build's one parse
    assert given and all(manifest is parsed for manifest in given)

    # the kept results of earlier invocations go when a build starts
    stale = settings.output_dir / "dbt_target" / "invocations" / "seed.json"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}")
    # a night whose seed tables are those of the same CSVs spares the seed invocation
    seeds = sorted(csv.stem for csv in (dbt_invoke.project_dir() / "seeds").rglob("*.csv"))
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists seeds")
        for name in seeds:
            con.execute(f"create table seeds.{name} (x integer)")
    calls.clear()
    build.build(settings)
    assert [call[0] for call in calls] == ["build"]
    assert not stale.exists()
    # a seed table gone missing: every seed is loaded again
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(f"drop table seeds.{seeds[0]}")
    calls.clear()
    build.build(settings)
    assert calls[0][:2] == ["seed", "--full-refresh"] and len(calls) == 2


@pytest.mark.slow
def test_a_seed_whose_columns_changed_loads_into_an_existing_warehouse(
    tmp_path, frozen_dbt_project, monkeypatch
):
    """A seed that gained a column: a plain `dbt seed` on the existing warehouse fails,
    build.seed() (always --full-refresh) recreates the table with the new column."""
    import shutil

    from klantwaarde.settings import RunSettings

    project = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, project)
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(project))
    settings = RunSettings(
        landing=tmp_path, warehouse=tmp_path / "w.duckdb", as_of=date(2025, 1, 31)
    )
    vars_json = build._vars(settings, None)
    build.seed(settings, vars_json)

    seed_csv = project / "seeds" / "customers" / "customer_name_stopwords.csv"
    lines = seed_csv.read_text(encoding="utf-8").splitlines()
    widened = [lines[0] + ",language"] + [line + ",nl" for line in lines[1:]]
    seed_csv.write_text("\n".join(widened) + "\n", encoding="utf-8")

    with pytest.raises(BuildError):
        dbt_invoke.invoke(settings, ["seed", "--vars", vars_json], what="seed")
    build.seed(settings, vars_json)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        columns = con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'seeds' and table_name = 'customer_name_stopwords'"
            " order by ordinal_position"
        ).fetchall()
        rows = con.execute("select count(*) from seeds.customer_name_stopwords").fetchone()[0]
    assert [name for (name,) in columns] == ["token", "description", "language"]
    assert rows == len(lines) - 1
