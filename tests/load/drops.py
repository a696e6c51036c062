"""A small hand-made landing zone for loader tests, independent of the generator.

`clean_files(system, day)` gives the text of every contract file of a clean drop;
tests change one file and write the drop with `write_drop`, which computes the manifest
(or writes a wrong one, or none) the way the exporter does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

from klantwaarde import contract

DAY = date(2025, 3, 1)
CURRENCIES = frozenset({"EUR", "USD", "GBP"})


def csv_text(columns: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def jsonl_text(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _csv(system: str, name: str, rows: list[dict]) -> str:
    cols = list(contract.entity(system, name).columns)
    return csv_text(cols, [[str(r.get(c, "")) for c in cols] for r in rows])


def _jsonl(system: str, name: str, rows: list[dict]) -> str:
    cols = list(contract.entity(system, name).columns)
    return jsonl_text([{c: r.get(c) for c in cols} for r in rows])


def erp_rows(day: date) -> dict[str, list[dict]]:
    d = day.isoformat()
    return {
        "customers": [
            {
                "customer_no": "C001",
                "name": "Müller GmbH",
                "vat_number": "DE123",
                "address_line": "Hauptstraße 1",
                "postcode": "10115",
                "city": "Berlin",
                "country_code": "DE",
                "payment_terms_days": "30",
                "credit_limit": "10000.00",
                "is_blocked": "false",
                "created_date": "2024-01-15",
                "modified_at": "2024-06-01T10:00:00",
            },
            {
                "customer_no": "C002",
                "name": "Jansen BV",
                "vat_number": "",
                "address_line": "Dorpsstraat 2",
                "postcode": "1234 AB",
                "city": "Utrecht",
                "country_code": "NL",
                "payment_terms_days": "14",
                "credit_limit": "5000.00",
                "is_blocked": "true",
                "created_date": "2024-02-01",
                "modified_at": "2024-06-02T11:30:00",
            },
            {
                "customer_no": "C003",
                "name": "Peeters NV",
                "vat_number": "BE999",
                "address_line": "Kerkstraat 3",
                "postcode": "2000",
                "city": "Antwerpen",
                "country_code": "BE",
                "payment_terms_days": "30",
                "credit_limit": "0.00",
                "is_blocked": "false",
                "created_date": "2024-03-01",
                "modified_at": "2024-06-03T09:00:00",
            },
        ],
        "products": [
            {
                "product_code": "P1",
                "description": "Widget",
                "product_group": "hardware",
                "unit_cost": "2.5000",
                "is_service": "false",
            },
            {
                "product_code": "S1",
                "description": "Installation",
                "product_group": "service",
                "unit_cost": "0",
                "is_service": "true",
            },
        ],
        "invoice_lines": [
            {
                "invoice_no": "I100",
                "line_no": "1",
                "invoice_date": "2025-01-10",
                "due_date": "2025-02-09",
                "customer_no": "C001",
                "order_no": "O1",
                "delivery_no": "D1",
                "product_code": "P1",
                "quantity": "10",
                "unit_price": "5.0000",
                "discount_amount": "0.00",
                "net_amount": "50.00",
                "cost_amount": "25.00",
                "currency": "EUR",
            },
            {
                "invoice_no": "I100",
                "line_no": "2",
                "invoice_date": "2025-01-10",
                "due_date": "2025-02-09",
                "customer_no": "C001",
                "order_no": "O1",
                "delivery_no": "",
                "product_code": "S1",
                "quantity": "1",
                "unit_price": "80.0000",
                "discount_amount": "5.00",
                "net_amount": "75.00",
                "cost_amount": "0.00",
                "currency": "EUR",
            },
            {
                "invoice_no": "I101",
                "line_no": "1",
                "invoice_date": d,
                "due_date": "2025-03-15",
                "customer_no": "C002",
                "order_no": "O2",
                "delivery_no": "D2",
                "product_code": "P1",
                "quantity": "-2",
                "unit_price": "5.0000",
                "discount_amount": "0.00",
                "net_amount": "-10.00",
                "cost_amount": "-5.00",
                "currency": "EUR",
            },
        ],
        "payments": [
            {
                "payment_id": "PAY1",
                "invoice_no": "I100",
                "customer_no": "C001",
                "payment_date": d,
                "amount": "125.00",
            },
        ],
        "gl_entries": [
            {
                "entry_no": "G1",
                "posting_date": "2025-01-31",
                "account_no": "4100",
                "account_name": "Order desk salaries",
                "cost_center": "ORD",
                "amount": "1000.00",
                "description": "January salaries",
                "customer_no": "",
            },
            {
                "entry_no": "G2",
                "posting_date": d,
                "account_no": "4550",
                "account_name": "Bad debt write-offs",
                "cost_center": "CRD",
                "amount": "40.00",
                "description": "Write-off",
                "customer_no": "C003",
            },
        ],
    }


def crm_rows(day: date) -> dict[str, list[dict]]:
    d = day.isoformat()
    return {
        "accounts": [
            {
                "accountid": "a-1",
                "name": "Müller GmbH",
                "accountnumber": "C001",
                "vatnumber": "DE123",
                "address1_postalcode": "10115",
                "address1_city": "Berlin",
                "address1_country": "DE",
                "websiteurl": "https://mueller.example",
                "industrycode": "retail",
                "ownerid": "u-1",
                "customertypecode": "customer",
                "strategic_importance": "reference;network",
                "statecode": 0,
                "createdon": "2024-01-15T08:00:00Z",
                "modifiedon": "2024-06-01T08:00:00Z",
            },
            {
                "accountid": "a-2",
                "name": "Prospect Ltd",
                "accountnumber": None,
                "vatnumber": None,
                "address1_postalcode": "SW1",
                "address1_city": "London",
                "address1_country": "GB",
                "websiteurl": None,
                "industrycode": "services",
                "ownerid": "u-2",
                "customertypecode": "prospect",
                "strategic_importance": "",
                "statecode": 0,
                "createdon": "2024-05-01T08:00:00Z",
                "modifiedon": "2024-05-01T08:00:00Z",
            },
        ],
        "activities": [
            {
                "activityid": "act-1",
                "activitytypecode": "appointment",
                "regardingobjectid": "a-1",
                "actualstart": "2025-01-20T10:00:00Z",
                "actualdurationminutes": 90,
                "ownerid": "u-1",
                "statecode": "completed",
                "modifiedon": f"{d}T12:00:00Z",
            },
            {
                "activityid": "act-2",
                "activitytypecode": "phonecall",
                "regardingobjectid": "a-2",
                "actualstart": f"{d}T09:00:00Z",
                "actualdurationminutes": 15,
                "ownerid": "u-2",
                "statecode": "completed",
                "modifiedon": f"{d}T09:15:00Z",
            },
        ],
        "opportunities": [
            {
                "opportunityid": "opp-1",
                "parentaccountid": "a-1",
                "name": "Big deal",
                "estimatedvalue": 25000.5,
                "closeprobability": 40,
                "estimatedclosedate": "2025-06-30",
                "statecode": "open",
                "modifiedon": f"{d}T10:00:00Z",
            },
        ],
    }


def servicedesk_rows(day: date) -> dict[str, list[dict]]:
    d = day.isoformat()
    return {
        "organizations": [
            {
                "organization_id": "101",
                "name": "Müller GmbH",
                "domain_names": "mueller.example",
                "external_id": "C001",
                "created_at": "2024-01-20T00:00:00Z",
                "updated_at": "2024-06-01T00:00:00Z",
            },
            {
                "organization_id": "102",
                "name": "Jansen BV",
                "domain_names": "jansen.example",
                "external_id": "",
                "created_at": "2024-02-20T00:00:00Z",
                "updated_at": "2024-06-01T00:00:00Z",
            },
        ],
        "tickets": [
            {
                "ticket_id": "5001",
                "organization_id": "101",
                "requester_email": "anna@mueller.example",
                "created_at": "2025-01-05T09:00:00Z",
                "updated_at": f"{d}T09:00:00Z",
                "solved_at": f"{d}T09:00:00Z",
                "status": "solved",
                "priority": "normal",
                "channel": "email",
                "category": "delivery",
                "time_spent_minutes": "25",
                "satisfaction_rating": "good",
            },
            {
                "ticket_id": "5002",
                "organization_id": "",
                "requester_email": "x@unknown.example",
                "created_at": f"{d}T10:00:00Z",
                "updated_at": f"{d}T10:00:00Z",
                "solved_at": "",
                "status": "open",
                "priority": "high",
                "channel": "web",
                "category": "invoice",
                "time_spent_minutes": "5",
                "satisfaction_rating": "unoffered",
            },
        ],
    }


ROWS = {"erp": erp_rows, "crm": crm_rows, "servicedesk": servicedesk_rows}


def clean_rows(system: str, day: date) -> dict[str, list[dict]]:
    return ROWS[system](day)


def render(system: str, name: str, rows: list[dict]) -> str:
    ent = contract.entity(system, name)
    return _csv(system, name, rows) if ent.ext == "csv" else _jsonl(system, name, rows)


def clean_files(system: str, day: date) -> dict[str, str | bytes]:
    """File name → text of every contract file of a clean drop."""
    return {
        contract.entity(system, name).file_name: render(system, name, rows)
        for name, rows in clean_rows(system, day).items()
    }


def count_rows(name: str, data: bytes) -> int:
    """Data rows as the exporter counts them: records minus header; JSONL: lines."""
    if not data:
        return 0
    if name.endswith(".jsonl"):
        return len(data.decode("utf-8").splitlines())
    return max(len(list(csv.reader(io.StringIO(data.decode("utf-8", "replace"))))) - 1, 0)


def write_drop(
    landing: Path,
    system: str,
    day: date,
    files: dict[str, str | bytes] | None = None,
    *,
    manifest: bool = True,
    manifest_rows: dict[str, int] | None = None,
    manifest_sha: dict[str, str] | None = None,
    omit_from_manifest: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
) -> Path:
    """Write a drop (clean unless `files` replaces some) and, last, its manifest."""
    folder = Path(landing) / system / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    content = clean_files(system, day)
    content.update(files or {})
    entries = {}
    for name, text in content.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        if name not in absent:
            (folder / name).write_bytes(data)
        if name in omit_from_manifest:
            continue
        entries[name] = {
            "rows": (manifest_rows or {}).get(name, count_rows(name, data)),
            "sha256": (manifest_sha or {}).get(name, hashlib.sha256(data).hexdigest()),
        }
    if manifest:
        doc = {"system": system, "extract_date": day.isoformat(), "files": entries}
        (folder / contract.MANIFEST_NAME).write_text(json.dumps(doc, indent=1))
    return folder


def write_all(landing: Path, day: date, **changes: dict[str, str | bytes]) -> None:
    """A clean drop of every system for `day`; `erp={...}` etc. replace files."""
    for system in contract.SYSTEMS:
        write_drop(landing, system, day, changes.get(system))
