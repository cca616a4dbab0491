*** Settings ***
Documentation     Deposits rejected before the gateway (contract section 4): a currency other than the
...               wallet's is 422 CURRENCY_MISMATCH, an unknown or another owner's wallet 404 WALLET_NOT_FOUND.
...               The gateway is never charged; balances, transaction rows and events are unchanged.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Rejected Deposit Should Change Nothing

Test Tags         rule:money.rejection-changes-nothing    rule:events.none-on-rejection


*** Test Cases ***    TARGET    CURRENCY    PROBLEM
Currency Other Than The Wallet's Is 422 CURRENCY_MISMATCH
    [Tags]    rule:deposits.currency-mismatch
    my wallet    USD    422 CURRENCY_MISMATCH
Unknown Wallet Is 404 WALLET_NOT_FOUND
    [Tags]    rule:deposits.unknown-wallet
    an unknown wallet    EUR    404 WALLET_NOT_FOUND
Another Owner's Wallet Is 404 WALLET_NOT_FOUND
    [Tags]    rule:deposits.unknown-wallet    rule:ownership.deposit
    another owner's wallet    EUR    404 WALLET_NOT_FOUND
Another Owner's Wallet In Another Currency Is Still 404 WALLET_NOT_FOUND
    [Tags]    rule:ownership.deposit    rule:order.not-found-before-business
    another owner's wallet    USD    404 WALLET_NOT_FOUND
