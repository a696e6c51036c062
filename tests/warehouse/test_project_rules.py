"""The dbt project's own rules, read from dbt's parse of it (what dbt-project-evaluator
checks in other projects; it is a hub package, which this project cannot install).

Each rule names every model that breaks it, so a failing test says what to fix."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from doc_rules import durations

from klantwaarde.dbt_invoke import project_dir
from klantwaarde.settings import RunSettings

# generic tests that test a key: a model has one of these, or says in its YAML why its
# key is tested elsewhere (config meta `key_test`)
KEY_TESTS = {"primary_key", "unique", "unique_combination"}
# settings of how a model is built; they live in dbt_project.yml, by folder
BUILD_SETTINGS = {
    "materialized",
    "incremental_strategy",
    "unique_key",
    "on_schema_change",
    "pre_hook",
    "pre-hook",
    "post_hook",
    "post-hook",
}
# a config() call in a model's SQL, or a macro that makes one (`*_config(`)
CONFIG_CALL = re.compile(r"\{\{-?\s*\w*config\s*\(")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """dbt's parse of the project (the same `build.parse` a run uses), as JSON."""
    from klantwaarde.build import parse

    out = tmp_path_factory.mktemp("parse")
    settings = RunSettings(
        landing=out / "landing", warehouse=out / "warehouse.duckdb", as_of=date(2026, 1, 31)
    )
    parse(settings)
    return json.loads((settings.output_dir / "dbt_target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def _folder(node: dict[str, Any]) -> list[str]:
    """`models/staging/erp/base/x.sql` -> ['staging', 'erp', 'base']."""
    return list(Path(node["original_file_path"]).parts[1:-1])


def _layer(node: dict[str, Any]) -> str:
    return _folder(node)[0]


def test_the_project_has_models_of_every_layer(models: dict[str, dict[str, Any]]) -> None:
    layers = {_layer(node) for node in models.values()}
    assert {"staging", "intermediate", "marts"} <= layers
    assert len(models) > 50


def test_every_model_says_what_it_holds(models: dict[str, dict[str, Any]]) -> None:
    undescribed = sorted(name for name, node in models.items() if not node["description"].strip())
    assert not undescribed, f"models without a description: {undescribed}"


def test_every_column_of_a_mart_is_described(models: dict[str, dict[str, Any]]) -> None:
    """BI tools show these descriptions as the published columns' comments."""
    undescribed = sorted(
        f"{name}.{column}"
        for name, node in models.items()
        if _layer(node) == "marts"
        for column, spec in node["columns"].items()
        if not spec.get("description", "").strip()
    )
    assert not undescribed, f"mart columns without a description: {undescribed}"


def test_every_mart_enforces_its_contract_on_every_column(
    models: dict[str, dict[str, Any]],
) -> None:
    loose = sorted(
        name
        for name, node in models.items()
        if _layer(node) == "marts"
        and not (
            node["config"]["contract"]["enforced"]
            and node["columns"]
            and all(spec.get("data_type") for spec in node["columns"].values())
        )
    )
    assert not loose, f"marts without an enforced contract on every column: {loose}"


def test_every_model_tests_its_key_or_says_where_it_is_tested(
    manifest: dict[str, Any], models: dict[str, dict[str, Any]]
) -> None:
    keyed: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = (node.get("test_metadata") or {}).get("name")
        attached = node.get("attached_node")
        if name in KEY_TESTS and attached:
            keyed.add(attached.rsplit(".", 1)[-1])
    untested = sorted(
        name
        for name, node in models.items()
        if name not in keyed and not str(node["config"]["meta"].get("key_test", "")).strip()
    )
    assert not untested, (
        "models without a key test and without config meta key_test saying where their "
        f"key is tested: {untested}"
    )
    # a model that has its own key test does not also claim it is tested elsewhere
    both = sorted(
        name
        for name, node in models.items()
        if name in keyed and node["config"]["meta"].get("key_test")
    )
    assert not both, f"models with a key test and a meta key_test: {both}"


def test_staging_reads_only_its_own_source_and_base_models(
    manifest: dict[str, Any], models: dict[str, dict[str, Any]]
) -> None:
    """Staging renames and casts: a staging model reads the source of its folder
    (`staging/<source>/`) and the base models beside it, never a seed or another model."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    wrong = []
    for name, node in models.items():
        folder = _folder(node)
        if folder[0] != "staging":
            continue
        source_name = folder[1]
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes[parent_id]
            if parent["resource_type"] == "source" and parent["source_name"] == source_name:
                continue
            if (
                parent["resource_type"] == "model"
                and _folder(parent) == [*folder[:2], "base"]
                and folder[2:] != ["base"]
            ):
                continue
            wrong.append(f"{name} reads {parent_id}")
    assert not wrong, f"staging models reading more than their source: {wrong}"


def test_how_a_model_is_built_is_set_in_dbt_project_yml(
    models: dict[str, dict[str, Any]],
) -> None:
    """One cascade: materialization, incremental strategy, key and hooks are configured
    by folder (and per model where it differs) in dbt_project.yml, not in a model's SQL
    (a `config()` call, or a macro that makes one) or its properties YAML."""
    in_sql = sorted(name for name, node in models.items() if CONFIG_CALL.search(node["raw_code"]))
    assert not in_sql, f"models configuring how they are built in their SQL: {in_sql}"
    in_yaml = []
    for node in models.values():
        patch = (node.get("patch_path") or "").split("://", 1)[-1]
        if not patch:
            continue
        for entry in (yaml.safe_load((project_dir() / patch).read_text()) or {})["models"]:
            if (
                entry.get("name") == node["name"]
                and set(entry.get("config") or {}) & BUILD_SETTINGS
            ):
                in_yaml.append(f"{node['name']} ({patch})")
    assert not in_yaml, f"models configuring how they are built in YAML: {sorted(in_yaml)}"


def test_a_model_written_in_ctes_ends_with_its_final_cte(
    models: dict[str, dict[str, Any]],
) -> None:
    """Import CTEs first, one job per CTE, and `select * from final` last."""
    wrong = sorted(
        name
        for name, node in models.items()
        if re.search(r"^with\b", node["raw_code"], re.MULTILINE)
        and not re.search(r"select \* from final\s*\Z", node["raw_code"])
    )
    assert not wrong, f"models that do not end with `select * from final`: {wrong}"


def test_descriptions_and_sql_comments_hold_no_measured_durations() -> None:
    root = project_dir()
    found = []
    for folder in ("models", "macros", "tests", "snapshots"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in {".sql", ".yml", ".md"}:
                continue
            for line_no, line in enumerate(path.read_text().splitlines(), start=1):
                if durations(line):
                    found.append(f"{path.relative_to(root)}:{line_no}")
    assert not found, f"durations in the dbt project (belong in make bench's output): {found}"
