"""The published CDNOW estimates, reproduced through the code the nightly step runs
(`occasions.summarise` and `clv.forecast`): BG/NBD (Fader, Hardie & Lee 2005) on the
2,357-customer sample with a 39-week calibration period, Gamma-Gamma (Fader, Hardie &
Lee 2005, "RFM and CLV") on its repeat customers. Within 1 %."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from klantwaarde.future import clv
from klantwaarde.future.occasions import summarise

DATA = Path(__file__).parent / "data" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)  # 39 weeks after 1997-01-01

PUBLISHED_BG_NBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
PUBLISHED_GAMMA_GAMMA = {"p": 6.2496, "q": 3.7442, "gamma": 15.4433}


@pytest.fixture(scope="module")
def forecast() -> clv.Forecast:
    purchases = pd.read_csv(
        DATA,
        sep=r"\s+",
        header=None,
        names=["customer", "index", "date", "cds", "spend"],
        dtype={"customer": str, "date": str},
    )
    purchases["occasion_date"] = pd.to_datetime(purchases["date"], format="%Y%m%d")
    # an occasion is a day with a positive amount, the day's purchases summed
    days = purchases.groupby(["customer", "occasion_date"], as_index=False)["spend"].sum()
    occasions = days[days["spend"] > 0].rename(
        columns={"customer": "customer_key", "spend": "amount"}
    )
    con = duckdb.connect()
    con.register("cdnow_occasions", occasions)
    summary = summarise(con, CALIBRATION_END, "week", source="cdnow_occasions")
    assert len(summary) > 2300
    return clv.forecast(summary, horizon_months=12, min_repeat_customers=30)


def test_bg_nbd_reproduces_the_published_cdnow_estimates(forecast):
    assert forecast.bg_nbd is not None and forecast.bg_nbd.converged
    fitted = forecast.bg_nbd.as_dict()
    for name, published in PUBLISHED_BG_NBD.items():
        assert fitted[name] == pytest.approx(published, rel=0.01), name


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(forecast):
    assert forecast.gamma_gamma is not None and forecast.gamma_gamma.converged
    fitted = forecast.gamma_gamma.as_dict()
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fitted[name] == pytest.approx(published, rel=0.01), name
    assert forecast.gamma_gamma.customers == 946


def test_forecasts_are_sane(forecast):
    assert forecast.method == "bg_nbd_gamma_gamma"
    assert ((forecast.p_alive >= 0) & (forecast.p_alive <= 1)).all()
    assert (forecast.occasions_by_month >= 0).all()
    assert forecast.occasions_12m.sum() == pytest.approx(forecast.occasions_by_month.sum())
