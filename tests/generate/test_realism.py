"""The analytics must mean something: money reconciles, Pareto, loss-makers, matchable."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from klantwaarde.generate.ledger import TARGET_UTILISATION, TIME_DRIVEN
from klantwaarde.generate.truth import truth_dir

from .helpers import latest, read_all


def _lines(landing: Path) -> pd.DataFrame:
    lines = latest(read_all(landing, "erp", "invoice_lines"), ("invoice_no", "line_no"))
    for col in ("net_amount", "cost_amount", "quantity"):
        lines[col] = lines[col].astype(float)
    lines["cents"] = (lines["net_amount"] * 100).round().astype(np.int64)
    lines["cost_cents"] = (lines["cost_amount"] * 100).round().astype(np.int64)
    lines["month"] = lines["invoice_date"].str.slice(0, 7)
    return lines


def _gl(landing: Path) -> pd.DataFrame:
    gl = read_all(landing, "erp", "gl_entries")
    gl["cents"] = (gl["amount"].astype(float) * 100).round().astype(np.int64)
    gl["month"] = gl["posting_date"].str.slice(0, 7)
    return gl


def test_ledger_revenue_and_cogs_match_invoices_to_the_cent(clean: Path) -> None:
    lines = _lines(clean)
    gl = _gl(clean)
    rev_inv = lines.groupby("month")["cents"].sum()
    cogs_inv = lines.groupby("month")["cost_cents"].sum()
    rev_gl = -gl[gl["account_no"].isin(["8000", "8100"])].groupby("month")["cents"].sum()
    cogs_gl = gl[gl["account_no"] == "7000"].groupby("month")["cents"].sum()
    pd.testing.assert_series_equal(rev_inv, rev_gl, check_names=False)
    pd.testing.assert_series_equal(cogs_inv, cogs_gl, check_names=False)
    assert (gl.loc[gl["account_no"].isin(["8000", "8100"]), "cents"] < 0).mean() > 0.9


def test_chart_of_accounts_and_monthly_costs(clean: Path) -> None:
    gl = _gl(clean)
    chart = {
        "8000": "SALES",
        "8100": "SALES",
        "7000": "SALES",
        "4100": "ORD",
        "4150": "FIN",
        "4200": "LOG",
        "4300": "SAL-FLD",
        "4310": "SAL-FLD",
        "4350": "SAL-INS",
        "4400": "SVC",
        "4500": "CRD",
        "4550": "CRD",
        "4600": "FIN",
        "4700": "MKT",
        "4800": "GEN",
    }
    pairs = set(zip(gl["account_no"], gl["cost_center"], strict=True))
    assert pairs <= set(chart.items())
    monthly = {
        "4100",
        "4150",
        "4200",
        "4300",
        "4310",
        "4350",
        "4400",
        "4500",
        "4600",
        "4700",
        "4800",
    }
    per_month = gl[gl["account_no"].isin(monthly)].groupby("month")["account_no"].nunique()
    assert (per_month == len(monthly)).all() and len(per_month) == 3
    lines = _lines(clean)
    revenue = lines["cents"].sum()
    cost = gl[gl["account_no"].isin(monthly)]["cents"].sum()
    assert 0.05 < cost / revenue < 0.40  # cost-to-serve plus overhead: a plausible share


def test_time_driven_pools_are_a_fixed_staff_sized_on_the_average_month(clean: Path) -> None:
    """Each time-driven pool costs whole FTEs every month; the company's config holds
    their practical minutes, and an average month uses at most TARGET_UTILISATION."""
    gl = _gl(clean)
    acts = latest(read_all(clean, "crm", "activities"), ("activityid",))
    done = acts[acts["statecode"] == "completed"].copy()
    done["month"] = done["actualstart"].str.slice(0, 7)
    tickets = latest(read_all(clean, "servicedesk", "tickets"), ("ticket_id",))
    tickets["month"] = tickets["created_at"].str.slice(0, 7)
    minutes = {
        "field_sales": done[done["activitytypecode"] == "appointment"]
        .groupby("month")["actualdurationminutes"]
        .sum(),
        "inside_sales": done[done["activitytypecode"] == "phonecall"]
        .groupby("month")["actualdurationminutes"]
        .sum(),
        "customer_service": tickets.groupby("month")["time_spent_minutes"].apply(
            lambda s: s.astype(int).sum()
        ),
    }
    accounts = {
        "field_sales": ["4300", "4310"],
        "inside_sales": ["4350"],
        "customer_service": ["4400"],
    }
    pools = pd.read_csv(truth_dir(clean) / "config" / "cost_pools.csv").set_index("cost_pool")
    for pool, (fte_cost, practical) in TIME_DRIVEN.items():
        cost = gl[gl["account_no"].isin(accounts[pool])].groupby("month")["cents"].sum() / 100
        capacity = float(pools.loc[pool, "practical_capacity_minutes"])
        fte = capacity / practical
        assert fte == int(fte) and fte >= 1, (pool, fte)
        assert (abs(cost - fte * fte_cost) < 0.02).all(), (pool, cost.to_dict())
        busy = minutes[pool][minutes[pool] > 0]
        assert 0 < busy.mean() / capacity <= TARGET_UTILISATION + 1e-9, (pool, busy.mean())


def test_pareto_roughly_20_80(clean: Path) -> None:
    s = json.loads((truth_dir(clean) / "summary.json").read_text())
    lines = _lines(clean)
    rev = lines.groupby("customer_no")["cents"].sum().sort_values(ascending=False)
    rev = rev[rev > 0]
    top = rev.iloc[: len(rev) // 5].sum() / rev.sum()
    assert 0.65 < top < 0.95, top
    assert abs(top - s["pareto_top20_revenue_share"]) < 0.03
    # a long tail of small customers: the median is far below the mean
    assert rev.median() < 0.5 * rev.mean()


def _contribution(landing: Path) -> pd.DataFrame:
    """Revenue - COGS - the cost pools spread over their drivers (a rough whale curve)."""
    lines = _lines(landing)
    gl = _gl(landing)
    truth = truth_dir(landing)
    acc = pd.read_csv(truth / "crm_accounts.csv", dtype=str, keep_default_na=False)
    org = pd.read_csv(truth / "servicedesk_organizations.csv", dtype=str, keep_default_na=False)
    acts = latest(read_all(landing, "crm", "activities"), ("activityid",))
    acts = acts[acts["statecode"] == "completed"].merge(
        acc, left_on="regardingobjectid", right_on="accountid"
    )
    tickets = latest(read_all(landing, "servicedesk", "tickets"), ("ticket_id",))
    tickets = tickets.merge(org, on="organization_id")
    tickets["minutes"] = tickets["time_spent_minutes"].astype(int)
    by = pd.DataFrame(
        {
            "revenue": lines.groupby("customer_no")["cents"].sum() / 100,
            "cogs": lines.groupby("customer_no")["cost_cents"].sum() / 100,
            "orders": lines.groupby("customer_no")["order_no"].nunique(),
            "lines": lines.groupby("customer_no").size(),
            "deliveries": lines[lines["delivery_no"] != ""]
            .groupby("customer_no")["delivery_no"]
            .nunique(),
            "visit_minutes": acts[acts["activitytypecode"] == "appointment"]
            .groupby("customer_no")["actualdurationminutes"]
            .sum(),
            "call_minutes": acts[acts["activitytypecode"] == "phonecall"]
            .groupby("customer_no")["actualdurationminutes"]
            .sum(),
            "ticket_minutes": tickets.groupby("customer_no")["minutes"].sum(),
        }
    ).fillna(0)
    by = by[by.index != ""]
    pools = {
        "orders": ["4100"],
        "lines": ["4150"],
        "deliveries": ["4200"],
        "visit_minutes": ["4300", "4310"],
        "call_minutes": ["4350"],
        "ticket_minutes": ["4400"],
    }
    by["cost_to_serve"] = 0.0
    for driver, accounts in pools.items():
        pool = gl[gl["account_no"].isin(accounts)]["cents"].sum() / 100
        by["cost_to_serve"] += pool * by[driver] / by[driver].sum()
    by["contribution"] = by["revenue"] - by["cogs"] - by["cost_to_serve"]
    return by


def test_loss_makers_and_a_whale_curve_with_a_peak(clean: Path) -> None:
    s = json.loads((truth_dir(clean) / "summary.json").read_text())
    by = _contribution(clean)
    loss = by.index.isin(s["loss_makers"])
    assert loss.sum() >= 5
    assert (by.loc[loss, "contribution"] < 0).mean() > 0.8
    curve = by["contribution"].sort_values(ascending=False).cumsum()
    total = curve.iloc[-1]
    assert total > 0
    assert curve.max() > 1.15 * total, (curve.max(), total)  # the peak above 100 %
    assert (by["contribution"] < 0).sum() > loss.sum()  # more than the planted ones


def _norm_name(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    s = re.sub(
        r"\b(b\.?v\.?|n\.?v\.?|v\.?o\.?f\.?|gmbh( & co\.? kg)?|g\.m\.b\.h\.|ag|a\.g\."
        r"|ltd\.?|limited|plc|p\.l\.c\.|bvba|srl|s\.r\.l\.)$",
        "",
        s.strip(),
    )
    s = s.replace("&", "en")
    return re.sub(r"[^a-z0-9]", "", s)


def test_matching_is_hard_but_possible(clean: Path) -> None:
    truth = pd.read_csv(truth_dir(clean) / "crm_accounts.csv", dtype=str, keep_default_na=False)
    acc = latest(read_all(clean, "crm", "accounts"), ("accountid",)).fillna("")
    acc = acc.merge(truth[["accountid", "customer_no"]], on="accountid")
    cust = latest(read_all(clean, "erp", "customers"), ("customer_no",)).set_index("customer_no")
    known = acc[acc["customer_no"] != ""]
    prospects = acc[acc["customer_no"] == ""]
    assert len(prospects) > 0 and (truth["is_duplicate"] == "True").any()
    exact = (known["accountnumber"] == known["customer_no"]).mean()
    assert 0.4 < exact < 0.85, exact  # accountnumber alone is not enough
    c = cust.reindex(known["customer_no"])
    vat = known["vatnumber"].str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    vat_ok = (vat != "") & (vat.to_numpy() == c["vat_number"].to_numpy())
    assert (known["vatnumber"].str.contains(r"[ .\-]") | known["vatnumber"].str.islower()).any()
    name_ok = known["name"].map(_norm_name).to_numpy() == c["name"].map(_norm_name).to_numpy()
    pc = known["address1_postalcode"].str.upper().str.replace(" ", "")
    pc_ok = pc.to_numpy() == c["postcode"].str.upper().str.replace(" ", "").to_numpy()
    assert name_ok.mean() < 0.95  # names differ between systems
    signal = (
        (known["accountnumber"] == known["customer_no"]).to_numpy() | vat_ok | (name_ok & pc_ok)
    )
    assert signal.mean() > 0.85, signal.mean()
    org = pd.read_csv(
        truth_dir(clean) / "servicedesk_organizations.csv", dtype=str, keep_default_na=False
    )
    orgs = latest(read_all(clean, "servicedesk", "organizations"), ("organization_id",))
    ext = orgs["external_id"]
    assert ext.isin(org["customer_no"][org["customer_no"] != ""]).any()
    assert ext.isin(acc["accountid"]).any()
    assert (ext == "").mean() > 0.5
    tickets = read_all(clean, "servicedesk", "tickets")
    assert (tickets["organization_id"] == "").any()
    assert tickets["requester_email"].str.contains("@gmail.com|@hotmail.com|@outlook.com").any()


def test_mid_month_start_books_calendar_months(tmp_path: Path) -> None:
    from datetime import date

    from klantwaarde.generate import generate

    out = tmp_path / "landing"
    generate(out=out, customers=120, months=2, seed=9, start=date(2025, 1, 15))
    assert sorted(p.name for p in (out / "erp").iterdir())[-1] == "2025-03-14"
    lines, gl = _lines(out), _gl(out)
    rev_gl = -gl[gl["account_no"].isin(["8000", "8100"])].groupby("month")["cents"].sum()
    pd.testing.assert_series_equal(lines.groupby("month")["cents"].sum(), rev_gl, check_names=False)
    salaries = gl[gl["account_no"] == "4100"]
    assert set(salaries["posting_date"]) == {"2025-01-31", "2025-02-28"}


def test_match_scores_against_the_truth(clean: Path) -> None:
    from klantwaarde.generate.truth import match_scores

    acc = latest(read_all(clean, "crm", "accounts"), ("accountid",))
    naive = acc[["accountid", "accountnumber"]].rename(columns={"accountnumber": "customer_no"})
    naive = naive[naive["customer_no"].notna()]
    scores = match_scores(clean, "crm", naive)
    # trusting accountnumber alone: mostly right, but far from complete
    assert 0.7 < scores["precision"] < 1.0 and scores["recall"] < 0.85, scores
    truth = pd.read_csv(truth_dir(clean) / "crm_accounts.csv", dtype=str, keep_default_na=False)
    perfect = match_scores(clean, "crm", truth[truth["customer_no"] != ""])
    assert perfect["precision"] == 1.0 and perfect["recall"] == 1.0
