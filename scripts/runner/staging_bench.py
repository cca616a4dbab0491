"""`./run.sh benchmark --staging [--rows N] [--runs N] [robot options] [paths]`: the suites as staging runs them,
on a database that holds a staging-like history, against the same on an empty database.

- The history (cached between runs, database `wallet_staging_bench`, never the local `wallet_test`): the contract's
  tables (created by the stand-in's own migration, so with only the indexes its endpoints need: history by
  wallet, webhooks by charge id, the publisher's unpublished rows), 200,000 wallets of other owners, N rows
  (default 2,000,000) in each of `transactions`, `outbox` and `idempotency_keys`, 50,000 transfers, spread over
  90 days. It is filled with `generate_series` once and kept while its size matches `--rows`.
- Each measured run: a private stack (the stand-in and the mock on free ports, services.private_stack) on that
  database, then `./run.sh staging` with only the README's staging settings (the destructive tests skipped),
  then the stack stopped; the same on an empty database (`wallet_staging_empty`, recreated each time).
- Reported (results/benchmark/<UTC timestamp>/staging.md): the wall time of each, their ratio, per table the rows
  read by sequential scans over its live rows (`pg_stat_user_tables`, reset before the run, read after the stack
  stopped so every backend flushed its counters), and the slowest statements, sampled from `pg_stat_activity`
  every 20 ms (statements shorter than that are not seen; `pg_stat_statements` needs a server that preloads it,
  which the report says when it does not).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from runner import ROOT
from runner.options import BadInput, pop_value, positive
from runner.services import SERVICES, private_stack, stack

FILLED, EMPTY = "wallet_staging_bench", "wallet_staging_empty"
WALLETS, TRANSFERS, DAYS = 200_000, 50_000, 90
STAGING_SETTINGS = ("WALLET_API_URL", "GATEWAY_MOCK_URL", "DATABASE_URL", "AMQP_URL")
SECRETS = {"JWT_SECRET": "local-jwt-secret-not-for-prod", "GATEWAY_WEBHOOK_SECRET": "local-webhook-secret-not-for-prod"}
SAMPLE_S = 0.02
# {{rows}}: the size asked for, an integer put in by `fill`.
FILL_SQL = f"""
SET session_replication_role = replica;
TRUNCATE outbox, idempotency_keys, transfers, transactions, wallets, processed_commands;
INSERT INTO wallets SELECT md5('w' || i)::uuid, 'staging-owner-' || i, (ARRAY['EUR','USD','GBP'])[1 + i % 3],
    1000000, 'active', now() - interval '{DAYS} days', now() - interval '{DAYS} days' * random()
  FROM generate_series(0, {WALLETS - 1}) AS i;
INSERT INTO transactions SELECT md5('t' || i)::uuid, md5('w' || (i % {WALLETS}))::uuid,
    (ARRAY['deposit','withdrawal','transfer_in','transfer_out','credit'])[1 + i % 5], 'succeeded', 100 + i % 900,
    (ARRAY['EUR','USD','GBP'])[1 + (i % {WALLETS}) % 3], 1000000, NULL, NULL, 'ch_' || i, NULL,
    now() - interval '{DAYS} days' * random()
  FROM generate_series(0, {{rows}} - 1) AS i;
INSERT INTO transfers SELECT md5('x' || i)::uuid, md5('w' || (i % {WALLETS}))::uuid,
    md5('w' || ((i + 3) % {WALLETS}))::uuid, 100 + i % 900, 'EUR', 'succeeded',
    now() - interval '{DAYS} days' * random()
  FROM generate_series(0, {TRANSFERS - 1}) AS i;
INSERT INTO idempotency_keys SELECT 'staging-owner-' || (i % {WALLETS}), 'key-' || i, md5(i::text), 201,
    jsonb_build_object('id', md5('t' || i)::uuid, 'status', 'succeeded'), now() - interval '{DAYS} days' * random()
  FROM generate_series(0, {{rows}} - 1) AS i;
INSERT INTO outbox SELECT md5('o' || i)::uuid, 'deposit.succeeded', 'deposit.succeeded',
    jsonb_build_object('id', md5('o' || i)::uuid, 'type', 'deposit.succeeded', 'version', 1,
      'data', jsonb_build_object('wallet_id', md5('w' || (i % {WALLETS}))::uuid, 'owner_id',
      'staging-owner-' || (i % {WALLETS}), 'transaction_id', md5('t' || i)::uuid, 'amount', 100 + i % 900,
      'currency', 'EUR', 'balance_after', 1000000)), t, t + interval '1 second'
  FROM (SELECT i, now() - interval '{DAYS} days' * random() AS t FROM generate_series(0, {{rows}} - 1) AS i) AS s;
CREATE TABLE IF NOT EXISTS staging_bench_fill (rows bigint NOT NULL);
TRUNCATE staging_bench_fill;
INSERT INTO staging_bench_fill VALUES ({{rows}});
SET session_replication_role = DEFAULT;
"""  # noqa: S608 - constants only
# pg_stat_reset() also zeroes n_live_tup: the live rows are the planner's count of the last analyze, when larger.
TABLES_SQL = (
    "SELECT s.relname, s.seq_scan, s.seq_tup_read, s.idx_scan, greatest(s.n_live_tup, c.reltuples::bigint)"
    " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    " WHERE s.relname IN ('wallets','transactions','transfers','idempotency_keys','outbox','processed_commands')"
    " ORDER BY s.relname"
)
ACTIVE_SQL = (
    "SELECT pid, query_start, extract(epoch FROM clock_timestamp() - query_start) AS seconds, query"
    " FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()"
)


def split(args: list[str]) -> tuple[int, int, list[str]]:
    """(rows, runs, the arguments for ./run.sh staging). Raises BadInput."""
    rows, runs, rest, items = 2_000_000, 1, [], [item for item in args if item != "--staging"]
    while items:
        item = items.pop(0)
        key, _, attached = item.partition("=")
        if key in ("--rows", "--runs"):
            value = positive(key, pop_value(key, attached, items, " (see ./run.sh benchmark --help)"))
            rows, runs = (value, runs) if key == "--rows" else (rows, value)
        elif key == "--modes":
            raise BadInput("--staging measures the staging run as it is (chunk): --modes is not an option of it")
        else:
            rest.append(item)
    return rows, runs, rest


def _connect(dsn: str):
    import psycopg2

    connection = psycopg2.connect(dsn, connect_timeout=10, application_name="staging-benchmark")
    connection.autocommit = True
    return connection


def _rows(connection, sql: str, parameters=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters or None)
        return cursor.fetchall() if cursor.description else []


def fill(env: dict[str, str], rows: int, say) -> None:
    """Fills the database of `env` unless it already holds a history of `rows` rows."""
    connection = _connect(env["DATABASE_URL"])
    try:
        held = _rows(connection, "SELECT to_regclass('staging_bench_fill') IS NOT NULL")[0][0]
        if held and _rows(connection, "SELECT rows FROM staging_bench_fill")[:1] == [(rows,)]:
            say(f"the staging-like history ({rows:,} rows a table) is already there: reused")
            return
        say(f"filling {FILLED} with a staging-like history: {rows:,} rows a table (once; kept for later runs) ...")
        started = time.monotonic()
        _rows(connection, "SET statement_timeout = 0")
        _rows(connection, FILL_SQL.replace("{rows}", str(int(rows))))
        _rows(connection, "VACUUM ANALYZE")
        say(f"filled in {time.monotonic() - started:.0f} s")
    finally:
        connection.close()


class Sampler(threading.Thread):
    """The statements running on the database, every SAMPLE_S: each one's longest sighting."""

    def __init__(self, dsn: str, database: str) -> None:
        super().__init__(daemon=True)
        self.connection, self.database = _connect(dsn), database
        self.seen: dict[tuple, tuple[float, str]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            for pid, start, seconds, query in _rows(self.connection, ACTIVE_SQL, (self.database,)):
                key = (pid, start)
                if seconds is not None and float(seconds) > self.seen.get(key, (0.0, ""))[0]:
                    self.seen[key] = (float(seconds), " ".join(query.split())[:160])

    def slowest(self, count: int = 10) -> list[tuple[str, int, float, float]]:
        """(statement, times seen, total s, longest s), the largest total first."""
        by: dict[str, list[float]] = {}
        for seconds, text in self.seen.values():
            by.setdefault(text, []).append(seconds)
        table = [(text, len(times), sum(times), max(times)) for text, times in by.items()]
        return sorted(table, key=lambda item: -item[2])[:count]


def measure(name: str, rows: int, workdir: Path, rest: list[str], say) -> dict:
    """One staging run against a private stack on the database `name` (filled unless it is EMPTY)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RUN_ID", "RESULTS_DIR")}
    env |= private_stack(name, workdir / f"{name}-stack")
    env["STACK_FRESH_DATABASE"] = "yes" if name == EMPTY else "no"
    if not stack("up", list(SERVICES), say, env):
        raise BadInput(f"the private stack on {name} did not start (logs in {workdir / f'{name}-stack'})")
    try:
        if name != EMPTY:
            fill(env, rows, say)
        connection = _connect(env["DATABASE_URL"])
        _rows(connection, "SELECT pg_stat_reset()")
        sampler = Sampler(env["DATABASE_URL"], name)
        sampler.start()
        staging = {key: env[key] for key in STAGING_SETTINGS} | SECRETS
        staging |= {key: env[key] for key in ("RABBITMQ_VHOST", "WALLET_DB_ROLE", "WALLET_AMQP_USER")}
        clean = {k: v for k, v in os.environ.items() if k != "RUN_ID" and not k.startswith("RABBITMQ_MANAGEMENT")}
        log = workdir / f"{name}.log"
        say(f"./run.sh staging on {name} ...")
        started = time.monotonic()
        with open(log, "w") as handle:
            code = subprocess.run(
                [str(ROOT / "run.sh"), "staging", *rest],
                env=clean | staging | {"RESULTS_DIR": str(workdir / name)},
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            ).returncode
        wall = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
    finally:
        stack("down", list(SERVICES), say, env)
    time.sleep(1.0)  # the stopped backends' statistics reach the shared counters
    tables = _rows(connection, TABLES_SQL)
    connection.close()
    lines = log.read_text().splitlines()
    summary = next((line for line in reversed(lines) if " tests, " in line and "passed" in line), "")
    return {"wall": wall, "code": code, "tables": tables, "slowest": sampler.slowest(), "summary": summary, "log": log}


def main(args: list[str]) -> int:
    rows, runs, rest = split(args)
    workdir = ROOT / "results" / "benchmark" / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-staging")
    workdir.mkdir(parents=True)

    def say(line: str) -> None:
        print(f"benchmark: {line}", flush=True)

    results: dict = {EMPTY: [], FILLED: []}
    for run in range(1, runs + 1):
        for name in (EMPTY, FILLED):
            say(f"run {run} of {runs}: {name}")
            results[name].append(measure(name, rows, workdir / f"run-{run}", rest, say))
    results["preload"] = _preload()
    report = render(rows, results)
    (workdir / "staging.md").write_text(report)
    print(report, end="")
    return 0 if all(r["code"] == 0 for name in (EMPTY, FILLED) for r in results[name]) else 1


def _preload() -> str:
    from variables._settings import resolve

    connection = _connect(resolve("local", {})["DATABASE_URL"])
    try:
        loaded = _rows(connection, "SHOW shared_preload_libraries")[0][0]
    finally:
        connection.close()
    if "pg_stat_statements" in loaded:
        return "preloaded by this server (not read by this report: see the sampled statements)"
    return f"not available (shared_preload_libraries = '{loaded}'): the statements above are sampled instead"


def _walls(runs: list[dict]) -> str:
    return ", ".join(f"{run['wall']:.1f}" for run in runs)


def render(rows: int, results: dict[str, list[dict]]) -> str:
    empty, filled = results[EMPTY], results[FILLED]
    best = {name: min(r["wall"] for r in results[name]) for name in (EMPTY, FILLED)}
    lines = [
        f"`./run.sh staging` (staging settings only, destructive tests skipped) on an empty database and on one "
        f"holding a staging-like history ({WALLETS:,} wallets, {rows:,} rows in transactions, outbox and "
        f"idempotency_keys, {TRANSFERS:,} transfers over {DAYS} days); best of {len(filled)} run(s)",
        "",
        f"- empty: **{best[EMPTY]:.1f} s** ({_walls(empty)}); {empty[-1]['summary']}",
        f"- history: **{best[FILLED]:.1f} s** ({_walls(filled)}); {filled[-1]['summary']}",
        f"- ratio: **{best[FILLED] / best[EMPTY]:.2f}x** (acceptance: at most 1.15x)",
        "",
        "Sequential scans during the run on the history (last run): rows read / live rows = times over",
        "",
        "| table | seq scans | rows read by seq scans | live rows | times over | index scans |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for table, scans, read, index, live in filled[-1]["tables"]:
        lines.append(f"| {table} | {scans} | {read:,} | {live:,} | {read / max(live, 1):.2f} | {index or 0} |")
    lines += ["", "Slowest statements on the history (pg_stat_activity sampled every 20 ms; last run):", ""]
    lines += ["| statement | seen | total s | longest s |", "|---|---:|---:|---:|"]
    for text, count, total, longest in filled[-1]["slowest"]:
        lines.append(f"| `{text.replace('|', '/')}` | {count} | {total:.2f} | {longest:.2f} |")
    lines += ["", f"pg_stat_statements: {results['preload']}", f"logs: {filled[-1]['log'].parent}", ""]
    return "\n".join(lines)
