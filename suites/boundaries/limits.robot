*** Settings ***
Documentation     Every numeric, length and time limit of the contract, where it applies, at, just inside and just
...               outside it: the values are generated from the table `contracts/limits.yaml` (min - 1, min,
...               min + 1, max - 1, max, max + 1; a time limit's inside and outside), never picked by hand.

Resource          ../../resources/common.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Limit Should Hold At Its Boundaries


*** Test Cases ***    LIMIT    WHERE
Amount Of A Deposit
    [Tags]    rule:amount.bounds-accepted    rule:amount.zero-rejected    rule:amount.too-large-rejected
    amount    deposit
Amount Of A Withdrawal
    [Tags]    rule:amount.bounds-accepted    rule:amount.zero-rejected    rule:amount.too-large-rejected
    amount    withdrawal
Amount Of A Transfer
    [Tags]    rule:amount.bounds-accepted    rule:amount.zero-rejected    rule:amount.too-large-rejected
    amount    transfer
Amount Of A Credit Command
    [Tags]    rule:commands.credit-applied    rule:commands.invalid-amount
    amount    credit command
Owner Id In A Bearer Token
    [Tags]    rule:auth.required-claims
    owner-id    bearer token
Idempotency Key Of A Deposit
    [Tags]    rule:idempotency.key-format
    idempotency-key    deposit
Idempotency Key Of A Withdrawal
    [Tags]    rule:idempotency.key-format
    idempotency-key    withdrawal
Idempotency Key Of A Transfer
    [Tags]    rule:idempotency.key-format
    idempotency-key    transfer
Payment Token Of A Deposit
    [Tags]    rule:validation.payment-token
    payment-token    deposit
Page Size Of A History
    [Tags]    rule:history.limit-bounds    rule:history.limit-invalid
    history-limit    history
Currency Code Of A New Wallet
    [Tags]    rule:currency.format-rejected    rule:wallets.create
    currency-code    create wallet
Currency Code Of A Deposit
    [Tags]    rule:currency.format-rejected    rule:deposits.succeeded
    currency-code    deposit
Gateway Timeout Of A Deposit
    [Tags]    rule:deposits.gateway-timeout
    gateway-timeout    deposit
Expiry Of A Bearer Token
    [Tags]    rule:auth.expired-token
    token-expiry    bearer token
