"""Curry tier sizes: exact whole counts for any number of customers, ties by key."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from klantwaarde.segment import SegmentConfig, classify, segment
from klantwaarde.segment.ranking import cumulative_counts, tier_sizes

from .handmade import AS_OF, customer

SHARES = [Decimal("0.01"), Decimal("0.04"), Decimal("0.15")]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, [0, 0, 0, 0]),
        (1, [1, 0, 0, 0]),
        (2, [1, 0, 0, 1]),
        (7, [1, 0, 1, 5]),
        (20, [1, 0, 3, 16]),
        (99, [1, 4, 15, 79]),
        (100, [1, 4, 15, 80]),  # binary floats would make big 5 (100 x 0.05 > 5)
        (101, [2, 4, 15, 80]),
        (1001, [11, 40, 150, 800]),
        (100_000, [1000, 4000, 15000, 80000]),
    ],
)
def test_tier_sizes_are_exact(n: int, expected: list[int]) -> None:
    assert tier_sizes(n, SHARES) == expected
    assert sum(tier_sizes(n, SHARES)) == n


def test_tier_sizes_for_every_count_up_to_2000() -> None:
    for n in range(2001):
        sizes = tier_sizes(n, SHARES)
        bounds = cumulative_counts(n, SHARES)
        assert sum(sizes) == n
        assert all(size >= 0 for size in sizes)
        assert bounds == sorted(bounds)
        if n:
            assert sizes[0] >= 1  # the first tier is never empty: n = 1 is top
        # cumulative count is the smallest whole count holding at least the share
        for bound, share in zip(bounds, [0.01, 0.05, 0.20], strict=True):
            assert bound * 100 >= n * round(share * 100)
            assert (bound - 1) * 100 < n * round(share * 100)


def _frame(revenues: list[str], keys: list[str] | None = None) -> pd.DataFrame:
    keys = keys or [f"k{i:05d}" for i in range(len(revenues))]
    rows = []
    for key, revenue in zip(keys, revenues, strict=True):
        c = customer(key, revenue=revenue)
        rows.append(
            {
                "customer_key": key,
                "strategic_importance": None,
                "open_pipeline_weighted_cents": 0,
                "revenue_12m_cents": int(Decimal(revenue) * 100),
                "contribution_12m_cents": int(Decimal(revenue) * 100),
                "revenue_prev_12m_cents": int(Decimal(revenue) * 100),
                "effort_minutes_12m": 0.0,
                "visits_12m": 0,
                "tickets_rated_12m": 0,
                "tickets_good_12m": 0,
                "first_invoice_date": pd.Timestamp(c["first"]) if c["first"] else pd.NaT,
                "last_invoice_date": pd.Timestamp(c["last"]) if c["last"] else pd.NaT,
                "has_bought": c["has_bought"],
                "is_active": c["is_active"],
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n", [1, 7, 100, 1001])
def test_classify_tier_counts(n: int) -> None:
    revenues = [str(1000 + (i * 37) % 501) for i in range(n)] + ["0"]
    frame = classify(_frame(revenues), AS_OF, SegmentConfig.default())
    counts = frame["curry_tier"].value_counts().to_dict()
    top, big, medium, small = tier_sizes(n, SHARES)
    assert counts.get("top", 0) == top
    assert counts.get("big", 0) == big
    assert counts.get("medium", 0) == medium
    assert counts.get("small", 0) == small
    assert counts["prospect"] == 1  # the zero-revenue one never bought


def test_ties_are_broken_by_customer_key() -> None:
    # 100 customers with the same revenue: rank = key order, top is the smallest key
    keys = [f"k{i:03d}" for i in reversed(range(100))]
    frame = classify(_frame(["500.00"] * 100, keys), AS_OF, SegmentConfig.default())
    by_key = frame.set_index("customer_key")
    assert by_key.loc["k000", "curry_tier"] == "top"
    assert list(by_key.loc[["k001", "k002", "k003", "k004"], "curry_tier"]) == ["big"] * 4
    assert by_key.loc["k005", "curry_tier"] == "medium"
    assert by_key.loc["k019", "curry_tier"] == "medium"
    assert by_key.loc["k020", "curry_tier"] == "small"
    assert list(frame.sort_values("customer_key")["revenue_rank"]) == list(range(1, 101))


def test_tie_at_a_tier_border_does_not_change_counts() -> None:
    # 7 customers, two tied for first: the smaller key is top, the other is medium
    frame = classify(
        _frame(["900", "900", "800", "700", "600", "500", "400"], list("gbcdefa")),
        AS_OF,
        SegmentConfig.default(),
    )
    tiers = dict(zip(frame["customer_key"], frame["curry_tier"], strict=True))
    assert tiers["b"] == "top"
    assert tiers["g"] == "medium"
    assert sorted(tiers.values()).count("small") == 5


def test_tier_counts_in_the_warehouse(mart) -> None:
    customers = [customer(f"c{i:04d}", revenue=str(10 + i % 97)) for i in range(1001)]
    customers += [
        customer("inactive1", revenue="0", last=AS_OF.replace(year=2024)),
        customer("prospect1", revenue="0"),
    ]
    path = mart(customers)
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("1000.00"))
        rows = dict(
            con.execute(
                "select curry_tier, count(*) from mart.customer_segments group by all"
            ).fetchall()
        )
    assert rows == {
        "top": 11,
        "big": 40,
        "medium": 150,
        "small": 800,
        "inactive": 1,
        "prospect": 1,
    }
    assert summary.curry_counts == rows


def test_the_gx_tier_check_reads_the_runs_configuration(mart, tmp_path) -> None:
    """A controller's own tier shares in the config folder's settings.yml: the run's
    segmentation and the GX check read the same file."""
    from klantwaarde import checks
    from klantwaarde.errors import CheckError
    from klantwaarde.settings import RunSettings

    customers = [customer(f"c{i:04d}", revenue=str(10 + i % 97)) for i in range(200)]
    path = mart(customers)
    folder = tmp_path / "config"
    folder.mkdir()
    yml = folder / "settings.yml"
    yml.write_text(
        "curry:\n  tiers:\n"
        "    - {label: top, share: 0.1}\n"
        "    - {label: big, share: 0.2}\n"
        "    - {label: medium, share: 0.3}\n",
        encoding="utf-8",
    )
    settings = RunSettings(
        landing=tmp_path / "landing", warehouse=path, as_of=AS_OF, config_dir=folder
    )
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1000.00"), settings.config.segments)
        counts = dict(
            con.execute(
                "select curry_tier, count(*) from mart.customer_segments group by all"
            ).fetchall()
        )
    assert counts == {"top": 20, "big": 40, "medium": 60, "small": 80}
    tier_check = tuple(c for c in checks.CONCERNS if c.name == "hygiene_segments")
    assert checks.run_checks(settings, tier_check).passed == ["hygiene_segments"]
    # the same mart judged by the default shares (1 %, 4 %, 15 %) is wrong: the check can fail
    shipped = RunSettings(landing=tmp_path / "landing", warehouse=path, as_of=AS_OF)
    with pytest.raises(CheckError, match="hygiene_segments"):
        checks.run_checks(shipped, tier_check)
