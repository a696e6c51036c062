"""A night that re-links: the masters of the last drop again, in which some CRM accounts
and service-desk organisations now carry another ERP customer's number, name, VAT number
and address, and no new transactions. Matching then moves those source ids, with their
whole history, to the other customer (the re-link tests and `make bench`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

from klantwaarde import contract


def _erp_customers(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "customers.csv").open(encoding="utf-8", newline="") as handle:
        return {row["customer_no"]: row for row in csv.DictReader(handle)}


def _accounts(text: str, moves: dict[str, dict[str, str]]) -> str:
    rows = [json.loads(line) for line in text.splitlines()]
    for row in rows:
        erp = moves.get(row["accountid"])
        if erp is not None:
            row.update(
                accountnumber=erp["customer_no"],
                name=erp["name"],
                vatnumber=erp["vat_number"] or None,
                address1_postalcode=erp["postcode"],
                address1_city=erp["city"],
                websiteurl=None,
            )
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _organizations(text: str, moves: dict[str, dict[str, str]]) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        erp = moves.get(row["organization_id"])
        if erp is not None:
            row.update(external_id=erp["customer_no"], name=erp["name"], domain_names="")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _rows(item: contract.Entity, text: str) -> int:
    if item.ext == "jsonl":
        return len(text.splitlines())
    return max(len(list(csv.reader(io.StringIO(text)))) - 1, 0)


def write_relinking_night(
    landing: Path,
    last: date,
    night: date,
    accounts: dict[str, str],
    organizations: dict[str, str],
) -> None:
    """Write drop `night` of every system: the masters of drop `last`, with each CRM
    account of `accounts` and each organisation of `organizations` (id -> ERP
    customer_no) taking that ERP customer's identity; the delta files empty. Each drop
    gets its manifest last, as the exporter writes it."""
    erp = _erp_customers(Path(landing) / "erp" / last.isoformat())
    account_moves = {a: erp[no] for a, no in accounts.items()}
    organization_moves = {o: erp[no] for o, no in organizations.items()}
    for system in contract.SYSTEMS:
        source = Path(landing) / system / last.isoformat()
        folder = Path(landing) / system / night.isoformat()
        folder.mkdir(parents=True)
        entries = {}
        for item in contract.entities(system):
            text = (source / item.file_name).read_text(encoding="utf-8")
            if item.kind == "delta":
                text = "" if item.ext == "jsonl" else text.splitlines(keepends=True)[0]
            elif (system, item.name) == ("crm", "accounts"):
                text = _accounts(text, account_moves)
            elif (system, item.name) == ("servicedesk", "organizations"):
                text = _organizations(text, organization_moves)
            data = text.encode("utf-8")
            (folder / item.file_name).write_bytes(data)
            entries[item.file_name] = {
                "rows": _rows(item, text),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        manifest = {"system": system, "extract_date": night.isoformat(), "files": entries}
        (folder / contract.MANIFEST_NAME).write_text(json.dumps(manifest, indent=1))
