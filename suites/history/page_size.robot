*** Settings ***
Documentation     Page size (contract section 4): `limit` 1-100 bounds a page, 20 by default; `next_cursor` leads to
...               the rest and is null on the last page. TRANSACTIONS on a fresh wallet; LIMIT `${NONE}` sends
...               no `limit`; NEXT PAGE is the size of the page `next_cursor` leads to, `none` when the first
...               page is the last.

Resource          ../../resources/history.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     History Page Should Hold


*** Test Cases ***    TRANSACTIONS    LIMIT    FIRST PAGE    NEXT PAGE
Limit 1 Returns One Transaction And A Cursor
    [Tags]    rule:history.limit-bounds
    3    1    1    1
Limit 100 Bounds A History Of 101 Transactions
    [Tags]    rule:history.limit-bounds
    101    100    100    1
Limit 100 Returns A Shorter History On One Page
    [Tags]    rule:history.limit-bounds    rule:history.last-page
    4    100    4    none
Default Limit Is 20
    [Tags]    rule:history.limit-default
    21    ${NONE}    20    1
Default Limit Returns A Shorter History On One Page
    [Tags]    rule:history.limit-default    rule:history.last-page
    6    ${NONE}    6    none
Limit 4 Leaves A Partial Last Page
    [Tags]    rule:history.limit-bounds
    6    4    4    2
