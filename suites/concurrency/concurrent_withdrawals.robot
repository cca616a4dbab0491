*** Settings ***
Documentation     Contract section 4, money rules: N concurrent withdrawals on one wallet, started together: exactly
...               as many succeed as the balance covers, the rest get `422 INSUFFICIENT_FUNDS`; the balance is exact and
...               never negative, and the ledger reconciles.

Resource          ../../resources/concurrency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Concurrent Withdrawals Should Succeed As Far As The Balance Covers

Test Tags    rule:money.concurrent-withdrawals
...          strict
...          rule:money.no-negative-balance
...          rule:money.balance-equals-ledger
...          rule:withdrawals.insufficient-funds


*** Test Cases ***    BALANCE    AMOUNT    COUNT    COVERED
Five Of Eight Are Covered With Change Left
    [Tags]    rule:events.exactly-once    rule:outbox.row-per-change
    5500    1000    8    5
Three Of Ten Empty The Wallet Exactly
    3000    1000    10    3
One Of Six Racing For The Whole Balance
    1000    1000    6    1
All Of Six Are Covered
    6000    1000    6    6
