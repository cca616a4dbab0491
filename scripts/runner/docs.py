"""`./run.sh docs`: keyword documentation (libdoc HTML) of every Robot library in libraries/ (a module, or a
package's __init__.py, with a class named like it) and every resources/*.resource, into results/docs/ with an
index.html that lists every keyword by component (a library keyword's component is its tag, as WalletLibrary
tags them; a resource keyword's is its resource file). Names starting with `_`, listeners and plain helper
modules (e.g. guard.py) are not libraries.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

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
    groups: dict[str, list[str]] = {}
    entries, failed = [], 0
    for name, source in sources:
        for kind in ("HTML", "JSON"):
            command = [sys.executable, "-m", "robot.libdoc", "--pythonpath", str(libraries), "--format", kind]
            command += [source, str(OUT / f"{name}.{kind.lower()}")]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
                print(f"docs: libdoc failed for {name}: {tail[0]}", file=sys.stderr)
                failed = 1
                break
        else:
            entries.append(name)
            spec = json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))
            (OUT / f"{name}.json").unlink()
            for kw in spec["keywords"]:
                group = (kw.get("tags") or [f"{name} (resource)" if source.endswith(".resource") else name])[-1]
                link = f'<a href="{name}.html#{quote(kw["name"])}">{html.escape(kw["name"])}</a>'
                groups.setdefault(group, []).append(link)
    sections = "".join(
        f"<h2>{html.escape(group)}</h2><p>{', '.join(sorted(links))}</p>\n" for group, links in sorted(groups.items())
    )
    files = "".join(f'<li><a href="{name}.html">{name}</a></li>\n' for name in entries)
    (OUT / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keyword documentation</title></head><body>\n'
        f"<h1>Keyword documentation</h1><p>By component:</p>\n{sections}<h2>Files</h2><ul>\n{files}</ul>"
        "</body></html>\n",
        encoding="utf-8",
    )
    count = sum(len(links) for links in groups.values())
    print(f"docs: {count} keywords of {len(entries)} files, by component: {OUT.relative_to(ROOT)}/index.html")
    return failed
