"""Reading and validating a config folder: the cost model CSVs and `settings.yml`."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from klantwaarde.errors import KlantwaardeError
from klantwaarde.segment.config import SegmentConfig, merged_mapping, read_yaml
from klantwaarde.segment.errors import SegmentConfigError
from klantwaarde.settings import DEFAULT_CONFIG_DIR

# The drivers every installation measures (int_source_drivers_monthly), contracts §5.
DRIVERS = (
    "orders",
    "invoice_lines",
    "deliveries",
    "credit_notes",
    "visits",
    "visit_minutes",
    "calls",
    "call_minutes",
    "tickets",
    "ticket_minutes",
    "overdue_invoices",
    "receivable_euro_days",
)
METHODS = ("driver_share", "time_driven", "direct", "sustaining")
COST_CLASSES = ("cost_to_serve", "credit")
ACCOUNT_CLASSES = ("revenue", "cogs", "cost")
# the pool of GL cost the map does not know; no config may define it
UNMAPPED_POOL = "unmapped"
SETTINGS_FILE = "settings.yml"
PRICE_CHANGES_FILE = "price_changes.csv"

Column = tuple[str, str, bool]  # name, SQL type in the warehouse, required in the file
# the cost-model files: their columns in warehouse order (config.store writes them so)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "gl_accounts.csv": (
        ("account_no", "varchar", True),
        ("account_name", "varchar", False),
        ("account_class", "varchar", True),
    ),
    "cost_pool_map.csv": (
        ("account_no", "varchar", True),
        ("cost_center", "varchar", True),
        ("cost_pool", "varchar", True),
    ),
    "cost_pools.csv": (
        ("cost_pool", "varchar", True),
        ("method", "varchar", True),
        ("cost_class", "varchar", True),
        ("practical_capacity_minutes", "decimal(18,2)", True),
        ("description", "varchar", False),
    ),
    "pool_activities.csv": (
        ("cost_pool", "varchar", True),
        ("activity", "varchar", True),
        ("driver", "varchar", True),
        ("minutes_per_unit", "decimal(18,4)", True),
    ),
}
PRICE_COLUMNS: tuple[Column, ...] = (
    ("product_group", "varchar", True),
    ("change_pct", "decimal(9,4)", True),
)


@dataclass(frozen=True)
class Thresholds:
    """The run's thresholds outside segmentation (settings.yml)."""

    value_window_months: int = 12
    quarantined_gl_limit: Decimal = Decimal("0.00")
    active_disagreement_max: Decimal = Decimal("0.35")


class ConfigError(KlantwaardeError):
    """The config folder is not usable: the message names the file, the row and what."""


Row = dict[str, str]


@dataclass(frozen=True)
class Table:
    """One config CSV: where it came from, and its rows (row number = line in the file)."""

    path: Path
    rows: tuple[tuple[int, Row], ...]

    def where(self, line: int | None = None) -> str:
        return f"{self.path}" + (f" row {line}" if line is not None else "")

    def error(self, line: int | None, what: str) -> ConfigError:
        return ConfigError(f"config {self.where(line)}: {what}")


@dataclass(frozen=True)
class CompanyConfig:
    """A validated config folder. `tables` holds every cost-model CSV (the folder's own or
    the shipped default), `segments` the segmentation and future-value settings."""

    folder: Path
    tables: dict[str, Table]
    segments: SegmentConfig
    fingerprint: str
    sources: dict[str, Path] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def rows(self, name: str) -> list[Row]:
        return [row for _, row in self.tables[name].rows]


def _read_csv(path: Path, columns: tuple[Column, ...]) -> Table:
    required = tuple(name for name, _, needed in columns if needed)
    optional = tuple(name for name, _, needed in columns if not needed)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise ConfigError(f"config {path} row 1: missing column(s) {', '.join(missing)}")
            unknown = [c for c in header if c not in required + optional]
            if unknown:
                raise ConfigError(f"config {path} row 1: unknown column(s) {', '.join(unknown)}")
            rows = []
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise ConfigError(
                        f"config {path} row {line}: {len(values)} fields, the header has "
                        f"{len(header)}"
                    )
                row = {h: v.strip() for h, v in zip(header, values, strict=True)}
                rows.append((line, {c: row.get(c, "") for c in required + optional}))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config {path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"config {path}: cannot read ({exc.strerror})") from exc
    return Table(path, tuple(rows))


def _decimal(table: Table, line: int, row: Row, column: str) -> Decimal | None:
    """The column's number (None when empty); text that is no number raises."""
    text = row[column]
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise table.error(line, f"{column} {text!r} is not a number") from None
    if not value.is_finite():
        raise table.error(line, f"{column} {text!r} is not a number")
    return value


def _number(table: Table, line: int, row: Row, column: str) -> Decimal | None:
    value = _decimal(table, line, row, column)
    if value is not None and value < 0:
        raise table.error(line, f"{column} {row[column]!r} is not a number of zero or more")
    return value


def _unique(table: Table, key: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    seen: dict[tuple[str, ...], int] = {}
    for line, row in table.rows:
        for column in key:
            if not row[column]:
                raise table.error(line, f"{column} is empty")
        value = tuple(row[c] for c in key)
        if value in seen:
            raise table.error(
                line,
                f"duplicate {' / '.join(key)} {' / '.join(value)} (first on row {seen[value]})",
            )
        seen[value] = line
    return seen


def _choice(table: Table, line: int, row: Row, column: str, allowed: tuple[str, ...]) -> None:
    if row[column] not in allowed:
        raise table.error(line, f"{column} {row[column]!r} is not one of {', '.join(allowed)}")


def validate(tables: dict[str, Table]) -> None:
    """Every rule of a cost model; the first broken one raises ConfigError."""
    accounts = tables["gl_accounts.csv"]
    _unique(accounts, ("account_no",))
    for line, row in accounts.rows:
        _choice(accounts, line, row, "account_class", ACCOUNT_CLASSES)

    pools = tables["cost_pools.csv"]
    _unique(pools, ("cost_pool",))
    method_of: dict[str, str] = {}
    for line, row in pools.rows:
        if row["cost_pool"] == UNMAPPED_POOL:
            raise pools.error(line, f"cost_pool {UNMAPPED_POOL!r} is reserved for unmapped GL cost")
        _choice(pools, line, row, "method", METHODS)
        _choice(pools, line, row, "cost_class", COST_CLASSES)
        capacity = _number(pools, line, row, "practical_capacity_minutes")
        if row["method"] == "time_driven" and not capacity:
            raise pools.error(
                line,
                f"time-driven pool {row['cost_pool']!r} needs practical_capacity_minutes above 0",
            )
        if row["method"] != "time_driven" and capacity is not None:
            raise pools.error(
                line,
                f"practical_capacity_minutes is for time-driven pools; {row['cost_pool']!r} "
                f"is {row['method']}",
            )
        method_of[row["cost_pool"]] = row["method"]

    pool_map = tables["cost_pool_map.csv"]
    _unique(pool_map, ("account_no", "cost_center"))
    classes = {row["account_no"]: row["account_class"] for _, row in accounts.rows}
    for line, row in pool_map.rows:
        if row["cost_pool"] not in method_of:
            raise pool_map.error(line, f"cost_pool {row['cost_pool']!r} is not in cost_pools.csv")
        if classes.get(row["account_no"], "cost") != "cost":
            raise pool_map.error(
                line,
                f"account {row['account_no']} is a {classes[row['account_no']]} account in "
                "gl_accounts.csv, not a cost account",
            )

    activities = tables["pool_activities.csv"]
    _unique(activities, ("cost_pool", "activity"))
    with_activities: set[str] = set()
    for line, row in activities.rows:
        pool = row["cost_pool"]
        if pool not in method_of:
            raise activities.error(line, f"cost_pool {pool!r} is not in cost_pools.csv")
        if method_of[pool] not in ("driver_share", "time_driven"):
            raise activities.error(
                line,
                f"pool {pool!r} is {method_of[pool]}: only driver_share and time_driven "
                "pools have activities",
            )
        _choice(activities, line, row, "driver", DRIVERS)
        minutes = _number(activities, line, row, "minutes_per_unit")
        if not minutes:
            raise activities.error(line, "minutes_per_unit must be a number above 0")
        with_activities.add(pool)
    for line, row in pools.rows:
        if (
            row["method"] in ("driver_share", "time_driven")
            and row["cost_pool"] not in with_activities
        ):
            raise pools.error(
                line,
                f"{row['method']} pool {row['cost_pool']!r} has no activities in "
                "pool_activities.csv",
            )


def _thresholds(raw: dict) -> Thresholds:
    def number(section: str, key: str, low: Decimal, high: Decimal | None) -> Decimal:
        value = raw[section][key]
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        if (
            isinstance(value, bool)
            or not number.is_finite()
            or number < low
            or (high is not None and number > high)
        ):
            bound = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise SegmentConfigError(f"segment config {section}.{key}: {value!r} is not {bound}")
        return number

    months = number("value_window", "months", Decimal(1), Decimal(60))
    if months != int(months):
        raise SegmentConfigError("segment config value_window.months: a whole number of months")
    return Thresholds(
        value_window_months=int(months),
        quarantined_gl_limit=number("reconciliation", "quarantined_gl_limit", Decimal(0), None),
        active_disagreement_max=number(
            "definitions", "active_disagreement_max", Decimal(0), Decimal(1)
        ),
    )


def _segments(path: Path | None) -> tuple[SegmentConfig, Thresholds]:
    try:
        override = read_yaml(path) if path else {}
        return SegmentConfig.from_mapping(override), _thresholds(merged_mapping(override))
    except SegmentConfigError as exc:
        text = str(exc).removeprefix("segment config ")
        if text.startswith(str(path)):
            raise ConfigError(f"config {text}") from exc
        raise ConfigError(f"config {path}: {text}") from exc


def _files(folder: Path) -> Iterator[tuple[str, Path]]:
    for name in (*COLUMNS, SETTINGS_FILE):
        own = folder / name
        default = DEFAULT_CONFIG_DIR / name
        if own.is_file():
            yield name, own
        elif default.is_file():
            yield name, default


def load_config(folder: Path | str | None = None) -> CompanyConfig:
    """The validated config of `folder` (None: the shipped example)."""
    folder = Path(folder or DEFAULT_CONFIG_DIR).resolve()
    if not folder.is_dir():
        raise ConfigError(f"config {folder}: no such folder")
    strangers = sorted(
        p.name
        for p in folder.iterdir()
        if p.name not in (*COLUMNS, SETTINGS_FILE, PRICE_CHANGES_FILE, "README.md")
        and not p.name.startswith(".")
    )
    if strangers:
        raise ConfigError(f"config {folder / strangers[0]}: not a file klantwaarde reads")
    sources = dict(_files(folder))
    tables = {name: _read_csv(sources[name], columns) for name, columns in COLUMNS.items()}
    validate(tables)
    segments, thresholds = _segments(sources.get(SETTINGS_FILE))
    digest = hashlib.sha256()
    for name, path in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return CompanyConfig(folder, tables, segments, digest.hexdigest(), sources, thresholds)


def load_price_changes(folder: Path | str) -> dict[str, tuple[Decimal, int]]:
    """`price_changes.csv` of a scenario's config folder (contracts §6): product_group →
    (change_pct, its row; 10 = prices 10 % up); {} when the folder holds none."""
    path = Path(folder).resolve() / PRICE_CHANGES_FILE
    if not path.is_file():
        return {}
    table = _read_csv(path, PRICE_COLUMNS)
    _unique(table, ("product_group",))
    changes: dict[str, tuple[Decimal, int]] = {}
    for line, row in table.rows:
        pct = _decimal(table, line, row, "change_pct")
        if pct is None or pct <= -100:
            raise table.error(line, f"change_pct {row['change_pct']!r} must be above -100")
        changes[row["product_group"]] = (pct, line)
    return changes
