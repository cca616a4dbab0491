#!/usr/bin/env python3
"""Compare two Robot Framework outputs: same totals and the same tests with the same statuses.

Usage: ``compare_results.py EXPECTED.xml ACTUAL.xml`` (e.g. an unsharded run and the merged shards).
Prints the totals of both and every difference; exit 0 when they match, 1 when they differ, 2 on bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor


def tests_of(path: Path) -> tuple[tuple[int, int, int, int], dict[str, str]]:
    """(total, passed, failed, skipped) and {test long name: status} of one output.xml."""
    result = ExecutionResult(str(path))
    statuses: dict[str, str] = {}

    class _Collector(ResultVisitor):
        def visit_test(self, test) -> None:  # type: ignore[no-untyped-def]
            statuses[test.full_name] = test.status

    result.visit(_Collector())
    stats = result.statistics.total
    return (stats.total, stats.passed, stats.failed, stats.skipped), statuses


def compare(expected: Path, actual: Path) -> list[str]:
    """Human-readable differences (empty when the runs match)."""
    (e_totals, e_tests), (a_totals, a_tests) = tests_of(expected), tests_of(actual)
    differences = []
    if e_totals != a_totals:
        differences.append(f"totals differ: expected {_fmt(e_totals)}, got {_fmt(a_totals)}")
    for name in sorted(e_tests.keys() - a_tests.keys()):
        differences.append(f"missing: {name}")
    for name in sorted(a_tests.keys() - e_tests.keys()):
        differences.append(f"unexpected: {name}")
    for name in sorted(e_tests.keys() & a_tests.keys()):
        if e_tests[name] != a_tests[name]:
            differences.append(f"status differs: {name}: expected {e_tests[name]}, got {a_tests[name]}")
    return differences


def _fmt(totals: tuple[int, int, int, int]) -> str:
    return "{} tests, {} passed, {} failed, {} skipped".format(*totals)


def main(argv: list[str]) -> int:
    """Entry point; see the module docstring."""
    if len(argv) != 2:
        print("usage: compare_results.py EXPECTED.xml ACTUAL.xml", file=sys.stderr)
        return 2
    expected, actual = Path(argv[0]), Path(argv[1])
    for path in (expected, actual):
        if not path.is_file():
            print(f"compare_results: no such output: {path}", file=sys.stderr)
            return 2
    print(f"unsharded: {_fmt(tests_of(expected)[0])}")
    print(f"merged:    {_fmt(tests_of(actual)[0])}")
    differences = compare(expected, actual)
    for difference in differences:
        print(f"  {difference}")
    print("totals and tests match" if not differences else f"{len(differences)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
