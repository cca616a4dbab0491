"""The tests on a shared database: their connection names itself and only reads; the outbox questions are
gathered per process and answered once per run, failing the tests that made the changes concerned."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from robot.result import TestSuite as ResultSuite
from WalletLibrary import context as context_module
from WalletLibrary import outbox

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from runner import outbox_check, results


class FakeDatabaseLibrary:
    def __init__(self) -> None:
        self.connected: dict = {}

    def connect_to_database(self, *_args: object, **kwargs: object) -> None:
        self.connected = kwargs

    def set_auto_commit(self, *_args: object, **_kwargs: object) -> None:
        pass

    def query(self, *_args: object, **_kwargs: object) -> list:
        raise RuntimeError("canceling statement due to statement timeout")


def test_the_connection_names_the_run_reads_only_and_a_cancelled_query_names_itself(monkeypatch) -> None:
    library = FakeDatabaseLibrary()
    ctx = context_module.Context()
    monkeypatch.setattr(context_module.Context, "robot_library", staticmethod(lambda _name: library))
    monkeypatch.setattr(context_module, "robot_variable", lambda name: "run-42" if name == "RUN_ID" else None)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tester:pw@db.example.com:5432/wallet")
    ctx.database()
    assert library.connected["application_name"] == "wallet-tests run-42"
    assert "-c default_transaction_read_only=on" in library.connected["options"]
    assert "-c statement_timeout=" in library.connected["options"]
    with pytest.raises(AssertionError, match=r"statement_timeout \(30 s\): SELECT count\(\*\) FROM outbox"):
        ctx.query("SELECT count(*)\n  FROM outbox")


def test_the_engine_looks_for_the_files_the_library_writes() -> None:
    assert outbox_check.FILE == outbox.FILE


def test_a_process_that_answered_its_own_expectations_is_not_answered_again(tmp_path: Path) -> None:
    recorder = outbox.Recorder(tmp_path, lambda: "Suites.A.Test One")
    recorder.record(changes=["6F9619FF-8B86-D011-B42D-00C04FC964FF"], unowned=[])
    recorder.record()  # nothing to record: no line
    lines = [json.loads(line) for line in recorder.path.read_text().splitlines()]
    assert lines == [{"changes": ["6f9619ff-8b86-d011-b42d-00c04fc964ff"], "by": "Suites.A.Test One"}]
    assert outbox.read([recorder.path]) == lines
    recorder.path.write_text(recorder.path.read_text() + json.dumps(outbox.DONE) + "\n")
    assert outbox.read([recorder.path]) == []


def _outcome() -> results.Outcome:
    suite = ResultSuite(name="Suites")
    child = suite.suites.create(name="Events")
    for name in ("Made The Change", "Innocent"):
        child.tests.create(name=name, status="PASS")
    outcome = results.Outcome(result=SimpleNamespace(suite=suite), passed=2)
    return outcome


def test_the_engine_fails_the_test_that_made_the_change_and_says_why(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / ".parts" / "parallel" / "pabot_results" / "1"
    folder.mkdir(parents=True)
    outbox.Recorder(folder, lambda: "Suites.Events.Made The Change").record(
        changes=["6f9619ff-8b86-d011-b42d-00c04fc964ff"]
    )
    found = [
        (["Suites.Events.Made The Change"], "succeeded deposit 6f96...: 2 deposit.succeeded outbox rows, expected 1")
    ]
    monkeypatch.setattr(outbox, "reconcile", lambda _query, records: found if records else [])
    monkeypatch.setattr(outbox_check, "_query", lambda _dsn: (SimpleNamespace(close=lambda: None), None))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wallet_test")
    said: list[str] = []
    outcome = _outcome()
    outbox_check.apply(outcome, tmp_path, said.append)
    made, innocent = outcome.result.suite.suites[0].tests
    assert (made.status, innocent.status) == ("FAIL", "PASS")
    assert made.message.startswith("Outbox reconciliation of the run: succeeded deposit 6f96...: 2 deposit.succeeded")
    assert outcome.passed == 1 and [name for name, _ in outcome.failed] == ["Suites.Events.Made The Change"]
    assert said == ["outbox reconciliation: 1 expectations of the parallel phase, 1 problem(s)"]


def test_a_problem_a_suite_recorded_fails_its_tests(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / ".parts" / "parallel-rerun" / "pabot_results" / "1"
    folder.mkdir(parents=True)
    outbox.Recorder(folder, lambda: "Suites.Events").record(unowned=["6f9619ff-8b86-d011-b42d-00c04fc964ff"])
    monkeypatch.setattr(outbox, "reconcile", lambda _query, _records: [(["Suites.Events"], "outbox row x: stray")])
    monkeypatch.setattr(outbox_check, "_query", lambda _dsn: (SimpleNamespace(close=lambda: None), None))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wallet_test")
    outcome = _outcome()
    outbox_check.apply(outcome, tmp_path, lambda _line: None)
    assert [test.status for test in outcome.result.suite.suites[0].tests] == ["FAIL", "FAIL"]
    assert outcome.passed == 0 and len(outcome.failed) == 2
