*** Settings ***
Documentation     Contract section 4, money rules: transfers started together in both directions between two wallets
...               all succeed without deadlock or timeout, conserve the money of the pair, and every transfer has
...               its two legs.

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         strict


*** Test Cases ***
Opposite Concurrent Transfers Neither Deadlock Nor Create Or Destroy Money
    [Documentation]    Twelve transfers of 1000, six each way, started together between two wallets of 6000: all
    ...    201, both balances back at 6000, one event per transfer, legs paired, ledger reconciled.
    [Tags]    rule:money.concurrent-transfers
    ...       rule:money.transfer-atomic
    ...       rule:money.no-negative-balance
    ...       rule:money.balance-equals-ledger
    ...       rule:events.exactly-once
    ${first}    A Wallet With Balance    6000
    ${second}    A Wallet With Balance    6000
    ${responses}    Transfer Concurrently Between    ${first}    ${second}    1000    12    both_ways=${True}
    Response Statuses Should Be    ${responses}    201=12
    Balance Should Be    ${first}    6000
    Balance Should Be    ${second}    6000
    ${transfers}    Bodies Of Responses With Status    ${responses}    201
    Events Should Be Published Once For    @{transfers}
    Ledger Should Reconcile For    ${first}    ${second}
