"""`./run.sh stack reset`: empties the local stack's database, asks first, never a remote database.

The full reset runs on a private stack of its own (stand-in and mock on free ports, database, role, vhost and
users `wallet_reset_test`, pid files in a temporary folder), never on the local stack other runs use.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from stack_helpers import Settings, WalletClient, remove_stack_of

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from runner.services import private_stack  # noqa: E402 - scripts/ is not on the path by default

NAME = "wallet_reset_test"


def _stack(env: dict[str, str], *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "stack.sh"), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def private(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, **private_stack(NAME, tmp_path / "stack"), "STACK_FRESH_DATABASE": "no"}
    yield env
    _stack(env, "down")
    remove_stack_of(env)


def test_without_a_terminal_and_without_yes_it_refuses_in_one_line(private: dict[str, str]) -> None:
    started = time.monotonic()
    refused = _stack(private, "reset")
    assert refused.returncode == 2, f"expected exit 2, got {refused.returncode}: {refused.stdout}{refused.stderr}"
    assert refused.stderr.count("\n") == 1 and "--yes" in refused.stderr, refused.stderr
    assert time.monotonic() - started < 2, "the refusal took 2 s or more"


def test_a_database_on_another_machine_is_never_reset(private: dict[str, str]) -> None:
    remote = {**private, "DATABASE_URL": "postgresql://tester@db.staging.example.com:5432/wallet"}
    refused = _stack(remote, "reset", "--yes")
    assert refused.returncode == 2 and "only a database on this machine" in refused.stderr, refused.stderr


def test_reset_empties_the_database_and_the_wallet_answers_again(private: dict[str, str]) -> None:
    up = _stack(private, "up")
    assert up.returncode == 0, up.stdout + up.stderr
    os.environ.update({k: private[k] for k in ("WALLET_API_URL", "GATEWAY_MOCK_URL", "DATABASE_URL")})
    try:
        settings = Settings.from_env()
    finally:
        for key in ("WALLET_API_URL", "GATEWAY_MOCK_URL", "DATABASE_URL"):
            os.environ.pop(key, None)
    WalletClient(settings, "reset-owner").create_wallet()
    assert _count_wallets(private["DATABASE_URL"]) == 1
    reset = _stack(private, "reset", "--yes")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert f"database {NAME} dropped and created again" in reset.stdout, reset.stdout
    assert "wallet-api started again" in reset.stdout, reset.stdout
    assert _count_wallets(private["DATABASE_URL"]) == 0, "the reset left rows behind"
    assert WalletClient(settings, "reset-owner").create_wallet()["balance"] == 0


def _count_wallets(dsn: str) -> int:
    with psycopg2.connect(dsn, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM wallets")
        return int(cursor.fetchone()[0])
