"""The config folder (contracts §5): every bad file stops the run before anything is
loaded or built, with one line naming the file, the row and what is wrong."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from klantwaarde.cli import main
from klantwaarde.config import DEFAULT_CONFIG_DIR, ConfigError, load_config


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A controller's copy of the shipped example."""
    own = tmp_path / "company"
    shutil.copytree(DEFAULT_CONFIG_DIR, own)
    return own


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_example_is_valid_and_files_not_held_keep_it(tmp_path: Path) -> None:
    shipped = load_config()
    own = tmp_path / "only_the_map"
    own.mkdir()
    shutil.copy(DEFAULT_CONFIG_DIR / "cost_pool_map.csv", own)
    config = load_config(own)
    assert config.sources["cost_pool_map.csv"] == own / "cost_pool_map.csv"
    assert config.sources["cost_pools.csv"] == DEFAULT_CONFIG_DIR / "cost_pools.csv"
    # the same files, the same fingerprint; another folder with other content, another
    assert config.fingerprint == shipped.fingerprint
    _edit(own / "cost_pool_map.csv", "4700,MKT,marketing", "4700,MKT,general_overhead")
    assert load_config(own).fingerprint != shipped.fingerprint


BAD = [
    (
        "pool_activities.csv",
        "field_sales,visit,visit_minutes,1",
        "field_sales,visit,visit_minuts,1",
        r"pool_activities\.csv row 5: driver 'visit_minuts' is not one of orders, ",
    ),
    (
        "pool_activities.csv",
        "order_handling,enter_order,orders,1\n",
        "",
        r"cost_pools\.csv row 2: driver_share pool 'order_handling' has no activities in "
        r"pool_activities\.csv",
    ),
    (
        "cost_pool_map.csv",
        "4310,SAL-FLD,field_sales",
        "4300,SAL-FLD,inside_sales",
        r"cost_pool_map\.csv row 6: duplicate account_no / cost_center 4300 / SAL-FLD "
        r"\(first on row 5\)",
    ),
    (
        "cost_pools.csv",
        "inside_sales,time_driven,cost_to_serve,6600,",
        "inside_sales,time_driven,cost_to_serve,,",
        r"cost_pools\.csv row 6: time-driven pool 'inside_sales' needs "
        r"practical_capacity_minutes above 0",
    ),
    (
        "cost_pool_map.csv",
        "4800,GEN,general_overhead",
        "4800,GEN,overhead",
        r"cost_pool_map\.csv row 13: cost_pool 'overhead' is not in cost_pools\.csv",
    ),
    (
        "cost_pools.csv",
        "bad_debt,direct,credit,,",
        "bad_debt,direct,credit_risk,,",
        r"cost_pools\.csv row 9: cost_class 'credit_risk' is not one of cost_to_serve, credit",
    ),
    (
        "pool_activities.csv",
        "logistics,ship_delivery,deliveries,1",
        "logistics,ship_delivery,deliveries,zero",
        r"pool_activities\.csv row 4: minutes_per_unit 'zero' is not a number",
    ),
    (
        "settings.yml",
        "  months: 12",
        "  months: 0",
        r"settings\.yml: value_window\.months: 0 is not between 1 and 60",
    ),
    (
        "settings.yml",
        "  b_share: 0.15",
        "  b_share: 0.25",
        r"settings\.yml: pareto: a_share \+ b_share exceeds 1",
    ),
    (
        "settings.yml",
        "    - {label: medium, share: 0.15}",
        "    - {label: medium, share: 0.96}",
        r"settings\.yml: curry\.tiers: the shares add up to more than 1",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BAD, ids=[b[3][:40] for b in BAD])
def test_a_bad_file_names_file_row_and_what(folder: Path, file, old, new, message) -> None:
    _edit(folder / file, old, new)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(folder)
    assert str(caught.value).startswith(f"config {folder}{os.sep}")
    assert "\n" not in str(caught.value)


def test_a_file_klantwaarde_does_not_read_is_named(folder: Path) -> None:
    (folder / "cost_pool.csv").write_text("cost_pool\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cost_pool\.csv: not a file klantwaarde reads"):
        load_config(folder)


def test_a_bad_config_stops_the_run_before_anything_is_built(
    folder: Path, tmp_path: Path, capsys
) -> None:
    """`klantwaarde run --config DIR` with a misspelt driver: exit 2, one line on stderr
    naming file and row, and no warehouse written (nothing half-built)."""
    _edit(
        folder / "pool_activities.csv",
        "invoicing,invoice_line,invoice_lines,1",
        "invoicing,invoice_line,invoice_line,1",
    )
    warehouse = tmp_path / "wh" / "klantwaarde.duckdb"
    code = main(
        [
            "run",
            "--landing",
            str(tmp_path / "landing"),
            "--warehouse",
            str(warehouse),
            "--as-of",
            "2025-03-01",
            "--config",
            str(folder),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0, err
    assert f"{folder / 'pool_activities.csv'} row 3: driver 'invoice_line'" in err
    assert not warehouse.parent.exists()
