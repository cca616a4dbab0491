*** Settings ***
Documentation     Contract sections 2 and 7: an idempotent replay publishes no event. The first request publishes its
...               one event; the same request again is replayed and publishes nothing about the wallet.

Resource          ../../resources/messaging.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Replayed Request Should Publish No Second Event

Test Tags         rule:events.none-on-replay


*** Test Cases ***    REQUEST    STATUS    CHANGES
Replayed Withdrawal
    Request Withdrawal    201    amount=1200
Replayed Deposit
    Request Deposit    201    amount=800
Replayed Declined Deposit
    Request Deposit    402    payment_token=tok_decline_${RUN_ID}_replayed
