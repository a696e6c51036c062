"""Small helpers to write SQL text safely."""

from __future__ import annotations

from datetime import date, datetime


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str | int | date | datetime | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def path_lit(path: object) -> str:
    return lit(str(path))
