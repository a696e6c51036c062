"""GX checkpoints on a hand-made mart (no dbt): each concern passes, planted faults fail.

GX owns the cross-system definitions and what the Python steps write; the rules about
the dbt models are dbt's (tests/warehouse/test_tested_months.py)."""

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
GENERAL = checks._named("definitions", "hygiene_text", "hygiene_amounts")


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
            r"on table_name=customer_segments column_name=curry_tier",
        ),
        ("disagree", r"definitions: expect_column_mean_to_be_between\(disagrees\) failed"),
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


def test_hygiene_checks_read_what_the_python_steps_wrote_tonight(tmp_path):
    """The hygiene checks read the Python steps' tables, on the rows of the run's as-of
    date: an earlier date was checked on its own night, and the dbt models are dbt's."""
    import duckdb

    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    text = checks._named("hygiene_text")
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "update mart.fct_cost_allocation set cost_pool = 'an@address.nl'"
            " where period_month = '2025-01-01'"
        )
        con.execute(
            "insert into mart.customer_segments select * replace (date '2025-02-27' as"
            " as_of_date, 'old@address.nl' as curry_tier) from mart.customer_segments limit 1"
        )
    assert checks.run_checks(settings, text).passed == ["hygiene_text"]
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "update mart.customer_segments set pareto_class = 'new@address.nl'"
            " where as_of_date = '2025-02-28' and customer_key = 1"
        )
    with pytest.raises(CheckError, match="table_name=customer_segments column_name=pareto_class"):
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


def test_disagreement_stops_the_run_only_beyond_its_bound(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse, plant="disagree")
    monkeypatch.setenv("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX", "1.0")
    summary = checks.run_checks(settings, checks.MART_CONCERNS)
    assert summary.disagreement_share == 1.0
    assert summary.passed == ["definitions"]
    monkeypatch.setenv("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX", "0.2")
    with pytest.raises(CheckError, match="definitions"):
        checks.run_checks(settings, checks.MART_CONCERNS)


def test_segment_counts_follow_the_definition(tmp_path):
    settings = _settings(tmp_path)
    make_full_mart(settings.warehouse)
    segments = [c for c in checks.CONCERNS if c.name == "hygiene_segments"]
    with pytest.raises(CheckError, match=r"count_error.*curry_tier=big"):
        checks.run_checks(settings, segments)


def test_every_concern_has_its_one_suite():
    """Each suite is defined once, in the file context: its expectations, validation
    definition and checkpoint; no suite without a concern, none without `blocking`."""
    stored = {p.stem for p in (EXPECTATIONS_DIR / "expectations").glob("*.json")}
    assert stored == {concern.name for concern in checks.CONCERNS}
    for name in stored:
        suite = json.loads((EXPECTATIONS_DIR / "expectations" / f"{name}.json").read_text())
        assert suite["expectations"] and isinstance(suite["meta"]["blocking"], bool), name
        for folder in ("validation_definitions", "checkpoints"):
            assert (EXPECTATIONS_DIR / folder / f"{name}.json").is_file(), (folder, name)
