*** Settings ***
Documentation     Replays (contract section 2): the same owner, key, body (compared as parsed JSON) and path get
...               the first answer again, byte for byte, with `Idempotency-Replayed: true`, and nothing runs
...               again: no second ledger row, balance change, gateway charge or event.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:idempotency.replay-byte-identical    rule:idempotency.replay-header


*** Test Cases ***
Replayed Deposit Repeats The First Answer And Charges Once
    [Documentation]    A deposit of 2500 and two replays: one deposit row, balance 2500, one charge, one
    ...    deposit.succeeded.
    [Tags]    rule:idempotency.replay-no-reexecution
    ...       rule:idempotency.replay-no-gateway-call
    ...       rule:idempotency.replay-no-event
    ...       rule:events.none-on-replay
    ${wallet}    A New Wallet
    ${first}    Request Deposit    ${wallet}    amount=2500
    Response Status Should Be    ${first}    201
    Response Should Not Be A Replay    ${first}
    Repeating The Request Should Replay It    ${first}
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=2500

Replayed Withdrawal Repeats The First Answer And Debits Once
    [Documentation]    A withdrawal of 1200 and two replays: one withdrawal row, balance 3800, one withdrawal.succeeded.
    [Tags]    rule:idempotency.replay-no-reexecution    rule:idempotency.replay-no-event    rule:events.none-on-replay
    ${wallet}    A Wallet With Balance    5000
    ${first}    Request Withdrawal    ${wallet}    amount=1200
    Response Status Should Be    ${first}    201
    Response Should Not Be A Replay    ${first}
    Repeating The Request Should Replay It    ${first}
    Repeating The Request Should Replay It    ${first}
    Withdrawal Should Have Run Once    ${wallet}    balance=3800

Replayed Transfer Repeats The First Answer And Moves Money Once
    [Documentation]    A transfer of 700 and two replays: one leg on each wallet, balances 4300 / 700, one
    ...    transfer.succeeded.
    [Tags]    rule:idempotency.replay-no-reexecution    rule:idempotency.replay-no-event    rule:events.none-on-replay
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    ${first}    Request Transfer    ${source}    ${destination}    amount=700
    Response Status Should Be    ${first}    201
    Response Should Not Be A Replay    ${first}
    Repeating The Request Should Replay It    ${first}
    Repeating The Request Should Replay It    ${first}
    Transfer Should Have Run Once    ${source}    ${destination}    source_balance=4300    destination_balance=700

Replayed Pending Deposit Still Answers The First 202 After Its Settlement
    [Documentation]    The first answer is replayed whatever happened since: a 202 pending deposit settled by the
    ...    webhook afterwards is still replayed as the first 202 body, and not charged again.
    [Tags]    rule:idempotency.replay-no-gateway-call    rule:idempotency.replay-no-reexecution
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    stays pending
    ${first}    Request Deposit    ${wallet}    amount=3000    payment_token=${payment_token}
    Response Status Should Be    ${first}    202
    Repeating The Request Should Replay It    ${first}
    Settle Pending Deposit    ${payment_token}
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=3000

Same Body With Other Key Order And Whitespace Is A Replay
    [Documentation]    Bodies are compared as parsed JSON: the same object written with the keys reversed and
    ...    other whitespace, with the same key, is a replay of the first answer.
    [Tags]    rule:idempotency.body-compared-parsed    rule:idempotency.replay-no-gateway-call
    ${wallet}    A New Wallet
    ${body}    A Deposit Body    amount=1500
    ${compact}    Json Text Of    ${body}
    ${other_layout}    Json Text In Another Layout    ${body}
    ${first}    Request Deposit    ${wallet}    body=${compact}
    Response Status Should Be    ${first}    201
    ${second}    Request Deposit    ${wallet}    body=${other_layout}    idempotency_key=${first.idempotency_key}
    Response Should Be A Replay Of    ${second}    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=1500
