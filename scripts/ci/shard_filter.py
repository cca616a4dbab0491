"""Robot Framework pre-run modifier that keeps one deterministic shard of the tests.

Usage (robot or pabot, any phase)::

    --prerunmodifier scripts/ci/shard_filter.py:INDEX:TOTAL

INDEX is 1-based. A test belongs to shard ``crc32(long name) % TOTAL + 1``: the split depends only on
the test's full name, so every shard of every phase (parallel, serial ``destructive``) agrees on it,
each test runs in exactly one shard, and adding a test never moves the others. Suites left without
tests are removed; combine with ``--runemptysuite`` so a shard that got no test of some phase passes.
"""

from __future__ import annotations

import zlib

from robot.api import SuiteVisitor
from robot.running import TestCase, TestSuite


def shard_of(longname: str, total: int) -> int:
    """Return the 1-based shard that owns the test with this long name."""
    return zlib.crc32(longname.encode("utf-8")) % total + 1


class shard_filter(SuiteVisitor):  # the class name must be the module name for robot's --prerunmodifier
    """Keep only the tests of shard INDEX out of TOTAL."""

    def __init__(self, index: str | int, total: str | int) -> None:
        try:
            self.index, self.total = int(index), int(total)
        except ValueError as err:
            raise ValueError(f"shard_filter: INDEX and TOTAL must be integers, got {index!r}:{total!r}") from err
        if self.total < 1 or not 1 <= self.index <= self.total:
            raise ValueError(f"shard_filter: need 1 <= INDEX <= TOTAL, got {self.index}:{self.total}")

    def start_suite(self, suite: TestSuite) -> None:
        """Drop the tests that belong to another shard."""
        suite.tests = [t for t in suite.tests if self._mine(t)]

    def end_suite(self, suite: TestSuite) -> None:
        """Remove child suites that have no test left."""
        suite.suites = [s for s in suite.suites if s.test_count > 0]

    def visit_test(self, test: TestCase) -> None:
        """Tests need no visiting (keeps the visitor fast)."""

    def _mine(self, test: TestCase) -> bool:
        return shard_of(test.full_name, self.total) == self.index
