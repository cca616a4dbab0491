*** Settings ***
Documentation     A money request refused with `401` changes nothing: no gateway charge, no transaction or
...               transfer row, no balance change, no event; and it consumes no idempotency key (the same
...               request with a valid token afterwards executes, it is no replay).

Resource          ../../resources/endpoints.resource
Resource          ../../resources/events.resource
Resource          ../../resources/gateway.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Money Request Refused With 401 Should Change Nothing

Test Tags         rule:idempotency.401-not-stored    rule:auth.expired-token


*** Test Cases ***    ENDPOINT
Deposit Refused With 401 Changes Nothing And Consumes No Key
    deposit
Withdrawal Refused With 401 Changes Nothing And Consumes No Key
    withdrawal
Transfer Refused With 401 Changes Nothing And Consumes No Key
    transfer


*** Keywords ***
Money Request Refused With 401 Should Change Nothing
    [Documentation]    With an expired token: 401, the ledger of both wallets and the gateway journal unchanged,
    ...    no event; the same request (same key and body) with a valid token then executes (201, no replay).
    [Arguments]    ${endpoint}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_events=${True}
    ${payment_token}    A Payment Token That    succeeds
    ${fields}    Evaluate    {'payment_token': $payment_token} if $endpoint == 'deposit' else {}
    ${snapshot}    Take Ledger Snapshot Of    ${fixture}[wallet]    ${fixture}[destination]
    ${refused}    Request Endpoint    ${endpoint}    ${fixture}    token=expired    &{fields}
    Response Should Require A Bearer Token    ${refused}
    Nothing Should Have Happened    ${snapshot}    ${payment_token}    ${fixture}[wallet]
    ${executed}    Repeat Request    ${refused}    token=valid
    Response Status Should Be    ${executed}    201
    Response Should Not Be A Replay    ${executed}

Nothing Should Have Happened
    [Documentation]    The ledger is as in the snapshot, the gateway got no charge for the payment token and
    ...    no event mentions the wallet.
    [Arguments]    ${snapshot}    ${payment_token}    ${wallet}
    Ledger Should Not Have Changed Since    ${snapshot}
    Gateway Should Have Been Charged    ${payment_token}    0
    No Event Should Be Published    mentioning=${wallet}[id]
