*** Settings ***
Documentation     Deposits through the payment gateway (contract sections 4 and 5): the gateway approves,
...               leaves the charge pending or answers slowly but in time; what the wallet sends to the gateway
...               (checked in the mock's journal) and the balance, transaction record and event of each outcome.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Deposit The Gateway Approves Is 201 Succeeded And Credits The Balance
    [Documentation]    Gateway 201: 201 `succeeded` deposit with `balance_after` and the gateway's charge id,
    ...    the balance credited, one `deposit.succeeded` event, the row agreeing.
    [Tags]    rule:deposits.succeeded    rule:resources.balance-after    rule:events.deposit-succeeded
    ${wallet}    A Wallet With Balance    2500
    ${response}    Request Deposit    ${wallet}    amount=1050
    Response Status Should Be    ${response}    201
    ${charge}    Gateway Should Have Been Charged Once For    ${response}    ${response.json}[id]
    Fields Should Match    ${response.json}    wallet_id=${wallet}[id]    type=deposit    status=succeeded
    ...    amount=1050    currency=EUR    balance_after=3550    gateway_charge_id=${charge}[charge_id]
    Balance Should Be    ${wallet}    3550
    Deposit Succeeded Event Should Be Published For    ${wallet}    ${response.json}
    Transaction Row Should Match    ${response.json}

Gateway Is Charged The Deposit's Amount, Currency, Token And Transaction Id With The Owner's Key
    [Documentation]    `POST /v1/charges` with `{amount, currency, payment_token, reference: <deposit transaction
    ...    id>}` and `Idempotency-Key: <owner>:<client key>`, in a currency other than EUR and at the largest
    ...    amount; exactly one charge.
    [Tags]    rule:gateway.charge-request
    ...       rule:gateway.idempotency-key
    ...       rule:gateway.no-retry
    ...       rule:deposits.succeeded
    ${wallet}    A New Wallet    currency=GBP
    ${key}    A New Idempotency Key
    ${payment_token}    A Payment Token That    succeeds
    ${response}    Request Deposit    ${wallet}    amount=100000000    payment_token=${payment_token}
    ...    idempotency_key=${key}
    Response Status Should Be    ${response}    201
    Gateway Should Have Been Charged Once For    ${response}    ${response.json}[id]
    Fields Should Match    ${response.json}    currency=GBP    amount=100000000    balance_after=100000000
    Balance Should Be    ${wallet}    100000000

Deposit The Gateway Leaves Pending Is 202 Pending And Leaves The Balance Unchanged
    [Documentation]    Gateway 202: 202 `pending` deposit without `balance_after`, the balance unchanged, the
    ...    charge sent once with the deposit's id as reference, no deposit event before the settlement.
    [Tags]    rule:deposits.pending
    ...       rule:gateway.charge-request
    ...       rule:gateway.idempotency-key
    ...       rule:resources.balance-after
    ${wallet}    A Wallet With Balance    1500
    ${payment_token}    A Payment Token That    stays pending
    ${response}    Request Deposit    ${wallet}    amount=800    payment_token=${payment_token}
    Response Status Should Be    ${response}    202
    Fields Should Match    ${response.json}    wallet_id=${wallet}[id]    type=deposit    status=pending
    ...    amount=800    currency=EUR    balance_after=null
    Gateway Should Have Been Charged Once For    ${response}    ${response.json}[id]
    Balance Should Be    ${wallet}    1500
    Transaction Row Should Match    ${response.json}    status=pending
    No Deposit Event Should Be Published For    ${response.json}

Gateway Answering Within GATEWAY_TIMEOUT_MS Is Not A Timeout
    [Documentation]    A gateway that approves after a quarter of `GATEWAY_TIMEOUT_MS` is still a 201 deposit
    ...    (the timeout is the whole gateway call, not shorter).
    [Tags]    rule:deposits.gateway-timeout    rule:deposits.succeeded
    ${wallet}    A Wallet With Balance    1000
    ${payment_token}    A Payment Token Answered Slowly Within The Timeout
    ${deposit}    Deposit Into Wallet    ${wallet}    400    payment_token=${payment_token}
    Fields Should Match    ${deposit}    balance_after=1400
    Gateway Should Have Been Charged    ${payment_token}    1
    Balance Should Be    ${wallet}    1400
