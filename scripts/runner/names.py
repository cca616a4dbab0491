"""One setting, one meaning: `-v NAME:value` and `NAME=value` (stdlib only, before the virtualenv).

- `-v NAME:value` of a setting (variables/_settings.py; Robot's way: case, spaces and underscores do not count)
  becomes the environment variable NAME for the whole run, so the production guard, the preflight and the choice
  of the stack services see it exactly as `NAME=value ./run.sh ...` (robot still gets the `-v`).
- A `-v` name that is no setting and that nothing uses (no `${NAME}` in the run's suites or the resources, no
  mention in the libraries or the engine) is refused, with a "did you mean" when a known name is close.
- The environment holds anything; only a near miss of a setting is refused: a name with a setting's prefix
  (WALLET_, GATEWAY_, DATABASE_, AMQP_, RABBITMQ_, JWT_), close to a setting by difflib, that the repository's
  code never mentions (a typo of WALLET_API_URL; not WALLET_API_IMAGE or GATEWAY_MOCK_PORT, which the stack reads).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, MutableMapping
from pathlib import Path

from runner import ROOT
from runner.options import BadInput, RunOptions, robot_option
from variables._settings import HOST_PORTS, SETTING_NAMES

PREFIXES = ("WALLET_", "GATEWAY_", "DATABASE_", "AMQP_", "RABBITMQ_", "JWT_")
CLOSE = 0.8  # difflib ratio of a near miss (URL typed as ULR: 0.93)
CODE = (".py", ".sh", ".yml", ".yaml", ".toml", ".robot", ".resource")
SKIP = {".git", ".venv", "results", "node_modules", "__pycache__", "tests"}  # tests spell typos on purpose
WORD = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")
ROBOT_VARIABLE = re.compile(r"[$@&%]\{([^{}]+)\}|\$([A-Za-z_]\w*)")


def normalized(name: str) -> str:
    """Robot's variable name matching: case, spaces and underscores do not count."""
    return name.lower().replace(" ", "").replace("_", "")


def _files(roots: Iterable[Path]) -> Iterable[Path]:
    for root in roots:
        if root.is_file():
            yield root
            continue
        for folder, folders, names in os.walk(root):
            folders[:] = [name for name in folders if name not in SKIP]
            yield from (Path(folder) / name for name in names if name.endswith(CODE) or name.startswith("Dockerfile"))


def _words(roots: Iterable[Path]) -> set[str]:
    """Every UPPER_CASE word and every Robot variable name written in the code files under `roots`."""
    found: set[str] = set()
    for path in _files(roots):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(WORD.findall(text))
        if path.suffix in (".robot", ".resource"):
            found.update(braced or bare for braced, bare in ROBOT_VARIABLE.findall(text))
    return found


def apply_variables(opts: RunOptions, environ: MutableMapping[str, str] | None = None) -> None:
    """`-v SETTING:value` into the environment; a `-v` name nothing uses is BadInput (one line)."""
    environ = os.environ if environ is None else environ
    settings = {normalized(name): name for name in SETTING_NAMES}
    unknown: list[str] = []
    for name, value in opts.variables:
        if normalized(name) in settings:
            environ[settings[normalized(name)]] = value
        else:
            unknown.append(name)
    if not unknown:
        return
    words = _words([ROOT, *map(Path, opts.sources or [ROOT / "suites"])])
    known = {normalized(word): word for word in words}
    for name in unknown:
        if normalized(name) not in known:
            candidates = sorted({*SETTING_NAMES, *(word for word in words if word.isupper() and "_" in word)})
            close = difflib.get_close_matches(name.upper(), candidates, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else "see README.md, 'Environments and settings'"
            raise BadInput(f"-v {name}: no setting of that name and no suite uses ${{{name}}}: {hint}")


def check_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """A near miss of a setting's name in the environment is BadInput (one line, "did you mean")."""
    environ = os.environ if environ is None else environ
    names = (*SETTING_NAMES, *HOST_PORTS)
    suspects = {}
    for name in environ:
        if name.startswith(PREFIXES) and name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=CLOSE)
            if close:
                suspects[name] = close[0]
    if suspects:
        mentioned = _words([ROOT])
        for name, close in sorted(suspects.items()):
            if name not in mentioned:
                raise BadInput(
                    f"environment variable {name} is not a setting: did you mean {close}? "
                    f"(unset {name}; the settings: README.md, 'Environments and settings')"
                )


def without_settings(args: list[str]) -> list[str]:
    """Robot options `args` without the `-v SETTING:value` ones: the environment carries them (apply_variables), and
    robot's processes then never get a secret on their command line (pabot writes it into robot_argfile.txt)."""
    settings = {normalized(name) for name in SETTING_NAMES}
    kept, index = [], 0
    while index < len(args):
        token = args[index]
        found = robot_option(token) if token.startswith("-") else None
        if found and found[0] == "variable":
            long = token.startswith("--")
            attached = token.split("=", 1)[1] if long and "=" in token else "" if long else token[2:]
            given = attached or (args[index + 1] if index + 1 < len(args) else "")
            if normalized(given.partition(":")[0]) in settings:
                index += 1 if attached else 2
                continue
        kept.append(token)
        index += 1
    return kept
