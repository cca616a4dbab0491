*** Settings ***
Documentation     Withdrawals (contract section 4): 201 `succeeded` withdrawal, the balance debited and
...               `balance_after` recorded, one `withdrawal.succeeded` event; the whole balance may be withdrawn;
...               only the balance counts (a pending deposit is not money yet).

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Withdrawal Debits The Balance And Records balance_after
    [Documentation]    5000 - 1500: 201 with the withdrawal (`balance_after` 3500, no counterparty), the
    ...    balance 3500 through the API and the row, one event, the ledger reconciling.
    [Tags]    rule:withdrawals.succeeded
    ...       rule:events.withdrawal-succeeded
    ...       rule:resources.balance-after
    ...       rule:resources.counterparty
    ...       rule:money.balance-equals-ledger
    ${wallet}    A Wallet With Balance    5000
    ${withdrawal}    Withdraw From Wallet    ${wallet}    1500
    Fields Should Match    ${withdrawal}    currency=EUR    balance_after=3500    counterparty_wallet_id=null
    Balance Should Be    ${wallet}    3500
    Wallet Row Should Show Balance    ${wallet}    3500
    Withdrawal Succeeded Event Should Be Published For    ${wallet}    ${withdrawal}
    Transaction Row Should Match    ${withdrawal}
    Ledger Should Reconcile For    ${wallet}

Successive Withdrawals Down To Zero Each Record Their balance_after
    [Documentation]    2000 - 1200 - 800 in another currency: `balance_after` 800 then 0 (the whole remaining
    ...    balance may be withdrawn), one event each, no balance negative.
    [Tags]    rule:withdrawals.succeeded
    ...       rule:resources.balance-after
    ...       rule:events.withdrawal-succeeded
    ...       rule:money.no-negative-balance
    ...       rule:money.balance-equals-ledger
    ${wallet}    A Wallet With Balance    2000    currency=USD
    ${first}    Withdraw From Wallet    ${wallet}    1200
    ${second}    Withdraw From Wallet    ${wallet}    800
    Fields Should Match    ${first}    currency=USD    balance_after=800
    Fields Should Match    ${second}    currency=USD    balance_after=0
    Balance Should Be    ${wallet}    0
    Events Should Be Published Once For    ${first}    ${second}
    Ledger Rows Should Match    ${first}    ${second}
    Ledger Should Reconcile For    ${wallet}

A Pending Deposit Does Not Fund A Withdrawal
    [Documentation]    1000 in the balance and 5000 pending at the gateway: withdrawing 2000 is
    ...    422 INSUFFICIENT_FUNDS and changes nothing (pending money is not in the balance).
    [Tags]    rule:withdrawals.insufficient-funds    rule:deposits.pending    rule:money.rejection-changes-nothing
    ${wallet}    A Wallet With Balance    1000
    ${payment_token}    A Payment Token That    stays pending
    Deposit Pending At The Gateway    ${wallet}    5000    ${payment_token}
    ${snapshot}    Take Ledger Snapshot Of    ${wallet}
    ${response}    Request Withdrawal    ${wallet}    amount=2000
    Response Should Be Problem    ${response}    422    INSUFFICIENT_FUNDS
    Rejection Should Have Changed Nothing    ${snapshot}    ${wallet}
    Balance Should Be    ${wallet}    1000
