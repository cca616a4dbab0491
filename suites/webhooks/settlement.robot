*** Settings ***
Documentation     The gateway's webhook settles a pending deposit (contract section 4): `succeeded` credits
...               the balance and publishes `deposit.succeeded`, `failed` sets the webhook's `failure_code`,
...               credits nothing and publishes `deposit.failed`. A correctly signed webhook for a charge the
...               wallet does not know is 404 CHARGE_NOT_FOUND.

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Succeeded Webhook Settles The Pending Deposit And Credits The Balance
    [Documentation]    200; the deposit becomes `succeeded` with `balance_after` and its charge id, the balance
    ...    is credited once, one `deposit.succeeded` event, the ledger reconciles.
    [Tags]    rule:webhooks.settle-succeeded
    ...       rule:events.deposit-succeeded
    ...       rule:resources.balance-after
    ...       rule:money.balance-equals-ledger
    ${wallet}    A Wallet With Balance    1000
    ${payment_token}    A Payment Token That    stays pending
    ${pending}    Deposit Pending At The Gateway    ${wallet}    600    ${payment_token}
    ${charge_id}    Charge Id Of Last Gateway Charge    ${payment_token}
    ${settled}    Pending Deposit Settled By Webhook    ${wallet}    ${pending}    ${payment_token}    status=succeeded
    Fields Should Match    ${settled}    amount=600    balance_after=1600    gateway_charge_id=${charge_id}
    Balance Should Be    ${wallet}    1600
    Deposit Succeeded Event Should Be Published For    ${wallet}    ${settled}
    Transaction Row Should Match    ${settled}
    Ledger Should Reconcile For    ${wallet}

Failed Webhook Settles The Pending Deposit As Failed With Its failure_code And No Credit
    [Documentation]    200; the deposit becomes `failed` with the webhook's `failure_code` and no `balance_after`,
    ...    the balance is unchanged, one `deposit.failed` event repeats the failure code.
    [Tags]    rule:webhooks.settle-failed
    ...       rule:events.deposit-failed
    ...       rule:resources.balance-after
    ...       rule:money.balance-equals-ledger
    ${wallet}    A Wallet With Balance    1000
    ${payment_token}    A Payment Token That    stays pending
    ${pending}    Deposit Pending At The Gateway    ${wallet}    600    ${payment_token}
    ${settled}    Pending Deposit Settled By Webhook    ${wallet}    ${pending}    ${payment_token}    status=failed
    ...    failure_code=card_expired
    Fields Should Match    ${settled}    amount=600    failure_code=card_expired    balance_after=null
    Balance Should Be    ${wallet}    1000
    Deposit Failed Event Should Be Published For    ${wallet}    ${settled}
    Transaction Row Should Match    ${settled}
    Ledger Should Reconcile For    ${wallet}

Correctly Signed Webhook For An Unknown Charge Is 404 CHARGE_NOT_FOUND
    [Documentation]    Both settlement outcomes for a charge id no deposit has.
    [Tags]    rule:webhooks.charge-not-found
    ${charge_id}    An Unknown Id
    ${succeeded}    Send Webhook To Wallet    ch_unknown_${charge_id}    status=succeeded
    Response Should Be Problem    ${succeeded}    404    CHARGE_NOT_FOUND
    ${failed}    Send Webhook To Wallet    ch_unknown_${charge_id}    status=failed    failure_code=card_declined
    Response Should Be Problem    ${failed}    404    CHARGE_NOT_FOUND
