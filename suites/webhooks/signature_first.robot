*** Settings ***
Documentation    The webhook's signature is checked first (contract section 4): a badly signed or unsigned
...              webhook is 401 INVALID_SIGNATURE even when its body would be a 404 (unknown charge) or a 400
...              (not JSON, invalid fields).

Resource         ../../resources/money_movements.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown
Test Template    Webhook Signature Should Be Checked First

Test Tags        rule:webhooks.signature-first


*** Test Cases ***    SIGNATURE    BODY
Wrongly Signed Webhook For An Unknown Charge Is 401 Not 404
    [Tags]    rule:webhooks.invalid-signature
    invalid    {"charge_id": "ch_unknown_${RUN_ID}", "status": "succeeded", "failure_code": null}
Unsigned Webhook For An Unknown Charge Is 401 Not 404
    [Tags]    rule:webhooks.missing-signature
    missing    {"charge_id": "ch_unknown_${RUN_ID}", "status": "failed", "failure_code": "card_declined"}
Wrongly Signed Webhook That Is Not JSON Is 401 Not 400
    [Tags]    rule:webhooks.invalid-signature
    invalid    {"charge_id": "ch_unknown
Unsigned Webhook That Is Not JSON Is 401 Not 400
    [Tags]    rule:webhooks.missing-signature
    missing    not json at all
Wrongly Signed Webhook With Invalid Fields Is 401 Not 400
    [Tags]    rule:webhooks.invalid-signature
    invalid    {"charge_id": 42, "status": "refunded"}
