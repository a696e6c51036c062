"""Serving the mart beyond the DuckDB file: a private PostgreSQL cluster for tests and the
demo (`pg_server`), and the publish of schema `mart` into PostgreSQL (`postgres`)."""
