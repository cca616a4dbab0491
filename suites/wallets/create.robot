*** Settings ***
Documentation     Creating wallets (`POST /v1/wallets`): 201 with `Location`, owner = token `sub`, balance 0,
...               status active, one `wallet.created` event; one wallet per owner and currency
...               (`409 WALLET_EXISTS`); a currency that is not a supported three-letter code is
...               `400 VALIDATION_ERROR` and creates nothing.

Resource          ../../resources/endpoints.resource
Resource          ../../resources/events.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Created Wallet Belongs To The Token Owner With Balance Zero And Status Active
    [Documentation]    201: the wallet of the token's `sub` in the requested currency, balance 0, status
    ...    active, `Location: /v1/wallets/{id}`, JSON body; the same wallet is then readable by its owner.
    [Tags]    rule:wallets.create
    ...       rule:wallets.create-location
    ...       rule:resources.wallet-shape
    ...       rule:http.json-content-type
    ...       rule:wallets.get
    ${owner}    A New Owner
    ${response}    Request Wallet Creation    ${owner}    currency=GBP
    Response Status Should Be    ${response}    201
    Response Should Be Json    ${response}
    Fields Should Match    ${response.json}    owner_id=${owner}    currency=GBP    balance=${0}    status=active
    Response Should Point At Wallet    ${response}    ${response.json}
    ${wallet}    Get Wallet    ${response.json}
    Objects Should Agree On    ${wallet}    ${response.json}    id    owner_id    currency    balance    status

Creating A Wallet Publishes One Wallet Created Event
    [Documentation]    Exactly one `wallet.created` with the wallet id, its owner and currency; one outbox row.
    [Tags]    rule:wallets.create    rule:events.wallet-created    rule:events.exactly-once
    ${owner}    A New Owner
    ${wallet}    Create Wallet For    ${owner}    USD
    Wallet Created Event Should Be Published For    ${wallet}
    Outbox Should Hold One Row For    ${wallet}[id]    wallet.created

Second Wallet In The Same Currency Is Refused With Wallet Exists
    [Documentation]    One wallet per owner and currency: 409 WALLET_EXISTS, still one wallet, no second event.
    [Tags]    rule:wallets.exists    rule:events.none-on-rejection    rule:http.problem-content-type
    ${wallet}    A New Wallet    EUR
    ${response}    Request Wallet Creation    ${wallet}[owner_id]    currency=EUR
    Response Should Be Problem    ${response}    409    WALLET_EXISTS
    ${wallets}    Wallets Of    ${wallet}[owner_id]
    Wallets Should Be Exactly    ${wallets}    ${wallet}
    No Event Should Be Published    wallet.created    owner_id=${wallet}[owner_id]

Same Owner May Hold One Wallet In Each Currency
    [Documentation]    WALLET_EXISTS is per owner AND currency: the same owner gets a USD and a GBP wallet next
    ...    to the EUR one, three distinct wallets.
    [Tags]    rule:wallets.other-currency-or-owner    rule:wallets.list
    ${eur}    A New Wallet    EUR
    ${usd}    Create Wallet For    ${eur}[owner_id]    USD
    ${gbp}    Create Wallet For    ${eur}[owner_id]    GBP
    ${wallets}    Wallets Of    ${eur}[owner_id]
    Wallets Should Be Exactly    ${wallets}    ${eur}    ${usd}    ${gbp}

Other Owners May Hold A Wallet In The Same Currency
    [Documentation]    WALLET_EXISTS is per owner: another owner's EUR wallet does not block mine.
    [Tags]    rule:wallets.other-currency-or-owner
    ${first}    A New Wallet    EUR
    ${second}    A New Wallet    EUR
    Should Not Be Equal    ${first}[id]    ${second}[id]    msg=two owners got the same wallet
    Wallet Created Event Should Be Published For    ${second}
