"""`python3 scripts/runner ARGS`: what run.sh hands over to (stdlib only until the virtualenv is needed)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[0] = str(HERE.parent)  # scripts/: the package `runner` instead of its folder
sys.path[1:1] = [str(HERE.parents[1]), str(HERE.parents[1] / "libraries")]  # variables/, guard.py, SecretRedactor.py

from runner.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
