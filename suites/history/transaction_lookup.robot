*** Settings ***
Documentation     `GET /v1/transactions/{id}` (contract section 4): `200` with the transaction when it belongs to
...               one of the caller's wallets, otherwise exactly `404 TRANSACTION_NOT_FOUND` (another owner's
...               transaction is answered like an unknown id; each leg of a transfer belongs to its own wallet).

Resource          ../../resources/history.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Own Deposit Is Returned As It Was Created
    [Documentation]    GET /v1/transactions/{id} of an own deposit: 200 with the same transaction.
    [Tags]    rule:transactions.get
    ${wallet}    A New Wallet
    ${deposit}    Deposit Into Wallet    ${wallet}    2500
    ${found}    Get Transaction    ${deposit}[id]    ${wallet}[owner_id]
    Transaction Should Be As Returned    ${found}    ${deposit}

Transactions Of Each Of The Caller's Wallets Are Returned
    [Documentation]    An owner with an EUR and a USD wallet reads the transactions of both.
    [Tags]    rule:transactions.get
    ${euro}    A New Wallet    EUR
    ${dollar}    A Wallet With Balance    3000    USD    owner=${euro}[owner_id]
    ${deposit}    Deposit Into Wallet    ${euro}    1200
    ${withdrawal}    Withdraw From Wallet    ${dollar}    800
    ${found_deposit}    Get Transaction    ${deposit}[id]    ${euro}[owner_id]
    ${found_withdrawal}    Get Transaction    ${withdrawal}[id]    ${euro}[owner_id]
    Transaction Should Be As Returned    ${found_deposit}    ${deposit}
    Transaction Should Be As Returned    ${found_withdrawal}    ${withdrawal}

Each Leg Of A Transfer Is Returned Only To Its Own Wallet's Owner
    [Documentation]    The transfer_out leg to the source owner, the transfer_in leg to the destination owner; each is
    ...    404 to the other.
    [Tags]    rule:transactions.get    rule:transactions.get-unknown    rule:ownership.transaction-get
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    Transfer Between Wallets    ${source}    ${destination}    1500
    ${sent}    ${received}    Latest Legs Of Transfer Between    ${source}    ${destination}
    ${found_sent}    Get Transaction    ${sent}[id]    ${source}[owner_id]
    ${found_received}    Get Transaction    ${received}[id]    ${destination}[owner_id]
    Transaction Should Be As Returned    ${found_sent}    ${sent}
    Transaction Should Be As Returned    ${found_received}    ${received}
    Transaction Lookup Should Be Not Found    ${received}[id]    ${source}[owner_id]
    Transaction Lookup Should Be Not Found    ${sent}[id]    ${destination}[owner_id]

Failed Deposit Is Returned With Its Failure
    [Documentation]    A declined deposit reads back as failed with failure_code card_declined and no balance_after.
    [Tags]    rule:transactions.get
    ${wallet}    A New Wallet
    ${declining}    A Payment Token That    declines
    Request Deposit    ${wallet}    payment_token=${declining}
    ${failed}    Latest Transaction Of    ${wallet}
    ${found}    Get Transaction    ${failed}[id]    ${wallet}[owner_id]
    Transaction Should Be As Returned    ${found}    ${failed}
    Fields Should Match    ${found}    status=failed    failure_code=card_declined    balance_after=null

Unknown Transaction Id Is 404
    [Documentation]    A random transaction id: 404 TRANSACTION_NOT_FOUND.
    [Tags]    rule:transactions.get-unknown
    ${owner}    A New Owner
    ${unknown}    An Unknown Id
    Transaction Lookup Should Be Not Found    ${unknown}    ${owner}

Another Owner's Transaction Is 404 Exactly Like An Unknown Id
    [Documentation]    No existence leak: the same problem as for a random id.
    [Tags]    rule:transactions.get-unknown    rule:ownership.transaction-get
    ${wallet}    A New Wallet
    ${deposit}    Deposit Into Wallet    ${wallet}    1000
    ${intruder}    A New Owner    intruder
    ${unknown}    An Unknown Id
    ${foreign}    Transaction Lookup Should Be Not Found    ${deposit}[id]    ${intruder}
    ${missing}    Transaction Lookup Should Be Not Found    ${unknown}    ${intruder}
    Responses Should Be The Same Problem    ${foreign}    ${missing}

Transaction Id That Is Not A UUID Is 404
    [Documentation]    A path id that is not a UUID: 404 TRANSACTION_NOT_FOUND, never 400 or 500.
    [Tags]    rule:transactions.get-unknown    rule:ids.path-transaction-not-uuid
    ${owner}    A New Owner
    Transaction Lookup Should Be Not Found    not-a-transaction-id    ${owner}
