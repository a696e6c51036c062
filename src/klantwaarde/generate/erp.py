"""ERP transactions: orders, deliveries, invoice lines, credit notes, payments, write-offs.

Everything is vectorised: customer × month order counts are Poisson draws, orders
expand to lines with `np.repeat`, and money is integer arithmetic (cents for amounts,
1/10,000 EUR for unit prices, 1/1,000 for quantities) so that the books add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klantwaarde.generate.company import Company
from klantwaarde.generate.timeline import NEVER, Timeline

# Foreign-currency invoices (a planted fault: the books are in EUR). Rates are EUR per
# unit, chosen so that converting a whole-cent amount back to EUR never lands on a
# half cent: round(amount * rate, 2) is the same under every rounding mode.
FX_EUR_PER_UNIT = {"USD": 0.80, "GBP": 1.20}
CURRENCIES = ("EUR", "USD", "GBP")
_FX_NUM = np.array([100, 80, 120], dtype=np.int64)  # EUR per unit x 100


@dataclass
class Erp:
    lines: list[dict[str, np.ndarray]]  # line versions: invoices, credit notes, corrections
    docs: pd.DataFrame  # one row per invoice / credit note
    payments: pd.DataFrame
    writeoffs: pd.DataFrame
    orders: pd.DataFrame  # one row per order (cust, order day, invoice day)
    corrections: pd.DataFrame  # invoice-line price corrections: the change in EUR


def _round_div(x: np.ndarray, d) -> np.ndarray:
    """x / d rounded to a whole number (exact: |x| stays far below 2**53)."""
    return np.rint(np.asarray(x) / d).astype(np.int64)


def _eur(amount: np.ndarray, cur: np.ndarray) -> np.ndarray:
    out = amount.copy()
    f = cur > 0
    if f.any():
        out[f] = _round_div(amount[f] * _FX_NUM[cur[f]], 100)
    return out


def _sampler(values: np.ndarray, weight: np.ndarray, size: int = 1 << 16) -> np.ndarray:
    """A lookup table: a uniform index into it draws `values` with probability `weight`
    (to 1/65,536), so ten million draws are one gather instead of a binary search each."""
    cdf = np.cumsum(weight) / weight.sum()
    pos = np.searchsorted(cdf, (np.arange(size) + 0.5) / size).clip(0, len(values) - 1)
    return values[pos].astype(np.int32)


def _business_day(tl: Timeline, day: np.ndarray) -> np.ndarray:
    wd = tl.weekday(day)
    return day + np.where(wd == 5, -1, np.where(wd == 6, 1, 0))


def build_erp(rng: np.random.Generator, co: Company, tl: Timeline, dirty_rate: float) -> Erp:
    c = co.customers
    n = len(c)
    ms = tl.month_starts(extra=1)  # boundaries of months + 1 extra month (pending night)
    n_m = len(ms) - 1
    created = c["created"].to_numpy()
    lapse = c["lapse"].to_numpy()

    # ---- orders: customer x month Poisson counts ---------------------------------
    lo = np.maximum(created[:, None], ms[None, :-1])
    hi = np.minimum(np.minimum(lapse[:, None], ms[None, 1:]), tl.sim_days)
    span = np.clip(hi - lo, 0, None)
    month_len = (ms[1:] - ms[:-1])[None, :]
    m_of_year = (tl.start.month - 1 + np.arange(n_m)) % 12
    season = 1.0 + 0.10 * np.cos(2 * np.pi * (m_of_year - 3) / 12)
    season = season * np.where(m_of_year == 7, 0.8, 1.0) * np.where(m_of_year == 11, 0.85, 1.0)
    growth = 1.0 + 0.03 * np.arange(n_m) / 12
    orders_pm = (c["lines"] / c["per_order"]).to_numpy()
    lam = orders_pm[:, None] * (season * growth)[None, :] * span / month_len
    counts = rng.poisson(lam)
    cust_o = np.repeat(np.repeat(np.arange(n), n_m), counts.ravel()).astype(np.int32)
    lo_o = np.repeat(lo.ravel(), counts.ravel())
    span_o = np.repeat(span.ravel(), counts.ravel())
    order_day = lo_o + (rng.random(len(cust_o)) * span_o).astype(np.int64)
    order_day = _business_day(tl, order_day)
    lag = rng.choice(3, size=len(cust_o), p=[0.5, 0.35, 0.15])
    inv_day = order_day + lag
    keep = (inv_day < tl.sim_days) & (order_day >= np.maximum(created[cust_o], 0))
    cust_o, order_day, inv_day = cust_o[keep], order_day[keep], inv_day[keep]
    n_o = len(cust_o)
    # orders in invoice order (so invoice numbers rise along the lines); order numbers
    # follow the order date
    o_perm = np.lexsort((cust_o, order_day, inv_day))
    cust_o, order_day, inv_day = cust_o[o_perm], order_day[o_perm], inv_day[o_perm]
    by_order_day = np.lexsort((cust_o, order_day))
    order_id = np.empty(n_o, dtype=np.int64)
    order_id[by_order_day] = np.arange(n_o, dtype=np.int64) + 400_001

    # ---- lines ---------------------------------------------------------------------
    per_order = c["per_order"].to_numpy()[cust_o]
    n_lines = 1 + rng.poisson(per_order - 1.0)
    L = int(n_lines.sum())
    o_of_l = np.repeat(np.arange(n_o, dtype=np.int32), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = (np.arange(L) - np.repeat(starts, n_lines) + 1).astype(np.int32)
    cust_l = cust_o[o_of_l]

    p = co.products
    svc_idx = np.flatnonzero(p["is_service"].to_numpy())
    good_idx = np.flatnonzero(~p["is_service"].to_numpy())
    pop = p["pop"].to_numpy()
    is_svc = rng.random(L) < c["service_share"].to_numpy()[cust_l]
    prod = np.empty(L, dtype=np.int32)
    k = int(is_svc.sum())
    prod[is_svc] = _sampler(svc_idx, pop[svc_idx])[rng.integers(0, 1 << 16, k)]
    prod[~is_svc] = _sampler(good_idx, pop[good_idx])[rng.integers(0, 1 << 16, L - k)]
    list4 = p["price4"].to_numpy()[prod]
    cost4 = p["cost4"].to_numpy()[prod]
    fractional = p["fractional"].to_numpy()[prod]
    target = c["value"].to_numpy()[cust_l]
    raw_q = np.exp(rng.normal(np.log(target * 10_000 / list4), 0.7))
    qty = np.where(
        fractional,
        np.maximum(np.round(raw_q * 2) / 2, 0.5),  # metres / hours in halves
        np.maximum(np.round(raw_q), 1),
    )
    qty_milli = (np.minimum(qty, 5000) * 1000).astype(np.int64)
    disc_rate = c["discount"].to_numpy()[cust_l]
    price4 = (np.round(list4 * (1 - disc_rate) / 100) * 100).astype(np.int64)  # whole cents
    gross = _round_div(qty_milli * price4, 100_000)
    promo = rng.random(L) < 0.08
    disc = np.where(promo, _round_div(gross * rng.integers(2, 11, L), 100), 0)
    net = gross - disc
    cost = _round_div(qty_milli * cost4, 100_000)

    # deliveries: goods lines ship in one delivery, sometimes two
    goods = ~is_svc
    goods_per_order = np.bincount(o_of_l, weights=goods, minlength=n_o).astype(np.int64)
    split = (rng.random(n_o) < c["split_share"].to_numpy()[cust_o]) & (goods_per_order >= 2)
    n_deliv = (goods_per_order > 0).astype(np.int64) + split
    deliv_base = np.cumsum(n_deliv) - n_deliv + 700_001
    goods_rank = np.cumsum(goods) - np.repeat(np.cumsum(goods_per_order) - goods_per_order, n_lines)
    second = split[o_of_l] & (goods_rank > goods_per_order[o_of_l] // 2)
    delivery = np.where(goods, deliv_base[o_of_l] + second, -1)

    # ---- credit notes (returns) ------------------------------------------------------
    has_cn = rng.random(n_o) < c["credit_share"].to_numpy()[cust_o]
    cn_day = inv_day + rng.integers(2, 31, n_o)
    has_cn &= cn_day < tl.sim_days
    ret_line = has_cn[o_of_l] & goods & ((rng.random(L) < 0.5) | (line_no == 1))
    ret_line &= has_cn[o_of_l]
    r = np.flatnonzero(ret_line)
    ret_q = np.where(
        fractional[r],
        np.maximum(np.round(qty_milli[r] * rng.uniform(0.2, 1, len(r)) / 500) * 500, 500),
        np.maximum(np.ceil(qty_milli[r] / 1000 * rng.uniform(0.2, 1, len(r))) * 1000, 1000),
    ).astype(np.int64)
    ret_q = np.minimum(ret_q, qty_milli[r])

    # ---- documents: invoices and credit notes numbered in date order ----------------
    docs_day = np.concatenate([inv_day, cn_day[has_cn]])
    docs_kind = np.concatenate([np.zeros(n_o, np.int8), np.ones(int(has_cn.sum()), np.int8)])
    docs_order = np.concatenate([np.arange(n_o), np.flatnonzero(has_cn)])
    d_perm = np.lexsort((docs_order, docs_kind, docs_day))
    doc_id = np.empty(len(d_perm), dtype=np.int64)
    doc_id[d_perm] = np.arange(len(d_perm)) + 250_001
    inv_doc = doc_id[:n_o]
    cn_doc = np.full(n_o, -1, dtype=np.int64)
    cn_doc[has_cn] = doc_id[n_o:]
    # credit note lines are numbered 1.. within the credit note
    r_order = o_of_l[r]
    r_first = np.r_[True, r_order[1:] != r_order[:-1]]
    grp = np.cumsum(r_first) - 1
    r_line_no = (np.arange(len(r)) - np.flatnonzero(r_first)[grp] + 1).astype(np.int32)

    terms = c["terms"].to_numpy()
    inv_lines = {
        "doc": inv_doc[o_of_l],
        "is_cn": np.zeros(L, bool),
        "line_no": line_no,
        "inv_day": inv_day[o_of_l].astype(np.int32),
        "cust": cust_l,
        "order_id": order_id[o_of_l],
        "delivery": delivery,
        "product": prod,
        "qty": qty_milli,
        "price4": price4,
        "disc": disc,
        "net": net,
        "cost": cost,
    }
    cn_perm = np.argsort(cn_doc[r_order], kind="stable")
    rp = r[cn_perm]
    cn_lines = {
        "doc": cn_doc[r_order][cn_perm],
        "is_cn": np.ones(len(r), bool),
        "line_no": r_line_no[cn_perm],
        "inv_day": cn_day[r_order][cn_perm].astype(np.int32),
        "cust": cust_l[rp],
        "order_id": order_id[r_order][cn_perm],
        "delivery": np.full(len(r), -1, dtype=delivery.dtype),
        "product": prod[rp],
        "qty": -ret_q[cn_perm],
        "price4": price4[rp],
        "disc": np.zeros(len(r), np.int64),
        "net": -_round_div(ret_q[cn_perm] * price4[rp], 100_000),
        "cost": -_round_div(ret_q[cn_perm] * cost4[rp], 100_000),
    }

    # ---- foreign currency (planted fault): whole documents in USD / GBP -------------
    n_doc = len(d_perm)
    doc_cur = np.zeros(n_doc, dtype=np.int8)
    if dirty_rate > 0:
        foreign = rng.random(n_doc) < dirty_rate / 7
        foreign[rng.integers(0, n_doc)] = True
        doc_cur[foreign] = rng.integers(1, 3, int(foreign.sum()))
    for block in (inv_lines, cn_lines):
        block["due_day"] = (block["inv_day"] + terms[block["cust"]]).astype(np.int32)
        cur = doc_cur[block["doc"] - 250_001]
        block["cur"] = cur
        if cur.any():
            f = cur > 0
            num = _FX_NUM[cur[f]]
            block["price4"][f] = _round_div(block["price4"][f] * 100, num)
            block["disc"][f] = _round_div(block["disc"][f] * 100, num)
            g = _round_div(block["qty"][f] * block["price4"][f], 100_000)
            block["net"][f] = g - block["disc"][f]
            block["cost"][f] = _round_div(block["cost"][f] * 100, num)
        block["net_eur"] = _eur(block["net"], cur)
        block["cost_eur"] = _eur(block["cost"], cur)
        block["_v"] = block["inv_day"].astype(np.int64)
        block["_nv"] = np.full(len(cur), NEVER, dtype=np.int64)

    # ---- corrections: a price correction some days later (same key, new values) ----
    cand = np.flatnonzero(inv_lines["cur"] == 0)
    corr = cand[rng.random(len(cand)) < 0.003]
    corr_day = inv_lines["inv_day"][corr] + rng.integers(1, 11, len(corr))
    ok = corr_day < tl.sim_days
    corr, corr_day = corr[ok], corr_day[ok]
    order = np.argsort(corr_day, kind="stable")
    corr, corr_day = corr[order], corr_day[order]
    fix = {k: v[corr].copy() for k, v in inv_lines.items()}
    gross_c = fix["net"] + fix["disc"]
    fix["disc"] = fix["disc"] + _round_div(gross_c * rng.integers(3, 21, len(corr)), 100)
    fix["net"] = gross_c - fix["disc"]
    fix["net_eur"] = fix["net"].copy()
    fix["_v"] = corr_day.astype(np.int64)
    corrections = pd.DataFrame(
        {
            "inv_day": fix["inv_day"].astype(np.int64),
            "corr_day": corr_day.astype(np.int64),
            "product": fix["product"],
            "delta": fix["net_eur"] - inv_lines["net_eur"][corr],
        }
    )
    inv_lines["_nv"][corr] = corr_day
    lines = [inv_lines, cn_lines, fix]

    docs = _documents(lines, n_doc, doc_cur)
    payments, writeoffs = _payments(rng, co, tl, docs)
    orders = pd.DataFrame(
        {"order_id": order_id, "cust": cust_o, "order_day": order_day, "inv_day": inv_day}
    )
    return Erp(
        lines=lines,
        docs=docs,
        payments=payments,
        writeoffs=writeoffs,
        orders=orders,
        corrections=corrections,
    )


def column(lines: list[dict[str, np.ndarray]], name: str, blocks=(0, 1, 2)) -> np.ndarray:
    """One column over the line blocks (0 invoices, 1 credit notes, 2 corrections)."""
    return np.concatenate([lines[b][name] for b in blocks])


def _documents(lines: list[dict[str, np.ndarray]], n_doc: int, doc_cur) -> pd.DataFrame:
    total = np.zeros(n_doc)
    for block in lines:
        final = block["_nv"] == NEVER
        total += np.bincount(
            block["doc"][final] - 250_001, weights=block["net_eur"][final], minlength=n_doc
        )
    firsts = [np.flatnonzero(lines[b]["line_no"] == 1) for b in (0, 1)]
    docs = pd.DataFrame(
        {
            k: np.concatenate([lines[b][k][firsts[b]] for b in (0, 1)])
            for k in ("doc", "is_cn", "cust", "inv_day", "due_day")
        }
    )
    docs = docs.sort_values("doc", ignore_index=True)
    docs["total"] = np.round(total[docs["doc"].to_numpy() - 250_001]).astype(np.int64)
    docs["cur"] = doc_cur[docs["doc"].to_numpy() - 250_001]
    return docs


def _payments(
    rng: np.random.Generator, co: Company, tl: Timeline, docs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    c = co.customers
    cust = docs["cust"].to_numpy()
    n = len(docs)
    pay = c["pay"].to_numpy()[cust]
    delay = np.select(
        [pay == 0, pay == 1],
        [np.round(rng.normal(-2, 4, n)), 5 + np.round(rng.exponential(12, n))],
        25 + np.round(rng.exponential(25, n)),
    ).astype(np.int64)
    due = docs["due_day"].to_numpy().astype(np.int64)
    inv = docs["inv_day"].to_numpy().astype(np.int64)
    is_cn = docs["is_cn"].to_numpy()
    day = np.maximum(due + delay, inv + 1)
    day = np.where(is_cn, inv + rng.integers(5, 21, n), day)  # refunds / netting
    day = _business_day(tl, day)
    day = np.maximum(day, inv + 1)
    defaults = (inv >= c["default_day"].to_numpy()[cust] - 30) & ~is_cn
    wo_day = due + 120
    writeoff = defaults & (wo_day < tl.sim_days)
    paid = ~defaults & (day < tl.sim_days)
    total = docs["total"].to_numpy()
    # some invoices are paid in two instalments
    split = paid & ~is_cn & (rng.random(n) < 0.04) & (np.abs(total) >= 200)
    part1 = _round_div(total * rng.integers(40, 81, n), 100)
    d2 = np.minimum(day + rng.integers(7, 31, n), tl.sim_days)  # may fall after history
    rows = pd.DataFrame(
        {
            "doc": np.concatenate([docs["doc"].to_numpy()[paid], docs["doc"].to_numpy()[split]]),
            "cust": np.concatenate([cust[paid], cust[split]]),
            "day": np.concatenate([day[paid], d2[split]]),
            "amount": np.concatenate([np.where(split, part1, total)[paid], (total - part1)[split]]),
        }
    )
    rows = rows[rows["day"].to_numpy() < tl.sim_days]
    rows = rows.sort_values(["day", "doc"], kind="stable", ignore_index=True)
    rows["payment_id"] = np.arange(len(rows), dtype=np.int64) + 1_000_001
    rows["_v"] = rows["day"].astype(np.int64)
    rows["_nv"] = np.int64(NEVER)
    wo = pd.DataFrame(
        {
            "doc": docs["doc"].to_numpy()[writeoff],
            "cust": cust[writeoff],
            "day": wo_day[writeoff],
            "amount": total[writeoff],
        }
    ).sort_values(["day", "doc"], ignore_index=True)
    return rows, wo
