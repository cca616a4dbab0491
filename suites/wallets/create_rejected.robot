*** Settings ***
Documentation    A wallet whose currency is not three upper-case letters from SUPPORTED_CURRENCIES, or that
...              has no currency, is `400 VALIDATION_ERROR` naming `currency`; no wallet is created and no
...              event is published.

Resource         ../../resources/wallet.resource
Resource         ../../resources/events.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Wallet Creation Should Be Refused


*** Test Cases ***    BODY
Currency Outside SUPPORTED_CURRENCIES Is Rejected
    [Tags]    rule:currency.unsupported-rejected
    currency=JPY
    currency=XXX
Currency That Is Not Three Upper-Case Letters Is Rejected
    [Tags]    rule:currency.format-rejected
    currency=eur
    currency=Eur
    currency=EURO
    currency=EU
    currency=" EUR"
    currency=""
Currency That Is Not A String Is Rejected
    [Tags]    rule:currency.format-rejected
    currency=978
    currency=null
    currency=true
    currency=${{ ["EUR"] }}
Missing Currency Is Rejected
    [Tags]    rule:validation.missing-field
    omit=currency


*** Keywords ***
Wallet Creation Should Be Refused
    [Documentation]    400 VALIDATION_ERROR naming `currency`, no wallet for the owner, no event.
    [Arguments]    &{body}
    ${owner}    A New Owner
    ${response}    Request Wallet Creation    ${owner}    &{body}
    Response Should Be Validation Error Naming    ${response}    currency
    ${wallets}    Wallets Of    ${owner}
    Should Be Empty    ${wallets}    msg=a wallet was created for ${body}
    No Event Should Be Published    owner_id=${owner}
