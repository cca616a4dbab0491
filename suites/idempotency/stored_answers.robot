*** Settings ***
Documentation     Every answer other than 400/401 is stored (contract section 2), errors included: a 402, 404,
...               422, 502 or 504 is replayed byte for byte with `Idempotency-Replayed: true`, and nothing runs
...               again, even when running it again would now give another answer (the gateway recovered, the
...               wallet was funded).

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags    rule:idempotency.replay-error-response
...          rule:idempotency.replay-byte-identical
...          rule:idempotency.replay-header


*** Test Cases ***
Declined Deposit Is Replayed Without A Second Charge
    [Documentation]    402 PAYMENT_DECLINED replayed: one failed deposit row, one charge, one deposit.failed, balance 0.
    [Tags]    rule:idempotency.replay-no-gateway-call    rule:idempotency.replay-no-event
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    declines
    ${first}    Request Deposit    ${wallet}    payment_token=${payment_token}
    Response Should Be Problem    ${first}    402    PAYMENT_DECLINED
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=0    event_type=deposit.failed

Gateway Error Is Replayed Although The Gateway Recovered
    [Documentation]    The gateway fails once (500) and would then succeed: the replay is still the 502.
    [Tags]    rule:idempotency.replay-no-gateway-call    rule:idempotency.replay-no-reexecution
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    succeeds
    Gateway Will Answer    ${payment_token}    500    times=1
    ${first}    Request Deposit    ${wallet}    payment_token=${payment_token}
    Response Should Be Problem    ${first}    502    GATEWAY_ERROR
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=0    event_type=deposit.failed

Gateway Timeout Is Replayed Although The Gateway Recovered
    [Documentation]    The gateway answers too late once and would then answer at once: the replay is still the 504.
    [Tags]    rule:idempotency.replay-no-gateway-call    rule:idempotency.replay-no-reexecution
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    succeeds
    ${delay}    A Gateway Delay Beyond The Timeout
    Gateway Will Answer    ${payment_token}    201    times=1    delay_ms=${delay}
    ${first}    Request Deposit    ${wallet}    payment_token=${payment_token}
    Response Should Be Problem    ${first}    504    GATEWAY_TIMEOUT
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=0    event_type=deposit.failed

Deposit Into An Unknown Wallet Is Replayed As The Same 404
    [Documentation]    404 WALLET_NOT_FOUND replayed; the gateway is never charged.
    [Tags]    rule:idempotency.replay-no-gateway-call
    ${owner}    A New Owner
    ${unknown}    An Unknown Id
    ${first}    Request Deposit    ${unknown}    owner=${owner}
    Response Should Be Problem    ${first}    404    WALLET_NOT_FOUND
    Repeating The Request Should Replay It    ${first}
    Gateway Should Have Been Charged    ${first.sent_json}[payment_token]    0

Withdrawal From Another Owner's Wallet Is Replayed As The Same 404
    [Documentation]    404 WALLET_NOT_FOUND replayed; the other owner's wallet is untouched.
    ${wallet}    A Wallet With Balance    5000
    ${intruder}    A New Owner    intruder
    ${snapshot}    Take Ledger Snapshot Of    ${wallet}
    ${first}    Request Withdrawal    ${wallet}    owner=${intruder}
    Response Should Be Problem    ${first}    404    WALLET_NOT_FOUND
    Repeating The Request Should Replay It    ${first}
    Ledger Should Not Have Changed Since    ${snapshot}

Insufficient Funds Withdrawal Is Replayed After The Wallet Was Funded
    [Documentation]    Run again, the withdrawal would now succeed: the replay is still the 422 and debits nothing.
    [Tags]    rule:idempotency.replay-no-reexecution    rule:idempotency.replay-no-event
    ${wallet}    A Wallet With Balance    500
    ${first}    Request Withdrawal    ${wallet}    amount=1000
    Response Should Be Problem    ${first}    422    INSUFFICIENT_FUNDS
    Fund Wallet    ${wallet}    1000
    Repeating The Request Should Replay It    ${first}
    Balance Should Be    ${wallet}    1500
    Transaction Rows Of Wallet Should Be    ${wallet}    0    type=withdrawal
    No Event Should Be Published    withdrawal.succeeded    wallet_id=${wallet}[id]

Insufficient Funds Transfer Is Replayed After The Source Was Funded
    [Documentation]    Run again, the transfer would now succeed: the replay is still the 422 and moves nothing.
    [Tags]    rule:idempotency.replay-no-reexecution    rule:idempotency.replay-no-event
    ${source}    A Wallet With Balance    500
    ${destination}    A New Wallet
    ${first}    Request Transfer    ${source}    ${destination}    amount=1000
    Response Should Be Problem    ${first}    422    INSUFFICIENT_FUNDS
    Fund Wallet    ${source}    1000
    Repeating The Request Should Replay It    ${first}
    Balance Should Be    ${source}    1500
    Balance Should Be    ${destination}    0
    No Event Should Be Published    transfer.succeeded    source_wallet_id=${source}[id]

Currency Mismatch Deposit Is Replayed Without A Charge
    [Documentation]    422 CURRENCY_MISMATCH replayed; no charge, no transaction row.
    [Tags]    rule:idempotency.replay-no-gateway-call
    ${wallet}    A New Wallet    USD
    ${first}    Request Deposit    ${wallet}    currency=EUR
    Response Should Be Problem    ${first}    422    CURRENCY_MISMATCH
    Repeating The Request Should Replay It    ${first}
    Gateway Should Have Been Charged    ${first.sent_json}[payment_token]    0
    Transaction Rows Of Wallet Should Be    ${wallet}    0

Same Wallet Transfer Is Replayed As The Same 422
    [Documentation]    422 SAME_WALLET replayed; nothing changes.
    ${wallet}    A Wallet With Balance    5000
    ${snapshot}    Take Ledger Snapshot Of    ${wallet}
    ${first}    Request Transfer    ${wallet}    ${wallet}
    Response Should Be Problem    ${first}    422    SAME_WALLET
    Repeating The Request Should Replay It    ${first}
    Ledger Should Not Have Changed Since    ${snapshot}
