"""The outbox checks of a whole run: gathered while the tests run, answered once after them.

"Exactly one outbox row per change", "no row for a rejected request" and "every row gets `published_at`"
search the outbox by content and time. Contract section 6 promises no index that serves such a search (the
payload's shape is not even in the contract: a row belongs to a change when the change's id appears anywhere
in it), so on a shared database each one is a scan of the whole table. They are therefore never asked per
test or per suite: every robot process appends what its tests expect to `outbox-expectations.jsonl` in its
output folder (one JSON line per check, naming the test or suite that made or checked the change), and ONE
reconciliation reads the outbox once for the run and answers every expectation:

- `changes`: ids of changes (wallets, transactions, transfers). Their state is read by primary key; each one
  whose state calls for an event has exactly one outbox row of that event's type (none while it calls for none),
  with `routing_key` = `type`;
- `complete`: wallets whose every change was recorded at a time (`{id: database time}`, after a walk of their
  history): a row written up to then that mentions them belongs to a recorded change (none for a rejected
  request);
- `unowned`: ids nothing may have a row for unless it belongs to a recorded change in the state its type says
  (a pending deposit, a rejected command);
- `published`: wallets whose rows must all have `published_at` (once the broker confirmed them).

The window is the run's own: it starts at the `created_at` of the run's oldest wallet, looked up by primary key
first and passed as a value (minus `SKEW` for clocks that differ between hosts), so the planner knows how few
rows it keeps. Who answers: a plain `robot` process in its root suite teardown (`Release Test Run`); under pabot
(every process runs the root suite teardown) the run engine, once, after the parallel phase and its reruns
(`scripts/runner/outbox_check.py`), failing in the merged report the tests that made the offending changes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .changes import Change, Query, changes_by_id, outbox_problems, uuids
from .matcher import strings_in

FILE = "outbox-expectations.jsonl"
DONE = {"reconciled": True}  # the last line of a file its own process answered
SKEW = timedelta(seconds=30)
PUBLISH_WAIT_S = 10.0
KINDS = ("changes", "complete", "unowned", "published")
START_SQL = "SELECT min(created_at) AS start FROM wallets WHERE id = ANY(%s::uuid[])"
# One read of the run's window: each row's UUIDs found once (a regular expression), joined by hash with the ids.
WINDOW_SQL = (
    "SELECT DISTINCT ON (o.id) o.id::text AS id, o.type, o.routing_key, o.payload, o.published_at, o.created_at"
    " FROM outbox o CROSS JOIN LATERAL regexp_matches(o.payload::text,"
    " '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', 'g') AS found(uuid)"
    " JOIN unnest(%s::text[]) AS wanted(id) ON wanted.id = lower(found.uuid[1]) WHERE o.created_at >= %s"
)
UNPUBLISHED_SQL = "SELECT id::text AS id FROM outbox WHERE id = ANY(%s::uuid[]) AND published_at IS NULL"


class Recorder:
    """The robot process's side: appends expectations to its file (thread-safe; one line per call)."""

    def __init__(self, folder: Path, by: Any) -> None:
        self.path = folder / FILE
        self.by = by  # -> the long name of the running test, else of the running suite
        self._lock = threading.Lock()

    def record(self, **expected: Any) -> None:
        """`record(changes=[ids], complete={wallet: time}, unowned=[ids], published=[wallets])`."""
        line = {kind: _plain(expected[kind]) for kind in KINDS if expected.get(kind)}
        if not line:
            return
        try:
            line["by"] = self.by()
        except Exception:  # a worker thread of the model workload: no running test to name
            line["by"] = ""
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line) + "\n")

    def observe(self, response: Any) -> None:
        """Transport observer: the change a successful POST returned (a wallet, transaction or transfer)."""
        body = response.json if response.method == "POST" and response.status < 300 else None
        if isinstance(body, dict) and uuids([body.get("id")]):
            self.record(changes=[body["id"]])

    def answer(self, query: Query) -> list[tuple[list[str], str]]:
        """Reconciles this process's own file (a plain robot run) and marks it answered."""
        problems = reconcile(query, read([self.path]))
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(DONE) + "\n")
        return problems


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key).lower(): str(item) for key, item in value.items()}
    return sorted({str(item).lower() for item in value})


def read(paths: Iterable[Path]) -> list[dict]:
    """The expectations of these files, those of files already answered left out."""
    found: list[dict] = []
    for path in paths:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if DONE not in lines:
            found += lines
    return found


def reconcile(query: Query, records: list[dict]) -> list[tuple[list[str], str]]:
    """Every broken expectation as (names of the tests or suites that recorded what it is about, problem)."""
    by: dict[str, list[str]] = {}
    wanted: dict[str, set[str]] = {kind: set() for kind in ("changes", "unowned", "published")}
    complete: dict[str, str] = {}
    for record in records:
        for kind in KINDS:
            for value in record.get(kind) or []:
                names = by.setdefault(value, [])
                if record["by"] not in names:
                    names.append(record["by"])
        for kind, values in wanted.items():
            values.update(record.get(kind) or [])
        for wallet, at in (record.get("complete") or {}).items():
            complete[wallet] = max(complete.get(wallet, at), at)
    changes = changes_by_id(query, wanted["changes"] | set(complete))
    wallets = uuids(
        [*complete, *wanted["published"]]
        + [str(v) for c in changes.values() for k, v in c.data.items() if k.endswith("wallet_id")]
    )
    if not wallets:
        return [(by.get(value, []), f"{value}: no such wallet, transaction or transfer") for value in wanted["changes"]]
    start = query(START_SQL, [wallets])[0]["start"]
    if start is None:
        return [(by.get(wallet, []), f"wallet {wallet}: no row in wallets") for wallet in wallets]
    every = uuids([*changes, *complete, *wanted["unowned"], *wanted["published"]])
    rows = query(WINDOW_SQL, [every, start - SKEW])
    for row in rows:
        row["mentions"] = strings_in(row["payload"])
    about: dict[str, list[dict]] = {}
    for row in rows:
        for value in row["mentions"]:
            about.setdefault(value, []).append(row)
    problems = [
        (_names(by, [change.id]), problem)
        for change in changes.values()
        for problem in outbox_problems(about.get(change.id, []), {change.id: change}, complete=False)
    ]
    problems += _strays(rows, changes, complete, wanted["unowned"], by)
    merged: dict[str, list[str]] = {}  # one row can be about several recorded changes: one problem, every name
    for names, problem in problems + _unpublished(query, rows, wanted["published"], by):
        merged.setdefault(problem, [])
        merged[problem] += [name for name in names if name not in merged[problem]]
    return [(names, problem) for problem, names in merged.items()]


def _names(by: Mapping[str, list[str]], ids: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in ids:
        names += [name for name in by.get(value, []) if name and name not in names]
    return names


def _strays(
    rows: list[dict], changes: Mapping[str, Change], complete: Mapping[str, str], unowned: set[str], by: dict
) -> list[tuple[list[str], str]]:
    """Rows that mention an id in scope and belong to no recorded change in the state their type says."""
    specific = {c.id for c in changes.values() if c.kind != "wallet"} | unowned
    until = {wallet: datetime.fromisoformat(at) for wallet, at in complete.items()}
    found = []
    for row in rows:
        mentioned = row["mentions"]
        if any(changes[i].event_type == row["type"] for i in mentioned if i in changes):
            continue
        scope = sorted(mentioned & specific)
        scope += [wallet for wallet in sorted(mentioned & set(until)) if row["created_at"] <= until[wallet]]
        if scope:
            found.append(
                (_names(by, scope), f"outbox row {row['id']} ({row['type']}, about {', '.join(scope)}) belongs "
                 "to no change in that state (a rejected request, a replay or a pending change?)")
            )  # fmt: skip
    return found


def _unpublished(query: Query, rows: list[dict], wallets: set[str], by: dict) -> list[tuple[list[str], str]]:
    """Rows about these wallets still without `published_at` after `PUBLISH_WAIT_S` (re-read by primary key)."""
    waiting = {row["id"]: row for row in rows if row["published_at"] is None and row["mentions"] & wallets}
    deadline = time.monotonic() + PUBLISH_WAIT_S
    while waiting and time.monotonic() < deadline:
        time.sleep(0.5)
        still = {row["id"] for row in query(UNPUBLISHED_SQL, [sorted(waiting)])}
        waiting = {key: row for key, row in waiting.items() if key in still}
    return [
        (
            _names(by, sorted(row["mentions"] & wallets)),
            f"outbox row {row['id']} ({row['type']}) still has no published_at {PUBLISH_WAIT_S:.0f} s after the run",
        )
        for row in waiting.values()
    ]


def describe(problems: list[tuple[list[str], str]]) -> list[str]:
    """One line per problem: `<test or suite>[, ...]: <problem>`."""
    return [f"{', '.join(names) or '(unknown)'}: {problem}" for names, problem in problems]
