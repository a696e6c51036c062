"""One Airflow home for the whole test session, configured before airflow is imported."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from klantwaarde import airflow_env

# Before any test module imports airflow (stack-notes: config is read at import).
if os.environ.get("KLANTWAARDE_TEST_AIRFLOW_HOME"):
    _HOME = Path(os.environ["KLANTWAARDE_TEST_AIRFLOW_HOME"])
else:  # a home of this session's own, removed when it ends (not left behind in /tmp)
    _HOME = Path(tempfile.mkdtemp(prefix="kw-airflow-"))
    atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["KLANTWAARDE_TEST_AIRFLOW_HOME"] = str(_HOME)
airflow_env.configure(_HOME)


SAMPLE_CUSTOMERS = 200


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """A migrated metadata DB, reset once per session."""
    airflow_env.migrate(reset=True)
    return _HOME


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    """A generated landing zone (200 customers, 13 months, the last 3 nights as nightly
    drops), shared by every end-to-end test of the session."""
    from klantwaarde.demo import ensure_sample

    landing = tmp_path_factory.getbasetemp() / "kw_sample" / "landing"
    ensure_sample(landing, customers=SAMPLE_CUSTOMERS, months=13, seed=7, nightly_days=3)
    return landing
