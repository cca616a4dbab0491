"""Keeps secrets out of every result file: a Robot Framework listener and a scanner (`run.sh` uses both).

Listener (API v3): masks as `***`, before anything is written to output.xml (and so to log.html,
report.html and xunit.xml), in every log message, system message, keyword argument and failure message of
keywords, tests and suites. WalletLibrary attaches it to itself (a library listener,
`ROBOT_LIBRARY_LISTENER`), so a run masks whoever starts it: `robot`, `pabot`, an editor or `run.sh`. As a
library listener it hears the suites that import WalletLibrary, from the import on (their setups,
tests and teardowns). `run.sh` (and robot.toml) also give it to the whole run (`--listener
libraries/SecretRedactor.py`, which covers what happens before the import too); the library's copy then
stands down, so every message is masked once. What it masks:

- the values of the secret settings (`JWT_SECRET`, `GATEWAY_WEBHOOK_SECRET`,
  `RABBITMQ_MANAGEMENT_PASSWORD`) and the password of every `*_URL` setting, read from the Robot
  variables of the run (falling back to the environment variables of the same name);
- anything that looks like a JWT (`eyJ....eyJ....sig`), whoever minted it;
- the credentials after `Bearer ` and the password part of any `scheme://user:password@` URL.

A secret value equal to a non-secret value of the run (e.g. the local default password `guest` of the
user `guest`) or shorter than 4 characters is not masked literally (it would mask innocent text); the
URL rule still masks it inside URLs.

Scanner (`python3 libraries/SecretRedactor.py scan PATH...`, stdlib only): reads the same settings
from the environment and exits 1 naming every file that contains a secret value or a JWT (never the
value itself); `run.sh` runs it over every run's results and console log.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

MASK = "***"
SECRET_SETTINGS: tuple[str, ...] = ("JWT_SECRET", "GATEWAY_WEBHOOK_SECRET", "RABBITMQ_MANAGEMENT_PASSWORD")
NON_SECRET_SETTINGS: tuple[str, ...] = (
    "RABBITMQ_MANAGEMENT_USER",
    "WALLET_DB_ROLE",
    "WALLET_AMQP_USER",
    "RABBITMQ_VHOST",
    "ENVIRONMENT",
)
MIN_LITERAL_LENGTH = 4
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
BEARER_PATTERN = re.compile(r"(?i)(\bbearer\s+)(?!\*\*\*)[^\s'\",;}\]\)]+")
URL_PASSWORD_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\"]+:)(?!\*\*\*@)[^@\s/'\"]+(@)")


def _url_parts(url: str) -> tuple[str, str]:
    """The (user, password) of `url`, '' where absent."""
    try:
        parts = urlsplit(url)
        return unquote(parts.username or ""), unquote(parts.password or "")
    except ValueError:
        return "", ""


def secret_values(settings: Mapping[str, object]) -> list[str]:
    """The literal secret values to mask/find, longest first, from a mapping of setting names to values."""
    public: set[str] = set()
    candidates: set[str] = set()
    for name, value in settings.items():
        if not isinstance(value, str) or not value:
            continue
        if name in SECRET_SETTINGS:
            candidates.add(value)
        elif name.endswith("_URL"):
            user, password = _url_parts(value)
            if user:
                public.add(user)
            if password:
                candidates.add(password)
                candidates.add(value.split("@", 1)[0].rsplit(":", 1)[-1])  # as written (percent-encoded)
        if name in NON_SECRET_SETTINGS:
            public.add(value)
    keep = {value for value in candidates if len(value) >= MIN_LITERAL_LENGTH and value not in public}
    return sorted(keep, key=len, reverse=True)


def settings_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings relevant to secrets, read from environment variables."""
    environ = os.environ if environ is None else environ
    names = set(SECRET_SETTINGS) | set(NON_SECRET_SETTINGS) | {name for name in environ if name.endswith("_URL")}
    return {name: environ[name] for name in names if name in environ}


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value, JWT, bearer credential and URL password replaced by `***`."""
    if not text:
        return text
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = JWT_PATTERN.sub(MASK, text)
    text = BEARER_PATTERN.sub(lambda match: match.group(1) + MASK, text)
    return URL_PASSWORD_PATTERN.sub(lambda match: match.group(1) + MASK + match.group(2), text)


def find_leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """Descriptions (never the values) of the secrets found in `text`."""
    leaks = [f"a secret value of {len(secret)} characters" for secret in secrets if secret in text]
    if JWT_PATTERN.search(text):
        leaks.append("a JWT")
    return leaks


class SecretRedactor:
    """Listener (API v3) that masks secrets in every message before Robot Framework writes it anywhere."""

    ROBOT_LISTENER_API_VERSION = 3
    run_listener = False  # True once the run has one of its own (--listener): library copies stand down

    def __init__(self, library: str = "") -> None:
        """`library`: the library that attached this listener to itself (see the module docstring)."""
        self._secrets: list[str] | None = None
        self.library = library
        if not library:
            SecretRedactor.run_listener = True

    @property
    def standing_down(self) -> bool:
        """A library's copy when the run has its own listener: that one masks everything already."""
        return bool(self.library) and SecretRedactor.run_listener

    def _known_secrets(self) -> list[str]:
        if self._secrets is None:
            settings: dict[str, object] = dict(settings_from_environment())
            try:
                from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

                try:
                    for decorated, value in BuiltIn().get_variables(no_decoration=False).items():
                        name = decorated[2:-1].upper()
                        if name in SECRET_SETTINGS or name in NON_SECRET_SETTINGS or name.endswith("_URL"):
                            settings[name] = getattr(value, "value", value)  # a Secret is unwrapped
                except RobotNotRunningError:
                    return secret_values(settings)
            except ImportError:  # pragma: no cover - Robot Framework is always installed when listening
                pass
            self._secrets = secret_values(settings)
        return self._secrets

    def _clean(self, text: str) -> str:
        return redact(text, self._known_secrets()) if text and not self.standing_down else text

    def start_suite(self, data: object, result: object) -> None:
        """Reads the secrets once the variable files are loaded (the first suite starts)."""
        self._secrets = None
        self._known_secrets()

    def log_message(self, message: object) -> None:
        """Masks a message logged by a keyword."""
        message.message = self._clean(message.message)  # type: ignore[attr-defined]

    def message(self, message: object) -> None:
        """Masks a system message (warnings and errors, shown in the console and output.xml)."""
        message.message = self._clean(message.message)  # type: ignore[attr-defined]

    def end_body_item(self, data: object, result: object) -> None:
        """Masks the failure message and the arguments (as written in the data) of a keyword or control structure."""
        if self.standing_down:
            return
        if getattr(result, "message", None):
            result.message = self._clean(result.message)  # type: ignore[attr-defined]
        from robot.result import Keyword  # here: the `scan` command runs on a python without Robot Framework

        # Only keywords have `args`; on RETURN, VAR and IF the attribute is a deprecated alias (RF 7 warns).
        args = result.args if isinstance(result, Keyword) else None
        if args and isinstance(args, tuple):
            result.args = tuple(self._clean(arg) if isinstance(arg, str) else arg for arg in args)  # type: ignore[attr-defined]

    def end_test(self, data: object, result: object) -> None:
        """Masks the failure message of a test."""
        result.message = self._clean(result.message)  # type: ignore[attr-defined]

    def end_suite(self, data: object, result: object) -> None:
        """Masks the failure message of a suite (e.g. a failed suite setup)."""
        result.message = self._clean(result.message)  # type: ignore[attr-defined]


def scan(paths: Iterable[str | Path], environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per file under `paths` that leaks a secret (value or JWT): 'path: what'."""
    secrets = secret_values(settings_from_environment(environ))
    problems: list[str] = []
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            leaks = find_leaks(text, secrets)
            if leaks:
                problems.append(f"{path}: {', '.join(sorted(set(leaks)))}")
    return problems


def main(argv: list[str]) -> int:
    """`SecretRedactor.py scan PATH...`: exit 1 when any file under PATH leaks a secret."""
    if len(argv) < 2 or argv[0] != "scan":
        print("usage: SecretRedactor.py scan PATH...", file=sys.stderr)
        return 2
    problems = scan(argv[1:])
    for problem in problems:
        print(f"SECRET LEAK: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
