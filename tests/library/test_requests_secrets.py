"""A token sent through RequestsLibrary's own keywords never reaches a result file.

A throwaway suite takes the auth headers of an owner (`Auth Headers For`) and sends `GET On Session` on
the session `wallet_api`, logging the headers too. With the SecretRedactor listener (as every run has
it) neither log.html nor output.xml may contain the token or any JWT; without the listener the same run
writes the token, which shows that the check can fail. Needs the local stack (`./run.sh test` starts it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
SUITE = """\
*** Settings ***
Resource          {root}/resources/common.resource
Suite Setup       Prepare Test Run

*** Test Cases ***
An Exploratory Step On The Wallet Api Session
    ${{owner}}    A New Owner    explorer
    ${{headers}}    Auth Headers For    ${{owner}}
    Log    ${{headers}}
    ${{answer}}    GET On Session    wallet_api    /v1/wallets    headers=${{headers}}
    Should Be Equal As Integers    ${{answer.status_code}}    200
    Log    ${{answer.request.headers}}
"""


def run_suite(tmp_path: Path, listener: bool) -> dict[str, str]:
    suite = tmp_path / "exploratory.robot"
    suite.write_text(SUITE.format(root=ROOT), encoding="utf-8")
    out = tmp_path / ("masked" if listener else "raw")
    command = [sys.executable, "-m", "robot", "--pythonpath", str(ROOT / "libraries"), "--loglevel", "TRACE"]
    command += ["--variablefile", str(ROOT / "variables" / "local.py"), "--outputdir", str(out), "--report", "NONE"]
    if listener:
        command += ["--listener", str(ROOT / "libraries" / "SecretRedactor.py")]
    finished = subprocess.run([*command, str(suite)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert finished.returncode == 0, finished.stdout[-2000:]
    return {name: (out / name).read_text(encoding="utf-8") for name in ("output.xml", "log.html")}


def test_the_token_of_get_on_session_never_reaches_log_or_output(tmp_path: Path) -> None:
    for name, text in run_suite(tmp_path, listener=True).items():
        assert not JWT.search(text), f"a JWT reached {name}"
        assert "local-jwt-secret-not-for-prod" not in text
        assert "Bearer ***" in text, f"{name} should show the masked Authorization header"


def test_without_the_listener_the_token_would_leak(tmp_path: Path) -> None:
    leaked = [name for name, text in run_suite(tmp_path, listener=False).items() if JWT.search(text)]
    if not leaked:
        pytest.fail("the unmasked run wrote no token: the masking test above could not fail")
