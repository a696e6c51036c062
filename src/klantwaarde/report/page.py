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
.sub{color:#666;margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:12px}
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


def render(f: Figures) -> str:
    h = f.headline
    parts = [
        f"<h1>klantwaarde: customer value as of {f.as_of.isoformat()}</h1>",
        '<p class="sub">Window: the last 12 months. Amounts in EUR. Read from the published '
        "mart; every figure reconciles to the general ledger.</p>",
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
        f"{eur(w['loss_making_contribution'])}</b> off it.</p></div>",
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
    parts += [
        "<h2>Reconciliation with the general ledger</h2>",
        '<p class="note">Per cost pool and month: ledger = allocated + unallocated; the '
        "difference is 0.00 on every row of a published mart. Totals: ledger "
        f'<b data-figure="recon_ledger" data-value="{eur(t["ledger"])}">{eur(t["ledger"])}</b>, '
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
