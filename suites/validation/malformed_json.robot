*** Settings ***
Documentation     Malformed JSON (contract section 2): a body that is not JSON is `400 MALFORMED_JSON` on wallet
...               creation and on every money request, and nothing is created or changed.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Malformed Body Should Be Rejected

Test Tags         rule:validation.malformed-json


*** Test Cases ***    OPERATION    BODY
Truncated Wallet Body Is Malformed
    wallet    {"currency": "EUR"
Truncated Deposit Body Is Malformed
    deposit    {"amount": 1000, "currency": "EUR",
Deposit Body With Single Quotes Is Malformed
    deposit    {'amount': 1000, 'currency': 'EUR'}
Withdrawal Body With A Trailing Comma Is Malformed
    withdrawal    {"amount": 1000, "currency": "EUR",}
Withdrawal Body As Form Data Is Malformed
    withdrawal    amount=1000&currency=EUR
Transfer Body With An Extra Brace Is Malformed
    transfer    {"amount": 1000, "currency": "EUR"}}
Transfer Body With Unquoted Names Is Malformed
    transfer    {amount: 1000, currency: EUR}
