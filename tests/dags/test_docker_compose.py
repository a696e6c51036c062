"""docker-compose.yml: parses, mounts only paths that exist, runs the pinned Airflow."""

from __future__ import annotations

import re

import yaml

from klantwaarde.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


def _pinned_airflow() -> str:
    lock = (REPO_ROOT / "requirements.lock").read_text()
    return re.search(r"^apache-airflow==(\S+)$", lock, re.M).group(1)


def test_compose_mounts_exist_and_image_matches_the_lock():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {
        "postgres",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    } <= set(services)
    named_volumes = set(compose.get("volumes") or {})
    pinned = _pinned_airflow()
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO_ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in named_volumes, f"{name} mounts undeclared volume {source}"
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        if name.startswith("airflow"):
            dockerfile = service["build"]["dockerfile_inline"]
            assert re.search(rf"^FROM apache/airflow:{re.escape(pinned)}$", dockerfile, re.M)
            assert f"apache-airflow=={pinned}" in dockerfile
            for line in dockerfile.splitlines():
                if line.startswith("COPY"):
                    for source in line.split()[2:-1]:
                        assert (REPO_ROOT / source).exists(), f"image copies missing {source}"
    mounts = {v.split(":")[1] for v in services["airflow-scheduler"]["volumes"]}
    assert {
        "/opt/airflow/dags",
        "/opt/klantwaarde/src",
        "/opt/klantwaarde/dbt_project",
        "/opt/klantwaarde/expectations",
        "/opt/klantwaarde/landing",
        "/opt/klantwaarde/warehouse",
    } <= mounts
