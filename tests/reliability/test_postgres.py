"""The mart in PostgreSQL, against a real server: a private cluster on loopback made with
the machine's binaries (`klantwaarde.serve.pg_server`), loaded from the published mart of
the reference run. Same rows as DuckDB, faithful types, a BI role that can read `mart`
and nothing else, an atomic swap under a reader, and a one-line error without password."""

from __future__ import annotations

import shutil
import tempfile
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from klantwaarde.serve import pg_server
from klantwaarde.serve.postgres import PostgresPublishError, publish_to_postgres

from .conftest import PUBLISHED
from mart_helpers import mart_rows

psycopg = pytest.importorskip("psycopg")

try:
    pg_server.bin_dir()
    HAVE_PG = True
except RuntimeError:
    HAVE_PG = False

pytestmark = pytest.mark.skipif(
    not HAVE_PG, reason="no PostgreSQL binaries (apt-get install postgresql)"
)


@pytest.fixture(scope="module")
def server():
    # outside pytest's tmp folder: the cluster runs as the postgres user, who must reach it
    root = Path(tempfile.mkdtemp(prefix="klantwaarde-pg-test-"))
    root.chmod(0o755)
    started = pg_server.start(root / "data")
    yield started
    pg_server.stop(root / "data")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def published(reference, server) -> Path:
    path = reference.landing.parent / "reference" / PUBLISHED
    publish_to_postgres(path, server.dsn)
    return path


def _bi_dsn(server) -> str:
    return server.dsn.replace("klantwaarde@", "klantwaarde_bi@")


def test_the_postgres_mart_equals_the_duckdb_mart(server, published):
    ours = mart_rows(published)
    with psycopg.connect(server.dsn) as pg:
        tables = {
            t for (t,) in pg.execute(
                "select table_name from information_schema.tables where table_schema = 'mart'"
            ).fetchall()
        }  # fmt: skip
        assert tables == set(ours)
        for table, rows in ours.items():
            theirs = pg.execute(f'select * from mart."{table}" order by 1').fetchall()
            key = lambda row: tuple((v is None, str(v)) for v in row)  # noqa: E731
            assert sorted(theirs, key=key) == sorted(rows, key=key), table


def test_money_and_dates_keep_their_types(server, published):
    with psycopg.connect(server.dsn) as pg:
        types = dict(
            pg.execute(
                "select column_name, data_type || coalesce('(' || numeric_precision || ',' "
                "|| numeric_scale || ')', '') from information_schema.columns "
                "where table_schema = 'mart' and table_name = 'fct_customer_profitability'"
            ).fetchall()
        )
        assert types["revenue"] == "numeric(18,2)"
        assert types["contribution"] == "numeric(18,2)"
        assert types["period_month"] == "date"
        value = pg.execute("select sum(revenue) from mart.fct_customer_profitability").fetchone()[0]
        assert isinstance(value, Decimal)
        columns = {
            c for (c,) in pg.execute(
                "select column_name from information_schema.columns where table_schema = 'mart'"
            ).fetchall()
        }  # fmt: skip
    assert not {c for c in columns if "email" in c or "requester" in c}


def test_the_bi_role_reads_mart_and_nothing_else(server, published):
    with psycopg.connect(server.dsn, autocommit=True) as owner:
        owner.execute("create schema if not exists pipeline_private")
        owner.execute("create table if not exists pipeline_private.secret (x int)")
        owner.execute("create table if not exists public.scratch (x int)")
    with psycopg.connect(_bi_dsn(server), autocommit=True) as bi:
        assert bi.execute("select count(*) from mart.dim_customer").fetchone()[0] > 0
        for statement in (
            "insert into mart.dim_customer (customer_key) values ('x')",
            "update mart.fct_customer_profitability set revenue = 0",
            "delete from mart.reconciliation_ledger",
            "create table mart.mine (x int)",
            "create table public.mine (x int)",
            "create temporary table mine (x int)",
            "create schema mine",
            "select * from pipeline_private.secret",
            "select * from public.scratch",
            "drop table mart.dim_customer",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(statement)


def test_a_reader_sees_the_old_mart_or_the_new_one(server, published):
    """A reader holding a snapshot of two tables during a second publish: the publish waits
    for it, and the reader's two counts come from the same mart."""
    done = threading.Event()

    def republish() -> None:
        publish_to_postgres(published, server.dsn)
        done.set()

    with psycopg.connect(_bi_dsn(server)) as reader:
        reader.execute("begin isolation level repeatable read")
        before = reader.execute(
            "select (select count(*) from mart.dim_customer), "
            "(select count(*) from mart.fct_customer_profitability)"
        ).fetchone()
        worker = threading.Thread(target=republish)
        worker.start()
        assert not done.wait(1.0)  # the swap waits for the reader's tables
        again = reader.execute(
            "select (select count(*) from mart.dim_customer), "
            "(select count(*) from mart.fct_customer_profitability)"
        ).fetchone()
        reader.execute("commit")
    worker.join(60)
    assert done.is_set()
    assert again == before
    with psycopg.connect(_bi_dsn(server)) as reader:
        after = reader.execute(
            "select (select count(*) from mart.dim_customer), "
            "(select count(*) from mart.fct_customer_profitability)"
        ).fetchone()
    assert after == before  # the same published mart, published again


def test_a_bad_dsn_is_one_line_without_the_password(published, server):
    dsn = f"postgresql://someone:s3cret-pw@127.0.0.1:{server.port}/nodb"
    with pytest.raises(PostgresPublishError) as raised:
        publish_to_postgres(published, dsn)
    message = str(raised.value)
    assert message.startswith("PostgreSQL publish failed: ")
    assert "s3cret-pw" not in message and "\n" not in message
