*** Settings ***
Documentation     A seeded workload of concurrent clients against the wallet, then a model checker of every rule
...               the contract states for any sequence of requests (sections 2, 4 and 7): money moved exactly once,
...               balances equal to the model, the ledger and the API, keys run once and replay byte for byte,
...               history walks that miss nothing while rows are written, webhooks and commands applied once,
...               one event per change, promises that still hold when time has passed. `-v MODEL_SEED:<n>` runs
...               a given seed again (a failure prints the command), `-v MODEL_BUDGET:<seconds>` runs longer.

Resource          ../../resources/common.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags    model
...          strict
...          rule:money.balance-equals-ledger
...          rule:money.no-negative-balance
...          rule:money.transfer-atomic
...          rule:idempotency.in-use
...          rule:idempotency.replay-byte-identical
...          rule:idempotency.replay-no-reexecution
...          rule:resources.balance-after
...          rule:history.cursor-walk
...          rule:webhooks.repeat-no-change
...          rule:commands.once-per-id
...          rule:events.exactly-once
...          rule:gateway.no-retry
...          rule:auth.expired-token
...          rule:http.documented-responses
...          rule:events.credit-applied
...          rule:wallets.get
...          rule:webhooks.settle-succeeded
...          rule:deposits.succeeded
...          rule:commands.credit-applied


*** Test Cases ***
The Wallet Keeps Every Promise Under A Seeded Concurrent Workload
    [Documentation]    Concurrent deposits (every gateway outcome), settlements, withdrawals, transfers both ways,
    ...    credit commands, keys sent twice at once and replayed at once and late, history walks during writes,
    ...    an old cursor, an expired token and balances past 2^32; then every rule checked at once.
    ${run}    Run The Seeded Workload
    The Workload Should Keep Every Rule    ${run}
