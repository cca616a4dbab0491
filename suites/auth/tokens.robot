*** Settings ***
Documentation    Auth (contract section 2): every protected endpoint answers a missing, malformed, expired,
...              badly signed, unsigned (`alg: none`) token, or one without `sub` or `exp`, with
...              `401 UNAUTHORIZED` (problem+json) and `WWW-Authenticate: Bearer`. Matrix: one test per token
...              kind, one row per endpoint (TOKEN: the kind of token the library mints, see wallet.resource).
...              Every request is otherwise valid, for the token owner's own funded wallet.

Resource         ../../resources/endpoints.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Endpoint Should Refuse The Token

Test Tags        rule:auth.www-authenticate    rule:auth.every-protected-endpoint


*** Test Cases ***    ENDPOINT    TOKEN
Missing Token Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.missing-token
    list wallets    missing
    create wallet    missing
    get wallet    missing
    deposit    missing
    withdrawal    missing
    transfer    missing
    history    missing
    transaction    missing
Token That Is Not A JWT Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.malformed-token
    list wallets    malformed
    create wallet    malformed
    get wallet    malformed
    deposit    malformed
    withdrawal    malformed
    transfer    malformed
    history    malformed
    transaction    malformed
Token Sent With Another Scheme Than Bearer Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.malformed-token
    list wallets    wrong_scheme
    create wallet    wrong_scheme
    get wallet    wrong_scheme
    deposit    wrong_scheme
    withdrawal    wrong_scheme
    transfer    wrong_scheme
    history    wrong_scheme
    transaction    wrong_scheme
Bearer Scheme Without A Token Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.malformed-token
    list wallets    empty_bearer
    create wallet    empty_bearer
    get wallet    empty_bearer
    deposit    empty_bearer
    withdrawal    empty_bearer
    transfer    empty_bearer
    history    empty_bearer
    transaction    empty_bearer
Expired Token Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.expired-token
    list wallets    expired
    create wallet    expired
    get wallet    expired
    deposit    expired
    withdrawal    expired
    transfer    expired
    history    expired
    transaction    expired
Token Signed With Another Key Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.bad-signature
    list wallets    bad_signature
    create wallet    bad_signature
    get wallet    bad_signature
    deposit    bad_signature
    withdrawal    bad_signature
    transfer    bad_signature
    history    bad_signature
    transaction    bad_signature
Token Whose Claims Changed After Signing Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.bad-signature
    list wallets    tampered
    create wallet    tampered
    get wallet    tampered
    deposit    tampered
    withdrawal    tampered
    transfer    tampered
    history    tampered
    transaction    tampered
Unsigned Token With Alg None Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.alg-none
    list wallets    alg_none
    create wallet    alg_none
    get wallet    alg_none
    deposit    alg_none
    withdrawal    alg_none
    transfer    alg_none
    history    alg_none
    transaction    alg_none
Token Without Sub Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.required-claims
    list wallets    no_sub
    create wallet    no_sub
    get wallet    no_sub
    deposit    no_sub
    withdrawal    no_sub
    transfer    no_sub
    history    no_sub
    transaction    no_sub
Token With An Empty Sub Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.required-claims
    list wallets    empty_sub
    create wallet    empty_sub
    get wallet    empty_sub
    deposit    empty_sub
    withdrawal    empty_sub
    transfer    empty_sub
    history    empty_sub
    transaction    empty_sub
Token Without Exp Is Refused On Every Protected Endpoint
    [Tags]    rule:auth.required-claims
    list wallets    no_exp
    create wallet    no_exp
    get wallet    no_exp
    deposit    no_exp
    withdrawal    no_exp
    transfer    no_exp
    history    no_exp
    transaction    no_exp


*** Keywords ***
Endpoint Should Refuse The Token
    [Documentation]    An otherwise valid request with this kind of token, for the token owner's own funded
    ...    wallet, is 401 UNAUTHORIZED with a Bearer challenge.
    [Arguments]    ${endpoint}    ${token}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_outbox=${False}
    ${response}    Request Endpoint    ${endpoint}    ${fixture}    token=${token}
    Response Should Require A Bearer Token    ${response}
