"""Publishing a night that rebuilt only its last months patches a copy of the published
file; the result equals a whole copy of the mart."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde.build import build
from klantwaarde.publish import publish, write_mart_copy

pytestmark = pytest.mark.slow


def _tables(path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'mart' order by 1"
            ).fetchall()
        ]
        return {
            name: con.execute(f'select * from mart."{name}" order by all').fetchall()
            for name in names
        }


def _publication(path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select rebuild_from_month, patched from meta.publication").fetchone()


def test_a_nightly_publish_patches_the_months_it_rebuilt(nightly_build, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    settings = replace(nightly_build.settings, warehouse=warehouse)

    publish(settings)  # no publication yet: a whole copy
    assert _publication(settings.published_path)[1] is False

    night = build(settings)  # the same night again: the last months only
    assert night.rebuild_from is not None
    publish(settings)
    assert _publication(settings.published_path) == (night.rebuild_from, True)

    whole = tmp_path / "whole.duckdb"
    write_mart_copy(settings.warehouse, whole, settings)
    patched, expected = _tables(settings.published_path), _tables(whole)
    assert patched.keys() == expected.keys()
    for name in expected:
        assert patched[name] == expected[name], name


def test_a_published_file_of_another_build_is_not_patched(nightly_build, tmp_path):
    """Builds that were never published (a gate stopped them) leave the published file
    behind: the next publish copies the whole mart."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    settings = replace(nightly_build.settings, warehouse=warehouse)
    publish(settings)
    build(settings)
    build(settings)  # two builds since the publication
    publish(settings)
    assert _publication(settings.published_path)[1] is False
