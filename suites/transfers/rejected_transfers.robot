*** Settings ***
Documentation     Rejected transfers (contract section 4), asked by the owner of `my wallet`:
...               404 WALLET_NOT_FOUND when the source is not the caller's or either wallet is missing (also
...               before any 422), 422 SAME_WALLET, 422 CURRENCY_MISMATCH (body currency or the two wallets
...               differ), 422 INSUFFICIENT_FUNDS. After each: no transfer, no leg, balances and events unchanged.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Rejected Transfer Should Change Nothing

Test Tags         rule:money.rejection-changes-nothing    rule:money.transfer-atomic    rule:events.none-on-rejection


*** Test Cases ***    SOURCE    DESTINATION    AMOUNT    CURRENCY    PROBLEM
One More Than The Source Balance Is 422 INSUFFICIENT_FUNDS
    [Tags]    rule:transfers.insufficient-funds    rule:money.no-negative-balance
    my wallet    their wallet    3001    EUR    422 INSUFFICIENT_FUNDS
The Largest Amount From A Small Balance Is 422 INSUFFICIENT_FUNDS
    [Tags]    rule:transfers.insufficient-funds    rule:money.no-negative-balance
    my wallet    their wallet    100000000    EUR    422 INSUFFICIENT_FUNDS
Body Currency Other Than Both Wallets' Is 422 CURRENCY_MISMATCH
    [Tags]    rule:transfers.currency-mismatch-body
    my wallet    their wallet    1000    USD    422 CURRENCY_MISMATCH
Wallets In Two Currencies Are 422 CURRENCY_MISMATCH With The Source's Currency
    [Tags]    rule:transfers.currency-mismatch-wallets
    my wallet    a USD wallet    1000    EUR    422 CURRENCY_MISMATCH
Wallets In Two Currencies Are 422 CURRENCY_MISMATCH With The Destination's Currency
    [Tags]    rule:transfers.currency-mismatch-wallets    rule:transfers.currency-mismatch-body
    my wallet    a USD wallet    1000    USD    422 CURRENCY_MISMATCH
Same Source And Destination Is 422 SAME_WALLET
    [Tags]    rule:transfers.same-wallet
    my wallet    my wallet    1000    EUR    422 SAME_WALLET
Source Of Another Owner Is 404 WALLET_NOT_FOUND
    [Tags]    rule:ownership.transfer-source    rule:transfers.missing-wallet
    their wallet    my wallet    1000    EUR    404 WALLET_NOT_FOUND
Source Of Another Owner Is 404 Even For More Than Its Balance
    [Tags]    rule:ownership.transfer-source    rule:order.not-found-before-business
    their wallet    my wallet    5000    EUR    404 WALLET_NOT_FOUND
Source Of Another Owner Is 404 Even As Its Own Destination
    [Tags]    rule:ownership.transfer-source    rule:order.not-found-before-business
    their wallet    their wallet    1000    EUR    404 WALLET_NOT_FOUND
Unknown Source Is 404 WALLET_NOT_FOUND
    [Tags]    rule:transfers.missing-wallet
    an unknown wallet    my wallet    1000    EUR    404 WALLET_NOT_FOUND
Unknown Destination Is 404 WALLET_NOT_FOUND
    [Tags]    rule:transfers.missing-wallet
    my wallet    an unknown wallet    1000    EUR    404 WALLET_NOT_FOUND
Unknown Destination Is 404 Even For More Than The Balance
    [Tags]    rule:transfers.missing-wallet    rule:order.not-found-before-business
    my wallet    an unknown wallet    5000    EUR    404 WALLET_NOT_FOUND
