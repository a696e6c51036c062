"""The published mart opens read-only in DuckDB 1.4, the oldest engine BI tools ship
(contracts §7), while the working warehouse stays on the project's DuckDB. The old engine
runs in its own environment, `.venv-duckdb14` (`make old-duckdb`; `make test` makes it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from .conftest import PUBLISHED
from mart_helpers import mart_rows

OLD_PYTHON = Path(__file__).resolve().parents[2] / ".venv-duckdb14" / "bin" / "python"

READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [t for (t,) in con.execute(
    "select table_name from duckdb_tables() where schema_name = 'mart' order by 1").fetchall()]
out = {"version": duckdb.__version__, "tables": {}}
for t in tables:
    rows = con.execute(f'select * from mart."{t}" order by all').fetchall()
    out["tables"][t] = [[str(v) for v in row] for row in rows]
print(json.dumps(out))
"""


@pytest.mark.skipif(not OLD_PYTHON.exists(), reason="no .venv-duckdb14: run `make old-duckdb`")
def test_the_published_mart_opens_in_duckdb_1_4_with_the_same_rows(reference):
    published = reference.landing.parent / "reference" / PUBLISHED
    done = subprocess.run(
        [str(OLD_PYTHON), "-c", READ, str(published)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["version"].startswith("1.4.")
    ours = mart_rows(published)
    assert set(seen["tables"]) == set(ours)
    assert {"fct_customer_profitability", "customer_lifetime_value"} <= set(ours)
    for table, rows in ours.items():
        assert seen["tables"][table] == [[str(v) for v in row] for row in rows], table


def test_the_working_warehouse_stays_on_the_projects_duckdb(reference):
    working = reference.landing.parent / "reference" / "warehouse.duckdb"
    published = reference.landing.parent / "reference" / PUBLISHED
    versions = {}
    for name, path in (("working", working), ("published", published)):
        con = duckdb.connect(str(path), read_only=True)
        try:
            versions[name] = dict(
                con.execute(
                    "select tags from duckdb_databases() where database_name = current_database()"
                ).fetchone()[0]
            )["storage_version"]
        finally:
            con.close()
    assert versions["published"].startswith("v1.4.0")
    assert not versions["working"].startswith("v1.4.0")
