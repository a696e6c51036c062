"""The report page: sections of a chart and the numbers beside it. Figures a test or a
reader may want to check carry `data-figure` attributes with their exact value."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from klantwaarde.report import svg
from klantwaarde.report.figures import Figures

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;
max-width:1200px}
h1{margin-bottom:0}h2{border-bottom:2px solid #1f6f8b;padding-bottom:4px;margin-top:36px}
.sub{color:#666;margin-top:4px}.warn{color:#bc4749;font-weight:600}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.card .v{font-size:20px;font-weight:600}.card .k{color:#666;font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #eee}
th{text-align:left;background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.neg{color:#bc4749}.note{color:#555;font-size:13px;max-width:900px}
"""

# the columns of a segment table after its name: Curry's tiers, the Pareto classes
SEGMENT_SHARES = [
    ("customer_count", "customers"),
    ("revenue_12m", "revenue"),
    ("revenue_share", "revenue share"),
    ("contribution_12m", "contribution"),
    ("contribution_share", "contribution share"),
]


def eur(value: Any) -> str:
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    return f"{amount:,.2f}"


def pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1%}"


def _cell(value: Any) -> str:
    if isinstance(value, Decimal):
        cls = "n neg" if value < 0 else "n"
        return f'<td class="{cls}">{eur(value)}</td>'
    if isinstance(value, float):
        return f'<td class="n">{value:.3g}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{escape('' if value is None else str(value))}</td>"


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], name: str) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{pct(row.get(key))}</td>'
            if key.endswith("_share") or key == "p_alive"
            else _cell(row.get(key))
            for key, _ in columns
        )
        + "</tr>"
        for row in rows
    )
    return f'<table data-table="{name}"><tr>{head}</tr>{body}</table>'


def card(label: str, value: str, figure: str, exact: Any) -> str:
    return (
        f'<div class="card"><div class="v" data-figure="{figure}" '
        f'data-value="{escape(str(exact))}">{escape(value)}</div>'
        f'<div class="k">{escape(label)}</div></div>'
    )


def _month_notes(f: Figures) -> str:
    notes = []
    if "no_ledger" in f.months:
        notes.append(
            '<p class="warn" data-figure="month_status" data-value="no_ledger">The ledger is '
            "empty: no GL cost postings. Cost-to-serve and credit cost are zero because there "
            "is nothing to allocate, not because serving customers costs nothing.</p>"
        )
    if f.months.get("open"):
        notes.append(
            f'<p class="sub" data-figure="open_months" data-value="{",".join(f.months["open"])}">'
            f"Open (costs not posted yet): {', '.join(f.months['open'])}.</p>"
        )
    if f.months.get("missing_costs"):
        missing = ", ".join(f.months["missing_costs"])
        notes.append(
            f'<p class="warn" data-figure="missing_costs" data-value="{missing}">No cost '
            f"postings in {missing} while later months have them: those months' "
            "cost-to-serve is missing, not zero.</p>"
        )
    return "".join(notes)


def _scenario_section(f: Figures) -> list[str]:
    if not f.scenarios:
        return []
    s = f.scenario
    start, end = (
        m.strftime("%Y-%m") if m else "?" for m in (s["window_start_month"], s["window_end_month"])
    )
    change = s["scenario_contribution"] - s["actual_contribution"]
    return [
        "<h2>Scenarios: what if</h2>",
        table(f.scenarios, [("scenario", "scenario"), ("as_of_date", "as of"),
                            ("run_at", "run"), ("config_fingerprint", "config"),
                            ("price_changes", "price changes"),
                            ("actual_contribution", "actual contribution"),
                            ("scenario_contribution", "scenario contribution"),
                            ("customers_profit_to_loss", "profit → loss"),
                            ("customers_loss_to_profit", "loss → profit")], "scenarios"),
        f"<h3>{escape(str(s['scenario']))} against the actuals, {start} to {end}</h3>",
        '<div class="row">',
        svg.line_chart(s["actual_curve"], "scenario_whale_curve",
                       second=("actuals", str(s["scenario"]), s["scenario_curve"])),
        f'<div class="note"><p>Contribution {eur(s["actual_contribution"])} → '
        f'<b data-figure="scenario_contribution" data-value="{eur(s["scenario_contribution"])}">'
        f'{eur(s["scenario_contribution"])}</b> ({"+" if change > 0 else ""}{eur(change)}).</p>'
        f'<p><b data-figure="scenario_profit_to_loss" '
        f'data-value="{s["customers_profit_to_loss"]}">{s["customers_profit_to_loss"]:,}</b> '
        f"customers cross from profit to loss, {s['customers_loss_to_profit']:,} from loss "
        "to profit.</p></div>",
        "</div>",
        table(s["to_loss"], [("customer_name", "customer"), ("actual", "actual contribution"),
                             ("scenario", "scenario contribution"), ("change", "change")],
              "scenario_profit_to_loss"),
    ]  # fmt: skip


def render(f: Figures) -> str:
    h = f.headline
    start, end = (m.strftime("%Y-%m") if m else "?" for m in f.contribution_window)
    no_ledger = "no_ledger" in f.months
    parts = [
        f"<h1>klantwaarde: customer value as of {f.as_of.isoformat()}</h1>",
        '<p class="sub">Revenue: the 12 months up to the as-of date. Contribution: '
        + (
            f'the same months (<span data-figure="contribution_window">{start} to {end}</span>'
            "): no month is closed, the ledger holds no cost postings. Amounts in EUR. Read "
            "from the published mart.</p>"
            if no_ledger
            else f'the last 12 closed months (<span data-figure="contribution_window">{start} '
            f"to {end}</span>), so that no month's revenue counts without its cost. Amounts in "
            "EUR. Read from the published mart; every figure reconciles to the general "
            "ledger.</p>"
        ),
        _month_notes(f),
        '<div class="cards">',
        card("customers", f"{h['customers']:,}", "customers", h["customers"]),
        card("active customers", f"{h['active_customers']:,}", "active_customers",
             h["active_customers"]),
        card("revenue", eur(h["revenue_12m"]), "revenue", eur(h["revenue_12m"])),
        card("contribution", eur(h["contribution_12m"]), "contribution",
             eur(h["contribution_12m"])),
        card("cost-to-serve", eur(h["cost_to_serve_12m"]), "cost_to_serve",
             eur(h["cost_to_serve_12m"])),
        card("unallocated cost", eur(h["unallocated_12m"]), "unallocated",
             eur(h["unallocated_12m"])),
        card("as-of date", f.as_of.isoformat(), "as_of", f.as_of.isoformat()),
        "</div>",
    ]  # fmt: skip
    w = f.whale_summary
    peak = (float(w["peak_customer_share"] or 0), float(w["peak_contribution_share"] or 0))
    parts += [
        "<h2>Whale curve</h2>",
        '<div class="row">',
        svg.line_chart(f.whale, "whale_curve", peak),
        '<div class="note">'
        f"<p>{escape(str(w['summary_sentence']))}.</p>"
        f'<p>Peak: <b data-figure="whale_peak" data-value="{eur(w["peak_contribution"])}">'
        f"{eur(w['peak_contribution'])}</b> after {w['peak_rank']:,} customers "
        f"({pct(w['peak_contribution_share'])} of the total contribution "
        f"{eur(w['total_contribution'])}).</p>"
        f"<p>Tail: {w['loss_making_count']:,} loss-making customers take "
        f'<b data-figure="whale_tail" data-value="{eur(w["loss_making_contribution"])}">'
        f"{eur(w['loss_making_contribution'])}</b> off it.</p>"
        "<p>The curve holds the customers with revenue in the window. Apart: "
        f"{w.get('prospect_count') or 0:,} prospects cost "
        f'<b data-figure="acquisition_cost" data-value="{eur(w.get("acquisition_cost"))}">'
        f"{eur(w.get('acquisition_cost'))}</b> (acquisition cost); "
        f"{w.get('lapsed_count') or 0:,} customers without revenue in the window "
        f"contributed {eur(w.get('lapsed_contribution'))}.</p></div>",
        "</div>",
    ]
    curry = f.segments.get("curry_tier", [])
    parts += [
        "<h2>Curry's pyramid and Pareto classes</h2>",
        '<div class="row">',
        svg.pyramid([(r["segment"], int(r["customer_count"])) for r in curry], "curry_pyramid"),
        table(curry, [("segment", "tier"), *SEGMENT_SHARES], "curry"),
        "</div>",
    ]  # fmt: skip
    pareto = f.segments.get("pareto_class", [])
    parts += [
        '<div class="row">',
        svg.bars([(str(r["segment"]), float(r["revenue_share"] or 0)) for r in pareto],
                 "pareto_revenue_share", signed=False),
        table(pareto, [("segment", "class"), *SEGMENT_SHARES], "pareto"),
        "</div>",
    ]  # fmt: skip
    parts += [
        "<h2>Whitney grid: policy and budget per class</h2>",
        '<div class="row">',
        svg.bars([(str(r["whitney_class"]), float(r["contribution_12m"])) for r in f.budget
                  if r["whitney_class"] != "unallocated"], "whitney_contribution"),
        table(f.budget, [("whitney_class", "class (strategic, significant, profitable)"),
                         ("customer_count", "customers"), ("revenue_12m", "revenue"),
                         ("contribution_12m", "contribution"), ("whitney_action", "action"),
                         ("budget_amount", "budget")], "whitney"),
        "</div>",
        "<h2>Attention against profit</h2>",
        '<div class="row">',
        svg.bars([(str(r["rule"]), float(r["effort_share"] or 0)) for r in f.attention],
                 "attention_effort_share", signed=False),
        '<div class="note">' + "".join(f"<p>{escape(str(r['sentence']))}</p>"
                                       for r in f.attention) + "</div>",
        "</div>",
        "<h2>Decay: customers and value lost</h2>",
        '<div class="row">',
        svg.bars([(str(r["last_invoice_month"])[:7], -float(r["revenue_lost"] or 0))
                  for r in f.decay], "decay_revenue_lost"),
        table(f.decay, [("last_invoice_month", "last invoice"), ("customers", "customers"),
                        ("revenue_lost", "revenue lost / month"),
                        ("contribution_lost", "contribution lost / month")], "decay"),
        "</div>",
    ]  # fmt: skip
    if f.clv:
        total_clv, total_potential = f.clv["total"]
        clv_columns = [("customer_name", "customer"), ("clv", "CLV"), ("p_alive", "P(alive)"),
                       ("expected_purchases_12m", "occasions next 12 m"),
                       ("potential_value", "potential value")]  # fmt: skip
        parts += [
            "<h2>Future value</h2>",
            '<div class="row">',
            svg.histogram(f.clv["values"], "clv_distribution"),
            '<div class="note"><p>Customer lifetime value: expected contribution over the '
            "horizon, discounted (BG/NBD and Gamma-Gamma, fitted tonight). Total "
            f'<b data-figure="clv_total" data-value="{eur(total_clv)}">{eur(total_clv)}</b>; '
            f"potential value beyond the forecast {eur(total_potential)}.</p></div>",
            "</div>",
            '<div class="row">',
            table(f.clv["highest"], clv_columns, "clv_highest"),
            table(f.clv["lowest"], clv_columns, "clv_lowest"),
            "</div>",
        ]
    t = f.reconciliation_totals
    parts.append("<h2>Reconciliation with the general ledger</h2>")
    if no_ledger:
        parts += [
            '<p class="note" data-figure="ledger_empty">The ledger is empty: the ERP exported '
            "no GL cost postings, so there is nothing to reconcile and nothing is reported as "
            "balanced. Revenue, segments and future value are shown; cost-to-serve is zero "
            "because there was no cost to allocate.</p>",
        ]
    else:
        parts += [
            '<p class="note">Per cost pool and month: ledger = allocated + unallocated; the '
            "difference is 0.00 on every row of a published mart. Totals: ledger "
            f'<b data-figure="recon_ledger" data-value="{eur(t["ledger"])}">'
            f"{eur(t['ledger'])}</b>, "
            f'allocated <b data-figure="recon_allocated" data-value="{eur(t["allocated"])}">'
            f"{eur(t['allocated'])}</b>, unallocated "
            f'<b data-figure="recon_unallocated" data-value="{eur(t["unallocated"])}">'
            f"{eur(t['unallocated'])}</b>, difference "
            f'<b data-figure="recon_difference" data-value="{eur(t["difference"])}">'
            f"{eur(t['difference'])}</b>, in quarantine {eur(t['quarantined'])}.</p>",
            table(f.reconciliation, [("month", "month"), ("cost_pool", "pool"),
                                     ("ledger_amount", "ledger"), ("allocated_amount", "allocated"),
                                     ("unallocated_amount", "unallocated"),
                                     ("unallocated_reason", "why unallocated"),
                                     ("quarantined_amount", "in quarantine"),
                                     ("difference", "difference"),
                                     ("reconciliation_status", "status")], "reconciliation"),
        ]  # fmt: skip
    if f.capacity:
        parts += [
            "<h3>Time-driven pools: capacity and unused capacity</h3>",
            '<p class="note">Rate = the pool\'s cost of the month / its practical capacity. '
            "Customers are charged rate × the minutes of their activities; the cost of the "
            "minutes nobody used is unused capacity, reported here and never charged. A month "
            "over capacity is split by share of minutes.</p>",
            table(f.capacity, [("month", "month"), ("cost_pool", "pool"),
                               ("ledger_amount", "cost"),
                               ("practical_capacity_minutes", "capacity (min)"),
                               ("used_minutes", "used (min)"),
                               ("unused_capacity_minutes", "unused (min)"),
                               ("capacity_cost_rate", "rate / min"),
                               ("unused_capacity_cost", "unused capacity"),
                               ("capacity_status", "status")], "capacity"),
        ]  # fmt: skip
    parts += _scenario_section(f)
    if f.data_quality or f.landing_issues:
        parts += [
            "<h2>Data quality of the last nights</h2>",
            table(f.data_quality, [("extract_date", "night"), ("loaded", "rows loaded"),
                                   ("quarantined", "quarantined"), ("flagged", "flagged")],
                  "data_quality"),
            table(f.landing_issues, [("landing_path", "in the landing zone"),
                                     ("issue", "issue"), ("outcome", "outcome")],
                  "landing_issues") if f.landing_issues else "",
        ]  # fmt: skip
    customer_columns = [("customer_name", "customer"), ("revenue_12m", "revenue"),
                        ("contribution_12m", "contribution"), ("curry_tier", "tier"),
                        ("pareto_class", "Pareto"), ("whitney_class", "Whitney"),
                        ("whitney_action", "action")]  # fmt: skip
    parts += [
        "<h2>Customers: the top 50 and the bottom 50 by contribution</h2>",
        table(f.top, customer_columns, "top_customers"),
        "<h3>Bottom 50</h3>",
        table(f.bottom, customer_columns, "bottom_customers"),
    ]
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>klantwaarde {f.as_of.isoformat()}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )
