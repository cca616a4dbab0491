"""The model's oracle on hand-made histories (no stack): reads judged by their time window, rows by the
requests and answers, rules without observation NOT EXERCISED, a crashing step reported, the history
written and read back without a token, the fault schedule fixed by the seed, the suite's tags = the rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

from requests.structures import CaseInsensitiveDict
from WalletLibrary.keywords.model import judge
from WalletLibrary.model import faults, history
from WalletLibrary.model.facts import chain_breaks
from WalletLibrary.model.plan import Op, Plan
from WalletLibrary.model.records import Exchange, Run
from WalletLibrary.model.report import RULES, coverage_table, rule_table, summary, verdicts
from WalletLibrary.routes import ApiRequest, ApiResponse

ROOT = Path(__file__).resolve().parents[2]
WALLET = "11111111-1111-4111-8111-111111111111"
TX = "22222222-2222-4222-8222-222222222222"


def exchange(
    kind: str, start: float, end: float, method: str, path: str, status: int, body: dict, **sent: object
) -> Exchange:
    request = ApiRequest(method=method, path=path, owner="o", body=json.dumps(sent).encode() if sent else None)
    if sent:
        request = ApiRequest(method=method, path=path, owner="o", body=json.dumps(sent).encode(), idempotency_key="k1")
    headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    response = ApiResponse(status, "", headers, json.dumps(body).encode(), request, path, None)
    return Exchange(Op(0, 0, kind), start, end, request, response)


def a_run(*exchanges: Exchange) -> Run:
    run = Run(Plan(7, 1, ("EUR",)), 12.0, wallets=[{"id": WALLET, "owner_id": "o", "currency": "EUR"}])
    run.whale, run.private = {"id": WALLET}, []
    run.exchanges = list(exchanges)
    return run


def observed(rows: list[dict], balance: int) -> dict:
    charge = {"amount": rows[0]["amount"], "currency": "EUR", "reference": TX}
    data = {k: rows[0][k] for k in ("wallet_id", "amount", "currency", "balance_after")}
    return {
        "walks": {WALLET: rows},
        "transactions": {row["id"]: row for row in rows},
        "transfers": {},
        "balances": {WALLET: balance},
        "api_balances": {WALLET: balance},
        "journal": {"t": [{"body": charge, "headers": {"idempotency-key": "o:k1"}}]},
        "events": [{"id": "e1", "routing_key": "deposit.succeeded", "data": {**data, "transaction_id": TX}}],
    }


def deposit_row(amount: int, balance_after: int) -> dict:
    return {
        "id": TX,
        "wallet_id": WALLET,
        "type": "deposit",
        "status": "succeeded",
        "amount": amount,
        "currency": "EUR",
        "balance_after": balance_after,
        "transfer_id": None,
        "counterparty_wallet_id": None,
        "failure_code": None,
    }


def deposit(amount: int, balance_after: int) -> Exchange:
    body = {**deposit_row(amount, balance_after), "id": TX}
    return exchange(
        "deposit",
        1.0,
        2.0,
        "POST",
        f"/v1/wallets/{WALLET}/deposits",
        201,
        body,
        amount=amount,
        currency="EUR",
        payment_token="t",
    )


def read(start: float, end: float, balance: int) -> Exchange:
    return exchange("read", start, end, "GET", f"/v1/wallets/{WALLET}", 200, {"id": WALLET, "balance": balance})


def failed(run: Run, seen: dict) -> set[str]:
    return {finding.rule for finding in judge(run, seen).findings}


def test_a_correct_history_passes_and_unobserved_rules_are_not_exercised() -> None:
    checker = judge(
        a_run(deposit(500, 500), read(0.0, 0.5, 0), read(2.5, 3.0, 500)), observed([deposit_row(500, 500)], 500)
    )
    assert checker.findings == []
    verdict = verdicts(checker)
    assert verdict["wallets.get"] == "PASS"
    assert verdict["commands.invalid-amount"] == "NOT EXERCISED"
    assert "NOT EXERCISED" in rule_table(checker)


def test_an_operation_the_workload_failed_to_send_is_shown_never_silent() -> None:
    crashed = Exchange(Op(3, 12, "settle"), 1.0, 1.0, error="AssertionError: the gateway received no charge for t")
    run = a_run(deposit(500, 500), crashed)
    checker = judge(run, observed([deposit_row(500, 500)], 500))
    assert "settle             not sent" in coverage_table(run)
    assert "1 operation(s) not sent, a fault of the workload, not of the wallet (first: c3 " in summary(run, checker)
    assert "received no charge for t)" in summary(run, checker)


def test_a_read_of_a_balance_overwritten_before_it_started_fails() -> None:
    seen = observed([deposit_row(500, 500)], 500)
    assert "wallets.get" in failed(a_run(deposit(500, 500), read(2.5, 3.0, 0)), seen)
    assert "wallets.get" not in failed(a_run(deposit(500, 500), read(1.5, 3.0, 0)), seen)  # during the deposit


def test_a_row_one_unit_short_of_its_request_fails_although_the_ledger_agrees() -> None:
    assert failed(a_run(deposit(29, 28)), observed([deposit_row(28, 28)], 28)) >= {"deposits.succeeded"}


def test_a_step_that_crashes_is_an_error_and_the_others_still_report() -> None:
    seen = observed([deposit_row(500, 500)], 500)
    del seen["journal"]
    checker = judge(a_run(deposit(500, 500)), seen)
    assert verdicts(checker)["gateway.no-retry"] == "ERROR"
    assert verdicts(checker)["money.balance-equals-ledger"] == "PASS"


def test_balance_after_values_chain_from_zero() -> None:
    rows = [dict(deposit_row(500, 500)), {**deposit_row(200, 300), "type": "withdrawal"}]
    assert chain_breaks(rows) == ""
    assert chain_breaks([{**deposit_row(500, 700)}])


def test_the_history_file_reads_back_the_same_run_without_a_token(tmp_path: Path) -> None:
    run = a_run(deposit(500, 500), read(2.5, 3.0, 500))
    run.exchanges[1].request = ApiRequest(
        method="GET", path=f"/v1/wallets/{WALLET}", owner="o", authorization="Bearer SECRET"
    )
    seen = observed([deposit_row(500, 500)], 500)
    path = history.write(tmp_path / "h.jsonl", run, seen, "./run.sh local -v MODEL_SEED:7", lambda text: text)
    assert "SECRET" not in path.read_text()
    again, seen_again, replay = history.load(path)
    assert [e.status for e in again.exchanges] == [201, 200]
    assert judge(again, seen_again).findings == []
    assert replay.endswith("MODEL_SEED:7")


def test_the_seed_fixes_the_fault_schedule() -> None:
    assert faults.schedule(3, 12, 9.5) == faults.schedule(3, 12, 9.5)
    assert faults.schedule(3, 12, 9.5) != faults.schedule(4, 12, 9.5)
    assert {w["kind"] for w in faults.schedule(3, 12, 9.5)} == set(faults.KINDS)


def test_a_deposit_given_up_before_a_database_cut_may_be_charged_again_after_it() -> None:
    given_up = deposit(500, 500)
    given_up.response, given_up.ended, given_up.note = None, 1.2, {"client_timeout_s": 0.3}
    twice = observed([deposit_row(500, 500)], 500)
    twice["journal"]["t"] *= 2
    run = a_run(given_up, deposit(500, 500))
    assert "gateway.no-retry" in failed(run, twice)
    run.faults = [{"name": "o2:db-cut", "kind": "db-cut", "start": 1.5, "end": 4.0}]
    assert "gateway.no-retry" not in failed(run, twice)  # its own attempt may have failed inside the cut


def test_the_suite_names_exactly_the_rules_the_checker_checks() -> None:
    text = (ROOT / "suites" / "model" / "workload.robot").read_text(encoding="utf-8")
    tags = set(re.findall(r"rule:[a-z.-]+", text))
    assert tags == {f"rule:{rule}" for rule, _ in RULES}


def test_the_replay_carries_the_users_addresses_but_not_the_private_stack_run_sh_made(monkeypatch) -> None:
    from WalletLibrary.keywords.model import replay_command

    from variables._settings import SETTINGS

    for setting in SETTINGS:  # only what this test sets (a CI run exports a stack of its own)
        monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.delenv("PRIVATE_STACK_SETTINGS", raising=False)
    monkeypatch.setenv("WALLET_API_URL", "http://127.0.0.1:49263")
    monkeypatch.setenv("RABBITMQ_VHOST", "their_vhost")
    assert replay_command(5, 8.0, 6, "suites/model/outages.robot") == (
        "WALLET_API_URL='http://127.0.0.1:49263' RABBITMQ_VHOST='their_vhost' "
        "./run.sh local -v MODEL_SEED:5 -v MODEL_BUDGET:8 suites/model/outages.robot"
    )
    monkeypatch.setenv("PRIVATE_STACK_SETTINGS", "RABBITMQ_VHOST WALLET_API_URL")
    assert replay_command(5, 8.0, 6, "suites/model/outages.robot") == (
        "./run.sh local -v MODEL_SEED:5 -v MODEL_BUDGET:8 suites/model/outages.robot"
    )
