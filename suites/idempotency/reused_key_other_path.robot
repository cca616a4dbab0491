*** Settings ***
Documentation     The same owner, key and body on another path is `422 IDEMPOTENCY_KEY_REUSED` (contract section 2),
...               and idempotency comes before `404` and the business checks: the very same body re-sent with the
...               key to the owner's USD wallet, to another owner's wallet or to an unknown wallet is refused as a
...               reused key (not a replay, not a 404, not a currency mismatch) and changes nothing.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Reused Key On Another Path Should Be Refused

Test Tags         rule:idempotency.reused-other-path


*** Test Cases ***    OPERATION    OTHER PATH
Deposit Key Reused On The Owner's Other Wallet Is Refused
    deposit    own wallet in USD
Withdrawal Key Reused On The Owner's Other Wallet Is Refused
    withdrawal    own wallet in USD
Deposit Key Reused On An Unknown Wallet Is Refused Before 404
    [Tags]    rule:order.idempotency-before-not-found
    deposit    unknown wallet
Withdrawal Key Reused On Another Owner's Wallet Is Refused Before 404
    [Tags]    rule:order.idempotency-before-not-found
    withdrawal    foreign wallet
