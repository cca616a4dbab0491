*** Settings ***
Documentation     Contract sections 4 and 7: every deposit outcome the gateway decides at once publishes exactly one
...               event: `deposit.succeeded` for 201, `deposit.failed` for 402 (both decline codes), 502 and 504, with
...               the deposit's data (`balance_after` or `failure_code` as recorded on the transaction), nothing
...               else about the deposit, and one outbox row.

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Deposit Outcome Should Publish One Event

Test Tags         rule:events.exactly-once    rule:outbox.row-per-change


*** Test Cases ***    BEHAVIOUR    STATUS    EVENT TYPE
Gateway Success Publishes Deposit Succeeded
    [Tags]    rule:events.deposit-succeeded
    succeeds    201    deposit.succeeded
Card Declined Publishes Deposit Failed
    [Tags]    rule:events.deposit-failed
    declines    402    deposit.failed
Insufficient Funds At The Gateway Publishes Deposit Failed
    [Tags]    rule:events.deposit-failed
    lacks funds    402    deposit.failed
Gateway Error Publishes Deposit Failed
    [Tags]    rule:events.deposit-failed
    fails    502    deposit.failed
Gateway Timeout Publishes Deposit Failed
    [Tags]    rule:events.deposit-failed
    times out    504    deposit.failed
