"""What the project's descriptions must not hold, in one place: the dbt project's rules
(tests/warehouse/test_project_rules.py) and the DAG's (tests/dags/test_dag_integrity.py)."""

from __future__ import annotations

import re

# a measured duration ("2.4 s", "350 ms", "12 seconds"): measurements belong in
# `make bench`'s output and docs/performance.md, not in descriptions a reader keeps
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|sec|secs|seconds)\b")


def durations(text: str) -> list[str]:
    """The measured durations in `text`."""
    return [match.group(0) for match in DURATION.finditer(text)]
