"""The project's virtualenv: created or brought up to date, then the command re-executed in it (stdlib only).

`.venv` (or `$VENV`) holds requirements.txt and every services/*/requirements*.txt. A hash of those files and
of the Python version is kept in `.venv/.requirements.sha256`; a change reinstalls. One installer at a time
(flock), so that several runs can start together.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path

from runner import ROOT


class VenvError(Exception):
    """The virtualenv could not be created or installed (one line; exit status 1)."""


def venv_dir() -> Path:
    return Path(os.environ.get("VENV") or ROOT / ".venv")


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def in_venv() -> bool:
    """Whether this interpreter is the project's virtualenv."""
    return Path(sys.prefix).resolve() == venv_dir().resolve()


def requirement_files() -> list[Path]:
    return [ROOT / "requirements.txt", *sorted(ROOT.glob("services/*/requirements*.txt"))]


def requirements_hash() -> str:
    """The same hash the shell runner kept (python3 --version, then each file's path and text)."""
    digest = hashlib.sha256(f"Python {platform.python_version()}\n".encode())
    for path in requirement_files():
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create the virtualenv and install the requirements when missing or stale."""
    venv, python = venv_dir(), venv_python()
    stamp, want = venv / ".requirements.sha256", requirements_hash()

    def fresh() -> bool:
        return python.is_file() and stamp.is_file() and stamp.read_text().strip() == want

    if fresh():
        return
    venv.mkdir(parents=True, exist_ok=True)
    with open(venv / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if fresh():
            return
        log = venv / ".install.log"
        shown = log.relative_to(ROOT) if log.is_relative_to(ROOT) else log
        print(f"run.sh: installing the Python requirements into {venv.name} (log: {shown}) ...", file=sys.stderr)
        with open(log, "w") as out:
            if not python.is_file():
                made = subprocess.run([sys.executable, "-m", "venv", str(venv)], stdout=out, stderr=out, check=False)
                if made.returncode:
                    hint = "Debian: apt-get install python3-venv"
                    raise VenvError(f"cannot create {venv.name} with 'python3 -m venv' (see {shown}; {hint})")
            command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            for path in requirement_files():
                command += ["-r", str(path)]
            if subprocess.run(command, stdout=out, stderr=out, check=False).returncode:
                errors = [line for line in log.read_text().splitlines() if "ERROR" in line or "error:" in line]
                raise VenvError(f"pip install failed: {(errors or ['see the log'])[-1]} (full log: {shown})")
        stamp.write_text(want + "\n")


def reexec(argv: list[str]) -> None:
    """Replace this process by the same command run by the virtualenv's Python."""
    python = str(venv_python())
    os.execv(python, [python, str(ROOT / "scripts" / "runner"), *argv])  # noqa: S606 - no shell involved
