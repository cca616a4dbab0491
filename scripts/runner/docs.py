"""`./run.sh docs`: keyword documentation (libdoc HTML) of every Robot library in libraries/ (a module, or a
package's __init__.py, with a class named like it) and every resources/*.resource, into results/docs/ with an
index.html. Names starting with `_`, listeners and plain helper modules (e.g. guard.py) are not libraries.
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


def is_library(path: Path, name: str) -> bool:
    """A class named like the module (or package), and not a listener."""
    text = path.read_text(encoding="utf-8")
    return (
        not name.startswith("_")
        and re.search(rf"^class {re.escape(name)}\b", text, re.MULTILINE) is not None
        and "ROBOT_LISTENER_API_VERSION" not in text
    )


def main(args: list[str]) -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    libraries = ROOT / "libraries"
    sources = [(p.stem, str(p)) for p in sorted(libraries.glob("*.py")) if is_library(p, p.stem)]
    packages = sorted(p.parent for p in libraries.glob("*/__init__.py"))
    sources += [(p.name, p.name) for p in packages if is_library(p / "__init__.py", p.name)]  # imported by name
    sources += [(p.stem, str(p)) for p in sorted((ROOT / "resources").glob("*.resource"))]
    entries, failed = [], 0
    for name, source in sources:
        command = [sys.executable, "-m", "robot.libdoc", "--pythonpath", str(libraries), "--format", "HTML"]
        command += [source, str(OUT / f"{name}.html")]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            entries.append(name)
        else:
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
            print(f"docs: libdoc failed for {name}: {tail[0]}", file=sys.stderr)
            failed = 1
    items = "".join(f'<li><a href="{name}.html">{name}</a></li>\n' for name in entries)
    (OUT / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keyword documentation</title></head><body>\n'
        f"<h1>Keyword documentation</h1><ul>\n{items}</ul></body></html>\n",
        encoding="utf-8",
    )
    print(f"docs: {len(entries)} files documented: {OUT.relative_to(ROOT)}/index.html")
    return failed
