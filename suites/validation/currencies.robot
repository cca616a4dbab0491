*** Settings ***
Documentation     Currency (contract section 2): three upper-case letters from `SUPPORTED_CURRENCIES` (EUR, USD,
...               GBP locally; `XXX` and `JPY` are not supported); anything else is `400 VALIDATION_ERROR` naming
...               `currency`, on wallet creation and on every money request, before any business check (an
...               unsupported currency on an EUR wallet is 400, not `422 CURRENCY_MISMATCH`). Nothing is
...               created or changed.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Currency Should Be Rejected


*** Test Cases ***    OPERATION    CURRENCY
Wallet In A Lower-Case Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    eur
Wallet In A Mixed-Case Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    Usd
Wallet In An Unsupported Currency Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    wallet    XXX
Wallet In An Unsupported Real Currency Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    wallet    JPY
Wallet In A Two-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    EU
Wallet In A Four-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    EURO
Wallet In A Numeric Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    ${978}
Wallet In A Null Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    wallet    ${None}
Deposit In A Lower-Case Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    deposit    eur
Deposit In An Unsupported Currency Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    deposit    XXX
Deposit In A Two-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    deposit    EU
Deposit In A Four-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    deposit    EURO
Deposit In A Numeric Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    deposit    ${978}
Withdrawal In A Lower-Case Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    withdrawal    eur
Withdrawal In An Unsupported Currency Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    withdrawal    JPY
Withdrawal In A Two-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    withdrawal    EU
Withdrawal In A Four-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    withdrawal    EURO
Withdrawal In A Boolean Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    withdrawal    ${True}
Transfer In A Lower-Case Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    transfer    eur
Transfer In An Unsupported Currency Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    transfer    XXX
Transfer In A Two-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    transfer    EU
Transfer In A Four-Letter Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    transfer    EURO
Transfer In A Null Currency Is Rejected
    [Tags]    rule:currency.format-rejected
    transfer    ${None}
