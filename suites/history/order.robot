*** Settings ***
Documentation     The history of a wallet (contract section 4): `200 {"data": [...], "next_cursor": ...}` with the
...               wallet's own transactions of every kind, newest first (`created_at` descending, then `id`
...               descending), on one page and across pages; unknown and other owners' wallets are 404.

Resource          ../../resources/history.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
History Lists Every Kind Of Transaction Of The Wallet Newest First
    [Documentation]    Deposit, withdrawal, transfer out and transfer in: listed newest first, all of this wallet, one
    ...    page.
    [Tags]    rule:history.order    rule:history.page-shape
    ${wallet}    A New Wallet
    ${other}    A Wallet With Balance    3000
    ${deposit}    Deposit Into Wallet    ${wallet}    5000
    ${withdrawal}    Withdraw From Wallet    ${wallet}    1000
    ${sent}    Transfer Between Wallets    ${wallet}    ${other}    1500
    ${received}    Transfer Between Wallets    ${other}    ${wallet}    700
    ${page}    Transaction History Of    ${wallet}
    History Should List In Order    ${page}[data]    ${received}    ${sent}    ${withdrawal}    ${deposit}
    Every Transaction Should Belong To    ${page}[data]    ${wallet}
    Page Should Be The Last    ${page}

Failed And Pending Deposits Are Listed Newest First Too
    [Documentation]    A succeeded, a declined (failed) and a pending deposit: the pending one first, the succeeded one
    ...    last.
    [Tags]    rule:history.order
    ${wallet}    A New Wallet
    ${succeeded}    Deposit Into Wallet    ${wallet}    4000
    ${declining}    A Payment Token That    declines
    Request Deposit    ${wallet}    payment_token=${declining}
    ${pending}    A Payment Token That    stays pending
    Request Deposit    ${wallet}    payment_token=${pending}
    ${page}    Transaction History Of    ${wallet}
    Fields Should Match    ${page}[data][0]    status=pending    type=deposit
    Fields Should Match    ${page}[data][1]    status=failed    failure_code=card_declined
    Fields Should Match    ${page}[data][2]    id=${succeeded}[id]    status=succeeded

Newest First Holds Across Pages
    [Documentation]    Seven transactions walked in pages of 3: exactly the reverse of the order they were made in.
    [Tags]    rule:history.order    rule:history.cursor-walk
    ${wallet}    ${made}    A Wallet With Transactions    7
    ${walked}    All Transactions Of    ${wallet}    limit=3
    History Should List In Order    ${walked}    @{made}[::-1]

History Of An Unknown Wallet Is 404
    [Documentation]    A random wallet id: 404 WALLET_NOT_FOUND.
    [Tags]    rule:history.unknown-wallet
    ${owner}    A New Owner
    ${unknown}    An Unknown Id
    History Should Be Not Found    ${unknown}    ${owner}

History Of Another Owner's Wallet Is 404 Exactly Like An Unknown Wallet
    [Documentation]    No existence leak: the same problem as for a random id.
    [Tags]    rule:history.unknown-wallet    rule:ownership.history
    ${wallet}    A Wallet With Balance    1000
    ${intruder}    A New Owner    intruder
    ${unknown}    An Unknown Id
    ${foreign}    History Should Be Not Found    ${wallet}    ${intruder}
    ${missing}    History Should Be Not Found    ${unknown}    ${intruder}
    Responses Should Be The Same Problem    ${foreign}    ${missing}

History Of A Wallet Id That Is Not A UUID Is 404
    [Documentation]    A path id that is not a UUID: 404 WALLET_NOT_FOUND, never 400 or 500.
    [Tags]    rule:history.unknown-wallet    rule:ids.path-wallet-not-uuid
    ${owner}    A New Owner
    History Should Be Not Found    not-a-wallet-id    ${owner}
