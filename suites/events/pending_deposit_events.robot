*** Settings ***
Documentation     Contract sections 4 and 7: a pending deposit (gateway 202) publishes no deposit event; the webhook
...               that settles it publishes exactly one: `deposit.succeeded` (with `balance_after`) or
...               `deposit.failed` (with the gateway's `failure_code`).

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Settled Pending Deposit Should Publish One Event

Test Tags         rule:events.exactly-once    rule:outbox.row-per-change


*** Test Cases ***    SETTLEMENT    FAILURE CODE    EVENT TYPE
Webhook Settling Succeeded Publishes Deposit Succeeded
    [Tags]    rule:events.deposit-succeeded
    succeeded    ${NONE}    deposit.succeeded
Webhook Settling Failed Publishes Deposit Failed
    [Tags]    rule:events.deposit-failed
    failed    card_expired    deposit.failed
