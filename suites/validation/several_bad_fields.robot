*** Settings ***
Documentation     Several bad fields at once (contract section 2): `VALIDATION_ERROR` lists in `errors[]` every
...               offending field, not just the first one found, and nothing changes.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Every Bad Field Should Be Listed

Test Tags         rule:errors.validation-lists-every-field


*** Test Cases ***    OPERATION    BAD FIELDS
Deposit With Three Bad Fields Lists All Three
    [Tags]    rule:amount.zero-rejected    rule:currency.format-rejected    rule:validation.payment-token
    deposit    amount=0    currency=eur    payment_token=${EMPTY}
Withdrawal With Two Bad Fields Lists Both
    [Tags]    rule:amount.integral-float-rejected    rule:currency.unsupported-rejected
    withdrawal    amount=${10.0}    currency=XXX
Transfer With Four Bad Fields Lists All Four
    [Tags]    rule:ids.body-not-uuid    rule:amount.string-rejected    rule:currency.format-rejected
    transfer    source_wallet_id=x    destination_wallet_id=y    amount="5"    currency=EU
