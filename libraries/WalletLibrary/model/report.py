"""What a person needs to act on a broken rule: the seed, the rule, the history of the wallets involved (in
order, requests and answers), and the one command that replays the same operations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .check import Finding
from .execute import Exchange, Run

# Every rule the checker looks at (contracts/rules.yaml ids), in the order of the report.
RULES = (
    ("http.documented-responses", "every response is one the contract documents"),
    ("idempotency.in-use", "a key runs once, however many times it is sent at once"),
    ("idempotency.replay-byte-identical", "a replay repeats the first answer byte for byte"),
    ("idempotency.replay-no-reexecution", "every acknowledged operation took effect exactly once"),
    ("money.balance-equals-ledger", "each balance equals the model and the ledger sum"),
    ("money.no-negative-balance", "no balance is ever negative"),
    ("resources.balance-after", "balance_after values chain in some order of the wallet's changes"),
    ("wallets.get", "GET /v1/wallets/{id} shows the balance the database holds, a write once acknowledged"),
    ("transfers.legs", "transfer legs pair up"),
    ("deposits.declined", "each 402/502/504 deposit is recorded failed, once"),
    ("webhooks.repeat-no-change", "webhooks settle a deposit once, as the first accepted one says"),
    ("webhooks.settle-succeeded", "an old pending deposit is still settled by its webhook"),
    ("commands.once-per-id", "a valid command credits once, however often delivered"),
    ("commands.invalid-amount", "an invalid command credits nothing"),
    ("gateway.no-retry", "each deposit charges the gateway once, replays and twins included"),
    ("history.cursor-walk", "a walk lists every row that existed when it started, none twice, old cursors too"),
    ("auth.expired-token", "a token is refused once it has expired, even one used before"),
    ("outbox.row-per-change", "each change has exactly one outbox row, no row belongs to no change"),
    ("events.exactly-once", "each change has exactly one event id"),
    ("events.none-on-rejection", "no event for a rejected request or a replay"),
    ("events.envelope", "each event's data is its change's"),
)
HISTORY_LINES = 60
SHORT_HISTORY = 12


def rule_table(findings: Iterable[Finding]) -> str:
    """One line per rule: PASS, or FAIL with the number of findings."""
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding.rule] += 1
    known = {rule for rule, _ in RULES}
    lines = [
        f"{'FAIL' if counts.get(rule) else 'PASS'}  {rule:36} {text}"
        + (f"  ({counts[rule]})" if counts.get(rule) else "")
        for rule, text in RULES
    ]
    lines += [f"FAIL  {rule:36} ({count})" for rule, count in counts.items() if rule not in known]
    return "\n".join(lines)


def describe(exchange: Exchange, run: Run) -> str:
    """One line per exchange: when, which operation, what was sent, what came back."""
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
    return f"  {exchange.started:7.3f}-{exchange.ended:7.3f} s  {exchange.op.name:18} {sent} -> {got}{replayed}"


def history(run: Run, wallets: Iterable[str], lines: int = HISTORY_LINES, width: int = 1000) -> str:
    """The exchanges about these wallets, in the order they started (the last `lines` when there are more)."""
    wanted = set(wallets)
    found = []
    for exchange in sorted(run.exchanges, key=lambda e: e.started):
        text = ""
        if exchange.request is not None:
            text = exchange.request.path + (exchange.request.body or b"").decode("utf-8", "replace")
        text += str(exchange.note.get("wallet_id", ""))
        if any(wallet in text for wallet in wanted):
            found.append(describe(exchange, run)[:width])
    cut = len(found) - lines
    return "\n".join(([f"  ... {cut} earlier exchanges left out"] if cut > 0 else []) + found[-lines:])


def failure(run: Run, findings: list[Finding], replay: str) -> str:
    """The failure message: the seed, the replay command and the rules broken; per rule its first finding and
    the latest history of the wallets involved. (The full report, every finding, is in the log.)"""
    rules = sorted({finding.rule for finding in findings})
    parts = [  # seed and replay first: the console shows a failure's first 200 characters
        f"Model workload with seed {run.plan.seed} (replay: {replay}) broke {len(rules)} rule(s): {', '.join(rules)}"
    ]
    for rule in rules:
        first = next(finding for finding in findings if finding.rule == rule)
        count = sum(1 for finding in findings if finding.rule == rule)
        parts.append(f"[{rule}] {first.message[:400]}" + (f" (and {count - 1} more)" if count > 1 else ""))
        if first.wallets:
            parts.append(history(run, first.wallets, lines=SHORT_HISTORY, width=220))
    return "\n".join(parts)


def full_report(run: Run, findings: list[Finding]) -> str:
    """Every finding with the history of its wallets (for the log)."""
    parts, shown = [], set()
    for finding in findings:
        parts.append(f"[{finding.rule}] {finding.message}")
        key = frozenset(finding.wallets)
        if finding.wallets and key not in shown:
            shown.add(key)
            parts.append(f"History of {', '.join(sorted(finding.wallets))}:\n{history(run, finding.wallets)}")
    return "\n".join(parts)
