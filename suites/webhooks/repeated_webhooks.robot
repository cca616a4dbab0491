*** Settings ***
Documentation     A repeated webhook for an already settled charge (contract section 4) is 200 and changes
...               nothing: no second credit, no change to the transaction, no second event. The gateway first
...               delivers the settlement twice in a row, then the same webhook three more times later.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Repeated Webhook Should Change Nothing

Test Tags         rule:webhooks.repeat-no-change    rule:events.exactly-once


*** Test Cases ***    STATUS    FAILURE CODE    BALANCE AFTER SETTLEMENT
Repeated Succeeded Webhook Credits The Deposit Once
    [Tags]    rule:webhooks.settle-succeeded
    succeeded    ${NONE}    3700
Repeated Failed Webhook Changes Nothing After The First
    [Tags]    rule:webhooks.settle-failed
    failed    insufficient_funds    3000
