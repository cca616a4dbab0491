"""One checkout, one stack: two checkouts running `./run.sh local` at the same time are both green, and neither
uses the other's stand-in or database.

The other checkout is a copy of this working tree in a temporary folder (its `.venv` a link to this one's). Both
run `./run.sh local suites/smoke` at once, each with a run id of its own; afterwards each run's wallets are in its
own checkout's database only, the two stacks have different addresses and databases, and the copy's console
says that its stack is its own. The copy's database, role, vhost and RabbitMQ user are removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2
from stack_helpers import remove_stack_of

from variables._settings import SETTING_NAMES

ROOT = Path(__file__).resolve().parents[2]
OUTER = {*SETTING_NAMES, "ENVIRONMENT", "RUN_ID", "RESULTS_DIR", "STACK_SERVICES", "CI"}
COPY_IGNORES = shutil.ignore_patterns(".git", ".venv", "results", "__pycache__", ".ruff_cache", ".pytest_cache")


def settings_of(checkout: Path, env: dict[str, str]) -> dict[str, str]:
    """The local settings a checkout resolves (`python3 -m variables local` there)."""
    done = subprocess.run(
        ["python3", "-c", "from variables._settings import resolve; print(repr(resolve('local')))"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return eval(done.stdout)


def wallets_of(run_id: str, database_url: str) -> int:
    with psycopg2.connect(database_url, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM wallets WHERE owner_id LIKE %s", (f"{run_id}-%",))
        return int(cursor.fetchone()[0])


def test_two_checkouts_at_once_are_green_each_on_its_own_stack(tmp_path: Path) -> None:
    other = tmp_path / "other-checkout"
    shutil.copytree(ROOT, other, ignore=COPY_IGNORES, symlinks=True)
    (other / ".venv").symlink_to(ROOT / ".venv")
    env = {name: value for name, value in os.environ.items() if name not in OUTER} | {"PABOT_PROCESSES": "2"}
    mine, theirs = settings_of(ROOT, env), settings_of(other, env)
    assert mine["WALLET_API_URL"] != theirs["WALLET_API_URL"], "both checkouts use one wallet stand-in"
    assert mine["GATEWAY_MOCK_URL"] != theirs["GATEWAY_MOCK_URL"], "both checkouts use one gateway mock"
    assert mine["DATABASE_URL"] != theirs["DATABASE_URL"], "both checkouts use one database"
    runs: dict[str, tuple[str, subprocess.Popen[str]]] = {}
    try:
        for label, checkout in (("this", ROOT), ("other", other)):
            run_id = f"two{label}{uuid.uuid4().hex[:6]}"
            extra = {"RUN_ID": run_id, "RESULTS_DIR": str(tmp_path / f"results-{label}")}
            runs[label] = (
                run_id,
                subprocess.Popen(
                    ["bash", str(checkout / "run.sh"), "local", "suites/smoke"],
                    cwd=checkout,
                    env=env | extra,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
        consoles = {label: process.communicate(timeout=150)[0] for label, (_, process) in runs.items()}
        for label, (_, process) in runs.items():
            assert process.returncode == 0, f"the {label} checkout's run failed:\n{consoles[label][-3000:]}"
        assert f"stack of this checkout ({other}), its own" in consoles["other"], consoles["other"][-2000:]
        for label, (run_id, _) in runs.items():
            own, foreign = (mine, theirs) if label == "this" else (theirs, mine)
            assert wallets_of(run_id, own["DATABASE_URL"]) > 0, f"the {label} run's wallets are not in its database"
            assert wallets_of(run_id, foreign["DATABASE_URL"]) == 0, f"the {label} run used the other's stand-in"
    finally:
        for _, process in runs.values():
            if process.poll() is None:
                process.kill()
        remove_stack_of(theirs)
