"""Robot Framework variable file of the `staging` environment: `--variablefile variables/staging.py`.

Every address and secret must come from the environment (see README.md); nothing is started locally.

Every value comes from `_settings.py` and is overridable by the environment variable of the same name.
"""

from __future__ import annotations

try:
    from ._settings import robot_variables
except ImportError:  # imported by Robot Framework as a top-level module
    from _settings import robot_variables

ENVIRONMENT_NAME = "staging"


def get_variables() -> dict[str, object]:
    """Robot variables of `staging`."""
    return robot_variables(ENVIRONMENT_NAME)
