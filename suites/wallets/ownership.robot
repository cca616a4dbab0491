*** Settings ***
Documentation     Ownership (contract section 2): a wallet that exists but belongs to another owner is answered
...               exactly as a wallet that does not exist, `404 WALLET_NOT_FOUND` (never 403 or 200), on every
...               endpoint that takes a wallet id, and nothing changes: no balance, row, outbox row or event.
...               The 404 also comes before any business outcome (currency mismatch, insufficient funds, same
...               wallet). Each row asks as an intruder who owns a funded wallet too, then asks the same for an
...               unknown wallet id and compares the two problems. DESTINATION (transfers): the intruder's own
...               wallet, the victim's wallet itself, or a third owner's wallet.

Resource          ../../resources/endpoints.resource
Resource          ../../resources/events.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Another Owners Wallet Should Be Answered As A Missing One


*** Test Cases ***    ENDPOINT    DESTINATION    CHANGE
Another Owner's Wallet Cannot Be Read
    [Tags]    rule:ownership.wallet-get
    get wallet
Another Owner's Wallet Cannot Receive Deposits
    [Tags]    rule:ownership.deposit    rule:order.not-found-before-business
    deposit
    deposit    currency=USD
Another Owner's Wallet Cannot Be Withdrawn From
    [Tags]    rule:ownership.withdrawal    rule:order.not-found-before-business
    withdrawal
    withdrawal    amount=100000000
    withdrawal    currency=USD
Another Owner's History Cannot Be Read
    [Tags]    rule:ownership.history
    history
    history    limit=1
Another Owner's Wallet Cannot Be The Source Of A Transfer
    [Tags]    rule:ownership.transfer-source    rule:order.not-found-before-business
    transfer    intruder
    transfer    intruder    amount=100000000
    transfer    victim
    transfer    third owner


*** Keywords ***
Another Owners Wallet Should Be Answered As A Missing One
    [Documentation]    The intruder sends the request to the victim's wallet, then the same to an unknown
    ...    wallet id: both `404 WALLET_NOT_FOUND`, the same problem, no trace of the victim's owner in the
    ...    answer, and nothing changed for any wallet involved.
    [Arguments]    ${endpoint}    ${destination}=intruder    &{change}
    ${victim}    A Funded Wallet With A Transfer Destination    wait_for_events=${True}
    ${intruder}    A Wallet With Balance    5000
    ${request}    Intruder Request    ${victim}    ${intruder}    ${destination}    ${change}
    ${snapshot}    Take Ledger Snapshot Of    ${victim}[wallet]    ${victim}[destination]    ${intruder}
    ${foreign}    Request Endpoint    ${endpoint}    ${victim}    &{request}
    ${unknown}    An Unknown Id
    ${missing}    Request Endpoint    ${endpoint}    ${victim}    wallet=${unknown}    &{request}
    Answer Should Not Reveal The Wallet    ${foreign}    ${missing}    ${victim}
    Ledger Should Not Have Changed Since    ${snapshot}
    No Event Should Be Published    mentioning=${victim}[wallet][id]

Intruder Request
    [Documentation]    The arguments of `Request Endpoint` for the intruder: its owner id, the transfer
    ...    destination named by `destination` (`intruder`, `victim`, `third owner`) and the row's changes.
    [Arguments]    ${victim}    ${intruder}    ${destination}    ${change}
    VAR    &{destinations}    intruder=${intruder}    victim=${victim}[wallet]    third owner=${victim}[destination]
    VAR    &{request}    owner=${intruder}[owner_id]    destination=${destinations}[${destination}]    &{change}
    RETURN    ${request}

Answer Should Not Reveal The Wallet
    [Documentation]    The answer about another owner's wallet is `404 WALLET_NOT_FOUND`, the same problem as
    ...    the answer about an unknown wallet, and does not name the wallet's owner.
    [Arguments]    ${foreign}    ${missing}    ${victim}
    Response Should Be Problem    ${foreign}    404    WALLET_NOT_FOUND
    Responses Should Be The Same Problem    ${foreign}    ${missing}
    Should Not Contain    ${foreign.text}    ${victim}[owner]    msg=the 404 reveals the wallet's owner
