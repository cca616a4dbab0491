"""`./run.sh docs`: keyword documentation of every library and resource the suites use, into results/docs/.

- `<name>.html`: libdoc's page of every Robot library in libraries/ (a module, or a package's __init__.py, with a
  class named like it), of every resources/*.resource, and of the libraries the README recommends for
  exploratory steps (RequestsLibrary's session `wallet_api`, DatabaseLibrary's connection `wallet_db`);
- `specs/<name>.libspec`: the same as libdoc spec files (XML), for editors and tools that read them (RobotCode
  reads robot.toml and builds its own);
- `index.html`: every keyword by component (a WalletLibrary keyword's component is its tag; a resource
  keyword's is its resource file; another library's is the library), with a search box that filters them.
Names starting with `_`, listeners and plain helper modules (e.g. guard.py) are not libraries.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

from runner import ROOT
from runner.options import BadInput

OUT = ROOT / "results" / "docs"
RECOMMENDED = ("RequestsLibrary", "DatabaseLibrary")  # README, "The keyword library"
SEARCH = """<p><input id="search" type="search" placeholder="Search keywords (name or component)" size="50" autofocus>
<span id="count"></span></p>
<script>
const box = document.getElementById("search");
function filter() {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const section of document.querySelectorAll("section.component")) {
    const group = section.dataset.group.toLowerCase();
    let visible = 0;
    for (const item of section.querySelectorAll("li")) {
      const text = (item.textContent + " " + group).toLowerCase();
      const hit = words.every(word => text.includes(word));
      item.hidden = !hit;
      visible += hit ? 1 : 0;
    }
    section.hidden = visible === 0;
    shown += visible;
  }
  document.getElementById("count").textContent = shown + " keywords";
}
box.addEventListener("input", filter);
filter();
</script>
"""


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


def sources() -> list[tuple[str, str, str]]:
    """(name, what libdoc imports, kind) of every documented library and resource."""
    libraries = ROOT / "libraries"
    found = [(p.stem, str(p), "library") for p in sorted(libraries.glob("*.py")) if is_library(p, p.stem)]
    packages = sorted(p.parent for p in libraries.glob("*/__init__.py"))
    found += [(p.name, p.name, "library") for p in packages if is_library(p / "__init__.py", p.name)]
    found += [(name, name, "library") for name in RECOMMENDED]
    found += [(p.stem, str(p), "resource") for p in sorted((ROOT / "resources").glob("*.resource"))]
    return found


def build(out: Path) -> tuple[int, int, list[str]]:
    """Write the pages, spec files and index into `out`: (keywords, files, failures)."""
    from robot.errors import DataError
    from robot.libdoc import LibraryDocumentation

    if str(ROOT / "libraries") not in sys.path:
        sys.path.insert(0, str(ROOT / "libraries"))
    shutil.rmtree(out, ignore_errors=True)
    (out / "specs").mkdir(parents=True)
    groups: dict[str, list[str]] = {}
    entries, failures = [], []
    for name, source, kind in sources():
        try:
            documentation = LibraryDocumentation(source)
            documentation.save(str(out / f"{name}.html"), "HTML")
            documentation.save(str(out / "specs" / f"{name}.libspec"), "LIBSPEC")
        except DataError as error:
            failures.append(f"libdoc failed for {name}: {str(error).splitlines()[0]}")
            continue
        entries.append(name)
        for keyword in documentation.keywords:
            group = (list(keyword.tags) or [f"{name} (resource)" if kind == "resource" else name])[-1]
            link = f'<li><a href="{name}.html#{quote(keyword.name)}">{html.escape(keyword.name)}</a></li>'
            groups.setdefault(group, []).append(link)
    sections = "".join(
        f'<section class="component" data-group="{html.escape(group)}"><h2>{html.escape(group)}</h2>'
        f"<ul>{''.join(sorted(links))}</ul></section>\n"
        for group, links in sorted(groups.items())
    )
    files = "".join(
        f'<li><a href="{name}.html">{name}</a> (<a href="specs/{name}.libspec">spec</a>)</li>\n' for name in entries
    )
    (out / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keyword documentation</title>\n'
        "<style>section.component ul{columns:3;list-style:none;padding-left:0}</style></head><body>\n"
        f"<h1>Keyword documentation</h1>\n{SEARCH}{sections}<h2>Files</h2><ul>\n{files}</ul></body></html>\n",
        encoding="utf-8",
    )
    return sum(len(links) for links in groups.values()), len(entries), failures


def main(args: list[str]) -> int:
    count, files, failures = build(OUT)
    for failure in failures:
        print(f"docs: {failure}", file=sys.stderr)
    shown = OUT.relative_to(ROOT)
    print(f"docs: {count} keywords of {files} files, by component, with a search box: {shown}/index.html")
    print(f"docs: libdoc spec files (for editors): {shown}/specs/*.libspec")
    return 1 if failures else 0
