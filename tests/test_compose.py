"""docker-compose.yml and the Dockerfile: valid Compose, the same Elasticsearch as the tests,
settings the code actually reads, and an API command that really serves.

Docker itself is not needed: the file is checked against the Compose specification's JSON
schema (vendored in tests/fixtures, see compose-spec.SOURCE), and the image's command is run
here with gunicorn as the container would run it.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("elasticsearch", "api", "indexer")
CODE = ("katdir", "search_api", "crawler", "indexer")
NOT_OURS = {"WEB_CONCURRENCY"}  # read by gunicorn


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def compose_validator():
    schema = json.loads((ROOT / "tests" / "fixtures" / "compose-spec.json").read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_compose_file_is_valid_against_the_compose_specification(compose):
    validator = compose_validator()
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # ...and the schema does bite: a misspelt key is refused.
    broken = {
        **compose,
        "services": {
            **compose["services"],
            "api": {**compose["services"]["api"], "port": ["8000"]},
        },
    }
    assert not validator.is_valid(broken)


def test_the_three_services_exist(compose):
    assert set(SERVICES) <= set(compose["services"])
    indexer = compose["services"]["indexer"]
    assert indexer["profiles"] == ["job"] and indexer["restart"] == "no"
    assert "katdir crawl" in " ".join(indexer["command"]) and "katdir index" in " ".join(
        indexer["command"]
    )


def test_elasticsearch_image_is_the_version_the_tests_run(compose):
    pom = (ROOT / "tools" / "es-node" / "pom.xml").read_text()
    tested = re.search(r"<es\.version>([^<]+)</es\.version>", pom).group(1)
    image = compose["services"]["elasticsearch"]["image"]
    assert image == f"docker.elastic.co/elasticsearch/elasticsearch:{tested}"


def test_elasticsearch_is_a_single_node_with_a_heap_a_volume_and_a_healthcheck(compose):
    es = compose["services"]["elasticsearch"]
    env = es["environment"]
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    heap = dict(re.findall(r"-Xm([sx])(\d+[kmg])", env["ES_JAVA_OPTS"]))
    assert heap.get("s") and heap.get("s") == heap.get("x"), "set -Xms and -Xmx, equal"
    assert any(v.startswith("esdata:") for v in es["volumes"]) and "esdata" in compose["volumes"]
    check = " ".join(es["healthcheck"]["test"])
    assert "_cluster/health" in check
    for name in ("api", "indexer"):
        depends = compose["services"][name]["depends_on"]
        assert depends["elasticsearch"]["condition"] == "service_healthy"


def names_the_code_reads() -> set[str]:
    found = set()
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r"\bKATDIR_[A-Z0-9_]+\b", path.read_text()))
    return found


def test_every_setting_the_services_pass_is_one_the_code_reads(compose):
    known = names_the_code_reads()
    assert {"KATDIR_STORE", "KATDIR_ES_PREFIX"} <= known
    for name in ("api", "indexer"):
        env = compose["services"][name]["environment"]
        assert env["KATDIR_STORE"] == "http://elasticsearch:9200"
        assert "KATDIR_ES_PREFIX" in env
        unknown = set(env) - known - NOT_OURS
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"


def bind_port(command: list[str]) -> int:
    bind = command[command.index("--bind") + 1]
    return int(bind.rsplit(":", 1)[1])


def dockerfile_cmd(dockerfile: str) -> list[str]:
    return json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))


def test_the_api_port_is_the_one_gunicorn_binds_and_the_image_exposes(compose, dockerfile):
    api = compose["services"]["api"]
    port = bind_port(api["command"])
    assert api["command"] == dockerfile_cmd(dockerfile)
    assert api["command"][-1] == "search_api:create_app()"
    assert re.search(rf"^EXPOSE {port}$", dockerfile, re.M)
    assert any(str(p).split(":")[-1] == str(port) for p in api["ports"])


def test_the_image_is_python_311_slim_installs_the_package_and_runs_as_a_user(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"pip install \.", dockerfile)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "tools"} <= set(ignored)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_command_serves_the_api(dockerfile, tmp_path):
    """The CMD as the container runs it (the factory call included), bound to localhost."""
    command = dockerfile_cmd(dockerfile)
    port = free_port()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        "PATH": str(gunicorn.parent),
        "KATDIR_VAR": str(tmp_path),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [str(gunicorn), *command[1:]],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # A fresh KATDIR_VAR builds the gazetteer's index first (tens of seconds on a busy machine).
        deadline = time.monotonic() + 120
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/v1/clinics/search?lat=39.74&lon=-104.99"
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    assert json.load(response)["total"] == 0  # a new, empty directory
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.terminate()  # reading a live server's stderr would wait forever
                    _, err = server.communicate(timeout=30)
                    raise AssertionError(
                        f"{shlex.join(command)} did not serve: {err.decode()[-2000:]}"
                    ) from None
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
