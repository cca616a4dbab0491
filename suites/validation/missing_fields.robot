*** Settings ***
Documentation     Required fields (contract sections 2 and 4): a body without one of them is `400 VALIDATION_ERROR`
...               whose `errors[]` names the missing field, and nothing is created or changed.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Missing Field Should Be Rejected

Test Tags         rule:validation.missing-field


*** Test Cases ***    OPERATION    FIELD
Wallet Without Currency Is Rejected
    wallet    currency
Deposit Without Amount Is Rejected
    deposit    amount
Deposit Without Currency Is Rejected
    deposit    currency
Deposit Without Payment Token Is Rejected
    [Tags]    rule:validation.payment-token
    deposit    payment_token
Withdrawal Without Amount Is Rejected
    withdrawal    amount
Withdrawal Without Currency Is Rejected
    withdrawal    currency
Transfer Without Source Wallet Is Rejected
    transfer    source_wallet_id
Transfer Without Destination Wallet Is Rejected
    transfer    destination_wallet_id
Transfer Without Amount Is Rejected
    transfer    amount
Transfer Without Currency Is Rejected
    transfer    currency
