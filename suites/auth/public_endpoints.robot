*** Settings ***
Documentation     Auth beyond the matrix: `GET /health` and the webhook need no token; a `sub` longer than
...               64 characters is no owner id.

Resource          ../../resources/endpoints.resource
Resource          ../../resources/gateway.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Health Needs No Token
    [Documentation]    `GET /health` without Authorization: 200 with every check ok.
    [Tags]    rule:auth.public-endpoints    rule:health.ok
    ${response}    Request Health
    Response Status Should Be    ${response}    200
    Fields Should Match    ${response.json}    status=ok

Webhook Needs No Bearer Token
    [Documentation]    A correctly signed webhook without Authorization reaches the webhook logic: for a charge
    ...    the wallet does not know it is 404 CHARGE_NOT_FOUND, not 401 UNAUTHORIZED.
    [Tags]    rule:auth.public-endpoints    rule:webhooks.charge-not-found
    ${charge_id}    An Unknown Id
    ${response}    Send Webhook To Wallet    ch_${charge_id}
    Response Should Be Problem    ${response}    404    CHARGE_NOT_FOUND

Pending Deposit Is Settled By A Webhook Without Bearer Token
    [Documentation]    The gateway's signed webhook carries no bearer token and still settles the deposit.
    [Tags]    rule:auth.public-endpoints    rule:webhooks.settle-succeeded
    ${wallet}    A New Wallet
    ${payment_token}    A Payment Token That    stays pending
    ${response}    Request Deposit    ${wallet}    amount=1200    payment_token=${payment_token}
    Response Status Should Be    ${response}    202
    Settle Pending Deposit    ${payment_token}
    Balance Should Be    ${wallet}    1200

Sub Longer Than 64 Characters Is Refused
    [Documentation]    `sub` is the owner id, 1-64 characters: a correctly signed token whose `sub` has 65
    ...    characters is 401 UNAUTHORIZED with a Bearer challenge (64 characters are accepted).
    [Tags]    rule:auth.required-claims    rule:auth.www-authenticate
    ${too_long}    A New Owner Of Length    65
    ${longest}    A New Owner Of Length    64
    ${refused}    Request Wallet List    ${too_long}
    Response Should Require A Bearer Token    ${refused}
    ${accepted}    Request Wallet List    ${longest}
    Response Status Should Be    ${accepted}    200
