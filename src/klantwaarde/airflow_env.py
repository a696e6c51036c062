"""A self-contained AIRFLOW_HOME for the demo and the tests.

Airflow reads its configuration when it is first imported, so `configure()` must run
before anything imports `airflow` (shared/stack-notes.md). It points the metadata DB
(SQLite), logs and the cosmos cache into `home`, switches the example DAGs off and
uses the repository's `dags/` folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from klantwaarde.settings import REPO_ROOT

DAGS_FOLDER = REPO_ROOT / "dags"


def airflow_settings(home: Path, dags_folder: Path = DAGS_FOLDER) -> dict[str, str]:
    home = Path(home).resolve()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos_cache"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
    }


def configure(home: Path, dags_folder: Path = DAGS_FOLDER) -> dict[str, str]:
    """Set the environment for an Airflow home under `home`. Call before importing airflow."""
    values = airflow_settings(home, dags_folder)
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != values["AIRFLOW_HOME"]:
        raise RuntimeError(
            "airflow was imported before klantwaarde.airflow_env.configure(); "
            f"it is configured for AIRFLOW_HOME={os.environ.get('AIRFLOW_HOME')!r}"
        )
    Path(values["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(values)
    return values


def migrate(reset: bool = False) -> None:
    """Create (or, with `reset`, wipe and recreate) the metadata DB."""
    from airflow.utils import db

    if reset:
        db.resetdb()
    else:
        db.upgradedb()


def get_dag(dag_id: str = "klantwaarde_nightly"):
    """The DAG as the dag processor sees it: parsed from the dags folder."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[dag_id]
