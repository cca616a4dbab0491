"""The production guard (Python standard library only; never sends a request).

Tests run locally, in CI or on staging, never in production. Two rules, checked by `run.sh` before it
creates the virtualenv or starts anything, and again by the root suite setup (keyword
`Environment Should Be Safe For Tests` of WalletLibrary), so calling `robot`/`pabot` directly
is guarded too:

1. the environment must be one of the allow-listed variable files (`local`, `ci`, `staging`);
2. no configured URL (every setting whose name ends in `_URL`) may point at a host matching the
   production deny-list: comma-separated glob patterns in `PRODUCTION_HOST_DENYLIST`
   (default `DEFAULT_DENYLIST`), matched case-insensitively against the host name.

Command line: `python3 libraries/guard.py ENV` checks ENV with the settings resolved from the
environment (exactly what `python3 -m variables ENV` would export) and prints one line and exits 2
when refused.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

ALLOWED_ENVIRONMENTS: tuple[str, ...] = ("local", "ci", "staging")
PRODUCTION_NAMES: tuple[str, ...] = ("production", "prod", "prd", "live")
DEFAULT_DENYLIST = "*prod*,*production*,*prd*,live.*,*.live.*,*-live.*,*.live"
DENYLIST_VARIABLE = "PRODUCTION_HOST_DENYLIST"


class GuardError(RuntimeError):
    """The run is refused; the message is one line."""


def denylist(environ: Mapping[str, str] | None = None) -> list[str]:
    """The host patterns of the production deny-list (from `PRODUCTION_HOST_DENYLIST` or the defaults)."""
    environ = os.environ if environ is None else environ
    raw = environ.get(DENYLIST_VARIABLE) or DEFAULT_DENYLIST
    return [pattern.strip().lower() for pattern in raw.split(",") if pattern.strip()]


def check_environment_name(environment: str | None) -> None:
    """Refuse an environment that is not an allow-listed variable file."""
    valid = ", ".join(ALLOWED_ENVIRONMENTS)
    if not environment:
        raise GuardError(f"no environment given: run with a variable file of one of: {valid}")
    name = environment.strip().lower()
    if name in ALLOWED_ENVIRONMENTS and environment == name:
        return
    if name in PRODUCTION_NAMES or name.startswith("prod"):
        raise GuardError(
            f"refused: '{environment}' is production; these tests never run there (valid environments: {valid})"
        )
    raise GuardError(f"unknown environment '{environment}': valid environments are {valid}")


def host_of(url: str) -> str:
    """The lower-case host name of `url` ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check_hosts(settings: Mapping[str, object], environ: Mapping[str, str] | None = None) -> None:
    """Refuse when any `*_URL` setting points at a host on the production deny-list."""
    patterns = denylist(environ)
    for name in sorted(settings):
        value = settings[name]
        if not name.endswith("_URL") or not isinstance(value, str) or not value:
            continue
        host = host_of(value)
        for pattern in patterns:
            if host and fnmatch.fnmatchcase(host, pattern):
                raise GuardError(
                    f"refused: {name} points at host '{host}', which matches the production deny-list "
                    f"pattern '{pattern}' ({DENYLIST_VARIABLE})"
                )


def check(environment: str | None, settings: Mapping[str, object], environ: Mapping[str, str] | None = None) -> None:
    """Both rules: an allow-listed environment and no deny-listed host. Raises GuardError."""
    check_environment_name(environment)
    error = settings.get("SETTINGS_ERROR")
    if error:
        raise GuardError(str(error))
    check_hosts(settings, environ)


def main(argv: list[str]) -> int:
    """`guard.py ENV`: exit 0 when ENV is safe, else one line on stderr and exit 2."""
    if len(argv) != 1:
        print(f"usage: guard.py ENV   (ENV: {', '.join(ALLOWED_ENVIRONMENTS)})", file=sys.stderr)
        return 2
    environment = argv[0]
    try:
        check_environment_name(environment)
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from variables._settings import SettingsError, resolve

        try:
            settings = resolve(environment)
        except SettingsError as error:
            raise GuardError(str(error)) from None
        check_hosts(settings)
    except GuardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
