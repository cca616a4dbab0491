"""Guards of docker-compose.yml and docker-compose.stress.yml (parsed YAML; `config -q` when a compose is installed).

- the wallet's readiness needs nothing inside the wallet's image: no healthcheck runs in it, a probe
  container polls its /health over the compose network, and whatever waits for the wallet waits for the probe;
- both files name the same project; the host ports are variables whose defaults the settings follow;
- RabbitMQ is an exact, maintained tag; the stress results folder is made writable for the Locust uid.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))
from variables._settings import HOST_PORTS, resolve

MAIN = REPO_ROOT / "docker-compose.yml"
STRESS = REPO_ROOT / "docker-compose.stress.yml"
WALLET = "wallet-api"
PROBE = "wallet-api-ready"
PUBLISHED = re.compile(r"^127\.0\.0\.1:\$\{(?P<var>[A-Z_]+):-(?P<default>\d+)\}:(?P<target>\d+)$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def services(path: Path) -> dict[str, dict[str, Any]]:
    return load(path)["services"]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """{dependency: condition} of a service (the short list form means service_started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def healthcheck_text(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test", "")
    return " ".join(test) if isinstance(test, list) else str(test)


# --- the wallet's readiness (finding 1) ----------------------------------------------------------------------


def test_nothing_runs_inside_the_wallet_image() -> None:
    wallet = services(MAIN)[WALLET]
    assert wallet["image"].startswith("${WALLET_API_IMAGE"), "the wallet service must run any WALLET_API_IMAGE"
    assert wallet.get("healthcheck") == {"disable": True}, (
        "the wallet-api service must not run a healthcheck inside the wallet's image (a distroless or FROM-scratch "
        f"image has no shell or HTTP client), and must switch the image's own off: got {wallet.get('healthcheck')}"
    )


def test_a_probe_outside_the_wallet_judges_its_readiness() -> None:
    probe = services(MAIN).get(PROBE)
    assert probe, f"no {PROBE} service: the wallet's readiness must be judged from another container"
    assert "WALLET_API_IMAGE" not in str(probe.get("image", "")), "the probe must not use the wallet's image"
    assert "http://wallet-api:8080/health" in healthcheck_text(probe), "the probe must poll the wallet's /health"
    assert depends_on(probe).get(WALLET) == "service_started", "the probe starts once the wallet container runs"
    base = re.search(r"^FROM\s+(\S+)", (REPO_ROOT / "services/wallet_api/Dockerfile").read_text(), re.MULTILINE)
    assert base and probe["image"] == base.group(1), "the probe uses the stand-in's base image (already pulled)"


@pytest.mark.parametrize("path", [MAIN, STRESS], ids=lambda p: p.name)
def test_whatever_waits_for_the_wallet_waits_for_the_probe(path: Path) -> None:
    for name, service in services(path).items():
        condition = depends_on(service).get(WALLET)
        assert condition in (None, "service_started"), (
            f"{path.name}: {name} waits for {WALLET} with {condition}: wait for {PROBE} (service_healthy) instead"
        )
    master = depends_on(services(STRESS)["locust-master"])
    assert master.get(PROBE) == "service_healthy", "locust-master must wait for the wallet through the probe"


def compose_up_services(line: str) -> list[str] | None:
    """The services named by a `docker compose ... up ...` command line ([] = all), None when it is not one."""
    match = re.search(r"\bcompose\b(?:\s+-[fp]\s+\S+)*\s+up\b(?P<rest>.*)", line)
    if not match:
        return None
    words, names, skip = match.group("rest").split(), [], False
    for word in words:
        if skip or word.startswith("-"):
            skip = word in ("--wait-timeout", "--scale", "--exit-code-from", "--timeout", "-t")
            continue
        if word.startswith(("|", "&", ";", "||")) or word in (")", "then"):
            break
        names.append(word.strip('"'))
    return names


def test_workflows_wait_for_the_probe() -> None:
    """`docker compose up` in a workflow either starts everything or names the probe with the wallet."""
    for workflow in sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml")):
        for number, line in enumerate(workflow.read_text(encoding="utf-8").splitlines(), start=1):
            named = compose_up_services(line)
            if named and WALLET in named:
                assert PROBE in named, f"{workflow.name}:{number}: starts {WALLET} without {PROBE}: {line.strip()}"
            if named is not None and "--wait" in line:
                assert not named or PROBE in named, f"{workflow.name}:{number}: --wait without the probe"


def test_compose_up_services_parser() -> None:
    assert compose_up_services("docker compose up --wait --wait-timeout 300 --no-build") == []
    assert compose_up_services('docker compose up -d --wait wallet-api "$x"') == ["wallet-api", "$x"]
    assert compose_up_services("docker compose build payment-gateway-mock") is None


# --- project name and host ports (finding 7) -----------------------------------------------------------------


def test_both_files_name_the_same_project() -> None:
    assert load(MAIN).get("name") == "wallet-stack", "docker-compose.yml needs a top-level `name: wallet-stack`"
    assert load(STRESS).get("name") == load(MAIN).get("name"), "the stress file must join the same project"


def published_ports() -> list[re.Match[str]]:
    found = []
    for name, service in services(MAIN).items():
        for port in service.get("ports", []):
            match = PUBLISHED.match(str(port))
            assert match, f"{name}: port {port!r} must be 127.0.0.1:${{NAME_PORT:-default}}:target"
            found.append(match)
    return found


def test_host_ports_are_variables_with_the_settings_defaults() -> None:
    ports = {match["var"]: match["default"] for match in published_ports()}
    assert ports == HOST_PORTS, f"compose host ports {ports} differ from variables/_settings.py HOST_PORTS"


@pytest.mark.parametrize("variable", sorted(HOST_PORTS))
def test_the_local_settings_follow_a_moved_port(variable: str) -> None:
    moved = resolve("local", {variable: "40123"})
    default = f":{HOST_PORTS[variable]}"
    following = [name for name, value in moved.items() if ":40123" in value]
    assert following, f"no local setting follows {variable}"
    stale = [name for name, value in moved.items() if name.endswith("_URL") and re.search(rf"{default}(/|$)", value)]
    assert not stale, f"{variable}=40123 but {stale} still use {default}"


# --- RabbitMQ (finding 6) --------------------------------------------------------------------------------------


def test_rabbitmq_is_an_exact_maintained_tag() -> None:
    image = services(MAIN)["rabbitmq"]["image"]
    match = re.fullmatch(r"rabbitmq:(\d+)\.(\d+)\.(\d+)-management", image)
    assert match, f"pin an exact management tag (e.g. rabbitmq:4.3.5-management), got {image}"
    assert int(match.group(1)) >= 4, f"{image}: the 3.x series is out of community support"


# --- stress results folder (finding 8) -----------------------------------------------------------------------


def test_the_stress_results_folder_is_made_writable_for_the_locust_uid() -> None:
    stress = services(STRESS)
    master, worker, init = stress["locust-master"], stress["locust-worker"], stress.get("stress-results")
    assert init, "a one-shot stress-results service must prepare the results folder"
    results = [volume for volume in master["volumes"] if volume.endswith(":/mnt/results")]
    assert results and results[0] in init["volumes"], "stress-results must mount the master's results folder"
    assert str(init["user"]).startswith("0"), "stress-results runs as root (Docker creates a missing folder as root)"
    assert init["entrypoint"][:2] == ["chown", master["user"]], "the folder must become the Locust containers' uid"
    for name, service in (("locust-master", master), ("locust-worker", worker)):
        assert depends_on(service).get("stress-results") == "service_completed_successfully", name


# --- docker compose config -q ----------------------------------------------------------------------------------


def compose_command() -> tuple[list[str], int] | None:
    """(command, major version): `docker compose` (v2 plugin), else the standalone `docker-compose`."""
    candidates = [["docker", "compose"]] if shutil.which("docker") else []
    candidates += [["docker-compose"]] if shutil.which("docker-compose") else []
    for command in candidates:
        done = subprocess.run([*command, "version", "--short"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and (version := re.search(r"(\d+)\.\d+", done.stdout)):
            return command, int(version.group(1))
    return None


COMPOSE = compose_command()


@pytest.mark.skipif(COMPOSE is None, reason="neither `docker compose` nor `docker-compose` is installed")
@pytest.mark.parametrize("paths", [[MAIN], [MAIN, STRESS]], ids=["main", "main+stress"])
def test_docker_compose_config(paths: list[Path], tmp_path: Path) -> None:
    command, major = COMPOSE or ([], 0)
    if major < 2:
        # Compose v1 (Debian's docker-compose 1.29) predates the top-level `name:` (checked above): validate the
        # rest of each file, unchanged, from the repository folder.
        copies = []
        for path in paths:
            copy = tmp_path / path.name
            copy.write_text(re.sub(r"(?m)^name:.*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
            copies.append(copy)
        paths, command = copies, [*command, "--project-directory", str(REPO_ROOT)]
    files = [arg for path in paths for arg in ("-f", str(path))]
    done = subprocess.run(
        [*command, *files, "config", "-q"], capture_output=True, text=True, timeout=120, check=False, cwd=REPO_ROOT
    )
    assert done.returncode == 0, f"{' '.join(command)} config -q failed:\n{done.stdout}{done.stderr}"
