"""What a person needs to act on a broken rule: the seed, the rule, the causal slice (every exchange naming an
id of the finding, webhooks and commands included), the one command that replays the schedule; and what the
run covered: a rule with no observation is NOT EXERCISED, never PASS, and a table operation x outcome x fault."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from .check import Checker, Finding, ids_of
from .faults import OUTAGES
from .observe import wallet_ids
from .records import Exchange, Run

# Every rule the checker looks at (contracts/rules.yaml ids), in the order of the report. The suite's
# `rule:` tags are exactly these (tests/library/test_model.py keeps them equal).
RULES = (
    ("http.documented-responses", "every response is one the contract documents"),
    ("idempotency.in-use", "a key runs once, however many times it is sent at once"),
    ("idempotency.replay-byte-identical", "a replay repeats the first answer byte for byte"),
    ("idempotency.replay-no-reexecution", "every row is one acknowledged operation's, every acknowledged one is there"),
    ("deposits.succeeded", "a 201 deposit's row: its request's amount and currency, its answer's balance_after"),
    ("deposits.pending", "a 202 deposit's row stays pending until a webhook settles it"),
    ("deposits.declined", "each 402/502/504 deposit is recorded failed, once, with its amount"),
    ("deposits.gateway-error", "a deposit whose charge the gateway answered 5xx is 502"),
    ("deposits.gateway-timeout", "a deposit whose charge was answered past GATEWAY_TIMEOUT_MS is 504"),
    ("withdrawals.succeeded", "a 201 withdrawal's row: its request's amount, its answer's balance_after"),
    ("transfers.succeeded", "a 201 transfer's row: the requested wallets, amount and currency"),
    ("transfers.legs", "each acknowledged transfer has one leg on each side with its amount and counterparty"),
    ("transactions.get", "the history shows each row as the database holds it"),
    ("money.balance-equals-ledger", "each balance equals the ledger sum and the requests' sum"),
    ("money.no-negative-balance", "no balance is ever negative"),
    ("resources.balance-after", "balance_after values are the answers' and chain in some order from 0"),
    ("wallets.get", "a read balance is one the wallet held during the read"),
    ("webhooks.repeat-no-change", "webhooks settle a deposit once, as the first accepted one says"),
    ("webhooks.settle-succeeded", "an old pending deposit is still settled by its webhook"),
    ("commands.once-per-id", "a valid command credits once, however often delivered"),
    ("commands.invalid-amount", "an invalid command credits nothing"),
    ("commands.credit-applied", "a credit row has its command's amount"),
    ("gateway.no-retry", "each deposit charges the gateway once, replays and twins included"),
    ("gateway.charge-request", "each charge has the deposit's amount, currency and transaction id as reference"),
    ("gateway.idempotency-key", "each charge carries the owner-prefixed client key"),
    ("history.cursor-walk", "a walk lists every row that existed when it started, none twice, old cursors too"),
    ("events.exactly-once", "each change has exactly one event id"),
    ("events.envelope", "each event's data is its change's"),
    ("events.none-on-rejection", "no event names a change that is not there"),
)
# Checked when the run had outage windows (`suites/model/outages.robot`, destructive).
OUTAGE_RULES = (
    ("resilience.broker-down-commits", "while its broker is cut the wallet still commits every write"),
    ("resilience.no-event-lost", "a change made while the broker was cut has its event once it is back"),
    ("resilience.database-reconnect", "after its database sessions were killed the wallet answers writes again"),
)
SLICE_LINES = 40
SHORT_SLICE = 10


def rules(checker: Checker) -> tuple[tuple[str, str], ...]:
    """The rules of this run: the outage ones too when it had outage windows."""
    outages = any(w["kind"] in OUTAGES for w in checker.run.faults)
    return RULES + OUTAGE_RULES if outages else RULES


def verdicts(checker: Checker) -> dict[str, str]:
    """Per rule: PASS (exercised, no finding), FAIL, ERROR (its check crashed) or NOT EXERCISED."""
    failed = {finding.rule for finding in checker.findings}
    result = {}
    for rule, _ in rules(checker):
        if rule in checker.errors:
            result[rule] = "ERROR"
        elif rule in failed:
            result[rule] = "FAIL"
        else:
            result[rule] = "PASS" if checker.exercised.get(rule) else "NOT EXERCISED"
    return result


def rule_table(checker: Checker) -> str:
    """One line per rule: its verdict, what it says, how often it was exercised or broken."""
    counts: Counter[str] = Counter(finding.rule for finding in checker.findings)
    verdict = verdicts(checker)
    lines = []
    for rule, text in rules(checker):
        seen = checker.exercised.get(rule, 0)
        extra = f"  ({counts[rule]} finding(s))" if counts.get(rule) else f"  ({seen} observations)" if seen else ""
        lines.append(f"{verdict[rule]:13} {rule:36} {text}{extra}")
    lines += [f"FAIL          {rule:36} ({count})" for rule, count in counts.items() if rule not in verdict]
    return "\n".join(lines)


def coverage_table(run: Run) -> str:
    """Operation x outcome x fault: how many exchanges of each kind got each answer with each fault applied
    to them (`-`: none; the windows each exchange merely overlapped are in the history file)."""
    cells: Counter[tuple[str, str, str]] = Counter()
    for exchange in run.exchanges:
        outcome = str(exchange.status) if exchange.status is not None else "no answer"
        if "command_id" in exchange.note:  # a command is published, never answered
            outcome = "not published" if exchange.error else "published"
        elif _unsent(exchange):
            outcome = "not sent"
        applied = str(exchange.note.get("fault", ""))
        outages = sorted({w["kind"] for w in run.faults_of(exchange) if w["kind"] in OUTAGES})
        faults = "+".join(([applied.split(":", 1)[-1]] if applied else []) + outages) or "-"
        kind = exchange.op.kind + ("(resolve)" if exchange.note.get("resolving") else "")
        cells[(kind, outcome, faults)] += 1
    lines = [f"{'operation':18} {'outcome':10} {'fault':32} count"]
    lines += [f"{k:18} {o:10} {f:32} {n}" for (k, o, f), n in sorted(cells.items())]
    return "\n".join(lines)


def summary(run: Run, checker: Checker) -> str:
    """One console line: exchanges, faults, rules passed / failed / not exercised, and the operations the
    workload itself failed to send (its own handler raised: never judged, so never silent either)."""
    count = Counter(verdicts(checker).values())
    faulted = sum(1 for e in run.exchanges if run.faults_of(e))
    line = (
        f"Model seed {run.plan.seed}: {len(run.exchanges)} exchanges "
        f"({faulted} inside {len(run.faults)} fault windows), "
        f"rules {count.get('PASS', 0)} pass, {count.get('FAIL', 0)} fail, {count.get('ERROR', 0)} error, "
        f"{count.get('NOT EXERCISED', 0)} not exercised"
    )
    unsent = [e for e in run.exchanges if _unsent(e)]
    if unsent:
        first = unsent[0]
        line += (
            f"; {len(unsent)} operation(s) not sent, a fault of the workload, not of the wallet (first: "
            f"c{first.op.client} {first.op.name}: {(first.error or '')[:160]})"
        )
    return line


def _unsent(exchange: Exchange) -> bool:
    """Whether the workload's own handler raised before it sent anything (a command has no request either)."""
    return exchange.request is None and "command_id" not in exchange.note


def describe(exchange: Exchange, run: Run) -> str:
    """One line per exchange: when, which operation, what was sent, what came back, which fault window."""
    sent = ""
    if exchange.request is not None:
        body = (exchange.request.body or b"").decode("utf-8", "replace")[:160]
        key = f" key={exchange.request.idempotency_key}" if exchange.request.idempotency_key else ""
        sent = f"{exchange.request.method} {exchange.request.path}{key} {body}".rstrip()
    elif exchange.note:
        sent = " ".join(f"{k}={v}" for k, v in exchange.note.items())
    got = exchange.error or (
        f"{exchange.status} {exchange.response.text[:200]}" if exchange.response is not None else ""
    )
    replayed = " (replayed)" if exchange.response is not None and exchange.response.replayed else ""
    faults = ",".join(w["name"] for w in run.faults_of(exchange))
    return (
        f"  {exchange.started:7.3f}-{exchange.ended:7.3f} s c{exchange.op.client} {exchange.op.name:18}"
        f"{' [' + faults + ']' if faults else ''} {sent} -> {got}{replayed}"
    )


def causal_slice(run: Run, ids: Iterable[str], lines: int = SLICE_LINES, width: int = 1000) -> str:
    """Every exchange that names one of `ids` (path, body, answer, note), in the order they started."""
    wanted = {i for i in ids if i}
    found = [describe(e, run)[:width] for e in sorted(run.exchanges, key=lambda e: e.started) if ids_of(e) & wanted]
    cut = len(found) - lines
    return "\n".join(
        found[:lines] + ([f"  ... {cut} more exchanges naming these ids (all in the history file)"] if cut > 0 else [])
    )


def failure(run: Run, findings: list[Finding], replay: str, saved: str) -> str:
    """The failure message: the seed, the replay command, the rules broken; per rule its first finding and its
    causal slice. (Every finding is in the log, every exchange in the history file.)"""
    rules = sorted({finding.rule for finding in findings})
    parts = [  # seed and replay first: the console shows a failure's first 200 characters
        f"Model workload with seed {run.plan.seed} (replay the schedule: {replay}) broke {len(rules)} rule(s): "
        f"{', '.join(rules)}. History: {saved}"
    ]
    for rule in rules:
        first = next(finding for finding in findings if finding.rule == rule)
        count = sum(1 for finding in findings if finding.rule == rule)
        parts.append(f"[{rule}] {first.message[:400]}" + (f" (and {count - 1} more)" if count > 1 else ""))
        if first.ids:
            parts.append(causal_slice(run, _focus(run, first), lines=SHORT_SLICE, width=240))
    return "\n".join(parts)


def full_report(run: Run, findings: list[Finding]) -> str:
    """Every finding with its causal slice (for the log)."""
    parts: list[str] = []
    shown: dict[frozenset, int] = defaultdict(int)
    for finding in findings:
        parts.append(f"[{finding.rule}] {finding.message}")
        key = frozenset(_focus(run, finding))
        if key and not shown[key]:
            shown[key] += 1
            parts.append(f"Exchanges naming {', '.join(sorted(key))}:\n{causal_slice(run, key)}")
    return "\n".join(parts)


def _focus(run: Run, finding: Finding) -> set[str]:
    """The ids of a finding narrower than a wallet (transactions, transfers, keys, commands), else its wallets."""
    narrow = finding.ids - set(wallet_ids(run))
    return narrow or set(finding.ids)
