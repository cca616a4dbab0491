"""`./run.sh docs`: keyword documentation (libdoc HTML) of every Robot library in libraries/ and every
resources/*.resource, into results/docs/ with an index.html. Modules whose name starts with `_`, listeners and
plain helper modules (no class named like the module, e.g. guard.py) are not libraries.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from runner import ROOT
from runner.options import BadInput

OUT = ROOT / "results" / "docs"


def check(args: list[str]) -> None:
    if args:
        raise BadInput(f"docs takes no arguments, got '{' '.join(args)}'")


def is_library(path: Path) -> bool:
    """A class named like the module, and not a listener."""
    text = path.read_text(encoding="utf-8")
    return (
        not path.stem.startswith("_")
        and re.search(rf"^class {re.escape(path.stem)}\b", text, re.MULTILINE) is not None
        and "ROBOT_LISTENER_API_VERSION" not in text
    )


def main(args: list[str]) -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    sources = [p for p in sorted((ROOT / "libraries").glob("*.py")) if is_library(p)]
    sources += sorted((ROOT / "resources").glob("*.resource"))
    entries, failed = [], 0
    for source in sources:
        command = [sys.executable, "-m", "robot.libdoc", "--pythonpath", str(ROOT / "libraries"), "--format", "HTML"]
        done = subprocess.run(
            [*command, str(source), str(OUT / f"{source.stem}.html")], capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            entries.append(source.stem)
        else:
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
            print(f"docs: libdoc failed for {source.relative_to(ROOT)}: {tail[0]}", file=sys.stderr)
            failed = 1
    items = "".join(f'<li><a href="{name}.html">{name}</a></li>\n' for name in entries)
    (OUT / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keyword documentation</title></head><body>\n'
        f"<h1>Keyword documentation</h1><ul>\n{items}</ul></body></html>\n",
        encoding="utf-8",
    )
    print(f"docs: {len(entries)} files documented: {OUT.relative_to(ROOT)}/index.html")
    return failed
