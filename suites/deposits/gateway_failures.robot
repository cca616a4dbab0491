*** Settings ***
Documentation     Gateway failures (contract sections 4 and 5): any 5xx is 502 GATEWAY_ERROR, no answer within
...               `GATEWAY_TIMEOUT_MS` is 504 GATEWAY_TIMEOUT; either way the deposit is recorded `failed`, the
...               balance is unchanged and one `deposit.failed` event is published. The wallet never retries:
...               the `once` rows make only the first charge fail, so a retry would have succeeded.
...               The `failure_code` of these failures is not asserted (the contract does not name it).

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Gateway Failure Should Fail The Deposit

Test Tags    rule:gateway.no-retry
...          rule:events.deposit-failed
...          rule:gateway.charge-request
...          rule:resources.balance-after


*** Test Cases ***    GATEWAY ANSWER    PROBLEM
Gateway 500 Is 502 GATEWAY_ERROR
    [Tags]    rule:deposits.gateway-error
    500 always    502 GATEWAY_ERROR
Gateway 502 Is 502 GATEWAY_ERROR And Is Not Retried
    [Tags]    rule:deposits.gateway-error
    502 once    502 GATEWAY_ERROR
Gateway 503 Is 502 GATEWAY_ERROR And Is Not Retried
    [Tags]    rule:deposits.gateway-error
    503 once    502 GATEWAY_ERROR
Gateway 504 Is 502 GATEWAY_ERROR And Is Not Retried
    [Tags]    rule:deposits.gateway-error
    504 once    502 GATEWAY_ERROR
No Gateway Answer Within GATEWAY_TIMEOUT_MS Is 504 GATEWAY_TIMEOUT
    [Tags]    rule:deposits.gateway-timeout
    no answer always    504 GATEWAY_TIMEOUT
No Gateway Answer In Time Is 504 GATEWAY_TIMEOUT And Is Not Retried
    [Tags]    rule:deposits.gateway-timeout
    no answer once    504 GATEWAY_TIMEOUT
