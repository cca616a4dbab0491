*** Settings ***
Documentation    Order of checks (contract section 2): `401` comes first. A request with a bad token is
...              `401 UNAUTHORIZED` with `WWW-Authenticate: Bearer` even when it also lacks the
...              `Idempotency-Key`, has malformed JSON or invalid fields, names a non-UUID or unknown
...              wallet, or would be a 409 or 422. FAULTS: what else is wrong with the request.

Resource         ../../resources/endpoints.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Bad Token Should Be Answered Before Anything Else

Test Tags    rule:order.auth-first
...          rule:auth.www-authenticate
...          rule:auth.expired-token
...          rule:auth.bad-signature
...          rule:auth.malformed-token
...          rule:auth.alg-none


*** Test Cases ***    ENDPOINT    TOKEN    FAULTS
Bad Token Is Answered Before A Missing Key, Malformed JSON Or Invalid Fields
    [Tags]    rule:auth.missing-token
    deposit    expired    idempotency_key=${NONE}    body={"amount":
    withdrawal    alg_none    idempotency_key=${NONE}    amount=${10.5}    currency=eur
    transfer    bad_signature    idempotency_key=${NONE}    body=[1,
    transfer    missing    idempotency_key=${NONE}    destination=not-a-uuid    amount=0
    create wallet    malformed    currency=eur
    create wallet    missing    body={
    history    wrong_scheme    limit=abc
Bad Token Is Answered Before Not Found, Conflicts And Business Outcomes
    [Tags]    rule:auth.required-claims
    deposit    expired    wallet=not-a-uuid    body={"amount":
    withdrawal    alg_none    wallet=00000000-0000-4000-8000-000000000000
    deposit    no_sub    currency=USD
    withdrawal    tampered    amount=100000000
    transfer    empty_sub    destination=self
    create wallet    no_exp    currency=EUR
    get wallet    empty_bearer    wallet=not-a-uuid
    history    expired    wallet=not-a-uuid    limit=0    cursor=not-a-cursor
    transaction    bad_signature    transaction_id=not-a-uuid


*** Keywords ***
Bad Token Should Be Answered Before Anything Else
    [Documentation]    The request with these faults and this kind of token, for the token owner's funded wallet
    ...    (`destination=self`: the wallet itself), is 401 UNAUTHORIZED with a Bearer challenge.
    [Arguments]    ${endpoint}    ${token}    &{faults}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_outbox=${False}
    IF    $faults.get('destination') == 'self'
        Set To Dictionary    ${faults}    destination=${fixture}[wallet]
    END
    ${response}    Request Endpoint    ${endpoint}    ${fixture}    token=${token}    &{faults}
    Response Should Require A Bearer Token    ${response}
