"""CRM (Dynamics 365 / Dataverse): accounts, activities, opportunities.

Accounts: most ERP customers have one, some have two (a duplicate typed in again by
another rep, under a slightly different name), plus prospects, partners and others
that ERP never heard of. `accountnumber` is meant to be the ERP customer number but is
often empty, sometimes stale (a legacy number or another customer's) or mistyped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klantwaarde.generate import names
from klantwaarde.generate.company import Company, customer_no
from klantwaarde.generate.events import DAY, guids, monthly_events, office_seconds
from klantwaarde.generate.timeline import NEVER, Timeline

STRATEGIC = np.array(["reference", "bridgehead", "network", "ambassador", "learning"])
COUNTRY_TEXT = {
    "NL": ["Netherlands", "Nederland", "NL"],
    "BE": ["Belgium", "België", "BE"],
    "DE": ["Germany", "Deutschland", "DE"],
    "GB": ["United Kingdom", "UK", "GB"],
}
ACTIVITY_TYPES = ("appointment", "phonecall", "email", "task")
ACTIVITY_STATES = ("completed", "canceled", "open")
OPP_STATES = ("open", "won", "lost")
OPP_NAMES = np.array(
    [
        "Framework agreement",
        "Annual supply contract",
        "Tool pool renewal",
        "Service contract",
        "Project delivery",
        "Safety programme",
        "Consignment stock",
        "Webshop integration",
        "Fleet of machines",
    ]
)


@dataclass
class Crm:
    accounts: pd.DataFrame  # versions, with accountid strings
    activities: dict[str, np.ndarray]  # versions
    opportunities: pd.DataFrame  # versions
    primary_account: np.ndarray  # per customer: account index of its main account, -1 none


def _mistype(rng: np.random.Generator, s: pd.Series) -> pd.Series:
    """Swap two adjacent digits, drop the last one or add a stray character."""
    s = s.reset_index(drop=True)
    n = len(s)
    kind = rng.integers(0, 3, n)
    pos = rng.integers(0, 5, n)
    arr = s.to_numpy(dtype=object)
    out = []
    for v, k, p in zip(arr, kind, pos, strict=True):  # small: a few % of accounts
        if k == 0:
            out.append(v[:p] + v[p + 1] + v[p] + v[p + 2 :])
        elif k == 1:
            out.append(v[:-1])
        else:
            out.append(v + ".")
    return pd.Series(out, dtype="str")


def build_crm(rng: np.random.Generator, co: Company, tl: Timeline, seed: int) -> Crm:
    c = co.customers
    n = len(c)
    tier = c["tier"].to_numpy()
    loss = c["loss_maker"].to_numpy()
    p_crm = np.select([tier == 0, tier == 1, tier == 2], [1.0, 0.98, 0.9], 0.7)
    p_crm = np.where(loss, 1.0, np.where(c["dormant"].to_numpy(), 0.5, p_crm))
    has = rng.random(n) < p_crm
    cust_main = np.flatnonzero(has)
    dup = cust_main[rng.random(len(cust_main)) < 0.04]
    n_prospect = int(n * 0.35)
    n_partner = max(1, int(n * 0.015))
    n_other = max(1, int(n * 0.01))

    # identities of the companies CRM knows that ERP does not
    n_new = n_prospect + n_partner + n_other
    country_new = rng.choice(names.COUNTRIES, size=n_new, p=names.COUNTRY_P)
    nm_new = names.company_names(rng, country_new)
    new = pd.DataFrame(
        {
            "cust": -1,
            "kind": np.repeat(["prospect", "partner", "other"], [n_prospect, n_partner, n_other]),
            "country": country_new,
            "base": nm_new["base"],
            "legal": nm_new["legal"],
            "vat": names.vat_numbers(rng, country_new),
            "postcode": names.postcodes(rng, country_new),
            "city": pd.Series(names._pick(rng, country_new, names.CITIES), dtype="str"),
            "domain": names.domains(rng, nm_new["base"], country_new),
            "industry": pd.Series(rng.choice(c["industry"].unique(), n_new), dtype="str"),
            "created": rng.integers(-1500, tl.sim_days - 1, n_new),
            "is_dup": False,
        }
    )
    clash = new["domain"].isin(c["domain"])
    new.loc[clash, "domain"] = new.loc[clash, "domain"].str.replace(
        ".", "-groep.", n=1, regex=False
    )
    ci = np.concatenate([cust_main, dup])
    known = pd.DataFrame(
        {
            "cust": ci,
            "kind": "customer",
            "country": c["country"].to_numpy()[ci],
            "base": c["base"].to_numpy()[ci],
            "legal": c["legal"].to_numpy()[ci],
            "vat": c["vat"].to_numpy()[ci],
            "postcode": c["postcode"].to_numpy()[ci],
            "city": c["city"].to_numpy()[ci],
            "domain": c["domain"].to_numpy()[ci],
            "industry": c["industry"].to_numpy()[ci],
            "created": np.maximum(c["created"].to_numpy()[ci], -2500)
            + rng.integers(0, 60, len(ci)),
            "is_dup": np.r_[np.zeros(len(cust_main), bool), np.ones(len(dup), bool)],
        }
    )
    # a duplicate is typed in later, by someone else
    dupm = known["is_dup"].to_numpy()
    known.loc[dupm, "created"] = known["created"].to_numpy()[dupm] + rng.integers(
        30, 700, int(dupm.sum())
    )
    known["created"] = np.minimum(known["created"], tl.sim_days - 1)
    partner_cust = (rng.random(len(known)) < 0.03) & ~dupm
    known.loc[partner_cust, "kind"] = "partner"
    acc = pd.concat([known, new], ignore_index=True)
    # account order: by creation, as an export would list them
    acc = acc.iloc[np.lexsort((np.arange(len(acc)), acc["created"].to_numpy()))].reset_index(
        drop=True
    )
    acc["acc"] = np.arange(len(acc))
    m = len(acc)
    acc["accountid"] = pd.Series(guids(seed, "acc", acc["acc"].to_numpy()), dtype="str")
    country = acc["country"].to_numpy()
    legal = acc["legal"].to_numpy()
    acc["name"] = names.name_variants(rng, acc["base"], country, legal)

    # accountnumber: correct / empty / stale / mistyped
    cust = acc["cust"].to_numpy()
    is_cust = cust >= 0
    is_dup = acc["is_dup"].to_numpy()
    right = customer_no(np.maximum(cust, 0))
    u = rng.random(m)
    state = np.where(
        is_dup,
        np.where(u < 0.75, 1, 0),
        np.select([u < 0.60, u < 0.86, u < 0.93], [0, 1, 2], 3),
    )
    state = np.where(is_cust, state, np.where(rng.random(m) < 0.04, 4, 1))
    other = customer_no(rng.integers(0, n, m))
    legacy = pd.Series("D" + pd.Series(rng.integers(10000, 99999, m).astype(str)), dtype="str")
    stale = pd.Series(np.where(rng.random(m) < 0.5, other, legacy), dtype="str")
    accno = pd.Series(np.full(m, None, dtype=object))
    accno[state == 0] = right[state == 0].to_numpy()
    accno[state == 2] = stale[state == 2].to_numpy()
    if (state == 3).any():
        accno[state == 3] = _mistype(rng, right[state == 3]).to_numpy()
    accno[state == 4] = rng.choice(np.array(["-", "nvt", "0", "n.b."]), int((state == 4).sum()))
    acc["accountnumber"] = accno.astype("str")
    acc["accno_state"] = np.array(["correct", "empty", "stale", "mistyped", "junk"])[state]

    vat_ok = rng.random(m) < np.where(is_cust, 0.55, 0.3)
    if is_cust.any():
        vat_ok &= ~(is_cust & c["vat_empty"].to_numpy()[np.maximum(cust, 0)])
    acc["vatnumber"] = pd.Series(
        np.where(vat_ok, names.vat_variants(rng, acc["vat"]), None), dtype="str"
    )
    acc["postalcode"] = pd.Series(
        np.where(rng.random(m) < 0.93, names.postcode_variants(rng, acc["postcode"]), None),
        dtype="str",
    )
    acc["country_text"] = pd.Series(names._pick(rng, country, COUNTRY_TEXT), dtype="str")
    acc["websiteurl"] = pd.Series(
        np.where(
            rng.random(m) < np.where(is_cust, 0.85, 0.7),
            names.website_variants(rng, acc["domain"]),
            None,
        ),
        dtype="str",
    )
    acc["owner"] = rng.integers(0, co.reps, m)
    strat_p = np.where(
        is_cust,
        np.select(
            [tier[np.maximum(cust, 0)] == 0, tier[np.maximum(cust, 0)] == 1], [0.35, 0.15], 0.04
        ),
        0.02,
    )
    strategic = (rng.random(m) < strat_p) & ~is_dup
    k1 = rng.integers(0, 5, m)
    k2 = rng.integers(0, 5, m)
    two = rng.random(m) < 0.3
    s1 = STRATEGIC[np.minimum(k1, k2)]
    s2 = STRATEGIC[np.maximum(k1, k2)]
    sval = np.where(two & (k1 != k2), pd.Series(s1) + ";" + pd.Series(s2), s1)
    acc["strategic"] = pd.Series(np.where(strategic, sval, None), dtype="str")
    acc["statecode"] = np.where(is_dup & (rng.random(m) < 0.5), 1, 0)

    acc["_v"] = acc["created"].to_numpy().astype(np.int64)
    acc["_ts"] = acc["_v"] * DAY + office_seconds(rng, m)
    acc["created_ts"] = acc["_ts"]
    # later versions: owner changes, a strategic flag, deactivated after lapsing
    lapse = np.where(is_cust, c["lapse"].to_numpy()[np.maximum(cust, 0)], NEVER)
    mod = rng.random(m) < 0.25
    lo = np.maximum(acc["_v"].to_numpy(), 0) + 1
    mod_day = lo + (rng.random(m) * np.maximum(tl.sim_days - lo, 1)).astype(np.int64)
    mod &= mod_day < tl.sim_days
    ch = acc[mod].copy()
    ch["_v"] = mod_day[mod]
    ch["owner"] = rng.integers(0, co.reps, int(mod.sum()))
    deact = is_cust & (lapse + 90 < tl.sim_days) & (rng.random(m) < 0.6)
    deact &= lapse + 90 > acc["_v"].to_numpy()  # deactivated after it was created
    de = acc[deact].copy()
    de["_v"] = lapse[deact] + 90
    de["statecode"] = 1
    # a change carries the other fields forward: fill them from the version before
    ch["statecode"] = np.nan
    de["owner"] = np.nan
    ver = pd.concat([acc, ch, de], ignore_index=True)
    ver = ver.sort_values(["acc", "_v"], kind="stable").drop_duplicates(["acc", "_v"], keep="last")
    ver = ver.reset_index(drop=True)
    filled = ver.groupby("acc")[["owner", "statecode"]].ffill()
    ver["owner"] = filled["owner"].astype(np.int64)
    ver["statecode"] = filled["statecode"].astype(np.int64)
    ver["_ts"] = np.maximum(
        ver["_v"] * DAY + office_seconds(rng, len(ver)), ver["created_ts"].to_numpy()
    )
    ver["_nv"] = ver.groupby("acc")["_v"].shift(-1).fillna(NEVER).astype(np.int64)

    primary = np.full(n, -1, dtype=np.int64)
    main_rows = acc[is_cust & ~is_dup]
    primary[main_rows["cust"].to_numpy()] = main_rows["acc"].to_numpy()
    dup_of = np.full(n, -1, dtype=np.int64)
    dup_rows = acc[is_dup]
    dup_of[dup_rows["cust"].to_numpy()] = dup_rows["acc"].to_numpy()

    activities = _activities(rng, co, tl, acc, primary, dup_of)
    opportunities = _opportunities(rng, co, tl, acc)
    return Crm(ver, activities, opportunities, primary)


def _activities(rng, co: Company, tl: Timeline, acc: pd.DataFrame, primary, dup_of):
    c = co.customers
    cust = acc["cust"].to_numpy()
    is_cust = cust >= 0
    ci = np.maximum(cust, 0)
    created = np.maximum(acc["created"].to_numpy(), 0)
    lapse = np.where(is_cust, c["lapse"].to_numpy()[ci], NEVER)
    hi = np.where(lapse < NEVER, lapse + 60, NEVER)
    main = is_cust & ~acc["is_dup"].to_numpy()
    base_v = np.where(main, c["visits"].to_numpy()[ci], 0.0)
    base_c = np.where(main, c["calls"].to_numpy()[ci], 0.0)
    kind = acc["kind"].to_numpy()
    base_v = np.where(kind == "prospect", 0.04, np.where(kind == "partner", 0.15, base_v))
    base_c = np.where(kind == "prospect", 0.08, np.where(kind == "partner", 0.3, base_c))
    out = {k: [] for k in ("acc", "day", "type")}
    for t, rate in enumerate((base_v, base_c, base_c * 0.6, base_v * 0.4 + 0.01)):
        owner, day = monthly_events(rng, rate, created, hi, tl)
        out["acc"].append(owner)
        out["day"].append(day)
        out["type"].append(np.full(len(owner), t, dtype=np.int8))
    a = np.concatenate(out["acc"])
    day = np.concatenate(out["day"])
    typ = np.concatenate(out["type"])
    # a quarter of a duplicated customer's activities land on the duplicate account
    cust_a = cust[a]
    has_dup = (cust_a >= 0) & (dup_of[np.maximum(cust_a, 0)] >= 0)
    move = has_dup & (rng.random(len(a)) < 0.25)
    a = np.where(move, dup_of[np.maximum(cust_a, 0)], a)
    day = np.maximum(day, np.maximum(acc["created"].to_numpy()[a], 0))
    k = len(a)
    perm = np.lexsort((a, day))
    a, day, typ = a[perm], day[perm], typ[perm]
    start = day * DAY + office_seconds(rng, k, 8, 17)
    dur = np.select(
        [typ == 0, typ == 1, typ == 2],
        [
            15 * rng.integers(2, 11, k),
            np.maximum(np.round(rng.lognormal(2.0, 0.6, k)), 1),
            rng.integers(0, 11, k),
        ],
        15 * rng.integers(1, 5, k),
    ).astype(np.int64)
    lm = co.customers["loss_maker"].to_numpy()[np.maximum(cust[a], 0)] & (cust[a] >= 0)
    dur = np.where(lm & (typ == 0), dur + 30, dur)  # the rep stays for coffee
    state = rng.choice(3, size=k, p=[0.88, 0.07, 0.05]).astype(np.int8)
    owner = acc["owner"].to_numpy()[a]
    owner = np.where(rng.random(k) < 0.1, rng.integers(0, co.reps, k), owner)
    # some activities are first logged open and closed a few days later
    two = (state < 2) & (rng.random(k) < 0.2)
    close_day = day + rng.integers(1, 8, k)
    two &= close_day < tl.sim_days
    ids = np.arange(k, dtype=np.int64)
    final_v = np.where(two, close_day, day)
    final_ts = np.where(
        two, close_day * DAY + office_seconds(rng, k, 9, 19), start + dur * 60 + 300
    )
    f = {
        "id": ids,
        "type": typ,
        "acc": a,
        "start": start,
        "dur": dur,
        "owner": owner,
        "state": state,
        "_ts": final_ts,
        "_v": final_v.astype(np.int64),
        "_nv": np.full(k, NEVER, dtype=np.int64),
    }
    t = np.flatnonzero(two)
    first = {key: v[t].copy() for key, v in f.items()}
    first["state"][:] = 2
    first["_v"] = day[t].astype(np.int64)
    first["_ts"] = start[t] - 3600
    first["_nv"] = close_day[t].astype(np.int64)
    allv = {key: np.concatenate([first[key], f[key]]) for key in f}
    order = np.lexsort((allv["id"], allv["_v"]))
    return {key: v[order] for key, v in allv.items()}


def _opportunities(rng, co: Company, tl: Timeline, acc: pd.DataFrame) -> pd.DataFrame:
    c = co.customers
    cust = acc["cust"].to_numpy()
    ci = np.maximum(cust, 0)
    kind = acc["kind"].to_numpy()
    tier = c["tier"].to_numpy()[ci]
    rate = np.where(
        cust >= 0,
        np.select([tier == 0, tier == 1, tier == 2], [0.2, 0.1, 0.03], 0.005),
        np.where(kind == "prospect", 0.02, 0.0),
    )
    rate = np.where(acc["is_dup"].to_numpy(), 0.0, rate)
    owner_acc, day = monthly_events(
        rng, rate, np.maximum(acc["created"].to_numpy(), 0), np.full(len(acc), NEVER), tl
    )
    k = len(owner_acc)
    w = c["w"].to_numpy()[ci[owner_acc]]
    value = np.round(np.exp(rng.normal(np.log(1500 + 8_000 * w), 0.8)) / 100) * 100
    close = day + rng.integers(30, 151, k)
    won_p = np.where(cust[owner_acc] >= 0, 0.5, 0.25)
    outcome = np.where(rng.random(k) < won_p, 1, 2)
    resolve = close + rng.integers(-20, 21, k)
    resolved = (resolve < tl.sim_days) & (resolve > day)
    base = pd.DataFrame(
        {
            "id": np.arange(k),
            "acc": owner_acc,
            "name": pd.Series(rng.choice(OPP_NAMES, k), dtype="str")
            + " "
            + pd.Series(tl.start.year + (day // 365)).astype(str),
            "value": (value * 100).astype(np.int64),
            "prob": rng.choice(np.arange(10, 100, 10), k),
            "close": close,
            "state": 0,
            "_v": day.astype(np.int64),
            "_ts": day * DAY + office_seconds(rng, k),
        }
    )
    fin = base[resolved].copy()
    fin["state"] = outcome[resolved]
    fin["prob"] = np.where(fin["state"] == 1, 100, 0)
    fin["_v"] = resolve[resolved]
    fin["_ts"] = fin["_v"] * DAY + office_seconds(rng, len(fin))
    base["_nv"] = np.where(resolved, resolve, NEVER)
    fin["_nv"] = NEVER
    opp = pd.concat([base, fin], ignore_index=True)
    return opp.sort_values(["_v", "id"], kind="stable", ignore_index=True)
