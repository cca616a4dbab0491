*** Settings ***
Documentation     The body is checked before idempotency (contract section 2, order of checks): a used key sent
...               with a malformed or invalid body is a `400` (neither a replay nor `422 IDEMPOTENCY_KEY_REUSED`),
...               changes nothing, and the key still replays its first answer.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Bad Body With A Used Key Should Be Rejected

Test Tags         rule:order.body-before-idempotency


*** Test Cases ***    OPERATION    FAULT
Malformed Deposit With A Used Key Is 400
    deposit    malformed body
Invalid Deposit With A Used Key Is 400
    deposit    invalid body
Malformed Withdrawal With A Used Key Is 400
    withdrawal    malformed body
Invalid Transfer With A Used Key Is 400
    transfer    invalid body
