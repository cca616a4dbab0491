*** Settings ***
Documentation     A seeded workload of concurrent clients against the wallet, under a seeded schedule of faults
...               (slow and failing gateway, duplicated, delayed and reordered webhooks, clients that give up and
...               retry with the same key), judged by an oracle of its own: the state the requests, the answers and
...               the gateway's script imply, compared with every row (read by primary key), every read, the
...               gateway's journal and the events. `-v MODEL_SEED:<n>` replays a seed's schedule (a failure prints
...               the command), `-v MODEL_BUDGET:<seconds>` runs longer; the history is saved as JSON Lines.

Resource          ../../resources/common.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags    model
...          strict
...          rule:http.documented-responses
...          rule:idempotency.in-use
...          rule:idempotency.replay-byte-identical
...          rule:idempotency.replay-no-reexecution
...          rule:deposits.succeeded
...          rule:deposits.pending
...          rule:deposits.declined
...          rule:deposits.gateway-error
...          rule:deposits.gateway-timeout
...          rule:withdrawals.succeeded
...          rule:transfers.succeeded
...          rule:transfers.legs
...          rule:transactions.get
...          rule:money.balance-equals-ledger
...          rule:money.no-negative-balance
...          rule:resources.balance-after
...          rule:wallets.get
...          rule:webhooks.repeat-no-change
...          rule:webhooks.settle-succeeded
...          rule:commands.once-per-id
...          rule:commands.invalid-amount
...          rule:commands.credit-applied
...          rule:gateway.no-retry
...          rule:gateway.charge-request
...          rule:gateway.idempotency-key
...          rule:history.cursor-walk
...          rule:events.exactly-once
...          rule:events.envelope
...          rule:events.none-on-rejection


*** Test Cases ***
The Wallet Keeps Every Promise Under A Seeded Concurrent Workload
    [Documentation]    Concurrent deposits (every gateway outcome), settlements, withdrawals, transfers both ways,
    ...    credit commands, keys sent twice at once and replayed at once and late, history walks during writes,
    ...    an old cursor and balances past 2^32, inside seeded fault windows; then every rule
    ...    of the oracle checked at once (a rule the run did not exercise is NOT EXERCISED, never PASS).
    ${run}    Run The Seeded Workload
    The Workload Should Keep Every Rule    ${run}
