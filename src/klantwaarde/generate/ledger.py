"""The general ledger, on the chart of accounts of ARCHITECTURE.md.

Revenue (8000 products, 8100 services; credits, negative) and cost of goods sold
(7000, debit) are booked per invoice day and add up exactly, in EUR cents, to the
invoice lines (price corrections get an adjustment entry dated on the invoice day).
Costs are booked monthly on the last day of the month, sized by the activity volumes:
volume-driven pools at a cost per driver unit, time-driven pools as a fixed staff (whole
FTEs sized so that an average month uses about 85 % of their practical minutes; the
staff's capacity is the company's `practical_capacity_minutes`, `staff_capacity`),
credit costs from overdue invoices, receivables and write-offs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klantwaarde.generate.company import Company
from klantwaarde.generate.erp import Erp, column
from klantwaarde.generate.servicedesk import ServiceDesk
from klantwaarde.generate.timeline import NEVER, Timeline

ACCOUNTS = {
    "8000": ("Revenue products", "SALES"),
    "8100": ("Revenue services", "SALES"),
    "7000": ("Cost of goods sold", "SALES"),
    "4100": ("Order desk salaries", "ORD"),
    "4150": ("Billing and invoicing", "FIN"),
    "4200": ("Freight and logistics", "LOG"),
    "4300": ("Field sales salaries", "SAL-FLD"),
    "4310": ("Field sales cars and travel", "SAL-FLD"),
    "4350": ("Inside sales salaries", "SAL-INS"),
    "4400": ("Customer service salaries", "SVC"),
    "4500": ("Credit management salaries", "CRD"),
    "4550": ("Bad debt write-offs", "CRD"),
    "4600": ("Interest expense", "FIN"),
    "4700": ("Marketing", "MKT"),
    "4800": ("General overhead (rent, IT, management)", "GEN"),
}
# time-driven pools: (EUR per FTE-month, practical minutes per FTE-month)
TIME_DRIVEN = {
    "field_sales": (7500, 6000),
    "inside_sales": (5200, 6600),
    "customer_service": (4800, 6600),
}
# the share of its practical minutes an average month asks of a time-driven staff
TARGET_UTILISATION = 0.85
COST_PER_ORDER = 15.00
COST_PER_LINE = 0.80
COST_PER_INVOICE = 0.40
COST_PER_DELIVERY = 26.00
COST_PER_OVERDUE = 3.00
INTEREST_RATE = 0.045
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _per_month(days: np.ndarray, weights, ms: np.ndarray) -> np.ndarray:
    m = np.searchsorted(ms, days, side="right") - 1
    ok = (m >= 0) & (m < len(ms) - 1)
    w = np.ones(len(days)) if weights is None else np.asarray(weights, dtype=float)
    return np.bincount(m[ok], weights=w[ok], minlength=len(ms) - 1)


def build_ledger(
    rng: np.random.Generator,
    co: Company,
    erp: Erp,
    activities: dict[str, np.ndarray],
    sd: ServiceDesk,
    tl: Timeline,
) -> tuple[pd.DataFrame, dict, dict[str, int]]:
    """The GL entries, the monthly driver volumes the costs were sized on, and the
    practical capacity (minutes a month) of each time-driven pool's staff."""
    rows: list[pd.DataFrame] = []
    orig = {
        k: column(erp.lines, k, (0, 1))
        for k in ("inv_day", "product", "net_eur", "cost_eur", "delivery")
    }
    svc = co.products["is_service"].to_numpy()
    day = orig["inv_day"].astype(np.int64)
    acct = np.where(svc[orig["product"]], 1, 0)
    key = day * 2 + acct
    # sums per day (and account) with bincount: no sort of ten million lines
    net_all = np.bincount(key, weights=orig["net_eur"], minlength=2 * tl.sim_days)
    n_all = np.bincount(key, minlength=2 * tl.sim_days)
    uk = np.flatnonzero(n_all)
    net = net_all[uk]
    cogs_all = np.bincount(day, weights=orig["cost_eur"], minlength=tl.sim_days)
    uday = np.flatnonzero(np.bincount(day, minlength=tl.sim_days))
    cogs = cogs_all[uday]
    rows.append(
        pd.DataFrame(
            {
                "day": uk // 2,
                "posted": uk // 2,
                "account": np.where(uk % 2 == 1, "8100", "8000"),
                "amount": -np.round(net).astype(np.int64),
                "cust": -1,
                "kind": "revenue",
            }
        )
    )
    rows.append(
        pd.DataFrame(
            {
                "day": uday,
                "posted": uday,
                "account": "7000",
                "amount": np.round(cogs).astype(np.int64),
                "cust": -1,
                "kind": "cogs",
            }
        )
    )
    cr = erp.corrections
    if len(cr):
        g = (
            cr.assign(account=np.where(svc[cr["product"].to_numpy()], "8100", "8000"))
            .groupby(["corr_day", "inv_day", "account"], as_index=False, sort=True)["delta"]
            .sum()
        )
        rows.append(
            pd.DataFrame(
                {
                    "day": g["inv_day"],
                    "posted": g["corr_day"],
                    "account": g["account"],
                    "amount": -g["delta"].astype(np.int64),
                    "cust": -1,
                    "kind": "correction",
                }
            )
        )
    wo = erp.writeoffs
    rows.append(
        pd.DataFrame(
            {
                "day": wo["day"],
                "posted": wo["day"],
                "account": "4550",
                "amount": wo["amount"],
                "cust": wo["cust"],
                "kind": "writeoff",
                "doc": wo["doc"],
            }
        )
    )

    # ---- monthly costs ---------------------------------------------------------------
    ms = tl.month_starts(extra=0)  # months of history only
    n_m = len(ms) - 1
    month_end = ms[1:] - 1
    revenue_m = _per_month(day, orig["net_eur"], ms) / 100
    orders_m = _per_month(erp.orders["order_day"].to_numpy(), None, ms)
    lines_m = _per_month(day, None, ms)
    docs_m = _per_month(erp.docs["inv_day"].to_numpy(), None, ms)
    deliv = orig["delivery"] >= 0
    # delivery numbers rise along the invoice lines: a new number is a new delivery
    dn = orig["delivery"][deliv]
    first = np.r_[True, dn[1:] != dn[:-1]]
    deliveries_m = _per_month(day[deliv][first], None, ms)

    a = activities
    final = (a["_nv"] == NEVER) & (a["state"] == 0)
    start_day = a["start"] // 86_400
    visit_min = _per_month(
        start_day[final & (a["type"] == 0)], a["dur"][final & (a["type"] == 0)], ms
    )
    call_min = _per_month(
        start_day[final & (a["type"] == 1)], a["dur"][final & (a["type"] == 1)], ms
    )
    t = sd.tickets
    tf = t["_nv"] == NEVER
    ticket_min = _per_month(t["created"][tf] // 86_400, t["spent"][tf], ms)

    # overdue invoices and receivable euro-days per month
    docs = erp.docs
    pay = erp.payments
    paid_day = pd.Series(pay["day"].to_numpy()).groupby(pay["doc"].to_numpy()).max()
    end = np.full(len(docs), NEVER, dtype=np.int64)
    pos = np.searchsorted(docs["doc"].to_numpy(), paid_day.index.to_numpy())
    end[pos] = paid_day.to_numpy()
    wpos = np.searchsorted(docs["doc"].to_numpy(), wo["doc"].to_numpy())
    end[wpos] = wo["day"].to_numpy()
    inv = ~docs["is_cn"].to_numpy()
    due = docs["due_day"].to_numpy().astype(np.int64)[inv]
    start = docs["inv_day"].to_numpy().astype(np.int64)[inv]
    end_i = end[inv]
    amount = docs["total"].to_numpy()[inv] / 100
    # overdue in a month: the overdue interval [due + 1, end) overlaps the month
    s_od = due + 1
    valid = end_i > s_od
    overdue_m = (
        np.searchsorted(np.sort(s_od[valid]), ms[1:], side="left")
        - np.searchsorted(np.sort(end_i[valid]), ms[:-1], side="right")
    ).astype(float)
    # receivable euro-days: the open balance of every day, summed per month
    n_days = int(ms[-1])
    stop = np.minimum(end_i, n_days)
    keep = start < stop
    diff = np.bincount(start[keep], weights=amount[keep], minlength=n_days + 1) - np.bincount(
        stop[keep], weights=amount[keep], minlength=n_days + 1
    )
    balance = np.cumsum(diff)[:n_days]
    euro_days_m = np.add.reduceat(balance, ms[:-1]) if n_days else np.zeros(n_m)

    minutes = {"field_sales": visit_min, "inside_sales": call_min, "customer_service": ticket_min}
    staff = {pool: staff_capacity(minutes[pool], *TIME_DRIVEN[pool]) for pool in TIME_DRIVEN}
    salary = {pool: staff[pool][0] * TIME_DRIVEN[pool][0] * np.ones(n_m) for pool in staff}
    noise = rng.uniform(0.95, 1.05, (8, n_m))
    cost = {
        ("4100", "Salaries order desk", 0.85): orders_m * COST_PER_ORDER * noise[0],
        ("4100", "Temporary staff order desk", 0.15): orders_m * COST_PER_ORDER * noise[0],
        ("4150", "Billing, printing and e-invoicing", 1.0): (
            lines_m * COST_PER_LINE + docs_m * COST_PER_INVOICE
        )
        * noise[1],
        ("4200", "Carrier invoices", 0.8): deliveries_m * COST_PER_DELIVERY * noise[2],
        ("4200", "Warehouse dispatch", 0.2): deliveries_m * COST_PER_DELIVERY * noise[2],
        ("4300", "Salaries field sales", 0.78): salary["field_sales"],
        ("4310", "Lease cars, fuel and travel", 0.22): salary["field_sales"],
        ("4350", "Salaries inside sales", 1.0): salary["inside_sales"],
        ("4400", "Salaries customer service", 1.0): salary["customer_service"],
        ("4500", "Salaries credit management", 1.0): (overdue_m * COST_PER_OVERDUE) * noise[3],
        ("4600", "Interest on working capital", 1.0): euro_days_m * INTEREST_RATE / 365,
        ("4700", "Campaigns, fairs and catalogue", 1.0): revenue_m
        * 0.012
        * rng.uniform(0.5, 1.5, n_m),
        ("4800", "Rent, IT and management", 1.0): revenue_m * 0.045 * noise[4],
    }
    for (account, text, share), value in cost.items():
        rows.append(
            pd.DataFrame(
                {
                    "day": month_end,
                    "posted": month_end,
                    "account": account,
                    "amount": np.round(np.asarray(value) * share * 100).astype(np.int64),
                    "cust": -1,
                    "kind": text,
                }
            )
        )
    gl = pd.concat(rows, ignore_index=True)
    gl = gl[(gl["amount"] != 0) & (gl["posted"] < tl.sim_days)]
    gl = gl.sort_values(["posted", "day", "account", "kind"], kind="stable", ignore_index=True)
    gl["entry"] = np.arange(len(gl), dtype=np.int64) + 5_000_001
    gl["_v"] = gl["posted"].astype(np.int64)
    gl["_nv"] = np.int64(NEVER)
    gl["account_name"] = gl["account"].map(lambda a: ACCOUNTS[a][0])
    gl["cost_center"] = gl["account"].map(lambda a: ACCOUNTS[a][1])
    gl["description"] = _descriptions(gl, tl)
    drivers = {
        "orders": orders_m,
        "invoice_lines": lines_m,
        "deliveries": deliveries_m,
        "visit_minutes": visit_min,
        "call_minutes": call_min,
        "ticket_minutes": ticket_min,
        "overdue_invoices": overdue_m,
        "receivable_euro_days": euro_days_m,
    }
    capacity = {pool: minutes for pool, (_, minutes) in staff.items()}
    return gl, drivers, capacity


def staff_capacity(
    minutes_per_month: np.ndarray, cost_per_fte: float, minutes_per_fte: float
) -> tuple[int, int]:
    """Whole FTEs of a time-driven pool (at least one) and their practical minutes a month:
    sized on the average month with activity at TARGET_UTILISATION."""
    busy = minutes_per_month[minutes_per_month > 0]
    average = float(busy.mean()) if len(busy) else 0.0
    fte = max(1, int(np.ceil(average / TARGET_UTILISATION / minutes_per_fte)))
    return fte, int(fte * minutes_per_fte)


def _descriptions(gl: pd.DataFrame, tl: Timeline) -> pd.Series:
    dates = pd.Series(
        np.datetime64(tl.start, "D") + gl["day"].to_numpy().astype("timedelta64[D]")
    ).astype(str)
    month = tl.month_of(gl["day"].to_numpy())
    month_text = pd.Series(
        [
            f"{MONTHS[(tl.start.month - 1 + m) % 12]} "
            f"{tl.start.year + (tl.start.month - 1 + m) // 12}"
            for m in range(tl.months + 2)
        ],
        dtype="str",
    )[month].reset_index(drop=True)
    kind = gl["kind"].reset_index(drop=True)
    doc = gl["doc"].reset_index(drop=True) if "doc" in gl else pd.Series(np.nan, index=kind.index)
    out = np.select(
        [kind == "revenue", kind == "cogs", kind == "correction", kind == "writeoff"],
        [
            "Sales journal " + dates,
            "Cost of sales " + dates,
            "Price correction invoices of " + dates,
            "Write-off invoice F" + doc.fillna(0).astype(np.int64).astype(str).str.zfill(8),
        ],
        kind + " " + month_text,
    )
    return pd.Series(out, dtype="str")
