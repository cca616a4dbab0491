*** Settings ***
Documentation     Amounts (contract section 2): JSON integers in minor units, 1 <= amount <= 100000000. A float
...               (also `10.0`), a string, a boolean, null, zero, a negative number or more than 100000000 is
...               `400 VALIDATION_ERROR` naming `amount` on deposits, withdrawals and transfers, and changes
...               nothing (balances, rows, outbox, gateway); both bounds are accepted and move exactly that much.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Amount Should Be Answered


*** Test Cases ***    OPERATION    AMOUNT    STATUS
Deposit Of A Float Amount Is Rejected
    [Tags]    rule:amount.float-rejected
    deposit    ${10.5}    400
Withdrawal Of A Float Amount Is Rejected
    [Tags]    rule:amount.float-rejected
    withdrawal    ${10.5}    400
Transfer Of A Float Amount Is Rejected
    [Tags]    rule:amount.float-rejected
    transfer    ${10.5}    400
Deposit Of An Integral Float Amount Is Rejected
    [Tags]    rule:amount.integral-float-rejected
    deposit    ${10.0}    400
Withdrawal Of An Integral Float Amount Is Rejected
    [Tags]    rule:amount.integral-float-rejected
    withdrawal    ${10.0}    400
Transfer Of An Integral Float Amount Is Rejected
    [Tags]    rule:amount.integral-float-rejected
    transfer    ${10.0}    400
Deposit Of A String Amount Is Rejected
    [Tags]    rule:amount.string-rejected
    deposit    "100"    400
Withdrawal Of A String Amount Is Rejected
    [Tags]    rule:amount.string-rejected
    withdrawal    "100"    400
Transfer Of A String Amount Is Rejected
    [Tags]    rule:amount.string-rejected
    transfer    "100"    400
Deposit Of A Boolean Amount Is Rejected
    [Tags]    rule:amount.boolean-rejected
    deposit    ${True}    400
Withdrawal Of A Boolean Amount Is Rejected
    [Tags]    rule:amount.boolean-rejected
    withdrawal    ${True}    400
Transfer Of A Boolean Amount Is Rejected
    [Tags]    rule:amount.boolean-rejected
    transfer    ${False}    400
Deposit Of A Null Amount Is Rejected
    [Tags]    rule:amount.null-rejected
    deposit    ${None}    400
Withdrawal Of A Null Amount Is Rejected
    [Tags]    rule:amount.null-rejected
    withdrawal    ${None}    400
Transfer Of A Null Amount Is Rejected
    [Tags]    rule:amount.null-rejected
    transfer    ${None}    400
Deposit Of Zero Is Rejected
    [Tags]    rule:amount.zero-rejected
    deposit    0    400
Withdrawal Of Zero Is Rejected
    [Tags]    rule:amount.zero-rejected
    withdrawal    0    400
Transfer Of Zero Is Rejected
    [Tags]    rule:amount.zero-rejected
    transfer    0    400
Deposit Of A Negative Amount Is Rejected
    [Tags]    rule:amount.negative-rejected
    deposit    -1000    400
Withdrawal Of A Negative Amount Is Rejected
    [Tags]    rule:amount.negative-rejected
    withdrawal    -1000    400
Transfer Of A Negative Amount Is Rejected
    [Tags]    rule:amount.negative-rejected
    transfer    -1    400
Deposit Above 100000000 Is Rejected
    [Tags]    rule:amount.too-large-rejected
    deposit    100000001    400
Withdrawal Above 100000000 Is Rejected
    [Tags]    rule:amount.too-large-rejected
    withdrawal    100000001    400
Transfer Above 100000000 Is Rejected
    [Tags]    rule:amount.too-large-rejected
    transfer    100000001    400
Deposit Of 1 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    deposit    1    201
Withdrawal Of 1 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    withdrawal    1    201
Transfer Of 1 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    transfer    1    201
Deposit Of 100000000 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    deposit    100000000    201
Withdrawal Of 100000000 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    withdrawal    100000000    201
Transfer Of 100000000 Is Accepted
    [Tags]    rule:amount.bounds-accepted
    transfer    100000000    201
