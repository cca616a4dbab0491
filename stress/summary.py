"""Markdown table of Locust stats CSV files (for the CI job summary); standard library only.

python3 stress/summary.py results/ci/latest/stress/*/locust_stats.csv >> "$GITHUB_STEP_SUMMARY"
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def table(path: Path) -> str:
    """One Markdown table: requests, failures, throughput and p95/p99 latency per endpoint."""
    lines = [
        f"### Locust statistics ({path.parent.name})",
        "",
        "| Endpoint | Requests | Failures | req/s | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lines.append(
                f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                f"{float(row['Requests/s']):.1f} | {row['95%']} | {row['99%']} |"
            )
    return "\n".join(lines) + "\n"


def main(paths: list[str]) -> int:
    """Print a table per existing file; exit 0 (a missing file is skipped with a note)."""
    for name in paths:
        path = Path(name)
        print(table(path) if path.is_file() else f"(no Locust statistics at {name})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
