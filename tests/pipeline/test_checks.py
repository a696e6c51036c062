"""GX checkpoints on a hand-made mart (no dbt): each concern passes, planted faults fail."""

from __future__ import annotations

import json
from datetime import date

import pytest

from klantwaarde import checks
from klantwaarde.errors import CheckError
from klantwaarde.settings import EXPECTATIONS_DIR, RunSettings

from .handmade import make_full_mart

# a hand-made mart has 2 active customers: top = ceil(2 x 1%) = 1, big = ceil(2 x 5%) - 1 = 0
# so the planted 'big' row would be wrong; the segment concern is checked separately below.
GENERAL = tuple(c for c in checks.CONCERNS if c.name not in ("hygiene_segments", "future_value"))


def _settings(tmp_path):
    return RunSettings(
        landing=tmp_path / "landing",
        warehouse=tmp_path / "wh" / "kw.duckdb",
        as_of=date(2025, 2, 28),
    )


def test_clean_mart_passes_every_concern(tmp_path):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    summary = checks.run_checks(settings, GENERAL)
    assert sorted(summary.passed) == sorted(c.name for c in GENERAL)
    assert summary.disagreement_share == 0.0
    assert (settings.docs_dir / "gx" / "index.html").exists()


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        (
            "email",
            r"hygiene_text: expect_column_values_to_not_match_regex\(text_value\) failed "
            r"on table_name=dim_customer column_name=customer_name",
        ),
        ("identity", r"identity: .*system=crm source_id=A-1"),
        ("cent", r"totals: .*cost_pool=bad_debt period_month=2025-01"),
    ],
)
def test_planted_fault_names_the_expectation(tmp_path, plant, expected):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse, plant=plant)
    with pytest.raises(CheckError, match=expected) as info:
        checks.run_checks(settings, GENERAL)
    assert "\n" not in str(info.value)
    # Data Docs are built once for the step, the failing validation included
    for concern in GENERAL:
        pages = list((settings.docs_dir / "gx" / "validations" / concern.name).rglob("*.html"))
        assert len(pages) == 1, concern.name


def test_totals_check_the_months_the_last_build_rebuilt(tmp_path):
    """A night's totals read the months it rebuilt (the ones before were checked when they
    were built); after a build of every month, every month."""
    import duckdb

    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse, plant="cent")  # off by a cent in 2025-01
    totals = tuple(c for c in GENERAL if c.name == "totals")
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists meta")
        con.execute("create table meta.build_runs (rebuild_from_month date, built_at timestamp)")
        con.execute("insert into meta.build_runs values ('2025-02-01', '2025-02-28 06:00')")
    summary = checks.run_checks(settings, totals)
    assert summary.passed == ["totals"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        frame = con.execute(checks._totals_sql(settings, con)).df()
    assert set(frame["period_month"]) == {"2025-02"}
    # a build of every month checks every month again
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("insert into meta.build_runs values (null, '2025-03-01 06:00')")
    with pytest.raises(CheckError, match=r"cost_pool=bad_debt period_month=2025-01"):
        checks.run_checks(settings, totals)


def test_hygiene_checks_read_the_rows_the_run_wrote(tmp_path):
    """The hygiene checks read a fact's rebuilt months and the run's as-of date of a table
    with one set of rows per as-of date, not the history before them."""
    import duckdb

    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    text = tuple(c for c in GENERAL if c.name == "hygiene_text")
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists meta")
        con.execute("create table meta.build_runs (rebuild_from_month date, built_at timestamp)")
        con.execute("insert into meta.build_runs values ('2025-02-01', '2025-02-28 06:00')")
        # an address in a month before the window, and in an earlier as-of date
        con.execute(
            "update mart.fct_cost_allocation set cost_pool = 'an@address.nl'"
            " where period_month = '2025-01-01'"
        )
        con.execute("create table mart.history (as_of_date date, note varchar)")
        con.execute("insert into mart.history values ('2025-02-27', 'old@address.nl')")
    assert checks.run_checks(settings, text).passed == ["hygiene_text"]
    # tonight's rows are read
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("insert into mart.history values ('2025-02-28', 'new@address.nl')")
    with pytest.raises(CheckError, match="table_name=history"):
        checks.run_checks(settings, text)
    # after a build of every month, every month of the facts
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("delete from mart.history")
        con.execute("insert into meta.build_runs values (null, '2025-03-01 06:00')")
    with pytest.raises(CheckError, match="table_name=fct_cost_allocation"):
        checks.run_checks(settings, text)


def test_a_step_renders_its_own_validation_results_only(tmp_path):
    """Data Docs grow with every night's results: a step renders the pages of its own
    results (and the index), not those of every result stored before it."""
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    site = settings.docs_dir / "gx"
    checks.run_checks(settings, GENERAL)
    first = sorted(site.joinpath("validations").rglob("*.html"))
    assert len(first) == len(GENERAL)
    for page in first:
        page.unlink()
    checks.run_checks(settings, GENERAL)
    stored = list((settings.output_dir / "gx" / "validations").rglob("*.json"))
    assert len(stored) == 2 * len(GENERAL)
    second = sorted(site.joinpath("validations").rglob("*.html"))
    assert len(second) == len(GENERAL)
    assert not set(first) & set(second)
    assert (site / "index.html").is_file()


def test_disagreement_is_a_warning_not_a_failure(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse, plant="disagree")
    monkeypatch.setenv("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX", "0.2")
    summary = checks.run_checks(settings, GENERAL)
    assert summary.disagreement_share == 1.0
    assert any(w.startswith("definitions:") for w in summary.warnings)
    assert "definitions" in summary.passed


def test_segment_counts_follow_the_definition(tmp_path):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    segments = [c for c in checks.CONCERNS if c.name == "hygiene_segments"]
    with pytest.raises(CheckError, match=r"count_error.*curry_tier=big"):
        checks.run_checks(settings, segments)


def test_committed_suites_match_the_code():
    for concern in checks.CONCERNS:
        stored = json.loads(
            (EXPECTATIONS_DIR / "expectations" / f"{concern.name}.json").read_text()
        )
        in_code = [e.configuration.to_json_dict() for e in concern.expectations()]
        assert [(e["type"], e["kwargs"]) for e in stored["expectations"]] == [
            (e["type"], e["kwargs"]) for e in in_code
        ], concern.name
        assert (EXPECTATIONS_DIR / "checkpoints" / f"{concern.name}.json").exists()
