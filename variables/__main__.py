"""`python3 -m variables ENV`: print `export NAME='value'` lines for every setting of ENV (stdlib only).

Exit 2 with one line on stderr for an unknown environment or a missing setting.
"""

from __future__ import annotations

import sys

from ._settings import SettingsError, environments, export_lines, resolve

USAGE = "usage: python3 -m variables ENV   (ENV: {})"


def main(argv: list[str]) -> int:
    """Print the export lines of the environment named in `argv`."""
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(USAGE.format(", ".join(environments())), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        values = resolve(argv[0])
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(export_lines(values)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
