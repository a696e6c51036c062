"""The three tables the `value` step writes into schema `mart` (contracts §4).

They are created, empty, before the first dbt build too: the semantic layer's view over
mart.customer_lifetime_value (dbt source `future_value`) needs its table to exist.
Imports nothing heavy, so the build can call it.
"""

from __future__ import annotations

import duckdb

DDL: dict[str, str] = {
    "customer_lifetime_value": """
        customer_key VARCHAR NOT NULL, as_of_date DATE NOT NULL, frequency INTEGER,
        recency DOUBLE, tenure DOUBLE, time_unit VARCHAR NOT NULL,
        monetary_value DECIMAL(18,2), p_alive DOUBLE, expected_purchases_12m DOUBLE,
        expected_revenue_12m DECIMAL(18,2) NOT NULL, clv DECIMAL(18,2) NOT NULL,
        potential_value DECIMAL(18,2) NOT NULL, clv_method VARCHAR NOT NULL,
        PRIMARY KEY (customer_key, as_of_date)""",
    "clv_model_parameters": """
        as_of_date DATE NOT NULL, model VARCHAR NOT NULL, parameter VARCHAR NOT NULL,
        value DOUBLE NOT NULL, time_unit VARCHAR NOT NULL, customers_fitted INTEGER NOT NULL,
        log_likelihood DOUBLE, converged BOOLEAN NOT NULL,
        PRIMARY KEY (as_of_date, model, parameter)""",
    "clv_model_fit": """
        as_of_date DATE NOT NULL, frequency_bucket VARCHAR NOT NULL,
        calibration_end DATE NOT NULL, holdout_end DATE NOT NULL, method VARCHAR NOT NULL,
        customers INTEGER NOT NULL, predicted_occasions DOUBLE NOT NULL,
        actual_occasions INTEGER NOT NULL,
        PRIMARY KEY (as_of_date, frequency_bucket)""",
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `mart` and the future-value tables where missing (never alters)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS mart")
    for table, columns in DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS mart.{table} ({columns})")
