"""The extract contract (shared/contracts.md section 1) as data.

One source of truth for every extract: which system and file it is, whether it is
a master (full snapshot) or a delta, its key, its columns in file order with the
warehouse type each column is cast to, which columns may not be empty, and which
columns reference another entity's key. The generator writes columns in this order,
the loader casts with these types, and the raw tables carry these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["master", "delta"]

SYSTEMS: tuple[str, ...] = ("erp", "crm", "servicedesk")
MANIFEST_NAME = "_manifest.json"

MONEY = "DECIMAL(18,2)"
PRICE = "DECIMAL(18,4)"
QUANTITY = "DECIMAL(18,3)"


@dataclass(frozen=True)
class Reference:
    """A column that should hold a key of another entity of the same system."""

    column: str
    entity: str
    key: str


@dataclass(frozen=True)
class Entity:
    system: str
    name: str
    ext: Literal["csv", "jsonl"]
    kind: Kind
    key: tuple[str, ...]
    columns: dict[str, str]
    required: tuple[str, ...] = ()
    references: tuple[Reference, ...] = field(default_factory=tuple)

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.ext}"

    @property
    def raw_table(self) -> str:
        """Schema-qualified raw table: `raw_<system>.<entity>`."""
        return f"raw_{self.system}.{self.name}"

    @property
    def not_null(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.key + self.required))


# Columns the loader adds to every raw table, after the contract columns.
LINEAGE_COLUMNS: dict[str, str] = {
    "_extract_date": "DATE",  # the drop the row came from
    "_source_file": "VARCHAR",  # <system>/<extract_date>/<file>, relative to the landing zone
    "_line_no": "BIGINT",  # physical line in the file; the header is line 1
    "_flags": "VARCHAR",  # ';'-separated flags, NULL when clean (see ARCHITECTURE.md)
    "_extra": "VARCHAR",  # JSON object of columns the contract does not know, NULL when none
    "_loaded_at": "TIMESTAMP",
}

ENTITIES: tuple[Entity, ...] = (
    # ---- ERP (CSV) -------------------------------------------------------
    Entity(
        "erp",
        "customers",
        "csv",
        "master",
        ("customer_no",),
        {
            "customer_no": "VARCHAR",
            "name": "VARCHAR",
            "vat_number": "VARCHAR",
            "address_line": "VARCHAR",
            "postcode": "VARCHAR",
            "city": "VARCHAR",
            "country_code": "VARCHAR",
            "payment_terms_days": "INTEGER",
            "credit_limit": MONEY,
            "is_blocked": "BOOLEAN",
            "created_date": "DATE",
            "modified_at": "TIMESTAMP",
        },
        required=("name",),
    ),
    Entity(
        "erp",
        "products",
        "csv",
        "master",
        ("product_code",),
        {
            "product_code": "VARCHAR",
            "description": "VARCHAR",
            "product_group": "VARCHAR",
            "unit_cost": PRICE,
            "is_service": "BOOLEAN",
        },
    ),
    Entity(
        "erp",
        "invoice_lines",
        "csv",
        "delta",
        ("invoice_no", "line_no"),
        {
            "invoice_no": "VARCHAR",
            "line_no": "INTEGER",
            "invoice_date": "DATE",
            "due_date": "DATE",
            "customer_no": "VARCHAR",
            "order_no": "VARCHAR",
            "delivery_no": "VARCHAR",
            "product_code": "VARCHAR",
            "quantity": QUANTITY,
            "unit_price": PRICE,
            "discount_amount": MONEY,
            "net_amount": MONEY,
            "cost_amount": MONEY,
            "currency": "VARCHAR",
        },
        required=("invoice_date", "customer_no", "net_amount", "currency"),
        references=(
            Reference("customer_no", "customers", "customer_no"),
            Reference("product_code", "products", "product_code"),
        ),
    ),
    Entity(
        "erp",
        "payments",
        "csv",
        "delta",
        ("payment_id",),
        {
            "payment_id": "VARCHAR",
            "invoice_no": "VARCHAR",
            "customer_no": "VARCHAR",
            "payment_date": "DATE",
            "amount": MONEY,
        },
        required=("payment_date", "amount"),
        references=(Reference("customer_no", "customers", "customer_no"),),
    ),
    Entity(
        "erp",
        "gl_entries",
        "csv",
        "delta",
        ("entry_no",),
        {
            "entry_no": "VARCHAR",
            "posting_date": "DATE",
            "account_no": "VARCHAR",
            "account_name": "VARCHAR",
            "cost_center": "VARCHAR",
            "amount": MONEY,
            "description": "VARCHAR",
            "customer_no": "VARCHAR",
        },
        required=("posting_date", "account_no", "amount"),
        references=(Reference("customer_no", "customers", "customer_no"),),
    ),
    # ---- CRM (JSON Lines, Dataverse field names) -------------------------
    Entity(
        "crm",
        "accounts",
        "jsonl",
        "master",
        ("accountid",),
        {
            "accountid": "VARCHAR",
            "name": "VARCHAR",
            "accountnumber": "VARCHAR",
            "vatnumber": "VARCHAR",
            "address1_postalcode": "VARCHAR",
            "address1_city": "VARCHAR",
            "address1_country": "VARCHAR",
            "websiteurl": "VARCHAR",
            "industrycode": "VARCHAR",
            "ownerid": "VARCHAR",
            "customertypecode": "VARCHAR",
            "strategic_importance": "VARCHAR",
            "statecode": "INTEGER",
            "createdon": "TIMESTAMP",
            "modifiedon": "TIMESTAMP",
        },
        required=("name",),
    ),
    Entity(
        "crm",
        "activities",
        "jsonl",
        "delta",
        ("activityid",),
        {
            "activityid": "VARCHAR",
            "activitytypecode": "VARCHAR",
            "regardingobjectid": "VARCHAR",
            "actualstart": "TIMESTAMP",
            "actualdurationminutes": "INTEGER",
            "ownerid": "VARCHAR",
            "statecode": "VARCHAR",
            "modifiedon": "TIMESTAMP",
        },
        required=("activitytypecode",),
        references=(Reference("regardingobjectid", "accounts", "accountid"),),
    ),
    Entity(
        "crm",
        "opportunities",
        "jsonl",
        "delta",
        ("opportunityid",),
        {
            "opportunityid": "VARCHAR",
            "parentaccountid": "VARCHAR",
            "name": "VARCHAR",
            "estimatedvalue": MONEY,
            "closeprobability": "INTEGER",
            "estimatedclosedate": "DATE",
            "statecode": "VARCHAR",
            "modifiedon": "TIMESTAMP",
        },
        references=(Reference("parentaccountid", "accounts", "accountid"),),
    ),
    # ---- Service desk (CSV as a ticketing tool exports it) ----------------
    Entity(
        "servicedesk",
        "organizations",
        "csv",
        "master",
        ("organization_id",),
        {
            "organization_id": "VARCHAR",
            "name": "VARCHAR",
            "domain_names": "VARCHAR",
            "external_id": "VARCHAR",
            "created_at": "TIMESTAMP",
            "updated_at": "TIMESTAMP",
        },
    ),
    Entity(
        "servicedesk",
        "tickets",
        "csv",
        "delta",
        ("ticket_id",),
        {
            "ticket_id": "VARCHAR",
            "organization_id": "VARCHAR",
            "requester_email": "VARCHAR",
            "created_at": "TIMESTAMP",
            "updated_at": "TIMESTAMP",
            "solved_at": "TIMESTAMP",
            "status": "VARCHAR",
            "priority": "VARCHAR",
            "channel": "VARCHAR",
            "category": "VARCHAR",
            "time_spent_minutes": "INTEGER",
            "satisfaction_rating": "VARCHAR",
        },
        required=("created_at",),
        references=(Reference("organization_id", "organizations", "organization_id"),),
    ),
)

# Columns that carry personal data: usable for matching, never in the mart.
PERSONAL_DATA: dict[tuple[str, str], tuple[str, ...]] = {
    ("servicedesk", "tickets"): ("requester_email",),
}


def entities(system: str | None = None) -> tuple[Entity, ...]:
    return tuple(e for e in ENTITIES if system is None or e.system == system)


def entity(system: str, name: str) -> Entity:
    for e in ENTITIES:
        if e.system == system and e.name == name:
            return e
    raise KeyError(f"no entity {system}.{name} in the extract contract")


def entity_for_file(system: str, file_name: str) -> Entity:
    for e in entities(system):
        if e.file_name == file_name:
            return e
    raise KeyError(f"{system}/{file_name} is not a file of the extract contract")
