"""segment() end to end on a DuckDB file: idempotence, history, types, unassigned, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from klantwaarde.segment import SegmentConfig, SegmentConfigError, SegmentError, segment
from klantwaarde.segment.write import TABLES

from .handmade import AS_OF, build_mart, customer

UNASSIGNED = "00000000000000000000000000000000"


def _customers() -> list[dict]:
    rows = [
        customer(
            f"c{i:02d}",
            revenue=str(100 * (i + 1)),
            contribution=str(30 * (i + 1) - 200),
            effort=10 * (i % 5),
            visits=i % 4,
            rated=i % 3,
            good=(i % 3) // 2,
            strategic_importance="reference" if i % 7 == 0 else None,
        )
        for i in range(30)
    ]
    rows.append(customer("prospect", revenue="0"))
    rows.append(customer("lost", revenue="0", last=date(2024, 1, 5)))
    rows.append(
        customer(
            UNASSIGNED,
            revenue="123.45",
            contribution="-67.89",
            effort=55,
            customer_type="unassigned",
            is_unassigned=True,
        )
    )
    return rows


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: con.execute(f"select * from mart.{table} order by all").fetchall()
        for table in TABLES
    }


def test_same_date_twice_gives_identical_rows(mart) -> None:
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        first = segment(con, AS_OF, Decimal("250000.00"))
        before = _snapshot(con)
        second = segment(con, AS_OF, Decimal("250000.00"))
        after = _snapshot(con)
    assert before == after
    assert first == second
    for table, rows in after.items():
        assert rows, table
    keys = [row[0] for row in after["customer_segments"]]
    assert len(keys) == len(set(keys)) == 32


def test_two_dates_keep_both_histories(mart) -> None:
    path = mart(_customers())
    later = date(2026, 7, 31)
    next_month = [customer(c["key"], revenue="5") for c in _customers() if c["key"] != "lost"]
    next_month.append(customer("lost", revenue="0", last=date(2024, 1, 5)))
    build_mart(path, next_month, later, replace=False)
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1000.00"))
        segment(con, later, Decimal("2000.00"))
        segment(con, AS_OF, Decimal("1000.00"))  # a re-run replaces only its own date
        for table in TABLES:
            dates = dict(
                con.execute(
                    f"select as_of_date, count(*) from mart.{table} group by all"
                ).fetchall()
            )
            assert set(dates) == {AS_OF, later}, table
        assert con.execute(
            "select count(*), count(distinct (customer_key, as_of_date)) "
            "from mart.customer_segments"
        ).fetchone() == (64, 64)
        totals = dict(
            con.execute(
                "select as_of_date, sum(budget_amount) from mart.commercial_budget group by all"
            ).fetchall()
        )
    assert totals == {AS_OF: Decimal("1000.00"), later: Decimal("2000.00")}


def test_column_types_are_explicit(mart) -> None:
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1.00"))
        types = dict(
            con.execute(
                "select table_name || '.' || column_name, data_type "
                "from information_schema.columns where table_schema = 'mart'"
            ).fetchall()
        )
    for column in (
        "customer_segments.revenue_12m",
        "customer_segments.contribution_12m",
        "whale_curve.cumulative_contribution",
        "commercial_budget.budget_amount",
        "customer_status.monthly_revenue_lost",
        "segment_summary.contribution_12m",
    ):
        assert types[column] == "DECIMAL(18,2)", column
    assert types["customer_segments.customer_key"] == "VARCHAR"
    assert types["customer_segments.as_of_date"] == "DATE"


def test_unassigned_is_not_segmented_but_reported(mart) -> None:
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("1.00"))
        segmented = {
            key
            for (key,) in con.execute("select customer_key from mart.customer_segments").fetchall()
        }
        in_curve = con.execute(
            "select count(*) from mart.whale_curve where customer_key = ?", [UNASSIGNED]
        ).fetchone()[0]
        row = con.execute(
            "select customer_count, revenue_12m, contribution_12m, effort_minutes_12m "
            "from mart.segment_summary where dimension = 'total' and segment = 'unassigned'"
        ).fetchone()
        per_dimension = con.execute(
            "select dimension, sum(customer_count), sum(revenue_12m) from mart.segment_summary "
            "where dimension <> 'total' group by all"
        ).fetchall()
        customers_row = con.execute(
            "select customer_count, revenue_12m from mart.segment_summary "
            "where dimension = 'total' and segment = 'customers'"
        ).fetchone()
    assert UNASSIGNED not in segmented and len(segmented) == 32
    assert in_curve == 0
    assert row == (1, Decimal("123.45"), Decimal("-67.89"), 55.0)
    assert summary.unassigned_revenue_12m == Decimal("123.45")
    # every dimension adds up to all customers, without the unassigned member
    for _dimension, count, revenue in per_dimension:
        assert (count, revenue) == customers_row


def test_settings_from_the_config_folder(tmp_path) -> None:
    """A config folder's settings.yml overrides the keys it holds; without one, the
    shipped defaults."""
    from klantwaarde.config import load_config

    folder = tmp_path / "controller"
    folder.mkdir()
    assert load_config(folder).segments == SegmentConfig.default()
    (folder / "settings.yml").write_text("whitney:\n  pipeline_threshold: 1000\n", "utf-8")
    config = load_config(folder)
    assert config.segments.whitney.pipeline_threshold == Decimal("1000")
    assert config.segments.pareto == SegmentConfig.default().pareto


def test_config_from_yaml(mart, tmp_path) -> None:
    yml = tmp_path / "segment.yml"
    yml.write_text(
        "curry:\n  tiers:\n    - {label: gold, share: 0.10}\n  rest_label: rest\n"
        "visits:\n  per_year: {gold: 12, rest: 1}\n",
        encoding="utf-8",
    )
    config = SegmentConfig.from_yaml(yml)
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1.00"), config)
        tiers = dict(
            con.execute(
                "select curry_tier, count(*) from mart.customer_segments group by all"
            ).fetchall()
        )
        plan = dict(
            con.execute("select curry_tier, planned_visits from mart.visit_plan").fetchall()
        )
    assert tiers == {"gold": 3, "rest": 27, "inactive": 1, "prospect": 1}
    assert plan["gold"] == Decimal("36.00")


@pytest.mark.parametrize(
    "override",
    [
        {"pareto": {"a_share": 1.5}},
        {"curry": {"tierz": []}},
        {"status": {"lapsed_months": 12, "lost_months": 6}},
        {"whitney": {"significant_method": "vibes"}},
    ],
)
def test_bad_config_is_refused(override) -> None:
    with pytest.raises(SegmentConfigError):
        SegmentConfig.from_mapping(override)


def test_missing_input_and_missing_date_stop_with_a_reason(mart, tmp_path) -> None:
    with (
        duckdb.connect(str(tmp_path / "empty.duckdb")) as con,
        pytest.raises(SegmentError, match=r"mart\.dim_customer does not exist"),
    ):
        segment(con, AS_OF, Decimal("1.00"))
    path = mart(_customers())
    with (
        duckdb.connect(str(path)) as con,
        pytest.raises(SegmentError, match="no rows for as_of_date 2026-05-31"),
    ):
        segment(con, date(2026, 5, 31), Decimal("1.00"))


def test_a_failed_write_leaves_the_tables_as_they_were(mart, monkeypatch) -> None:
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1.00"))
        before = _snapshot(con)
        import klantwaarde.segment.write as write

        def broken(frame, spec):
            if "budget_amount" in dict(spec):
                raise RuntimeError("disk full")
            return original(frame, spec)

        original = write._prepare
        monkeypatch.setattr(write, "_prepare", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            segment(con, AS_OF, Decimal("2.00"))
        assert _snapshot(con) == before


def test_segment_summary_shares_and_attention_ratio(mart) -> None:
    path = mart(
        [
            customer("a", revenue="800", contribution="600", effort=10),
            customer("b", revenue="150", contribution="300", effort=30),
            customer("c", revenue="50", contribution="-100", effort=60),
        ]
    )
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1.00"))
        rows = {
            (dimension, segment_): rest
            for dimension, segment_, *rest in con.execute(
                "select dimension, segment, customer_count, revenue_share, contribution_share, "
                "effort_share, attention_to_profit_ratio from mart.segment_summary"
            ).fetchall()
        }
    # Pareto: a is A (80%), b is B (next 15%), c is C
    assert rows[("pareto_class", "A")][:4] == pytest.approx([1, 0.8, 0.75, 0.1])
    assert rows[("pareto_class", "A")][4] == pytest.approx(0.1 / 0.75)
    assert rows[("pareto_class", "C")][2] == pytest.approx(-0.125)
    assert rows[("pareto_class", "C")][4] is None  # loses money: no ratio
    for dimension in ("curry_tier", "whitney_class", "pareto_class", "value_quadrant", "status"):
        parts = [v for (d, _), v in rows.items() if d == dimension]
        assert sum(p[0] for p in parts) == 3
        assert sum(p[3] for p in parts) == pytest.approx(1.0)


def test_integer_customer_keys(tmp_path) -> None:
    path = tmp_path / "int_keys.duckdb"
    build_mart(path, [customer(str(i), revenue=str(10 * i + 1)) for i in range(1, 11)])
    with duckdb.connect(str(path)) as con:
        for table in ("dim_customer", "fct_customer_value_window", "fct_customer_profitability"):
            con.execute(f"alter table mart.{table} alter customer_key type bigint")
        segment(con, AS_OF, Decimal("10.00"))
        key_type = con.execute(
            "select data_type from information_schema.columns where table_schema = 'mart' "
            "and table_name = 'customer_segments' and column_name = 'customer_key'"
        ).fetchone()[0]
        top = con.execute(
            "select customer_key from mart.customer_segments where curry_tier = 'top'"
        ).fetchone()[0]
    assert key_type == "BIGINT"
    assert top == 10


def test_an_output_table_of_another_shape_is_refused(mart) -> None:
    path = mart(_customers())
    with duckdb.connect(str(path)) as con:
        con.execute("create table mart.visit_plan (as_of_date date, tier varchar)")
        with pytest.raises(SegmentError, match=r"mart\.visit_plan exists with other columns"):
            segment(con, AS_OF, Decimal("1.00"))
        # nothing was written
        assert con.execute(
            "select count(*) from information_schema.tables where table_name = 'customer_segments'"
        ).fetchone() == (0,)
