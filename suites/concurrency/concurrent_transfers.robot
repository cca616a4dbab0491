*** Settings ***
Documentation     Contract section 4, money rules, under concurrency: transfers started together from one wallet
...               succeed exactly as far as its balance covers (the rest `422 INSUFFICIENT_FUNDS`), no balance goes
...               negative, money is conserved, each transfer happens fully (both legs) or not at all.

Resource          ../../resources/concurrency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Concurrent Transfers Should Drain The Source As Far As It Covers

Test Tags    rule:money.concurrent-transfers
...          strict
...          rule:money.no-negative-balance
...          rule:money.transfer-atomic
...          rule:transfers.insufficient-funds


*** Test Cases ***    BALANCE    AMOUNT    COUNT    COVERED
Three Of Eight Are Covered With Change Left
    [Tags]    rule:events.exactly-once
    3500    1000    8    3
One Of Six Racing For The Whole Balance
    2000    2000    6    1
All Of Five Are Covered
    5000    1000    5    5
