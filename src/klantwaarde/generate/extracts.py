"""From the simulated company to the extract contract: one `Spec` per entity.

Internal tables hold integers (days, seconds, cents, indices); the SQL here turns them
into the contract's columns, in contract order, with each system's own formats: ERP
timestamps `2026-03-31 14:22:05`, CRM and service desk `2026-03-31T14:22:05Z`, ISO
dates, `.` decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from klantwaarde import contract
from klantwaarde.generate.company import Company
from klantwaarde.generate.crm import ACTIVITY_STATES, ACTIVITY_TYPES, OPP_STATES, Crm
from klantwaarde.generate.drops import Spec
from klantwaarde.generate.erp import CURRENCIES, Erp
from klantwaarde.generate.events import fast_guids, guid_sql, guids
from klantwaarde.generate.servicedesk import (
    CATEGORIES,
    CHANNELS,
    ORG_BASE,
    PRIORITIES,
    RATINGS,
    STATUSES,
    ServiceDesk,
)


def _list(values: tuple[str, ...], column: str) -> str:
    items = ", ".join(f"'{v}'" for v in values)
    return f"[{items}][CAST({column} AS INTEGER) + 1]"


def _table(data) -> pa.Table:
    if isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    return pa.table(data)


LINE_COLUMNS = (
    "doc",
    "is_cn",
    "line_no",
    "inv_day",
    "due_day",
    "cust",
    "order_id",
    "delivery",
    "product",
    "qty",
    "price4",
    "disc",
    "net",
    "cost",
    "cur",
    "_v",
    "_nv",
)


def _line_table(erp: Erp) -> pa.Table:
    """Invoice lines, credit notes and corrections as chunks of one table (no copy)."""
    batches = [pa.record_batch({k: block[k] for k in LINE_COLUMNS}) for block in erp.lines]
    return pa.Table.from_batches(batches)


def _check(spec: Spec) -> Spec:
    names = [s.rsplit(" AS ", 1)[1].strip() for s in spec.select]
    expected = list(spec.meta.columns)
    if names != expected:
        raise AssertionError(f"{spec.system}.{spec.entity}: {names} != {expected}")
    return spec


def erp_specs(co: Company, erp: Erp, gl: pd.DataFrame) -> list[Spec]:
    c = co.customers
    v = co.customer_versions
    ci = v["idx"].to_numpy()
    cust = pd.DataFrame(
        {
            "customer_no": c["customer_no"].to_numpy()[ci],
            "name": c["name"].to_numpy()[ci],
            "vat": np.where(c["vat_empty"].to_numpy()[ci], None, c["vat"].to_numpy()[ci]),
            "address_line": v["address_line"],
            "postcode": v["postcode"],
            "city": v["city"],
            "country": c["country"].to_numpy()[ci],
            "terms": v["terms"],
            "credit_limit": v["credit_limit"],
            "is_blocked": v["is_blocked"],
            "created": c["created"].to_numpy()[ci],
            "_ts": v["_ts"],
            "_v": v["_v"],
        }
    )
    cust["_nv"] = cust.groupby("customer_no", sort=False)["_v"].shift(-1).fillna(10**9)
    cust["_nv"] = cust["_nv"].astype(np.int64)
    for col in ("customer_no", "name", "vat", "country"):
        cust[col] = cust[col].astype("str")
    p = co.products
    prod = pd.DataFrame(
        {
            "idx": p["idx"],
            "description": p["description"],
            "product_group": p["product_group"],
            "cost4": p["cost4"],
            "is_service": p["is_service"],
            "_v": -(10**6),
            "_nv": 10**9,
        }
    )
    pay = erp.payments.copy()
    pay["is_cn"] = erp.docs["is_cn"].to_numpy()[
        np.searchsorted(erp.docs["doc"].to_numpy(), pay["doc"].to_numpy())
    ]
    gl = gl[
        [
            "entry",
            "day",
            "account",
            "account_name",
            "cost_center",
            "amount",
            "description",
            "cust",
            "_v",
            "_nv",
        ]
    ]
    doc_no = "CASE WHEN is_cn THEN 'CN' ELSE 'F' END || lpad(CAST(doc AS VARCHAR), 8, '0')"
    cno = "CAST(cust + 100001 AS VARCHAR)"
    return [
        _check(s)
        for s in [
            Spec(
                "erp",
                "customers",
                _table(cust),
                [
                    "customer_no AS customer_no",
                    "name AS name",
                    "vat AS vat_number",
                    "address_line AS address_line",
                    "postcode AS postcode",
                    "city AS city",
                    "country AS country_code",
                    "terms AS payment_terms_days",
                    "CAST(credit_limit AS DECIMAL(18,2)) AS credit_limit",
                    "is_blocked AS is_blocked",
                    "d(created) AS created_date",
                    "ts_erp(_ts) AS modified_at",
                ],
            ),
            Spec(
                "erp",
                "products",
                _table(prod),
                [
                    "'ART-' || CAST(idx + 10001 AS VARCHAR) AS product_code",
                    "description AS description",
                    "product_group AS product_group",
                    "CAST(cost4 * 0.0001 AS DECIMAL(18,4)) AS unit_cost",
                    "is_service AS is_service",
                ],
            ),
            Spec(
                "erp",
                "invoice_lines",
                _line_table(erp),
                [
                    f"{doc_no} AS invoice_no",
                    "line_no AS line_no",
                    "d(inv_day) AS invoice_date",
                    "d(due_day) AS due_date",
                    f"{cno} AS customer_no",
                    "'SO' || CAST(order_id AS VARCHAR) AS order_no",
                    "CASE WHEN delivery >= 0 THEN 'DL' || CAST(delivery AS VARCHAR) END"
                    " AS delivery_no",
                    "'ART-' || CAST(product + 10001 AS VARCHAR) AS product_code",
                    "CAST(qty * 0.001 AS DECIMAL(18,3)) AS quantity",
                    "CAST(price4 * 0.0001 AS DECIMAL(18,4)) AS unit_price",
                    "cents(disc) AS discount_amount",
                    "cents(net) AS net_amount",
                    "cents(cost) AS cost_amount",
                    f"{_list(CURRENCIES, 'cur')} AS currency",
                ],
            ),
            Spec(
                "erp",
                "payments",
                _table(pay[["payment_id", "doc", "is_cn", "cust", "day", "amount", "_v", "_nv"]]),
                [
                    "'BNK' || CAST(payment_id AS VARCHAR) AS payment_id",
                    f"{doc_no} AS invoice_no",
                    f"{cno} AS customer_no",
                    "d(day) AS payment_date",
                    "cents(amount) AS amount",
                ],
            ),
            Spec(
                "erp",
                "gl_entries",
                _table(gl),
                [
                    "CAST(entry AS VARCHAR) AS entry_no",
                    "d(day) AS posting_date",
                    "account AS account_no",
                    "account_name AS account_name",
                    "cost_center AS cost_center",
                    "cents(amount) AS amount",
                    "description AS description",
                    "CASE WHEN cust >= 0 THEN CAST(cust + 100001 AS VARCHAR) END AS customer_no",
                ],
            ),
        ]
    ]


def _activity_table(crm: Crm, seed: int) -> pa.Table:
    """Activities with their GUIDs as string columns (no per-row hashing in SQL)."""
    act = crm.activities
    cols = ("type", "start", "dur", "state", "_ts", "_v", "_nv")
    t = pa.table({k: act[k] for k in cols})
    accountid = crm.accounts.drop_duplicates("acc").sort_values("acc")["accountid"]
    reps = int(max(crm.accounts["owner"].max(), act["owner"].max())) + 1
    owners = pa.array(guids(seed, "user", np.arange(reps)), type=pa.string())
    t = t.append_column("activityid", fast_guids(seed, 1, act["id"]))
    t = t.append_column(
        "regarding", pa.array(accountid.to_numpy(), type=pa.string()).take(pa.array(act["acc"]))
    )
    return t.append_column("ownerid", owners.take(pa.array(act["owner"])))


def crm_specs(crm: Crm, seed: int) -> list[Spec]:
    a = crm.accounts
    acc = pd.DataFrame(
        {
            "accountid": a["accountid"],
            "name": a["name"],
            "accountnumber": a["accountnumber"],
            "vatnumber": a["vatnumber"],
            "postalcode": a["postalcode"],
            "city": a["city"],
            "country": a["country_text"],
            "websiteurl": a["websiteurl"],
            "industry": a["industry"],
            "owner": a["owner"],
            "kind": a["kind"],
            "strategic": a["strategic"],
            "statecode": a["statecode"],
            "created_ts": a["created_ts"],
            "_ts": a["_ts"],
            "_v": a["_v"],
            "_nv": a["_nv"],
        }
    )
    return [
        _check(s)
        for s in [
            Spec(
                "crm",
                "accounts",
                _table(acc),
                [
                    "accountid AS accountid",
                    "name AS name",
                    "accountnumber AS accountnumber",
                    "vatnumber AS vatnumber",
                    "postalcode AS address1_postalcode",
                    "city AS address1_city",
                    "country AS address1_country",
                    "websiteurl AS websiteurl",
                    "industry AS industrycode",
                    "g36(_ho) AS ownerid",
                    "kind AS customertypecode",
                    "strategic AS strategic_importance",
                    "CAST(statecode AS INTEGER) AS statecode",
                    "ts_iso(created_ts) AS createdon",
                    "ts_iso(_ts) AS modifiedon",
                ],
                pre=[f"{guid_sql('user', 'owner', seed)} AS _ho"],
            ),
            Spec(
                "crm",
                "activities",
                _activity_table(crm, seed),
                [
                    "activityid AS activityid",
                    f"{_list(ACTIVITY_TYPES, 'type')} AS activitytypecode",
                    "regarding AS regardingobjectid",
                    "ts_iso(start) AS actualstart",
                    "CAST(dur AS INTEGER) AS actualdurationminutes",
                    "ownerid AS ownerid",
                    f"{_list(ACTIVITY_STATES, 'state')} AS statecode",
                    "ts_iso(_ts) AS modifiedon",
                ],
            ),
            Spec(
                "crm",
                "opportunities",
                _table(crm.opportunities),
                [
                    "g36(_hi) AS opportunityid",
                    "g36(_ha) AS parentaccountid",
                    "name AS name",
                    "cents(value) AS estimatedvalue",
                    "CAST(prob AS INTEGER) AS closeprobability",
                    "d(close) AS estimatedclosedate",
                    f"{_list(OPP_STATES, 'state')} AS statecode",
                    "ts_iso(_ts) AS modifiedon",
                ],
                pre=[
                    f"{guid_sql('opp', 'id', seed)} AS _hi",
                    f"{guid_sql('acc', 'acc', seed)} AS _ha",
                ],
            ),
        ]
    ]


def servicedesk_specs(co: Company, crm: Crm, sd: ServiceDesk) -> list[Spec]:
    o = sd.organizations
    accountid = crm.accounts.drop_duplicates("acc").set_index("acc")["accountid"]
    acc_txt = pd.Series(
        np.where(o["acc"].to_numpy() >= 0, accountid.reindex(o["acc"].to_numpy()).to_numpy(), None)
    )
    cust_txt = pd.Series(
        np.where(o["cust"].to_numpy() >= 0, (o["cust"].to_numpy() + 100001).astype(str), None)
    )
    ext = np.select(
        [o["ext_kind"].to_numpy() == 1, o["ext_kind"].to_numpy() == 2], [acc_txt, cust_txt], None
    )
    org = pd.DataFrame(
        {
            "organization_id": o["organization_id"],
            "name": o["name"],
            "domain_names": o["domain_names"],
            "external_id": pd.Series(ext, dtype="str"),
            "created_ts": o["created_ts"],
            "_ts": o["_ts"],
            "_v": o["_v"],
            "_nv": o["_nv"],
        }
    )
    t = sd.tickets
    tt = _table(
        {
            k: t[k]
            for k in (
                "id",
                "org",
                "created",
                "updated",
                "solved",
                "status",
                "priority",
                "channel",
                "category",
                "spent",
                "rating",
                "_v",
                "_nv",
            )
        }
    )
    emails = pa.array(sd.emails.to_numpy(), type=pa.string()).take(pa.array(t["row"]))
    tt = tt.append_column("email", emails)
    return [
        _check(s)
        for s in [
            Spec(
                "servicedesk",
                "organizations",
                _table(org),
                [
                    "CAST(organization_id AS VARCHAR) AS organization_id",
                    "name AS name",
                    "domain_names AS domain_names",
                    "external_id AS external_id",
                    "ts_iso(created_ts) AS created_at",
                    "ts_iso(_ts) AS updated_at",
                ],
            ),
            Spec(
                "servicedesk",
                "tickets",
                tt,
                [
                    "CAST(id AS VARCHAR) AS ticket_id",
                    f"CASE WHEN org >= 0 THEN CAST({ORG_BASE} + org * 7 AS VARCHAR) END"
                    " AS organization_id",
                    "email AS requester_email",
                    "ts_iso(created) AS created_at",
                    "ts_iso(updated) AS updated_at",
                    "CASE WHEN solved >= 0 THEN ts_iso(solved) END AS solved_at",
                    f"{_list(STATUSES, 'status')} AS status",
                    f"{_list(PRIORITIES, 'priority')} AS priority",
                    f"{_list(CHANNELS, 'channel')} AS channel",
                    f"{_list(CATEGORIES, 'category')} AS category",
                    "CAST(spent AS INTEGER) AS time_spent_minutes",
                    f"{_list(RATINGS, 'rating')} AS satisfaction_rating",
                ],
            ),
        ]
    ]


assert contract.SYSTEMS == ("erp", "crm", "servicedesk")
