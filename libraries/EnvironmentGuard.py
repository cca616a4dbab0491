"""Robot Framework library of the production guard (the root suite setup calls it)."""

from __future__ import annotations

from guard import ALLOWED_ENVIRONMENTS, GuardError, check
from robot.api.deco import keyword, library
from robot.api.exceptions import FatalError
from robot.libraries.BuiltIn import BuiltIn


@library(scope="GLOBAL", auto_keywords=False)
class EnvironmentGuard:
    """Refuses to run the suites against production, before a single request is sent.

    The same check as `run.sh` (see `guard.py`): the `ENVIRONMENT` variable must come from an
    allow-listed variable file (`local`, `ci`, `staging`) and no `*_URL` variable may point at a host
    on the production deny-list (`PRODUCTION_HOST_DENYLIST`). Calling `robot` or `pabot` directly is
    therefore guarded too.
    """

    @keyword
    def environment_should_be_safe_for_tests(self) -> None:
        """Stops the whole run (fatal error) unless the environment is safe for tests.

        Fails when no variable file was given (run with `--variablefile variables/<env>.py`), when the
        environment is not allow-listed, when a required setting is missing, or when a configured host
        matches the production deny-list. The message is one line and never contains a secret.
        """
        builtin = BuiltIn()
        environment = builtin.get_variable_value("${ENVIRONMENT}")
        if environment is None:
            raise FatalError(
                "no environment: run with --variablefile variables/<env>.py "
                f"(one of {', '.join(ALLOWED_ENVIRONMENTS)}) or use ./run.sh"
            )
        settings: dict[str, object] = {"SETTINGS_ERROR": builtin.get_variable_value("${SETTINGS_ERROR}")}
        for decorated, value in builtin.get_variables(no_decoration=False).items():
            name = decorated[2:-1].upper()
            if name.endswith("_URL"):
                settings[name] = value
        try:
            check(str(environment), settings)
        except GuardError as error:
            raise FatalError(str(error)) from None
