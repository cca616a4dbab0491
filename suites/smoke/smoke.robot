*** Settings ***
Documentation     Smoke: one money journey and one declined deposit, each checked through the API, the
...               database and the events.

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource
Resource          ../../resources/gateway.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         smoke


*** Test Cases ***
Deposit Then Withdrawal Then Transfer Reconcile Across Api Database And Events
    [Documentation]    10000 deposited, 2500 withdrawn, 5000 transferred: balances through the API, one event
    ...    per change, rows agreeing with the API, and the ledger reconciling for both wallets.
    ${source}    A New Wallet
    ${destination}    A New Wallet
    ${deposit}    Deposit Into Wallet    ${source}    10000
    ${withdrawal}    Withdraw From Wallet    ${source}    2500
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    5000
    Balance Should Be    ${source}    2500
    Balance Should Be    ${destination}    5000
    Events Should Be Published Once For    ${deposit}    ${withdrawal}    ${transfer}
    Ledger Rows Should Match    ${deposit}    ${withdrawal}    ${transfer}
    Ledger Should Reconcile For    ${source}    ${destination}

Declined Deposit Is Recorded As Failed And Leaves The Balance Unchanged
    [Documentation]    The gateway declines (402 card_declined): 402 PAYMENT_DECLINED, a failed deposit with
    ...    failure_code card_declined, one charge at the gateway, one deposit.failed event, balance unchanged.
    ${wallet}    A Wallet With Balance    5000
    ${payment_token}    A Payment Token That    declines
    ${response}    Request Deposit    ${wallet}    amount=2000    payment_token=${payment_token}
    Response Should Be Problem    ${response}    402    PAYMENT_DECLINED
    ${transaction}    Latest Transaction Of    ${wallet}
    Fields Should Match    ${transaction}    type=deposit    status=failed    amount=2000    failure_code=card_declined
    Gateway Should Have Been Charged Once For    ${response}    ${transaction}[id]
    Deposit Failed Event Should Be Published For    ${wallet}    ${transaction}
    Balance Should Be    ${wallet}    5000
    Transaction Row Should Match    ${transaction}
