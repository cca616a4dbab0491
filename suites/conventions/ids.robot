*** Settings ***
Documentation    Ids are UUIDs (contract section 2): a path id that is not a UUID gets that resource's 404
...              (`WALLET_NOT_FOUND` on every wallet endpoint, `TRANSACTION_NOT_FOUND` on transactions),
...              never a 400 or a 500; every request is otherwise valid, by the owner of a funded wallet.

Resource         ../../resources/endpoints.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Path Id That Is Not A UUID Should Be Not Found


*** Test Cases ***    ENDPOINT    ID    CODE
Wallet Id That Is Not A UUID Is Wallet Not Found On Every Wallet Endpoint
    [Tags]    rule:ids.path-wallet-not-uuid
    get wallet    not-a-uuid    WALLET_NOT_FOUND
    get wallet    12345    WALLET_NOT_FOUND
    get wallet    00000000-0000-4000-8000-00000000000g    WALLET_NOT_FOUND
    get wallet    123e4567-e89b-12d3-a456-4266141740000    WALLET_NOT_FOUND
    get wallet    1' OR '1'='1    WALLET_NOT_FOUND
    get wallet    ${{ 'a' * 200 }}    WALLET_NOT_FOUND
    deposit    not-a-uuid    WALLET_NOT_FOUND
    withdrawal    12345    WALLET_NOT_FOUND
    history    00000000-0000-4000-8000-00000000000g    WALLET_NOT_FOUND
    history    1' OR '1'='1    WALLET_NOT_FOUND
Transaction Id That Is Not A UUID Is Transaction Not Found
    [Tags]    rule:ids.path-transaction-not-uuid
    transaction    not-a-uuid    TRANSACTION_NOT_FOUND
    transaction    12345    TRANSACTION_NOT_FOUND
    transaction    00000000-0000-4000-8000-00000000000g    TRANSACTION_NOT_FOUND
    transaction    123e4567-e89b-12d3-a456-4266141740000    TRANSACTION_NOT_FOUND
    transaction    1' OR '1'='1    TRANSACTION_NOT_FOUND


*** Keywords ***
Path Id That Is Not A UUID Should Be Not Found
    [Documentation]    The endpoint, asked for this id (as the wallet or the transaction), answers the 404
    ...    problem `code`.
    [Arguments]    ${endpoint}    ${id}    ${code}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_outbox=${False}
    ${response}    Request Endpoint    ${endpoint}    ${fixture}    wallet=${id}    transaction_id=${id}
    Response Should Be An Rfc 9457 Problem    ${response}    404    ${code}
