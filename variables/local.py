"""Robot Framework variable file of the `local` environment: `--variablefile variables/local.py`.

Every value comes from `_settings.py` and is overridable by the environment variable of the same name.
"""

from __future__ import annotations

try:
    from ._settings import robot_variables
except ImportError:  # imported by Robot Framework as a top-level module
    from _settings import robot_variables

ENVIRONMENT_NAME = "local"


def get_variables() -> dict[str, object]:
    """Robot variables of `local`."""
    return robot_variables(ENVIRONMENT_NAME)
