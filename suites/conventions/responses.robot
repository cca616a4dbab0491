*** Settings ***
Documentation     Conventions of every response (contract section 2), one row per endpoint and outcome: the
...               `X-Request-ID` sent is echoed on successes and errors alike, and one is generated when the
...               request has none (REQUEST ID: `sent` or `absent`); a success is `application/json`; an
...               error is an RFC 9457 `application/problem+json` document `{type, title, status, detail, code}`
...               whose `status` is the HTTP status (CODE `-` for successes); a 5xx body leaks no internals.
...               Each row runs against a fresh funded wallet of its own owner (`destination=self`: that wallet).

Resource          ../../resources/endpoints.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Response Should Follow The Conventions


*** Test Cases ***    ENDPOINT    STATUS    CODE    REQUEST ID    CHANGE
Every Successful Answer Is JSON And Echoes The Request Id
    [Tags]    rule:request-id.echoed    rule:http.json-content-type
    health    200    -    sent
    create wallet    201    -    sent
    list wallets    200    -    sent
    get wallet    200    -    sent
    deposit    201    -    sent
    deposit    202    -    sent    payment_token=tok_pending_conventions
    withdrawal    201    -    sent
    transfer    201    -    sent
    history    200    -    sent
    transaction    200    -    sent
Every Rejected Request Is An RFC 9457 Problem That Echoes The Request Id
    [Tags]    rule:request-id.echoed-on-errors    rule:errors.problem-shape    rule:http.problem-content-type
    deposit    401    UNAUTHORIZED    sent    token=missing
    withdrawal    400    IDEMPOTENCY_KEY_REQUIRED    sent    idempotency_key=${NONE}
    deposit    400    MALFORMED_JSON    sent    body={"amount": 100,
    withdrawal    400    VALIDATION_ERROR    sent    amount=0
    create wallet    400    VALIDATION_ERROR    sent    currency=eur
    history    400    VALIDATION_ERROR    sent    limit=0
    history    400    INVALID_CURSOR    sent    cursor=not-a-cursor
    webhook    401    INVALID_SIGNATURE    sent    signature=invalid
Every Not Found, Conflict And Refusal Is An RFC 9457 Problem That Echoes The Request Id
    [Tags]    rule:request-id.echoed-on-errors    rule:errors.problem-shape    rule:http.problem-content-type
    deposit    402    PAYMENT_DECLINED    sent    payment_token=tok_decline_conventions
    get wallet    404    WALLET_NOT_FOUND    sent    wallet=00000000-0000-4000-8000-000000000000
    transaction    404    TRANSACTION_NOT_FOUND    sent    transaction_id=00000000-0000-4000-8000-000000000000
    webhook    404    CHARGE_NOT_FOUND    sent
    create wallet    409    WALLET_EXISTS    sent    currency=EUR
    deposit    422    CURRENCY_MISMATCH    sent    currency=USD
    withdrawal    422    INSUFFICIENT_FUNDS    sent    amount=100000000
    transfer    422    SAME_WALLET    sent    destination=self
Gateway Failures Are RFC 9457 Problems Without Internals That Echo The Request Id
    [Tags]    rule:request-id.echoed-on-errors
    ...       rule:errors.problem-shape
    ...       rule:http.problem-content-type
    ...       rule:errors.5xx-no-leak
    deposit    502    GATEWAY_ERROR    sent    payment_token=tok_error_conventions
    deposit    504    GATEWAY_TIMEOUT    sent    payment_token=tok_timeout_conventions
A Request Id Is Generated When The Request Has None
    [Tags]    rule:request-id.generated
    health    200    -    absent
    create wallet    201    -    absent
    deposit    201    -    absent
    history    200    -    absent
    list wallets    401    UNAUTHORIZED    absent    token=missing
    transfer    400    VALIDATION_ERROR    absent    amount=-5
    withdrawal    404    WALLET_NOT_FOUND    absent    wallet=00000000-0000-4000-8000-000000000000
    webhook    401    INVALID_SIGNATURE    absent    signature=missing


*** Keywords ***
Response Should Follow The Conventions
    [Documentation]    Sends the row's request (with a fresh `X-Request-ID` when `sent`, none when `absent`) for
    ...    a fresh funded wallet; the answer has the status, echoes the id (or carries a generated one), and is
    ...    JSON (CODE `-`) or the RFC 9457 problem with that code, without internals.
    [Arguments]    ${endpoint}    ${status}    ${code}    ${request_id}    &{change}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_outbox=${False}
    ${sent}    Request Id To Send    ${request_id}
    IF    $change.get('destination') == 'self'
        Set To Dictionary    ${change}    destination=${fixture}[wallet]
    END
    ${response}    Request Endpoint    ${endpoint}    ${fixture}    request_id=${sent}    &{change}
    Response Should Carry Request Id    ${response}    ${sent}
    Response Should Have Status And Media Type    ${response}    ${status}    ${code}

Request Id To Send
    [Documentation]    A fresh request id for `sent`, `${NONE}` for `absent`.
    [Arguments]    ${request_id}
    Should Contain Any    ${request_id}    sent    absent    msg=REQUEST ID is `sent` or `absent`
    IF    $request_id == 'absent'    RETURN    ${NONE}
    ${fresh}    A New Request Id
    RETURN    ${fresh}

Response Should Have Status And Media Type
    [Documentation]    CODE `-`: the status and an `application/json` body; otherwise the RFC 9457 problem
    ...    `status` `code`, without a stack trace, SQL or file path.
    [Arguments]    ${response}    ${status}    ${code}
    IF    $code == '-'
        Response Status Should Be    ${response}    ${status}
        Response Should Be Json    ${response}
    ELSE
        Response Should Be An Rfc 9457 Problem    ${response}    ${status}    ${code}
        Response Should Not Leak Internals    ${response}
    END
