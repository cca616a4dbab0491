"""No token or secret reaches a result file, however the suites are started.

A throwaway suite tree (a root `__init__.robot` with the usual suite setup and teardown, and one suite) mints
tokens, takes an owner's auth headers, sends them with RequestsLibrary's `GET On Session` and logs them, the
request's headers and the unwrapped secret settings, in the suite setup, a test and the suite teardown. It is run
with plain `robot --pythonpath libraries --variablefile variables/local.py` (as an editor would, no
`--listener`): WalletLibrary's own listener must keep every JWT and secret value out of log.html and output.xml
(keyword arguments included). The same run prints the headers with `Log To Console` (which no listener sees),
which shows that a token was really there to leak. With run.sh's `--listener` too, the library's copy stands
down and the result is the same (masked once). Needs the local stack (`./run.sh test` starts it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from SecretRedactor import SecretRedactor, scan

ROOT = Path(__file__).resolve().parents[2]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
SECRETS = ("local-jwt-secret-not-for-prod", "local-webhook-secret-not-for-prod")
ROOT_SUITE = """\
*** Settings ***
Resource          {root}/resources/common.resource
Suite Setup       Prepare And Log The Secrets
Suite Teardown    Release Test Run

*** Keywords ***
Prepare And Log The Secrets
    Prepare Test Run
    Log    before the tests: ${{JWT_SECRET.value}} ${{GATEWAY_WEBHOOK_SECRET.value}}
"""
SUITE = """\
*** Settings ***
Resource          {root}/resources/common.resource
Suite Setup       Prepare Test Run
Suite Teardown    Log    after the tests: ${{JWT_SECRET.value}}

*** Test Cases ***
An Exploratory Step On The Wallet Api Session
    ${{owner}}    A New Owner    explorer
    ${{headers}}    Auth Headers For    ${{owner}}
    Log    ${{headers}}
    Log To Console    CONSOLE ${{headers}}
    ${{answer}}    GET On Session    wallet_api    /v1/wallets    headers=${{headers}}
    Should Be Equal As Integers    ${{answer.status_code}}    200
    Log    ${{answer.request.headers}}
    Set Test Variable    ${{BEARER}}    ${{headers}}[Authorization]
    Should Be Equal    ${{BEARER}}    ${{BEARER}}
"""


def run_plain_robot(tmp_path: Path, *extra: str) -> tuple[str, dict[str, str]]:
    """Console output and {file name: text} of log.html and output.xml of one run of the throwaway tree."""
    tree = tmp_path / "tree"
    (tree / "explore").mkdir(parents=True)
    (tree / "__init__.robot").write_text(ROOT_SUITE.format(root=ROOT), encoding="utf-8")
    (tree / "explore" / "tokens.robot").write_text(SUITE.format(root=ROOT), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "robot", "--pythonpath", "libraries", "--variablefile", "variables/local.py"]
    command += [*extra, "--loglevel", "TRACE", "--outputdir", str(out), "--report", "NONE", str(tree)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert finished.returncode == 0, finished.stdout[-2000:]
    return finished.stdout, {name: (out / name).read_text(encoding="utf-8") for name in ("output.xml", "log.html")}


def assert_masked(files: dict[str, str]) -> None:
    for name, text in files.items():
        assert not JWT.search(text), f"a JWT reached {name}"
        assert not [secret for secret in SECRETS if secret in text], f"a secret value reached {name}"
        assert "Bearer ***" in text, f"{name} should show the masked Authorization header"
        assert "before the tests: *** ***" in text and "after the tests: ***" in text, f"{name}: setup/teardown"


def test_plain_robot_without_a_listener_writes_no_token_or_secret(tmp_path: Path) -> None:
    console, files = run_plain_robot(tmp_path)
    assert JWT.search(console), "the suite printed no token with Log To Console: the check below could not fail"
    assert_masked(files)
    assert not scan([tmp_path / "out"]), "run.sh's scanner finds a secret in the results"


def test_with_the_run_listener_too_every_message_is_masked_once(tmp_path: Path) -> None:
    _console, files = run_plain_robot(tmp_path, "--listener", "libraries/SecretRedactor.py")
    assert_masked(files)


def test_a_library_copy_stands_down_when_the_run_has_its_own_listener() -> None:
    library_copy = SecretRedactor(library="WalletLibrary")
    SecretRedactor.run_listener = False
    try:
        assert not library_copy.standing_down, "alone, the library's listener must mask"
        SecretRedactor()  # the run's own (--listener)
        assert library_copy.standing_down, "with the run's listener, the library's copy must stand down"
    finally:
        SecretRedactor.run_listener = False
