*** Settings ***
Documentation     Order of checks (contract section 2): `401` first, then `400 IDEMPOTENCY_KEY_REQUIRED`, then
...               `400 MALFORMED_JSON` / `VALIDATION_ERROR`, then idempotency, then `404`, then the business
...               outcome (`422`, `402`, ...). Each request below has several faults at once (FAULTS, see
...               `Request With Faults` in resources/validation.resource) and must get the ANSWER of the first
...               check it fails, changing nothing (no balance, row, outbox row or gateway charge).
...               Idempotency before 404 and body before idempotency: suites/idempotency/.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     First Failing Check Should Answer


*** Test Cases ***    OPERATION    FAULTS    ANSWER
Missing Token Comes Before A Missing Key And A Malformed Body
    [Tags]    rule:order.auth-first
    deposit    no token, no key, malformed body    401 UNAUTHORIZED
Expired Token Comes Before An Invalid Body On An Unknown Wallet
    [Tags]    rule:order.auth-first
    withdrawal    expired token, invalid body, unknown wallet    401 UNAUTHORIZED
Badly Signed Token Comes Before A Missing Key On A Transfer
    [Tags]    rule:order.auth-first
    transfer    badly signed token, no key, too large    401 UNAUTHORIZED
Missing Key Comes Before A Malformed Body
    [Tags]    rule:order.idempotency-key-before-body    rule:idempotency.key-required
    deposit    no key, malformed body    400 IDEMPOTENCY_KEY_REQUIRED
Missing Key Comes Before An Invalid Body
    [Tags]    rule:order.idempotency-key-before-body    rule:idempotency.key-required
    transfer    no key, invalid body, unknown destination    400 IDEMPOTENCY_KEY_REQUIRED
Missing Key Comes Before An Unknown Wallet
    [Tags]    rule:idempotency.key-required
    withdrawal    no key, unknown wallet    400 IDEMPOTENCY_KEY_REQUIRED
Malformed Body Comes Before An Unknown Wallet
    [Tags]    rule:order.body-before-not-found    rule:validation.malformed-json
    deposit    malformed body, unknown wallet    400 MALFORMED_JSON
Invalid Body Comes Before Another Owner's Wallet
    [Tags]    rule:order.body-before-not-found
    withdrawal    invalid body, foreign wallet    400 VALIDATION_ERROR
Invalid Body Comes Before Another Owner's Transfer Source
    [Tags]    rule:order.body-before-not-found
    transfer    invalid body, foreign wallet    400 VALIDATION_ERROR
Malformed Body Comes Before An Unknown Transfer Destination
    [Tags]    rule:order.body-before-not-found    rule:validation.malformed-json
    transfer    malformed body, unknown destination    400 MALFORMED_JSON
Another Owner's Wallet Comes Before A Currency Mismatch
    [Tags]    rule:order.not-found-before-business
    deposit    foreign wallet, wrong currency    404 WALLET_NOT_FOUND
Unknown Wallet Comes Before A Declined Payment
    [Tags]    rule:order.not-found-before-business
    deposit    unknown wallet, declined payment    404 WALLET_NOT_FOUND
Another Owner's Wallet Comes Before Insufficient Funds
    [Tags]    rule:order.not-found-before-business
    withdrawal    foreign wallet, too large    404 WALLET_NOT_FOUND
Another Owner's Transfer Source Comes Before Insufficient Funds
    [Tags]    rule:order.not-found-before-business
    transfer    foreign wallet, too large    404 WALLET_NOT_FOUND
Another Owner's Transfer Source Comes Before Same Wallet
    [Tags]    rule:order.not-found-before-business
    transfer    foreign wallet, same wallet    404 WALLET_NOT_FOUND
Unknown Transfer Destination Comes Before A Currency Mismatch
    [Tags]    rule:order.not-found-before-business
    transfer    unknown destination, wrong currency    404 WALLET_NOT_FOUND
Unknown Transfer Destination Comes Before Insufficient Funds
    [Tags]    rule:order.not-found-before-business
    transfer    unknown destination, too large    404 WALLET_NOT_FOUND
