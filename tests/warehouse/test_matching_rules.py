"""Customer matching rule by rule, on a handful of hand-written raw rows.

Builds the customer models (and their ERP staging parents) with dbt against raw tables
that hold only the rows below, then checks each link of mart.bridge_customer_source and
the members of mart.dim_customer.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from klantwaarde import contract
from klantwaarde.load import ensure_schemas
from klantwaarde.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

EXTRACT = date(2026, 3, 31)
MODIFIED = datetime(2026, 3, 1, 12, 0)

ERP_CUSTOMERS = [
    # customer_no, name, vat_number, postcode, country_code
    ("C001", "Jansen & Bakker B.V.", "NL123456789B01", "1234 AB", "NL"),
    ("C002", "Müller Haustechnik GmbH", "DE111222333", "40210", "DE"),
    ("C003", "Smith Engineering Ltd", "GB999888777", "AB1 2CD", "GB"),
    ("C004", "Peeters Bouwbedrijf NV", None, "2000", "BE"),
    ("C005", "Willems Techniek BV", None, "3000", "BE"),
    # two firms of one name: the second became a customer only in February 2026
    ("C006", "Van Dijk Logistiek B.V.", None, "1000 AA", "NL"),
    ("C007", "Van Dijk Logistiek B.V.", None, "2000 BB", "NL"),
]
ERP_CREATED = {"C007": date(2026, 2, 1)}  # the others: 2020-01-01
CRM_ACCOUNTS = [
    # accountid, name, accountnumber, vatnumber, postcode, websiteurl, strategic, statecode
    (
        "a1",
        "Jansen en Bakker BV",
        "C001",
        "nl 1234.56.789.b01",
        "1234AB",
        "https://www.jansenbakker.nl/",
        "reference",
        0,
    ),
    ("a2", "JANSEN & BAKKER", None, None, None, "www.jansenbakker.nl", "network;reference", 1),
    # stale accountnumber: the VAT number says C002, C003's VAT differs
    ("a3", "Muller Haustechnik", "C003", "DE 111.222.333", "40210", None, None, 0),
    # mistyped accountnumber: C004 is a different company; name + postcode say C003
    ("a4", "Smith Engineering Limited", "C004", None, "ab12cd", "https://smith-eng.co.uk", None, 0),
    ("a5", "Nieuw Prospect B.V.", None, None, "9999 ZZ", "nieuwprospect.nl", None, 0),
    ("a6", "Nieuw Prospect", None, None, None, "http://NIEUWPROSPECT.NL/contact", None, 0),
    ("a7", "Peeters Bouwbedrijf", " c004 ", None, None, None, None, 0),
    # accountnumber of a customer that does not exist, nothing else: a prospect
    ("a8", "Ergens Anders Techniek", "C777", None, None, None, None, 0),
]
SD_ORGANIZATIONS = [
    # organization_id, name, domain_names, external_id
    ("o1", "Jansen & Bakker", "jansenbakker.nl", None),
    ("o2", "Müller", None, " C002"),
    ("o3", "Random Org", None, "a5"),
    ("o4", "Nobody Inc", "nobody.example gmail.com", None),
    ("o5", "Smith Eng", None, None),
    ("o6", "Wilems Techniek", None, None),  # a typo, no domain
    # a name no customer has, a domain that spells C006's and C007's name
    ("o7", "VDL Transport", "van-dijk-logistiek2.nl", None),
    ("o8", "Van Dijk Logistiek", None, None),  # opened after both became customers
]
SD_CREATED = {"o7": datetime(2025, 6, 1, 9, 0), "o8": datetime(2026, 3, 1, 9, 0)}
SD_TICKETS = [
    # ticket_id, organization_id, requester_email
    ("t1", "o5", "john@Smith-Eng.co.uk"),
    ("t2", None, "someone@gmail.com"),
    ("t3", "o1", "anna@gmail.com"),
]
OPPORTUNITIES = [
    # opportunityid, parentaccountid, estimatedvalue, closeprobability, statecode
    ("p1", "a1", 10000, 50, "open"),
    ("p2", "a2", 2000, 10, "open"),
    ("p3", "a1", 99999, 90, "won"),
]


def _insert(con: duckdb.DuckDBPyConnection, system: str, name: str, rows: list[dict]) -> None:
    entity = contract.entity(system, name)
    columns = [*entity.columns, "_extract_date", "_source_file", "_line_no", "_loaded_at"]
    for line_no, row in enumerate(rows, start=2):
        values = [row.get(column) for column in entity.columns]
        values += [EXTRACT, f"{system}/{EXTRACT}/{entity.file_name}", line_no, datetime.now()]
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        con.execute(f"INSERT INTO {entity.raw_table} ({quoted}) VALUES ({placeholders})", values)


def _raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        "erp",
        "customers",
        [
            {
                "customer_no": no,
                "name": name,
                "vat_number": vat,
                "postcode": pc,
                "country_code": cc,
                "created_date": ERP_CREATED.get(no, date(2020, 1, 1)),
                "modified_at": MODIFIED,
            }
            for no, name, vat, pc, cc in ERP_CUSTOMERS
        ],
    )
    _insert(
        con,
        "erp",
        "invoice_lines",
        [
            {
                "invoice_no": "I1",
                "line_no": 1,
                "invoice_date": date(2026, 3, 2),
                "customer_no": "C001",
                "net_amount": 100,
                "cost_amount": 60,
                "quantity": 1,
                "unit_price": 100,
                "currency": "EUR",
            },
            {
                "invoice_no": "I2",
                "line_no": 1,
                "invoice_date": date(2026, 3, 3),
                "customer_no": "C999",
                "net_amount": 50,
                "cost_amount": 30,
                "quantity": 1,
                "unit_price": 50,
                "currency": "EUR",
            },
        ],
    )
    _insert(
        con,
        "crm",
        "accounts",
        [
            {
                "accountid": aid,
                "name": name,
                "accountnumber": number,
                "vatnumber": vat,
                "address1_postalcode": pc,
                "websiteurl": url,
                "strategic_importance": strategic,
                "statecode": state,
                "customertypecode": "customer",
                "industrycode": "construction",
                "createdon": datetime(2025, 1, i + 1),
                "modifiedon": MODIFIED,
            }
            for i, (aid, name, number, vat, pc, url, strategic, state) in enumerate(CRM_ACCOUNTS)
        ],
    )
    _insert(
        con,
        "crm",
        "opportunities",
        [
            {
                "opportunityid": oid,
                "parentaccountid": aid,
                "estimatedvalue": value,
                "closeprobability": prob,
                "statecode": state,
                "modifiedon": MODIFIED,
            }
            for oid, aid, value, prob, state in OPPORTUNITIES
        ],
    )
    _insert(
        con,
        "servicedesk",
        "organizations",
        [
            {
                "organization_id": oid,
                "name": name,
                "domain_names": domains,
                "external_id": ext,
                "created_at": SD_CREATED.get(oid, MODIFIED),
                "updated_at": MODIFIED,
            }
            for oid, name, domains, ext in SD_ORGANIZATIONS
        ],
    )
    _insert(
        con,
        "servicedesk",
        "tickets",
        [
            {
                "ticket_id": tid,
                "organization_id": oid,
                "requester_email": email,
                "created_at": MODIFIED,
            }
            for tid, oid, email in SD_TICKETS
        ],
    )


@pytest.fixture(scope="module")
def matched_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dbt.cli.main import dbtRunner

    warehouse = tmp_path_factory.mktemp("matching_rules") / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_schemas(con)
        _raw_rows(con)
    os.environ["KLANTWAARDE_WAREHOUSE"] = str(warehouse)
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--select",
            "+dim_customer",
            "+bridge_customer_source",
            "+customer_match_issues",
            "staging.crm",
            "staging.servicedesk",
            "--indirect-selection",
            "cautious",
            "--quiet",
        ]
    )
    # dbt-duckdb keeps its DuckDB handle open in this process: release it, so that the
    # tests can open the file read-only.
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None
    failed = [
        f"{r.node.unique_id}: {r.message}"
        for r in getattr(result.result, "results", [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success, result.exception or failed
    return warehouse


@pytest.fixture(scope="module")
def bridge(matched_warehouse: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with duckdb.connect(str(matched_warehouse), read_only=True) as con:
        rows = con.execute(
            "select system, source_id, customer_key, match_method from mart.bridge_customer_source"
        ).fetchall()
    return {(system, sid): (key, method) for system, sid, key, method in rows}


def _erp_key(bridge, customer_no: str) -> str:
    return bridge[("erp", customer_no)][0]


def test_every_source_record_is_in_the_bridge(bridge) -> None:
    erp = {sid for system, sid in bridge if system == "erp"}
    assert erp == {"C001", "C002", "C003", "C004", "C005", "C006", "C007", "C999"}
    assert bridge[("erp", "C999")][1] == "inferred"
    assert {sid for system, sid in bridge if system == "crm"} == {a[0] for a in CRM_ACCOUNTS}
    assert {sid for system, sid in bridge if system == "servicedesk"} == {
        o[0] for o in SD_ORGANIZATIONS
    }


@pytest.mark.parametrize(
    ("account_id", "customer_no", "method"),
    [
        ("a1", "C001", "account_number"),  # number, corroborated by the VAT number
        ("a2", "C001", "domain"),  # a duplicate of a1 by web domain
        ("a3", "C002", "vat_number"),  # stale number contradicted by the VAT number
        ("a4", "C003", "name_postcode"),  # mistyped number, name and postcode say C003
        ("a7", "C004", "account_number"),  # number typed with spaces and lower case
    ],
)
def test_crm_account_links(bridge, account_id: str, customer_no: str, method: str) -> None:
    key, got_method = bridge[("crm", account_id)]
    assert (key, got_method) == (_erp_key(bridge, customer_no), method)


def test_crm_only_accounts_are_deduplicated_prospects(matched_warehouse: Path, bridge) -> None:
    assert bridge[("crm", "a5")][0] == bridge[("crm", "a6")][0]
    assert bridge[("crm", "a8")][0] not in {bridge[("erp", c[0])][0] for c in ERP_CUSTOMERS}
    with duckdb.connect(str(matched_warehouse), read_only=True) as con:
        prospects = con.execute(
            "select crm_account_id from mart.dim_customer where customer_type = 'prospect' "
            "order by 1"
        ).fetchall()
    assert prospects == [("a5",), ("a8",)]


@pytest.mark.parametrize(
    ("organization_id", "expected", "method"),
    [
        ("o1", ("erp", "C001"), "domain"),
        ("o2", ("erp", "C002"), "external_id"),
        ("o3", ("crm", "a5"), "external_id"),
        ("o4", None, "unassigned"),
        ("o5", ("erp", "C003"), "domain"),  # via a requester's e-mail domain
        ("o6", ("erp", "C005"), "name"),  # one letter dropped
        ("o7", ("erp", "C006"), "name"),  # C007 was created after the organization
        ("o8", None, "unassigned"),  # two customers of that name, nothing tells them apart
    ],
)
def test_servicedesk_organization_links(bridge, organization_id, expected, method) -> None:
    key, got_method = bridge[("servicedesk", organization_id)]
    expected_key = bridge[expected][0] if expected else "0" * 32
    assert (key, got_method) == (expected_key, method)


def test_dim_customer_members(matched_warehouse: Path, bridge) -> None:
    with duckdb.connect(str(matched_warehouse), read_only=True) as con:
        dim = con.execute(
            "select customer_key, customer_type, erp_customer_no, crm_account_id, "
            "servicedesk_org_id, is_strategic, strategic_importance, open_pipeline_weighted, "
            "is_active_crm, is_unassigned from mart.dim_customer"
        ).fetchall()
    by_key = {row[0]: row for row in dim}
    assert len(dim) == 8 + 2 + 1  # 8 ERP (one inferred), 2 prospects, unassigned
    c001 = by_key[_erp_key(bridge, "C001")]
    assert c001[1:5] == ("customer", "C001", "a1", "o1")
    assert c001[5:9] == (True, "network;reference", 5200, True)
    unassigned = by_key["0" * 32]
    assert unassigned[1] == "unassigned" and unassigned[9] is True


def test_no_personal_data_in_the_mart(matched_warehouse: Path) -> None:
    with duckdb.connect(str(matched_warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'mart'"
        ).fetchall()
        for (table,) in tables:
            hits = con.execute(
                f"select count(*) from mart.{table} as t where contains(cast(t as varchar), '@')"
            ).fetchone()[0]
            assert hits == 0, f"mart.{table} holds an e-mail address"
