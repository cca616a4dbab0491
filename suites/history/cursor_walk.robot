*** Settings ***
Documentation     Following `next_cursor` (contract section 4) from the first page to the last (`next_cursor`
...               null) visits every transaction of the wallet exactly once, over more than two pages, and also
...               when new transactions are made while walking (none listed twice, none of the older skipped).

Resource          ../../resources/history.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:history.cursor-walk


*** Test Cases ***
Walking Pages Of 2 Visits Every Transaction Exactly Once
    [Documentation]    Nine transactions in pages of 2 (five pages): each exactly once, the last page has no cursor.
    [Tags]    rule:history.last-page
    ${wallet}    ${made}    A Wallet With Transactions    9
    ${walked}    All Transactions Of    ${wallet}    limit=2
    History Should Hold Each Exactly Once    ${walked}    ${made}

Walking Pages Of 1 Visits Every Transaction Exactly Once
    [Documentation]    Four transactions in pages of 1: each exactly once.
    ${wallet}    ${made}    A Wallet With Transactions    4
    ${walked}    All Transactions Of    ${wallet}    limit=1
    History Should Hold Each Exactly Once    ${walked}    ${made}

Transactions Made While Walking Do Not Repeat Or Hide Older Ones
    [Documentation]    A new withdrawal after the first page: the rest of the walk still lists every older
    ...    transaction exactly once (an offset-based cursor would list one twice).
    ${wallet}    ${made}    A Wallet With Transactions    7
    ${first}    Transaction History Of    ${wallet}    limit=3
    Withdraw From Wallet    ${wallet}    10
    ${walked}    Walk History From Page    ${wallet}    ${first}    limit=3
    History Should Hold Each Exactly Once    ${walked}    ${made}
