*** Settings ***
Documentation    Ids are UUIDs (contract section 2): a body id that is not a UUID (`source_wallet_id`,
...              `destination_wallet_id` of a transfer) is `400 VALIDATION_ERROR` naming it (both when both are
...              wrong), and nothing moves. The transfer is otherwise valid, from the owner's funded wallet.

Resource         ../../resources/endpoints.resource
Resource         ../../resources/ledger.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Transfer With Body Ids That Are Not UUIDs Should Be Refused

Test Tags        rule:ids.body-not-uuid


*** Test Cases ***    NAMED FIELDS    CHANGE
Source Wallet Id That Is Not A UUID Is A Validation Error
    source_wallet_id    wallet=not-a-uuid
    source_wallet_id    source_wallet_id=${123}
    source_wallet_id    source_wallet_id=123e4567-e89b-12d3-a456-426614174000x
Destination Wallet Id That Is Not A UUID Is A Validation Error
    destination_wallet_id    destination=12345
    destination_wallet_id    destination_wallet_id=null
    destination_wallet_id    destination_wallet_id=00000000-0000-4000-8000-00000000000g
Both Wallet Ids That Are Not UUIDs Are Both Named
    [Tags]    rule:errors.validation-lists-every-field
    source_wallet_id,destination_wallet_id    wallet=source    destination=destination
    source_wallet_id,destination_wallet_id,amount    wallet=${EMPTY}    destination=x    amount=${10.0}


*** Keywords ***
Transfer With Body Ids That Are Not UUIDs Should Be Refused
    [Documentation]    The transfer with these changes is 400 VALIDATION_ERROR naming every field of
    ...    `named_fields` (comma-separated); the source wallet's ledger does not change.
    [Arguments]    ${named_fields}    &{change}
    ${fixture}    A Funded Wallet With A Transfer Destination    wait_for_outbox=${False}
    ${snapshot}    Take Ledger Snapshot Of    ${fixture}[wallet]    ${fixture}[destination]
    ${response}    Request Endpoint    transfer    ${fixture}    &{change}
    ${fields}    Evaluate    $named_fields.split(',')
    Response Should Be Validation Error Naming    ${response}    @{fields}
    Ledger Should Not Have Changed Since    ${snapshot}
