*** Settings ***
Documentation     An `Idempotency-Key` is 1-255 printable ASCII characters (contract section 2): a key of 255
...               characters is used (the request runs and its repeat is a replay); an empty key or one of 256
...               characters is a 400 (only the status is the contract's) and runs nothing.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Idempotency Key Of Length Should Be Answered

Test Tags         rule:idempotency.key-format


*** Test Cases ***    OPERATION    LENGTH    STATUS
Deposit With A Key Of 255 Characters Runs
    deposit    255    201
Transfer With A Key Of 255 Characters Runs
    transfer    255    201
Deposit With A Key Of 256 Characters Is Rejected
    deposit    256    400
Withdrawal With A Key Of 256 Characters Is Rejected
    withdrawal    256    400
Transfer With A Key Of 256 Characters Is Rejected
    transfer    256    400
Withdrawal With An Empty Key Is Rejected
    withdrawal    0    400
