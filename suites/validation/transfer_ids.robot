*** Settings ***
Documentation     Ids (contract section 2) are UUIDs: a transfer whose `source_wallet_id` or `destination_wallet_id`
...               is not a UUID is `400 VALIDATION_ERROR` naming that field (not a 404), and nothing changes.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Bad Field Should Be Rejected

Test Tags         rule:ids.body-not-uuid


*** Test Cases ***    OPERATION    FIELD    VALUE
Source Wallet Id That Is Not A UUID Is Rejected
    transfer    source_wallet_id    not-a-uuid
Source Wallet Id That Is A Number Is Rejected
    transfer    source_wallet_id    ${42}
Source Wallet Id That Is Null Is Rejected
    transfer    source_wallet_id    ${None}
Destination Wallet Id That Is Not A UUID Is Rejected
    transfer    destination_wallet_id    wallet-1
Destination Wallet Id That Is A Truncated UUID Is Rejected
    transfer    destination_wallet_id    0f8fad5b-d9cb-469f-a165
Destination Wallet Id That Is Empty Is Rejected
    transfer    destination_wallet_id    ${EMPTY}
