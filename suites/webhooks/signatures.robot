*** Settings ***
Documentation     Webhook signatures (contract section 4): `X-Gateway-Signature: sha256=<hex HMAC-SHA256 of the
...               raw body with GATEWAY_WEBHOOK_SECRET>`. A wrong, missing or malformed signature is
...               401 INVALID_SIGNATURE and changes nothing, even for a real pending charge; the signature is
...               checked before anything else, so a badly signed webhook is 401 whatever its body.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Badly Signed Webhook Should Change Nothing

Test Tags         rule:money.rejection-changes-nothing


*** Test Cases ***    SIGNATURE
Wrongly Signed Webhook Is 401 INVALID_SIGNATURE And Leaves The Deposit Pending
    [Tags]    rule:webhooks.invalid-signature
    invalid
Webhook Without Signature Is 401 INVALID_SIGNATURE And Leaves The Deposit Pending
    [Tags]    rule:webhooks.missing-signature
    missing
Webhook With A Signature Header Not In The sha256 Form Is 401 INVALID_SIGNATURE
    [Tags]    rule:webhooks.invalid-signature
    malformed
