*** Settings ***
Documentation     Contract section 7: no event for a rejected request (4xx other than 402). After each rejection of a
...               deposit or withdrawal, nothing about the wallet is published and its balance, transaction rows and
...               outbox rows are unchanged.

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Rejected Request Should Publish No Event

Test Tags         rule:events.none-on-rejection    rule:money.rejection-changes-nothing


*** Test Cases ***    REQUEST    STATUS    CODE    CHANGES
Withdrawal Beyond The Balance
    [Tags]    rule:outbox.row-per-change
    Request Withdrawal    422    INSUFFICIENT_FUNDS    amount=5001
Withdrawal In Another Currency
    Request Withdrawal    422    CURRENCY_MISMATCH    currency=USD
Withdrawal From Another Owner's Wallet
    Request Withdrawal    404    WALLET_NOT_FOUND    owner=${RUN_ID}-stranger
Withdrawal With An Invalid Amount
    Request Withdrawal    400    VALIDATION_ERROR    amount=0
Withdrawal Without Idempotency Key
    Request Withdrawal    400    IDEMPOTENCY_KEY_REQUIRED    idempotency_key=${NONE}
Withdrawal Without A Token
    Request Withdrawal    401    UNAUTHORIZED    token=missing
Deposit In Another Currency
    Request Deposit    422    CURRENCY_MISMATCH    currency=GBP
Deposit Into Another Owner's Wallet
    Request Deposit    404    WALLET_NOT_FOUND    owner=${RUN_ID}-stranger
Deposit With Malformed Json
    Request Deposit    400    MALFORMED_JSON    body={"amount": 1000,
Deposit Without A Payment Token
    Request Deposit    400    VALIDATION_ERROR    omit=payment_token
