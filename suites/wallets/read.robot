*** Settings ***
Documentation     Reading wallets: `GET /v1/wallets/{id}` (the wallet with its current balance, `404
...               WALLET_NOT_FOUND` for an unknown id) and `GET /v1/wallets` (every wallet of the caller and
...               only those, in an unspecified order).

Resource          ../../resources/endpoints.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Wallet Is Read With Its Current Balance
    [Documentation]    After a deposit of 2500 and a withdrawal of 500, `GET /v1/wallets/{id}` answers the
    ...    same wallet (id, owner, currency, status active) with balance 2000.
    [Tags]    rule:wallets.get    rule:resources.wallet-shape    rule:http.json-content-type
    ${wallet}    A Wallet With Balance    2500    currency=USD
    Withdraw From Wallet    ${wallet}    500
    ${response}    Request Wallet    ${wallet}
    Response Status Should Be    ${response}    200
    Response Should Be Json    ${response}
    Fields Should Match    ${response.json}    balance=${2000}    status=active
    Objects Should Agree On    ${response.json}    ${wallet}    id    owner_id    currency

Unknown Wallet Id Is Wallet Not Found
    [Documentation]    A well-formed UUID that is no wallet: 404 WALLET_NOT_FOUND (problem+json).
    [Tags]    rule:wallets.get-unknown    rule:http.problem-content-type
    ${wallet}    A New Wallet
    ${unknown}    An Unknown Id
    ${response}    Request Wallet    ${unknown}    owner=${wallet}[owner_id]
    Response Should Be Problem    ${response}    404    WALLET_NOT_FOUND

Wallet List Holds Every Wallet Of The Caller With Its Balance
    [Documentation]    `GET /v1/wallets`: `{"data": [...]}` with the caller's EUR and GBP wallets, whatever the
    ...    order, each with its current balance.
    [Tags]    rule:wallets.list    rule:ownership.wallet-list    rule:resources.wallet-shape
    ${eur}    A Wallet With Balance    3000
    ${gbp}    Create Wallet For    ${eur}[owner_id]    GBP
    ${response}    Request Wallet List    ${eur}[owner_id]
    Response Should Be Json    ${response}
    Wallets Should Be Exactly    ${response.json}[data]    ${eur}    ${gbp}
    Wallet In List Should Show Balance    ${response.json}[data]    ${eur}    3000
    Wallet In List Should Show Balance    ${response.json}[data]    ${gbp}    0

Owner Without Wallets Gets An Empty List
    [Documentation]    A caller who owns no wallet gets `{"data": []}`, although other owners have wallets.
    [Tags]    rule:wallets.list    rule:ownership.wallet-list
    A New Wallet
    ${owner}    A New Owner
    ${wallets}    Wallets Of    ${owner}
    Should Be Empty    ${wallets}    msg=an owner without wallets was listed other owners' wallets

Wallet List Never Shows Other Owners Wallets
    [Documentation]    Two owners with wallets in the same currencies: each list holds exactly the caller's own.
    [Tags]    rule:ownership.wallet-list    rule:wallets.list
    ${mine}    A New Wallet    EUR
    ${my_usd}    Create Wallet For    ${mine}[owner_id]    USD
    ${theirs}    A New Wallet    EUR
    ${my_list}    Wallets Of    ${mine}[owner_id]
    ${their_list}    Wallets Of    ${theirs}[owner_id]
    Wallets Should Be Exactly    ${my_list}    ${mine}    ${my_usd}
    Wallets Should Be Exactly    ${their_list}    ${theirs}


*** Keywords ***
Wallet In List Should Show Balance
    [Documentation]    Fails unless the wallet appears in the list with this balance.
    [Arguments]    ${wallets}    ${wallet}    ${balance}
    ${listed}    Evaluate    [item for item in $wallets if item['id'] == wallet_id]
    ...    namespace=${{ {'wallet_id': $wallet['id']} }}
    Length Should Be    ${listed}    1    msg=wallet ${wallet}[id] should be listed once
    Fields Should Match    ${listed}[0]    balance=${balance}
