*** Settings ***
Documentation     `payment_token` (contract section 4) is a required string of 1-255 characters: a 255-character
...               token is charged at the gateway as sent; an empty or 256-character token, or one that is not a
...               string, is `400 VALIDATION_ERROR` naming `payment_token`, with no charge and nothing changed.

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Payment Token Should Be Answered

Test Tags         rule:validation.payment-token


*** Test Cases ***    STATUS    TOKEN    LENGTH
Payment Token Of 255 Characters Is Accepted
    201    length=255
Payment Token Of 256 Characters Is Rejected
    400    length=256
Empty Payment Token Is Rejected
    400    token=${EMPTY}
Numeric Payment Token Is Rejected
    400    token=${12345}
Boolean Payment Token Is Rejected
    400    token=${True}
Null Payment Token Is Rejected
    400    token=${None}
