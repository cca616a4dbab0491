*** Settings ***
Documentation     The `Idempotency-Key` header is required on every money POST (contract section 2): without it the
...               request is `400 IDEMPOTENCY_KEY_REQUIRED` and changes nothing.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Missing Key Should Be Required

Test Tags         rule:idempotency.key-required


*** Test Cases ***    OPERATION
Deposit Without A Key Is Rejected
    deposit
Withdrawal Without A Key Is Rejected
    withdrawal
Transfer Without A Key Is Rejected
    transfer
