*** Settings ***
Documentation     The same owner, key and path with another body is `422 IDEMPOTENCY_KEY_REUSED` (contract
...               section 2): nothing runs (no charge for the new payment token) and the key keeps replaying its
...               first answer.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Reused Key With Another Body Should Be Refused

Test Tags         rule:idempotency.reused-other-body


*** Test Cases ***    OPERATION
Deposit Key Reused With Another Body Is Refused
    deposit
Withdrawal Key Reused With Another Body Is Refused
    withdrawal
Transfer Key Reused With Another Body Is Refused
    transfer
