*** Settings ***
Documentation     Deposits the gateway declines (402, contract sections 4 and 5): 402 PAYMENT_DECLINED, the
...               transaction recorded `failed` with `failure_code` = the gateway's `decline_code`, the balance
...               unchanged, exactly one charge and one `deposit.failed` event.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Declined Deposit Should Be Recorded As Failed

Test Tags    rule:deposits.declined
...          rule:events.deposit-failed
...          rule:gateway.charge-request
...          rule:gateway.idempotency-key
...          rule:gateway.no-retry
...          rule:resources.balance-after


*** Test Cases ***    TOKEN BEHAVIOUR    DECLINE CODE
Card Declined Is 402 PAYMENT_DECLINED With failure_code card_declined
    declines    card_declined
Insufficient Funds Is 402 PAYMENT_DECLINED With failure_code insufficient_funds
    lacks funds    insufficient_funds
Any Other Decline Code Of The Gateway Becomes The failure_code
    ${NONE}    expired_card
