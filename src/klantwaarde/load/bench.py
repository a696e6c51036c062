"""Loader benchmark: one ERP drop with N synthetic invoice lines.

    python -m klantwaarde.load.bench --lines 10000000 [--dir /tmp/kw-bench] [--dirty]

Writes the drop (invoice_lines.csv by DuckDB COPY, tiny other ERP files, a true
manifest), loads it into a fresh warehouse and prints wall and CPU seconds and rows/s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb

from klantwaarde import contract
from klantwaarde.load import load_landing
from klantwaarde.load.verify import file_facts
from klantwaarde.settings import DuckDBSettings

DAY = date(2025, 3, 1)
SMALL = {
    "customers.csv": "C001,Klant BV,,Straat 1,1234 AB,Utrecht,NL,30,1000.00,false,"
    "2024-01-01,2024-01-01 00:00:00\n",
    "products.csv": "P1,Widget,hardware,2.5000,false\n",
    "payments.csv": "PAY1,INV0,C001,2025-03-01,10.00\n",
    "gl_entries.csv": "G1,2025-03-01,4100,Order desk salaries,ORD,100.00,salaries,\n",
}


def write_drop(root: Path, lines: int, dirty: bool) -> Path:
    folder = root / "landing" / "erp" / DAY.isoformat()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bad = "WHEN i % 5003 = 1 THEN 'not-a-date' " if dirty else ""
    duckdb.connect().execute(
        f"""COPY (SELECT 'INV' || (i // 4) AS invoice_no, i % 4 + 1 AS line_no,
          CASE {bad}WHEN TRUE THEN strftime(DATE '2023-01-01' + CAST(i % 700 AS INTEGER),
                                           '%Y-%m-%d') END AS invoice_date,
          strftime(DATE '2023-01-31' + CAST(i % 700 AS INTEGER), '%Y-%m-%d') AS due_date,
          'C001' AS customer_no, 'O' || (i // 8) AS order_no,
          CASE WHEN i % 3 = 0 THEN '' ELSE 'D' || (i // 8) END AS delivery_no,
          'P1' AS product_code, CAST(i % 17 + 1 AS VARCHAR) AS quantity,
          '5.2500' AS unit_price, '0.00' AS discount_amount,
          printf('%.2f', (i % 17 + 1) * 5.25) AS net_amount,
          printf('%.2f', (i % 17 + 1) * 2.5) AS cost_amount,
          CASE WHEN i % 1000 = 0 THEN 'USD' ELSE 'EUR' END AS currency
        FROM range({lines}) t(i)) TO '{folder / "invoice_lines.csv"}' (HEADER, DELIMITER ',')"""
    )
    for name, row in SMALL.items():
        ent = contract.entity_for_file("erp", name)
        (folder / name).write_text(",".join(ent.columns) + "\n" + row, encoding="utf-8")
    files = {}
    for ent in contract.entities("erp"):
        facts = file_facts(folder / ent.file_name)
        files[ent.file_name] = {"rows": facts.lines - 1, "sha256": facts.sha256}
    manifest = {"system": "erp", "extract_date": DAY.isoformat(), "files": files}
    (folder / contract.MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return root / "landing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/klantwaarde-load-bench"))
    parser.add_argument("--dirty", action="store_true", help="one bad date every 5003 lines")
    args = parser.parse_args()
    landing = write_drop(args.dir, args.lines, args.dirty)
    size = (landing / "erp" / DAY.isoformat() / "invoice_lines.csv").stat().st_size
    warehouse = args.dir / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse), config=DuckDBSettings().config())
    wall, cpu = time.perf_counter(), time.process_time()
    summary = load_landing(con, landing, DAY, currencies={"EUR", "USD"})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    con.close()
    print(
        f"{args.lines:,} invoice lines ({size / 1e6:.0f} MB): wall {wall:.1f} s "
        f"({args.lines / wall:,.0f} rows/s), CPU {cpu:.1f} s "
        f"({args.lines / cpu:,.0f} rows per CPU-second); "
        f"{summary.rows_quarantined} quarantined"
    )


if __name__ == "__main__":
    main()
