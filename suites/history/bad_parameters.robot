*** Settings ***
Documentation     History parameters (contract section 4): a `limit` that is not an integer in 1-100 is
...               `400 VALIDATION_ERROR`; a `cursor` the service did not issue is `400 INVALID_CURSOR`.

Resource          ../../resources/history.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     History Request Should Be Rejected


*** Test Cases ***    PARAMETER    VALUE    CODE
Limit 0 Is Rejected
    [Tags]    rule:history.limit-invalid
    limit    0    VALIDATION_ERROR
Limit 101 Is Rejected
    [Tags]    rule:history.limit-invalid
    limit    101    VALIDATION_ERROR
Negative Limit Is Rejected
    [Tags]    rule:history.limit-invalid
    limit    -1    VALIDATION_ERROR
Limit That Is Not A Number Is Rejected
    [Tags]    rule:history.limit-invalid
    limit    abc    VALIDATION_ERROR
Fractional Limit Is Rejected
    [Tags]    rule:history.limit-invalid
    limit    1.5    VALIDATION_ERROR
Made-Up Cursor Is Rejected
    [Tags]    rule:history.invalid-cursor
    cursor    not-a-cursor    INVALID_CURSOR
Base64 Cursor The Service Never Issued Is Rejected
    [Tags]    rule:history.invalid-cursor
    cursor    eyJpZCI6ICJ4In0    INVALID_CURSOR
Transaction Id As Cursor Is Rejected
    [Tags]    rule:history.invalid-cursor
    cursor    0f8fad5b-d9cb-469f-a165-70867728950e    INVALID_CURSOR
