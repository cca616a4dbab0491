*** Settings ***
Documentation     Rejected withdrawals (contract section 4): more than the balance is 422 INSUFFICIENT_FUNDS
...               (no transaction row), a currency other than the wallet's 422 CURRENCY_MISMATCH, an unknown or
...               another owner's wallet 404 WALLET_NOT_FOUND. After each: balances, rows and events unchanged,
...               no balance negative, the ledger reconciling.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Rejected Withdrawal Should Change Nothing

Test Tags         rule:money.rejection-changes-nothing    rule:events.none-on-rejection


*** Test Cases ***    BALANCE    TARGET    AMOUNT    CURRENCY    PROBLEM
One More Than The Balance Is 422 INSUFFICIENT_FUNDS
    [Tags]    rule:withdrawals.insufficient-funds    rule:money.no-negative-balance
    2000    my wallet    2001    EUR    422 INSUFFICIENT_FUNDS
Anything From An Empty Wallet Is 422 INSUFFICIENT_FUNDS
    [Tags]    rule:withdrawals.insufficient-funds    rule:money.no-negative-balance
    0    my wallet    1    EUR    422 INSUFFICIENT_FUNDS
The Largest Amount From A Small Balance Is 422 INSUFFICIENT_FUNDS
    [Tags]    rule:withdrawals.insufficient-funds    rule:money.no-negative-balance
    2000    my wallet    100000000    EUR    422 INSUFFICIENT_FUNDS
Currency Other Than The Wallet's Is 422 CURRENCY_MISMATCH
    [Tags]    rule:withdrawals.currency-mismatch
    2000    my wallet    500    USD    422 CURRENCY_MISMATCH
Unknown Wallet Is 404 WALLET_NOT_FOUND
    [Tags]    rule:withdrawals.unknown-wallet
    2000    an unknown wallet    500    EUR    404 WALLET_NOT_FOUND
Another Owner's Wallet Is 404 WALLET_NOT_FOUND
    [Tags]    rule:withdrawals.unknown-wallet    rule:ownership.withdrawal
    2000    another owner's wallet    500    EUR    404 WALLET_NOT_FOUND
Another Owner's Wallet Is 404 Even For More Than Its Balance
    [Tags]    rule:ownership.withdrawal    rule:order.not-found-before-business
    2000    another owner's wallet    5000    EUR    404 WALLET_NOT_FOUND
