"""The simulated company's customers and products, and how each customer behaves.

Customer size is log-normal (σ 1.3 on volume; revenue grows as size^1.3 because big
customers also buy bigger lines), so revenue is roughly 20/80 Pareto with a long tail
of small accounts. Some customers lapse and stop buying, some never buy in the window,
some pay late, a few default. About 4 % are planted loss-makers: small frequent orders,
split deliveries, returns and heavy support.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klantwaarde.generate import names
from klantwaarde.generate.timeline import NEVER, Timeline

DAY = 86_400

# product groups: name, share of catalogue, markup range, price range, fractional quantity
PRODUCT_GROUPS = [
    ("Fasteners", 0.20, (0.60, 1.00), (2, 30), False),
    ("Tools", 0.15, (0.35, 0.60), (15, 400), False),
    ("Electrical", 0.15, (0.25, 0.45), (5, 250), False),
    ("Plumbing", 0.13, (0.25, 0.45), (5, 300), False),
    ("Safety", 0.09, (0.40, 0.70), (5, 120), False),
    ("Consumables", 0.10, (0.50, 0.90), (2, 40), False),
    ("Machines", 0.05, (0.25, 0.40), (400, 6000), False),
    ("Cable", 0.05, (0.20, 0.35), (1, 15), True),
    ("Service", 0.08, (0.80, 1.50), (60, 900), True),
]
PRODUCT_WORDS = {
    "Fasteners": [
        "Bolt M8",
        "Bolt M10",
        "Nut M6",
        "Wood screw 4x40",
        "Anchor 8mm",
        "Rivet 4.8",
        "Washer DIN 125",
        "Threaded rod M12",
    ],
    "Tools": [
        "Cordless drill",
        "Angle grinder",
        "Torque wrench",
        "Spirit level",
        "Crimp tool",
        "Pipe cutter",
        "Hammer drill",
        "Multimeter",
    ],
    "Electrical": [
        "Circuit breaker 16A",
        "RCD 40A",
        "Junction box",
        "LED panel",
        "Socket outlet",
        "Contactor 24V",
        "Cable gland",
    ],
    "Plumbing": [
        "Press fitting 15mm",
        'Ball valve ½"',
        "Copper pipe 22mm",
        "Siphon",
        "Thermostat",
        "Expansion vessel",
    ],
    "Safety": [
        "Safety gloves",
        "Hard hat",
        "Ear defenders",
        "Safety glasses",
        "Hi-vis vest",
        "Harness",
    ],
    "Consumables": [
        "Cutting disc",
        "Silicone sealant",
        "PTFE tape",
        "Cable ties",
        "Drill bit set",
        "Abrasive paper",
    ],
    "Machines": [
        "Compressor",
        "Generator 5kVA",
        "Pipe bending machine",
        "Scissor lift",
        "Core drill rig",
    ],
    "Cable": ["YMvK 3x2.5 (m)", "XVB 5G6 (m)", "UTP Cat6 (m)", "H07RN-F 3G1.5 (m)"],
    "Service": [
        "Installation (hour)",
        "Maintenance visit",
        "Calibration",
        "Training day",
        "Rental week",
        "Engineering (hour)",
    ],
}
INDUSTRIES = np.array(
    [
        "Construction",
        "Manufacturing",
        "Installation",
        "Wholesale",
        "Healthcare",
        "Agriculture",
        "Retail",
        "Logistics",
        "Hospitality",
        "Government",
    ]
)


@dataclass
class Company:
    customers: pd.DataFrame  # one row per customer: identity and behaviour
    customer_versions: pd.DataFrame  # master versions (what ERP shows over time)
    products: pd.DataFrame
    reps: int  # number of sales reps (CRM owners)


def customer_no(idx: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(np.asarray(idx) + 100001, dtype="int64").astype(str).astype("str")


def build_products(rng: np.random.Generator, n_customers: int) -> pd.DataFrame:
    n = int(np.clip(n_customers // 25, 150, 4000))
    shares = np.array([g[1] for g in PRODUCT_GROUPS])
    group = rng.choice(len(PRODUCT_GROUPS), size=n, p=shares / shares.sum())
    group[: len(PRODUCT_GROUPS)] = np.arange(len(PRODUCT_GROUPS))  # every group present
    lo_m = np.array([g[2][0] for g in PRODUCT_GROUPS])[group]
    hi_m = np.array([g[2][1] for g in PRODUCT_GROUPS])[group]
    lo_p = np.log(np.array([g[3][0] for g in PRODUCT_GROUPS], dtype=float))[group]
    hi_p = np.log(np.array([g[3][1] for g in PRODUCT_GROUPS], dtype=float))[group]
    price = np.exp(rng.uniform(lo_p, hi_p))
    markup = rng.uniform(lo_m, hi_m) * 1.10
    cost4 = np.round(price / (1 + markup) * 10_000).astype(np.int64)
    price4 = np.round(price * 100).astype(np.int64) * 100  # list prices in whole cents
    is_service = group == len(PRODUCT_GROUPS) - 1
    fractional = np.array([g[4] for g in PRODUCT_GROUPS])[group]
    gname = np.array([g[0] for g in PRODUCT_GROUPS])[group]
    word = np.array(
        [
            PRODUCT_WORDS[g][k % len(PRODUCT_WORDS[g])]
            for g, k in zip(gname, rng.integers(0, 100, n), strict=True)
        ],
        dtype=object,
    )
    variant = rng.choice(
        np.array(
            ["", " Pro", " XL", " compact", " (10 pcs)", " (100 pcs)", " heavy duty", " inox"]
        ),
        n,
    )
    # popularity: Zipf over a random ranking, services ranked separately
    rank = rng.permutation(n)
    pop = 1.0 / (rank + 5.0) ** 0.9
    pop = np.where(gname == "Machines", pop * 0.15, pop)
    return pd.DataFrame(
        {
            "idx": np.arange(n),
            "description": pd.Series(word + variant, dtype="str"),
            "product_group": pd.Series(gname, dtype="str"),
            "cost4": cost4,
            "price4": price4,
            "is_service": is_service,
            "fractional": fractional,
            "pop": pop,
        }
    )


def build_company(rng: np.random.Generator, n: int, tl: Timeline) -> Company:
    country = rng.choice(names.COUNTRIES, size=n, p=names.COUNTRY_P)
    nm = names.company_names(rng, country)
    form = names.legal_form(country, nm["legal"].to_numpy())
    name = names.join_name(nm["base"], form)
    vat = names.vat_numbers(rng, country)
    postcode = names.postcodes(rng, country)
    city = pd.Series(names._pick(rng, country, names.CITIES), dtype="str")
    street = pd.Series(names._pick(rng, country, names.STREETS), dtype="str")
    house = pd.Series(rng.integers(1, 250, n).astype(str), dtype="str")
    address = np.where(np.isin(country, ["NL", "DE"]), street + " " + house, house + " " + street)
    domain = names.domains(rng, nm["base"], country)

    # size: log-normal, mean 1
    sigma = 1.45
    w = np.exp(rng.normal(0, sigma, n) - sigma**2 / 2)
    rank = np.argsort(np.argsort(-w))  # 0 = biggest
    tier = np.select([rank < max(1, n // 100), rank < n // 20, rank < n // 5], [0, 1, 2], 3)

    # life cycle
    existing = rng.random(n) < 0.75
    created = np.where(
        existing,
        -rng.integers(30, 17 * 365, n),
        rng.integers(0, max(1, tl.n_days - 20), n),
    )
    lapse = np.full(n, NEVER, dtype=np.int64)
    lapsing = rng.random(n) < 0.13
    lapse[lapsing] = np.maximum(created[lapsing], 0) + rng.integers(
        30, max(31, tl.n_days), lapsing.sum()
    )
    dormant = (rng.random(n) < 0.04) & existing  # ERP account, no purchases in the window
    # loss-makers: mid-sized accounts that order small and often and need a lot of help
    cand = np.flatnonzero((tier >= 2) & ~dormant & (rng.random(n) < 0.08))
    loss = np.zeros(n, dtype=bool)
    loss[cand] = True
    lapse[loss] = NEVER

    # payment behaviour: 0 on time, 1 late, 2 very late, 3 defaults
    pay = rng.choice(4, size=n, p=[0.66, 0.24, 0.08, 0.02])
    pay[loss] = rng.choice(3, size=int(loss.sum()), p=[0.3, 0.5, 0.2])
    default_day = np.full(n, NEVER, dtype=np.int64)
    d = pay == 3
    default_day[d] = np.maximum(created[d], 0) + rng.integers(0, max(1, tl.n_days), d.sum())
    # a defaulter stops getting goods some time after it stops paying
    lapse[d] = np.minimum(lapse[d], default_day[d] + 75)

    terms = rng.choice(np.array([14, 30, 30, 30, 45, 60]), n)
    terms = np.where(tier <= 1, np.maximum(terms, 30), terms)

    # volume model
    lines = 5.2 * w
    per_order = np.clip(1.5 + 1.2 * w**0.35, 1.0, 12.0)
    value = 90.0 * w**0.3
    discount = np.clip(0.02 + 0.045 * np.log1p(w) + rng.normal(0, 0.01, n), 0, 0.22)
    service_share = np.clip(rng.beta(1.2, 14, n), 0, 0.5)
    split_share = np.full(n, 0.12)
    credit_share = np.full(n, 0.02)
    k = int(loss.sum())
    orders_lm = rng.uniform(6.0, 12.0, k)
    per_order[loss] = rng.uniform(1.0, 1.5, k)
    lines[loss] = orders_lm * per_order[loss]
    value[loss] = rng.uniform(12, 28, k)
    service_share[loss] = rng.uniform(0.1, 0.2, k)
    split_share[loss] = 0.35
    credit_share[loss] = 0.10
    discount[loss] = rng.uniform(0.03, 0.08, k)
    lines[dormant] = 0.0

    # service intensity (per active month): tickets, visits, calls
    tickets = np.clip(0.05 + 0.08 * w**0.6, 0, 4) * rng.uniform(0.5, 1.5, n)
    visits = np.select([tier == 0, tier == 1, tier == 2], [1.6, 0.8, 0.3], 0.04) * rng.uniform(
        0.6, 1.4, n
    )
    calls = np.select([tier == 0, tier == 1, tier == 2], [2.5, 1.2, 0.5], 0.12) * rng.uniform(
        0.5, 1.5, n
    )
    # demanding accounts: over-serviced by sales, many questions, returns and backorders
    demanding = (rng.random(n) < 0.20) & (tier >= 1) & ~loss & ~dormant
    visits[demanding & (tier == 3)] += 0.15
    visits[demanding] *= 3.0
    tickets[demanding] *= 4.0
    calls[demanding] *= 2.0
    split_share[demanding] = 0.30
    credit_share[demanding] = 0.06
    tickets[loss] = rng.uniform(3.0, 7.0, k)
    visits[loss] = rng.uniform(0.8, 1.6, k)
    calls[loss] = rng.uniform(1.5, 4.0, k)

    credit_limit = (np.round(np.clip(w * 8000, 1000, 500_000) / 500) * 500).astype(np.int64)
    vat_empty = rng.random(n) < np.where(tier <= 1, 0.03, 0.18)
    customers = pd.DataFrame(
        {
            "idx": np.arange(n),
            "customer_no": customer_no(np.arange(n)),
            "country": pd.Series(country, dtype="str"),
            "base": nm["base"],
            "legal": nm["legal"],
            "name": name,
            "vat": vat,
            "vat_empty": vat_empty,
            "address_line": pd.Series(address, dtype="str"),
            "postcode": postcode,
            "city": city,
            "domain": domain,
            "industry": pd.Series(rng.choice(INDUSTRIES, n), dtype="str"),
            "terms": terms,
            "credit_limit": credit_limit,
            "created": created,
            "lapse": lapse,
            "dormant": dormant,
            "loss_maker": loss,
            "demanding": demanding,
            "w": w,
            "tier": tier,
            "pay": pay,
            "default_day": default_day,
            "lines": lines,
            "per_order": per_order,
            "value": value,
            "discount": discount,
            "service_share": service_share,
            "split_share": split_share,
            "credit_share": credit_share,
            "tickets": tickets,
            "visits": visits,
            "calls": calls,
        }
    )
    versions = _customer_versions(rng, customers, tl)
    products = build_products(rng, n)
    return Company(customers, versions, products, reps=max(3, n // 400))


def _customer_versions(rng: np.random.Generator, c: pd.DataFrame, tl: Timeline) -> pd.DataFrame:
    """ERP master versions: created, now and then modified (credit limit, terms, address),
    blocked after a default."""
    n = len(c)
    base = pd.DataFrame(
        {
            "idx": c["idx"],
            "_v": c["created"].to_numpy(),
            "credit_limit": c["credit_limit"],
            "terms": c["terms"],
            "is_blocked": 0.0,
            "address_line": c["address_line"],
            "postcode": c["postcode"],
            "city": c["city"],
        }
    )
    out = [base]
    keep = ["credit_limit", "terms", "address_line", "postcode", "city"]

    def change(mask: np.ndarray, day: np.ndarray) -> pd.DataFrame:
        ch = base[mask].copy()
        ch["_v"] = day
        for col in keep:
            ch[col] = None
        ch["is_blocked"] = np.nan
        return ch

    created = c["created"].to_numpy()
    # credit limit / terms reviews
    m = rng.random(n) < 0.30
    lo = np.maximum(created[m], 0) + 1
    rev = change(m, lo + (rng.random(m.sum()) * np.maximum(tl.sim_days - lo, 1)).astype(np.int64))
    rev["credit_limit"] = (
        np.round(c["credit_limit"].to_numpy()[m] * rng.choice([0.5, 1.5, 2.0], m.sum()) / 500) * 500
    ).astype(np.int64)
    out.append(rev)
    # moves: a new address (CRM often keeps the old one)
    m = rng.random(n) < 0.03
    lo = np.maximum(created[m], 0) + 1
    mv = change(m, lo + (rng.random(m.sum()) * np.maximum(tl.sim_days - lo, 1)).astype(np.int64))
    mv["postcode"] = names.postcodes(rng, c["country"].to_numpy()[m]).to_numpy()
    mv["address_line"] = (
        c["address_line"][m].str.replace(r"\d+", "", regex=True).str.strip()
        + " "
        + pd.Series(rng.integers(1, 99, m.sum()).astype(str), index=mv.index)
    ).to_numpy()
    mv["city"] = c["city"][m].to_numpy()
    out.append(mv)
    # defaulters get blocked
    d = c["default_day"].to_numpy() < tl.sim_days - 150
    bl = change(d, c["default_day"].to_numpy()[d] + 150)
    bl["is_blocked"] = 1.0
    out.append(bl)
    v = pd.concat(out, ignore_index=True)
    v = v.sort_values(["idx", "_v"], kind="stable").drop_duplicates(["idx", "_v"], keep="last")
    v = v.reset_index(drop=True)
    filled = v.groupby("idx")[[*keep, "is_blocked"]].ffill()
    for col in keep:
        v[col] = filled[col]
    v["is_blocked"] = filled["is_blocked"].fillna(0).astype(bool)
    v["credit_limit"] = v["credit_limit"].astype(np.int64)
    v["terms"] = v["terms"].astype(np.int64)
    for col in ("address_line", "postcode", "city"):
        v[col] = v[col].astype("str")
    v["_ts"] = v["_v"] * DAY + rng.integers(7 * 3600, 18 * 3600, len(v))
    return v
