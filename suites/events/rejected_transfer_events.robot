*** Settings ***
Documentation     Contract section 7: no event for a rejected transfer (4xx). After each rejection, nothing about
...               either wallet is published and their balances, transaction rows, transfers and outbox rows are
...               unchanged.

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Rejected Transfer Should Publish No Event

Test Tags         rule:events.none-on-rejection    rule:money.rejection-changes-nothing


*** Test Cases ***    DESTINATION    STATUS    CODE    CHANGES
Transfer To The Same Wallet
    itself    422    SAME_WALLET
Transfer Beyond The Balance
    [Tags]    rule:outbox.row-per-change
    EUR    422    INSUFFICIENT_FUNDS    amount=5001
Transfer In Another Currency Than The Wallets'
    EUR    422    CURRENCY_MISMATCH    currency=USD
Transfer Between Wallets Of Different Currencies
    USD    422    CURRENCY_MISMATCH
Transfer To A Missing Wallet
    nowhere    404    WALLET_NOT_FOUND
Transfer From Another Owner's Wallet
    EUR    404    WALLET_NOT_FOUND    owner=${RUN_ID}-stranger
Transfer Without Idempotency Key
    EUR    400    IDEMPOTENCY_KEY_REQUIRED    idempotency_key=${NONE}
