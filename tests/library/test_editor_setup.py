"""Editor-ready: robot.toml gives an editor's run the settings run.sh gives robot; `./run.sh docs` writes the
keyword pages, spec files and a searchable index that includes RequestsLibrary and DatabaseLibrary."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from runner import docs  # noqa: E402 - scripts/ is not on the path by default

from variables._settings import environments  # noqa: E402

CONFIG = tomllib.loads((ROOT / "robot.toml").read_text(encoding="utf-8"))
QUIET = ["--output", "NONE", "--log", "NONE", "--report", "NONE", "--console", "quiet"]


def test_robot_toml_has_run_sh_settings_and_a_profile_per_environment() -> None:
    assert {"libraries", "."} <= set(CONFIG["python-path"]), "the editor must import WalletLibrary and variables/"
    assert "libraries/SecretRedactor.py" in CONFIG["listeners"], "the secret-masking listener, as run.sh gives it"
    assert "stress" in CONFIG["excludes"], "run.sh leaves the stress tests out unless --stress"
    assert CONFIG["default-profiles"] == ["local"]
    for environment in environments():
        profile = CONFIG["profiles"].get(environment)
        assert profile, f"no profile for the environment {environment}"
        assert profile["variable-files"] == [f"variables/{environment}.py"], environment
        assert profile["env"]["ENVIRONMENT"] == environment
    assert "destructive" in CONFIG["profiles"]["staging"]["extend-excludes"], "never destructive on staging"


def test_robotcode_runs_with_the_local_profile_and_robot_ignores_the_file() -> None:
    robotcode = Path(sys.executable).parent / "robotcode"
    command = [str(robotcode), "--profile", "local", "robot", "--dryrun", *QUIET, "suites/smoke"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"robotcode --profile local: {done.stdout[-1500:]}{done.stderr[-1500:]}"
    plain = [sys.executable, "-m", "robot", "--dryrun", *QUIET, "suites/smoke"]
    bare = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}  # as an editor's shell
    done = subprocess.run(plain, cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120, check=False)
    assert "No module named 'WalletLibrary'" in done.stdout + done.stderr, "robot read robot.toml? it must not"


def test_docs_write_spec_files_and_a_searchable_index_with_the_recommended_libraries(tmp_path: Path) -> None:
    keywords, files, failures = docs.build(tmp_path)
    assert not failures, failures
    specs = {p.stem for p in (tmp_path / "specs").glob("*.libspec")}
    assert {"WalletLibrary", "RequestsLibrary", "DatabaseLibrary", "common"} <= specs, specs
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<input id="search"' in index, "the index has no search box"
    for keyword in ("GET On Session", "Query", "Auth Headers For", "Prepare Test Run"):
        assert f">{keyword}</a>" in index, f"{keyword} is not in the index"
    assert keywords > 200 and files == len(specs)
