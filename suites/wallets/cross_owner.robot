*** Settings ***
Documentation     Ownership beyond wallet ids: a transaction of another owner's wallet is answered exactly as a
...               missing one (`404 TRANSACTION_NOT_FOUND`), also for the two legs of a transfer between two
...               owners; the destination of a transfer may belong to anyone; a deposit into another owner's
...               wallet never reaches the gateway.

Resource          ../../resources/endpoints.resource
Resource          ../../resources/events.resource
Resource          ../../resources/gateway.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Another Owner's Transaction Is Answered As A Missing One
    [Documentation]    `GET /v1/transactions/{id}` of another owner's deposit: 404 TRANSACTION_NOT_FOUND, the
    ...    same problem as for an unknown id, without the owner's id; the owner still reads it.
    [Tags]    rule:ownership.transaction-get    rule:transactions.get-unknown    rule:transactions.get
    ${victim}    A Funded Wallet With A Transfer Destination    balance=2500
    ${intruder}    A New Owner    intruder
    ${unknown}    An Unknown Id
    ${foreign}    Request Transaction    ${victim}[transaction_id]    ${intruder}
    ${missing}    Request Transaction    ${unknown}    ${intruder}
    Response Should Be Problem    ${foreign}    404    TRANSACTION_NOT_FOUND
    Responses Should Be The Same Problem    ${foreign}    ${missing}
    Should Not Contain    ${foreign.text}    ${victim}[owner]    msg=the 404 reveals the transaction's owner
    ${transaction}    Get Transaction    ${victim}[transaction_id]    ${victim}[owner]
    Fields Should Match    ${transaction}    wallet_id=${victim}[wallet][id]    type=deposit    amount=2500

Transfer To Another Owner's Wallet Succeeds
    [Documentation]    The destination of a transfer may belong to anyone: 201, the source debited, the other
    ...    owner's wallet credited (read by its owner), one `transfer.succeeded`.
    [Tags]    rule:ownership.transfer-destination-any-owner    rule:transfers.succeeded
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    Should Not Be Equal    ${source}[owner_id]    ${destination}[owner_id]
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    1500
    Balance Should Be    ${source}    3500
    Balance Should Be    ${destination}    1500
    Transfer Succeeded Event Should Be Published For    ${transfer}
    Ledger Should Reconcile For    ${source}    ${destination}

Each Leg Of A Transfer Between Two Owners Is Visible Only To Its Own Wallet's Owner
    [Documentation]    The `transfer_out` leg belongs to the source wallet and the `transfer_in` leg to the
    ...    destination: each owner reads their own leg and gets 404 TRANSACTION_NOT_FOUND for the other one.
    [Tags]    rule:ownership.transaction-get    rule:ownership.transfer-destination-any-owner
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    Transfer Between Wallets    ${source}    ${destination}    1000
    ${out}    Latest Transaction Of    ${source}
    ${in}    Latest Transaction Of    ${destination}
    Transaction Should Be Visible Only To    ${out}    ${source}[owner_id]    ${destination}[owner_id]
    Transaction Should Be Visible Only To    ${in}    ${destination}[owner_id]    ${source}[owner_id]

Deposit Into Another Owner's Wallet Never Reaches The Gateway
    [Documentation]    The 404 comes before the business outcome: the gateway receives no charge for the
    ...    intruder's payment token and the victim's ledger does not change.
    [Tags]    rule:ownership.deposit    rule:order.not-found-before-business
    ${victim}    A Wallet With Balance    3000
    ${intruder}    A New Wallet    label=intruder
    ${payment_token}    A Payment Token That    succeeds
    ${snapshot}    Take Ledger Snapshot Of    ${victim}
    ${response}    Request Deposit    ${victim}    owner=${intruder}[owner_id]    payment_token=${payment_token}
    Response Should Be Problem    ${response}    404    WALLET_NOT_FOUND
    Gateway Should Have Been Charged    ${payment_token}    0
    Ledger Should Not Have Changed Since    ${snapshot}


*** Keywords ***
Transaction Should Be Visible Only To
    [Documentation]    `owner` reads the transaction (200, the same one); `other` gets 404 TRANSACTION_NOT_FOUND.
    [Arguments]    ${transaction}    ${owner}    ${other}
    ${read}    Get Transaction    ${transaction}[id]    ${owner}
    Objects Should Agree On    ${read}    ${transaction}    id    wallet_id    type    amount    transfer_id
    ${response}    Request Transaction    ${transaction}[id]    ${other}
    Response Should Be Problem    ${response}    404    TRANSACTION_NOT_FOUND
