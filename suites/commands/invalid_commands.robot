*** Settings ***
Documentation     Contract section 7: an invalid command (not JSON, unknown type, unknown wallet, bad amount,
...               currency mismatch) is rejected without requeue into `wallet.commands.dlq` and changes nothing; the
...               service keeps consuming: a valid credit published after it is applied.

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Invalid Credit Command Should Be Dead Lettered

Test Tags         rule:commands.keeps-consuming


*** Test Cases ***    CHANGE
Body Is Not Json
    [Tags]    rule:commands.invalid-not-json
    body={"id": "cmd-broken", "type": "credit.requested", "data":
Body Is Plain Text
    [Tags]    rule:commands.invalid-not-json
    body=credit 500 EUR please
Body Is A Json List
    [Tags]    rule:commands.invalid-unknown-type
    body=[{"type": "credit.requested"}]
Type Is Unknown
    [Tags]    rule:commands.invalid-unknown-type
    type=debit.requested
Type Is Missing
    [Tags]    rule:commands.invalid-unknown-type
    type=null
Wallet Is Unknown
    [Tags]    rule:commands.invalid-unknown-wallet
    wallet_id=6f1d0c1e-8a3b-4c59-9e0f-000000000000
Wallet Id Is Not A Uuid
    [Tags]    rule:commands.invalid-unknown-wallet
    wallet_id=not-a-wallet-id
Wallet Id Is Missing
    [Tags]    rule:commands.invalid-unknown-wallet
    omit=wallet_id
Amount Is A Float
    [Tags]    rule:commands.invalid-amount
    amount=10.5
Amount Is An Integral Float
    [Tags]    rule:commands.invalid-amount
    amount=500.0
Amount Is A String
    [Tags]    rule:commands.invalid-amount
    amount="500"
Amount Is A Boolean
    [Tags]    rule:commands.invalid-amount
    amount=true
Amount Is Null
    [Tags]    rule:commands.invalid-amount
    amount=null
Amount Is Missing
    [Tags]    rule:commands.invalid-amount
    omit=amount
Amount Is Zero
    [Tags]    rule:commands.invalid-amount
    amount=0
Amount Is Negative
    [Tags]    rule:commands.invalid-amount
    amount=-500
Amount Is Too Large
    [Tags]    rule:commands.invalid-amount
    amount=100000001
Currency Differs From The Wallet's
    [Tags]    rule:commands.invalid-currency
    currency=USD
Currency Is Not Supported
    [Tags]    rule:commands.invalid-currency
    currency=JPY
Currency Is Lower Case
    [Tags]    rule:commands.invalid-currency
    currency=eur
Currency Is Missing
    [Tags]    rule:commands.invalid-currency
    omit=currency
