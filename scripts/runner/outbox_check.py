"""The run's outbox reconciliation, once, after the phases (`libraries/WalletLibrary/outbox.py` says why).

Every robot process appends what its tests expect of the outbox to `outbox-expectations.jsonl` in its folder.
A plain `robot` process answers its own file in its root suite teardown; pabot's processes cannot (each one runs
the root suite teardown), so this module answers their files here, in one read of the outbox, and fails in the
merged report the tests that made or checked the changes concerned (a problem a suite recorded fails the tests
of that suite); the console shows each problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PREFIX = "Outbox reconciliation of the run"
FILE = "outbox-expectations.jsonl"  # WalletLibrary.outbox.FILE


def _query(dsn: str):
    import psycopg2
    import psycopg2.extras

    connection = psycopg2.connect(  # libpq reads the postgresql:// URI itself
        dsn,
        connect_timeout=10,
        application_name=f"wallet-tests {os.environ.get('RUN_ID', '')}"[:63],
        options="-c statement_timeout=60000 -c default_transaction_read_only=on -c jit=off",
    )
    connection.autocommit = True

    def query(sql: str, parameters: Any = ()) -> list[dict]:
        with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
            cursor.execute(sql, list(parameters))
            return [dict(row) for row in cursor.fetchall()]

    return connection, query


def apply(outcome: Any, out: Path, say) -> None:
    """Answers the expectations no process answered itself and fails the tests concerned in `outcome`."""
    files = sorted((out / ".parts").rglob(FILE))
    if not files:  # a run of other suites (WalletLibrary is not even imported)
        return
    from WalletLibrary.outbox import read, reconcile

    records = read(files)
    if not records:
        return
    try:
        connection, query = _query(os.environ["DATABASE_URL"])
        try:
            problems = reconcile(query, records)
        finally:
            connection.close()
    except Exception as error:  # the run must say it, not crash before its report
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        failure = f"{PREFIX} failed: {type(error).__name__} {first}"
        outcome.mismatch = "; ".join(filter(None, [outcome.mismatch, failure]))
        return
    say(f"outbox reconciliation: {len(records)} expectations of the parallel phase, {len(problems)} problem(s)")
    tests = {test.full_name: test for test in _tests(outcome.result.suite)}
    for names, problem in problems:
        hit = [tests[name] for name in names if name in tests]
        hit += [t for name in names if name not in tests for key, t in tests.items() if key.startswith(name + ".")]
        if not hit:
            outcome.mismatch = "; ".join(filter(None, [outcome.mismatch, f"{PREFIX}: {problem}"]))
        for test in hit:
            _fail(outcome, test, problem)


def _tests(suite: Any) -> list:
    return [*suite.tests, *(test for child in suite.suites for test in _tests(child))]


def _fail(outcome: Any, test: Any, problem: str) -> None:
    name = test.full_name
    was = test.status
    test.status = "FAIL"
    test.message = f"{PREFIX}: {problem}" + (f"\n\n{test.message}" if test.message else "")
    flaky = [item for item in outcome.flaky if item[0] == name]
    outcome.flaky[:] = [item for item in outcome.flaky if item[0] != name]
    outcome.failed[:] = [item for item in outcome.failed if item[0] != name]
    outcome.failed.append((name, f"{PREFIX}: {problem}"))
    if was == "PASS" and not flaky:
        outcome.passed -= 1
    elif was == "SKIP":
        outcome.skipped -= 1
