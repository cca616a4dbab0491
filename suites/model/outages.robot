*** Settings ***
Documentation     The seeded workload of `workload.robot` while the wallet's own dependencies fail: on top of the
...               safe fault windows, its broker connections are cut (access given back at the window's end) and
...               its database sessions killed, in windows fixed by the seed, while requests flow. Requests answered
...               5xx or not at all inside such a window are resolved once the outage is over, never assumed; the
...               same oracle then judges every row, read, charge and event. Destructive: serial phase only; the
...               teardown always gives the access back.

Resource          ../../resources/common.resource
Resource          ../../resources/outage.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Restore The Wallet's Dependencies

Test Tags    model
...          strict
...          destructive
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
...          rule:resilience.broker-down-commits
...          rule:resilience.no-event-lost
...          rule:resilience.database-reconnect


*** Test Cases ***
The Wallet Keeps Every Promise While Its Broker And Database Fail Under A Seeded Workload
    [Documentation]    The workload of `workload.robot` with two rounds of killed database sessions, the
    ...    database denied to the wallet while credit commands arrive, and one broker cut, in seeded windows;
    ...    then every rule of the oracle checked at once.
    ${run}    Run The Seeded Workload    outages=${True}
    The Workload Should Keep Every Rule    ${run}
