"""The report as a person opens it: Debian's Chromium, headless, driven by Playwright
(`executable_path`, no browser download), on the report the reference run published.
Fails on any console error and on any request that leaves the file; every chart must
render; the figures shown must equal the mart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from klantwaarde.report import build_report
from klantwaarde.report.figures import ReportError

from .conftest import PUBLISHED

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"
)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def report(reference) -> tuple[Path, Path]:
    published = reference.landing.parent / "reference" / PUBLISHED
    page = published.parent / "report" / "index.html"
    assert page.exists(), "the publish step writes the report"
    return published, page


@needs_chromium
def test_the_report_renders_offline_and_shows_the_marts_figures(report, tmp_path):
    published, page_file = report
    url = page_file.resolve().as_uri()
    errors: list[str] = []
    foreign: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: foreign.append(r.url) if r.url != url else None)
        page.goto(url)
        charts = page.query_selector_all("svg.chart")
        sizes = {c.get_attribute("data-chart"): c.bounding_box() for c in charts}
        shown = {
            e.get_attribute("data-figure"): e.get_attribute("data-value")
            for e in page.query_selector_all("[data-figure]")
        }
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == []
    assert foreign == []
    assert {"whale_curve", "curry_pyramid", "whitney_contribution", "clv_distribution"} <= set(
        sizes
    )
    for name, box in sizes.items():
        assert box and box["width"] > 0 and box["height"] > 0, name
    assert (tmp_path / "report.png").stat().st_size > 10_000

    con = duckdb.connect(str(published), read_only=True)
    try:
        as_of = con.execute("select max(as_of_date) from mart.customer_segments").fetchone()[0]
        revenue = con.execute(
            "select sum(revenue_12m) from mart.customer_segments where as_of_date = ?", [as_of]
        ).fetchone()[0]
        peak = con.execute(
            "select peak_contribution from mart.whale_curve_summary where as_of_date = ?",
            [as_of],
        ).fetchone()[0]
        ledger, allocated, unallocated = con.execute(
            "select sum(ledger_amount), sum(allocated_amount), sum(unallocated_amount) "
            "from mart.reconciliation_ledger"
        ).fetchone()
    finally:
        con.close()

    def money(name: str) -> Decimal:
        return Decimal(shown[name].replace(",", ""))

    assert shown["as_of"] == as_of.isoformat()
    assert money("revenue") == revenue
    assert money("whale_peak") == peak
    assert (money("recon_ledger"), money("recon_allocated"), money("recon_unallocated")) == (
        ledger,
        allocated,
        unallocated,
    )
    assert money("recon_difference") == Decimal("0.00")


def test_a_mart_that_does_not_reconcile_is_not_reported(report, tmp_path):
    published, _ = report
    broken = tmp_path / "published" / "klantwaarde_mart.duckdb"
    broken.parent.mkdir()
    broken.write_bytes(published.read_bytes())
    con = duckdb.connect(str(broken))
    try:
        con.execute(
            "update mart.reconciliation_ledger set difference = 0.01 "
            "where rowid = (select min(rowid) from mart.reconciliation_ledger)"
        )
    finally:
        con.close()
    with pytest.raises(ReportError, match=r"differs by 0\.01"):
        build_report(broken)
    assert not (broken.parent / "report" / "index.html").exists()


def test_the_report_holds_no_personal_data(report):
    _, page_file = report
    text = page_file.read_text(encoding="utf-8")
    assert "@" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text


@needs_chromium
@pytest.mark.parametrize(
    "peak",
    [(1.0, 1.0), (1.0, 1.6), (0.02, 1.6), (0.5, 0.4)],
    ids=["last-customer", "last-customer-top", "first-customer-top", "middle"],
)
def test_the_peak_label_stays_inside_the_chart(tmp_path, peak):
    """The whale curve's peak label, wherever the peak falls (the last customer when none
    loses money), is drawn inside the chart."""
    from klantwaarde.report import svg

    points = [(i / 10, peak[1] * min(i / 10, peak[0]) / peak[0]) for i in range(1, 11)]
    page_file = tmp_path / "chart.html"
    page_file.write_text(f"<html><body>{svg.line_chart(points, 'whale_curve', peak)}</body></html>")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(page_file.resolve().as_uri())
        chart = page.query_selector("svg.chart").bounding_box()
        label = next(
            t
            for t in page.query_selector_all("svg.chart text")
            if (t.text_content() or "").startswith("peak")
        ).bounding_box()
    assert chart["x"] <= label["x"]
    assert label["x"] + label["width"] <= chart["x"] + chart["width"]
    assert chart["y"] <= label["y"]
    assert label["y"] + label["height"] <= chart["y"] + chart["height"]
