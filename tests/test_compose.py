"""The Docker deployment files: Docker does not run here, so they are parsed and checked, the
Qdrant healthcheck is run against the real test server, and ``docker compose config`` validates
them where a Docker client with the compose plugin exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.ports import free_port
from tests.support.qdrant import QDRANT_VERSION, shared_server

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
CLUSTER = ROOT / "docker-compose.cluster.yml"
IMAGE = f"qdrant/qdrant:v{QDRANT_VERSION}"  # the version tests/support/qdrant.py runs


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Compose's rule for ``-f a -f b`` on what these files use: mappings merge, the rest is replaced."""
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        out[key] = merged(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


def healthcheck_script(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"]  # exec form: the image has bash, not curl or wget
    return str(test[3]).replace("$$", "$")


def test_the_single_server_stack() -> None:
    services = load(COMPOSE)["services"]
    assert set(services) == {"qdrant", "api", "indexer"}
    qdrant = services["qdrant"]
    assert qdrant["image"] == IMAGE
    assert (
        "qdrant-storage:/qdrant/storage" in qdrant["volumes"] and "qdrant-storage" in load(COMPOSE)["volumes"]
    )
    assert {"interval", "timeout", "retries"} <= set(qdrant["healthcheck"])
    for name in ("api", "indexer"):
        service = services[name]
        assert service["build"] == "." and service["image"] == services["api"]["image"]
        assert service["depends_on"]["qdrant"] == {"condition": "service_healthy"}
        assert service["environment"]["SEMSEARCH_QDRANT_URL"] == "http://qdrant:6333"
    assert services["indexer"]["command"][:2] == ["semsearch", "index"]
    assert services["indexer"]["restart"] == "no"
    assert any(v.endswith(":/data:ro") for v in services["indexer"]["volumes"])
    assert "/health" in " ".join(services["api"]["healthcheck"]["test"])


def test_the_cluster_override() -> None:
    config = merged(load(COMPOSE), load(CLUSTER))
    services = config["services"]
    peers = {name: s for name, s in services.items() if name.startswith("qdrant")}
    assert set(peers) == {"qdrant", "qdrant-2", "qdrant-3"}
    for name, peer in peers.items():
        assert peer["image"] == IMAGE and peer["environment"]["QDRANT__CLUSTER__ENABLED"] == "true"
        assert peer["command"][-2:] == ["--uri", f"http://{name}:6335"]
        assert "healthcheck" in peer and any(v.endswith(":/qdrant/storage") for v in peer["volumes"])
        if name != "qdrant":
            assert peer["command"][:2] == ["--bootstrap", "http://qdrant:6335"]
            assert peer["depends_on"]["qdrant"] == {"condition": "service_healthy"}
    assert len({v for peer in peers.values() for v in peer["volumes"]}) == 3  # one folder per node
    for name in ("api", "indexer"):
        env = services[name]["environment"]
        assert (env["SEMSEARCH_SHARD_NUMBER"], env["SEMSEARCH_REPLICATION_FACTOR"]) == ("3", "2")
        assert env["SEMSEARCH_QDRANT_URL"] == "http://qdrant:6333"  # kept from the base file
        assert set(services[name]["depends_on"]) == set(peers)


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in strings(key) + strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("path", [COMPOSE, CLUSTER], ids=lambda p: p.name)
def test_no_dollar_is_left_for_compose_to_eat(path: Path) -> None:
    # Compose substitutes $NAME in every value, shell scripts included: those must say $$NAME.
    bare = [
        s for s in strings(load(path)) if re.search(r"\$(?!\{[A-Z_]+(?::-[^}]*)?\})", s.replace("$$", ""))
    ]
    assert bare == []


@pytest.mark.server
def test_the_qdrant_healthcheck_tells_a_ready_server_from_a_missing_one() -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = healthcheck_script(load(COMPOSE)["services"]["qdrant"])
    assert script == healthcheck_script(load(CLUSTER)["services"]["qdrant-2"])
    port = shared_server().http_port
    ready = subprocess.run(["bash", "-c", script.replace("6333", str(port))], timeout=10)
    missing = subprocess.run(
        ["bash", "-c", script.replace("6333", str(free_port()))], timeout=10, capture_output=True
    )
    assert ready.returncode == 0 and missing.returncode != 0


def test_the_image_builds_what_compose_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.MULTILINE):
        for part in source.split():
            assert (ROOT / part).exists(), part
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".env", "tests"} <= set(ignored)
    from api.server import worker_app
    from semsearch.cli.app import app

    assert callable(worker_app)
    assert "index" in {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


@pytest.mark.parametrize("files", [[COMPOSE], [COMPOSE, CLUSTER]], ids=["single", "cluster"])
def test_docker_compose_accepts_the_files(files: list[Path], tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("no Docker client with the compose plugin here: the checks above stand in for it")
    args = [a for f in files for a in ("-f", str(f))]
    result = subprocess.run(
        [docker, "compose", *args, "config", "-q"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
