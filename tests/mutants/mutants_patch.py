"""Applying a mutant to a copy of the wallet stand-in: exact search/replace edits that must match once.

A mutant is a list of `Edit`s (file relative to `services/wallet_api`, exact old snippet, new snippet).
Every old snippet must occur exactly once in the file at the moment it is applied (edits of one mutant
apply in order); anything else is a `PatchError` naming the mutant, the file and what was found, so a
change of the stand-in that invalidates a mutant fails loudly instead of silently testing nothing.
"""

from __future__ import annotations

import py_compile
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "services" / "wallet_api"
# What a copy of the stand-in needs to run: the package, its migrations and its requirements.
COPIED = ("wallet_api", "migrations", "requirements.txt")
ID_RE = re.compile(r"[a-z0-9_]{1,40}")  # a mutant id (it becomes the name of a database, role, vhost and user)


class PatchError(Exception):
    """A mutant does not apply to the current stand-in (one line saying which snippet and why)."""


@dataclass(frozen=True)
class Edit:
    """Replace the exact text `old` (which must occur once) by `new` in `file` (relative to the stand-in)."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutant:
    """One injected defect: it breaks exactly one named rule of the contract (`rule`, an id of rules.yaml)."""

    id: str
    area: str
    rule: str
    contract: str
    description: str
    edits: tuple[Edit, ...] = field(default_factory=tuple)
    # "killed": a defect the suites must catch; "pass": a variant where the contract leaves freedom (every
    # suite must pass against it: a failure is a false failure of the suites).
    expect: str = "killed"


def apply_edits(mutant: Mutant, root: Path) -> list[Path]:
    """Apply every edit of `mutant` to the stand-in copy at `root`; return the files changed.

    Raises PatchError when a snippet is missing, ambiguous, or the result does not compile.
    """
    changed: list[Path] = []
    for number, edit in enumerate(mutant.edits, start=1):
        path = root / edit.file
        where = f"mutant {mutant.id}, edit {number} ({edit.file})"
        if not path.is_file():
            raise PatchError(f"{where}: the file does not exist in the stand-in")
        if edit.old == edit.new:
            raise PatchError(f"{where}: old and new snippets are identical (the edit changes nothing)")
        text = path.read_text(encoding="utf-8")
        count = text.count(edit.old)
        if count != 1:
            first = edit.old.strip().splitlines()[0][:80] if edit.old.strip() else "<empty>"
            found = "not found" if count == 0 else f"found {count} times"
            raise PatchError(
                f"{where}: the old snippet starting {first!r} was {found} (it must match exactly once); "
                "update the mutant in tests/mutants/mutants_catalog.py to the current stand-in"
            )
        path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
        if path not in changed:
            changed.append(path)
    for path in changed:
        if path.suffix == ".py":
            try:
                py_compile.compile(str(path), doraise=True, cfile=str(path) + ".check.pyc")
            except py_compile.PyCompileError as exc:
                message = str(exc).strip().splitlines()[-1]
                problem = f"mutant {mutant.id}: {path.name} does not compile after the edits: {message}"
                raise PatchError(problem) from None
            finally:
                Path(str(path) + ".check.pyc").unlink(missing_ok=True)
    return changed


def copy_stand_in(destination: Path, source: Path = STAND_IN) -> Path:
    """Copy the stand-in (package, migrations, requirements) to `destination`; return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        item = source / name
        if item.is_dir():
            shutil.copytree(item, destination / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif item.is_file():
            shutil.copy2(item, destination / name)
        else:
            raise PatchError(f"the stand-in at {source} has no {name}: is services/wallet_api complete?")
    return destination


def build_mutated_copy(mutant: Mutant | None, destination: Path) -> Path:
    """A runnable copy of the stand-in at `destination`, with `mutant` applied (None: unmutated)."""
    copy_stand_in(destination)
    if mutant is not None:
        apply_edits(mutant, destination)
    return destination
