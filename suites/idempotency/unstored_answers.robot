*** Settings ***
Documentation     A request answered `400` or `401` consumes no key (contract section 2): the valid request sent
...               afterwards with the same key runs (201, not a replay, money moved). After a `401`, the very same
...               request (same body bytes and key) is re-sent with a valid token.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Key Of A Rejected Request Should Stay Free


*** Test Cases ***    OPERATION    FAULT
Key Of A Deposit With An Invalid Body Stays Free
    [Tags]    rule:idempotency.400-not-stored
    deposit    invalid body
Key Of A Withdrawal With A Malformed Body Stays Free
    [Tags]    rule:idempotency.400-not-stored
    withdrawal    malformed body
Key Of A Transfer With An Invalid Body Stays Free
    [Tags]    rule:idempotency.400-not-stored
    transfer    invalid body
Key Of A Deposit With An Expired Token Stays Free
    [Tags]    rule:idempotency.401-not-stored
    deposit    expired
Key Of A Withdrawal With A Badly Signed Token Stays Free
    [Tags]    rule:idempotency.401-not-stored
    withdrawal    bad_signature
Key Of A Transfer Without A Token Stays Free
    [Tags]    rule:idempotency.401-not-stored
    transfer    missing
