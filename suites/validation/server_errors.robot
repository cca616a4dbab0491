*** Settings ***
Documentation     A 5xx body never contains a stack trace, SQL or a file path (contract section 2), even when the
...               gateway's own answer is full of them: the wallet answers its own problem document
...               (`502 GATEWAY_ERROR`, `504 GATEWAY_TIMEOUT`) and leaks nothing it received.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:errors.5xx-no-leak


*** Test Cases ***
Gateway Error Full Of Internals Becomes A Clean 502
    [Documentation]    The gateway answers 500 with a stack trace, SQL and paths in its body.
    ${wallet}    A Wallet With Balance    2000
    ${response}    A Deposit Whose Gateway Leaks Internals    ${wallet}    500
    Response Should Be Problem    ${response}    502    GATEWAY_ERROR
    Response Should Not Leak Internals    ${response}
    Balance Should Be    ${wallet}    2000

Unavailable Gateway Full Of Internals Becomes A Clean 502
    [Documentation]    The gateway answers 503 with a stack trace, SQL and paths in its body.
    ${wallet}    A Wallet With Balance    2000
    ${response}    A Deposit Whose Gateway Leaks Internals    ${wallet}    503
    Response Should Be Problem    ${response}    502    GATEWAY_ERROR
    Response Should Not Leak Internals    ${response}
    Balance Should Be    ${wallet}    2000

Gateway Timeout Becomes A Clean 504
    [Documentation]    The gateway answers only after GATEWAY_TIMEOUT_MS (with internals in the late body).
    ${wallet}    A Wallet With Balance    2000
    ${delay}    A Gateway Delay Beyond The Timeout
    ${response}    A Deposit Whose Gateway Leaks Internals    ${wallet}    201    delay_ms=${delay}
    Response Should Be Problem    ${response}    504    GATEWAY_TIMEOUT
    Response Should Not Leak Internals    ${response}
    Balance Should Be    ${wallet}    2000
