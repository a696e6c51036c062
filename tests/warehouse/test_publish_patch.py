"""Publishing a night that rebuilt only its last months patches a copy of the published
file; the result equals a whole copy of the mart."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta

import duckdb
import pytest

from klantwaarde.build import build
from klantwaarde.publish import publish, write_mart_copy

from mart_helpers import mart_rows

pytestmark = pytest.mark.slow


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
    patched, expected = mart_rows(settings.published_path), mart_rows(whole)
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


def _segment(settings, as_of) -> None:
    from klantwaarde.segment import segment

    with duckdb.connect(str(settings.warehouse)) as con:
        segment(con, as_of, settings.commercial_budget)


def test_a_nightly_publish_adds_the_nights_segments_to_their_history(nightly_build, tmp_path):
    """The segment step keeps one set of rows per as-of date, a history that grows every
    night: a patched publish writes the night's as-of date only, and keeps the earlier
    dates of the published file (they do not change); the result equals a whole copy."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    settings = replace(nightly_build.settings, warehouse=warehouse)
    _segment(settings, settings.as_of)
    # an earlier night's segments (the fixture keeps the last night's mart only)
    earlier = settings.as_of - timedelta(days=1)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "insert into mart.customer_segments select * replace (cast(? as date) as as_of_date)"
            " from mart.customer_segments where as_of_date = ?",
            [earlier, settings.as_of],
        )
    publish(settings)  # no publication yet: a whole copy

    # the earlier date as published, marked: a patched publish leaves it as it is
    with duckdb.connect(str(settings.published_path)) as con:
        marked = con.execute(
            "update mart.customer_segments set curry_tier = 'marked' where as_of_date = ?",
            [earlier],
        ).fetchone()[0]
    assert marked > 0
    build(settings)  # the same night again: the last months only
    _segment(settings, settings.as_of)
    publish(settings)
    assert _publication(settings.published_path)[1] is True

    whole = tmp_path / "whole.duckdb"
    write_mart_copy(settings.warehouse, whole, settings)
    patched, expected = mart_rows(settings.published_path), mart_rows(whole)
    assert patched.keys() == expected.keys()
    for name in expected:
        if name != "customer_segments":
            assert patched[name] == expected[name], name
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        kept = con.execute(
            "select count(*) from mart.customer_segments"
            " where as_of_date = ? and curry_tier = 'marked'",
            [earlier],
        ).fetchone()[0]
        tonight = con.execute(
            "select * from mart.customer_segments where as_of_date = ? order by all",
            [settings.as_of],
        ).fetchall()
    assert kept == marked
    assert tonight == [row for row in expected["customer_segments"] if row[1] == settings.as_of]

    # a published segment table whose columns differ (an older klantwaarde) is copied
    # whole on the next patched publish
    with duckdb.connect(str(settings.published_path)) as con:
        con.execute("alter table mart.customer_segments drop column curry_tier")
    build(settings)
    publish(settings)
    assert _publication(settings.published_path)[1] is True
    write_mart_copy(settings.warehouse, tmp_path / "whole2.duckdb", settings)
    segments = mart_rows(settings.published_path)["customer_segments"]
    assert segments == mart_rows(tmp_path / "whole2.duckdb")["customer_segments"]
