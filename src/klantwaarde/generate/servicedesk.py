"""Service desk (a Zendesk-like ticketing tool): organizations and tickets.

Organizations are typed in by agents: a short name, the web domain(s), and an
`external_id` that sometimes holds the CRM accountid, sometimes the ERP customer
number and mostly nothing. Tickets come from requesters' e-mail addresses, mostly on
the company's domain, sometimes a free-mail address; tickets nobody claims have no
organization. A ticket appears when it is opened and again when it is solved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klantwaarde.generate import names
from klantwaarde.generate.company import Company
from klantwaarde.generate.crm import Crm
from klantwaarde.generate.events import DAY, monthly_events, office_seconds
from klantwaarde.generate.timeline import NEVER, Timeline

STATUSES = ("new", "open", "pending", "solved")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("email", "web", "phone", "chat")
CATEGORIES = ("delivery", "invoice", "product_question", "return", "technical", "account")
RATINGS = ("good", "bad", "offered", "unoffered")
ORG_BASE = 360_000_100_000


@dataclass
class ServiceDesk:
    organizations: pd.DataFrame  # versions
    tickets: dict[str, np.ndarray]  # versions
    emails: pd.Series  # requester e-mail per ticket id (index = ticket row id)


def build_servicedesk(
    rng: np.random.Generator, co: Company, crm: Crm, tl: Timeline, seed: int
) -> ServiceDesk:
    c = co.customers
    n = len(c)
    tier = c["tier"].to_numpy()
    loss = c["loss_maker"].to_numpy()
    p_org = np.select([tier == 0, tier == 1, tier == 2], [0.95, 0.85, 0.55], 0.25)
    p_org = np.where(loss, 1.0, p_org)
    has_org = rng.random(n) < p_org
    ci = np.flatnonzero(has_org)
    acc = crm.accounts.drop_duplicates("acc")
    others = acc[
        (acc["cust"] < 0)
        & (
            ((acc["kind"] == "partner") & (rng.random(len(acc)) < 0.3))
            | ((acc["kind"] == "prospect") & (rng.random(len(acc)) < 0.03))
        )
    ]
    org = pd.concat(
        [
            pd.DataFrame(
                {
                    "cust": ci,
                    "acc": crm.primary_account[ci],
                    "base": c["base"].to_numpy()[ci],
                    "country": c["country"].to_numpy()[ci],
                    "legal": c["legal"].to_numpy()[ci],
                    "domain": c["domain"].to_numpy()[ci],
                    "created": np.maximum(c["created"].to_numpy()[ci], -1200)
                    + rng.integers(0, 200, len(ci)),
                }
            ),
            pd.DataFrame(
                {
                    "cust": -1,
                    "acc": others["acc"].to_numpy(),
                    "base": others["base"].to_numpy(),
                    "country": others["country"].to_numpy(),
                    "legal": others["legal"].to_numpy(),
                    "domain": others["domain"].to_numpy(),
                    "created": np.maximum(others["created"].to_numpy(), -1200) + 5,
                }
            ),
        ],
        ignore_index=True,
    )
    org["created"] = np.minimum(org["created"], tl.sim_days - 1)
    org = org.iloc[np.lexsort((np.arange(len(org)), org["created"].to_numpy()))]
    org = org.reset_index(drop=True)
    m = len(org)
    org["org"] = np.arange(m)
    org["organization_id"] = ORG_BASE + org["org"] * 7
    short = rng.random(m) < 0.5
    variant = names.name_variants(
        rng, org["base"], org["country"].to_numpy(), org["legal"].to_numpy()
    )
    org["name"] = pd.Series(np.where(short, org["base"], variant), dtype="str")
    dom = org["domain"].astype("str")
    alt = dom.str.replace(r"\.(nl|be|de|co\.uk|com)$", ".eu", regex=True)
    dn = np.where(rng.random(m) < 0.15, dom + " " + alt, dom)
    org["domain_names"] = pd.Series(np.where(rng.random(m) < 0.9, dn, None), dtype="str")
    u = rng.random(m)
    has_acc = org["acc"].to_numpy() >= 0
    org["ext_kind"] = np.where(
        (u < 0.15) & has_acc, 1, np.where((u >= 0.15) & (u < 0.27) & (org["cust"] >= 0), 2, 0)
    )
    org["_v"] = org["created"].astype(np.int64)
    org["_ts"] = org["_v"] * DAY + office_seconds(rng, m)
    org["created_ts"] = org["_ts"]
    mod = rng.random(m) < 0.25
    lo = np.maximum(org["_v"].to_numpy(), 0) + 1
    mod_day = lo + (rng.random(m) * np.maximum(tl.sim_days - lo, 1)).astype(np.int64)
    mod &= mod_day < tl.sim_days
    ch = org[mod].copy()
    ch["_v"] = mod_day[mod]
    ch["_ts"] = ch["_v"] * DAY + office_seconds(rng, len(ch))
    # an agent fills in the external id later
    fill = (ch["ext_kind"] == 0) & (rng.random(len(ch)) < 0.3) & (ch["cust"] >= 0)
    ch.loc[fill, "ext_kind"] = 2
    ver = pd.concat([org, ch], ignore_index=True)
    ver = ver.sort_values(["org", "_v"], kind="stable", ignore_index=True)
    ver["_nv"] = ver.groupby("org")["_v"].shift(-1).fillna(NEVER).astype(np.int64)

    tickets, emails = _tickets(rng, co, tl, org, has_org)
    return ServiceDesk(ver, tickets, emails)


def _tickets(rng, co: Company, tl: Timeline, org: pd.DataFrame, has_org: np.ndarray):
    c = co.customers
    n = len(c)
    org_of = np.full(n, -1, dtype=np.int64)
    cust_rows = org[org["cust"] >= 0]
    org_of[cust_rows["cust"].to_numpy()] = cust_rows["org"].to_numpy()
    lapse = c["lapse"].to_numpy()
    hi = np.where(lapse < NEVER, lapse + 45, NEVER)
    rate = c["tickets"].to_numpy() * np.where(has_org, 1.0, 0.4)
    cust, day = monthly_events(
        rng, rate, np.maximum(c["created"].to_numpy(), 0), hi, tl, weekdays_only=False
    )
    # partners and the odd prospect also open tickets
    po = org[org["cust"] < 0]
    p_idx, p_day = monthly_events(
        rng,
        np.full(len(po), 0.3),
        np.maximum(po["created"].to_numpy(), 0),
        np.full(len(po), NEVER),
        tl,
        weekdays_only=False,
    )
    k1, k2 = len(cust), len(p_idx)
    k = k1 + k2
    t_org = np.concatenate([org_of[cust], po["org"].to_numpy()[p_idx]])
    t_cust = np.concatenate([cust, np.full(k2, -1)])
    day = np.concatenate([day, p_day])
    domain = np.concatenate([c["domain"].to_numpy()[cust], po["domain"].to_numpy()[p_idx]])
    perm = np.lexsort((t_org, day))
    t_org, t_cust, day, domain = t_org[perm], t_cust[perm], day[perm], domain[perm]
    created = day * DAY + office_seconds(rng, k, 7, 20)
    perm = np.argsort(created, kind="stable")
    t_org, t_cust, day, domain, created = (
        t_org[perm],
        t_cust[perm],
        day[perm],
        domain[perm],
        created[perm],
    )

    free = rng.random(k) < 0.18
    local = np.where(
        rng.random(k) < 0.6,
        pd.Series(rng.choice(names.FIRST_NAMES, k))
        + "."
        + pd.Series(rng.choice(names.FIRST_NAMES, k)).str.slice(0, 1),
        pd.Series(rng.choice(names.ROLE_MAILBOXES, k)),
    )
    free_local = pd.Series(rng.choice(names.FIRST_NAMES, k)) + pd.Series(
        rng.integers(1, 999, k).astype(str)
    )
    email = np.where(
        free,
        free_local + "@" + pd.Series(rng.choice(names.FREE_MAIL, k)),
        pd.Series(local) + "@" + pd.Series(domain),
    )
    # requesters no organization claims: free-mail senders, and a few others
    no_org = (free & (rng.random(k) < 0.6)) | (rng.random(k) < 0.04)
    t_org = np.where(no_org, -1, t_org)

    lm = (t_cust >= 0) & c["loss_maker"].to_numpy()[np.maximum(t_cust, 0)]
    spent = np.maximum(np.round(rng.lognormal(np.log(np.where(lm, 30, 18)), 0.7)), 2)
    spent = spent.astype(np.int64)
    lag_days = np.floor(rng.exponential(np.where(lm, 3.0, 1.5))).astype(np.int64)
    solved_ts = np.where(
        lag_days == 0,
        created + rng.integers(600, 8 * 3600, k),
        (day + lag_days) * DAY + office_seconds(rng, k, 8, 18),
    )
    solved_day = solved_ts // DAY
    solved = solved_day < tl.sim_days
    two = (solved_day > day) | ~solved
    cat_p = np.array([0.25, 0.15, 0.25, 0.1, 0.2, 0.05])
    cat_lm = np.array([0.4, 0.15, 0.1, 0.25, 0.08, 0.02])
    cat = np.where(lm, rng.choice(6, k, p=cat_lm), rng.choice(6, k, p=cat_p)).astype(np.int8)
    rating = rng.choice(4, k, p=[0.55, 0.08, 0.17, 0.20]).astype(np.int8)
    rating = np.where(lm & (rating == 0) & (rng.random(k) < 0.2), 1, rating).astype(np.int8)
    f = {
        "id": np.arange(k, dtype=np.int64) + 10_001,
        "org": t_org,
        "created": created,
        "updated": np.where(solved, solved_ts, created),
        "solved": np.where(solved, solved_ts, -1),
        "status": np.where(solved, 3, 1).astype(np.int8),
        "priority": rng.choice(4, k, p=[0.2, 0.6, 0.15, 0.05]).astype(np.int8),
        "channel": rng.choice(4, k, p=[0.5, 0.25, 0.2, 0.05]).astype(np.int8),
        "category": cat,
        "spent": np.where(solved, spent, np.maximum(spent // 4, 1)),
        "rating": np.where(solved, rating, 3).astype(np.int8),
        "row": np.arange(k, dtype=np.int64),
        "_v": np.where(solved, solved_day, day).astype(np.int64),
        "_nv": np.full(k, NEVER, dtype=np.int64),
    }
    t = np.flatnonzero(two & solved)
    first = {key: v[t].copy() for key, v in f.items()}
    first["updated"] = created[t] + 60
    first["solved"][:] = -1
    first["status"] = rng.choice(2, len(t), p=[0.4, 0.6]).astype(np.int8)
    first["spent"] = np.maximum(spent[t] // 4, 1)
    first["rating"][:] = 3
    first["_v"] = day[t].astype(np.int64)
    first["_nv"] = solved_day[t].astype(np.int64)
    # open at the end of the history: pending some of the time
    op = ~solved
    f["status"] = np.where(op & (rng.random(k) < 0.4), 2, f["status"]).astype(np.int8)
    allv = {key: np.concatenate([first[key], f[key]]) for key in f}
    order = np.lexsort((allv["id"], allv["_v"]))
    return {key: v[order] for key, v in allv.items()}, pd.Series(email, dtype="str")
