*** Settings ***
Documentation     A key whose first request is still running is `409 IDEMPOTENCY_KEY_IN_USE` (contract section 2):
...               identical deposits sent together while the gateway is slow (half of GATEWAY_TIMEOUT_MS) run
...               once; the others are refused as in use, and the key then replays the one answer.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:idempotency.in-use    strict


*** Test Cases ***
Identical Deposits Sent Together Run Once And The Others Are In Use
    [Documentation]    Three identical deposits with one key at once: one 201, two 409 IDEMPOTENCY_KEY_IN_USE, one
    ...    charge, one credit; the key then replays the 201.
    [Tags]    rule:idempotency.replay-no-gateway-call
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    succeeds
    ${delay}    A Gateway Delay Within The Timeout
    Gateway Will Answer    ${payment_token}    201    times=1    delay_ms=${delay}
    ${responses}    Deposit Concurrently With The Same Key    ${wallet}    1000    3    ${payment_token}
    Response Statuses Should Be    ${responses}    201=1    409=2
    Responses With Status Should Be Problem    ${responses}    409    IDEMPOTENCY_KEY_IN_USE
    ${first}    The Response With Status    ${responses}    201
    Repeating The Request Should Replay It    ${first}
    Deposit Should Have Run Once    ${wallet}    ${first}    balance=1000
