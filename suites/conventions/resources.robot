*** Settings ***
Documentation     Resources (contract section 3) as every endpoint answers them: a transaction has all its
...               fields, `balance_after` is the balance right after a succeeded transaction and null otherwise,
...               `counterparty_wallet_id` names the other wallet on transfer legs and is null elsewhere, a
...               transfer has its fields and status `succeeded`; a transaction reads back the same through
...               `GET /v1/transactions/{id}` and the history (`created_at` is only checked to be RFC 3339:
...               the contract does not fix its precision).

Resource          ../../resources/endpoints.resource
Resource          ../../resources/gateway.resource
Resource          ../../resources/ledger.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:resources.balance-after


*** Variables ***
@{TRANSACTION_FIELDS}
...                      id    wallet_id    type    status    amount    currency    balance_after    transfer_id
...                      counterparty_wallet_id    gateway_charge_id    failure_code


*** Test Cases ***
Succeeded Deposit Is A Complete Transaction That Reads Back The Same
    [Documentation]    A 201 deposit of 1050 into a wallet holding 2000: every transaction field, balance_after
    ...    3050, no transfer fields, a gateway charge id, no failure code; the same through GET and history.
    [Tags]    rule:resources.transaction-shape    rule:resources.counterparty    rule:transactions.get
    ${wallet}    A Wallet With Balance    2000    currency=GBP
    ${deposit}    Deposit Into Wallet    ${wallet}    1050
    Fields Should Match    ${deposit}    currency=GBP    balance_after=${3050}    transfer_id=null
    ...    counterparty_wallet_id=null    failure_code=null
    Should Not Be Equal    ${deposit}[gateway_charge_id]    ${NONE}    msg=a succeeded deposit has a gateway charge id
    Transaction Should Read Back The Same    ${deposit}    ${wallet}

Succeeded Withdrawals Carry The Balance Right After Each
    [Documentation]    5000, then withdrawals of 1200 and 800: balance_after 3800 then 3000, as the wallet shows.
    [Tags]    rule:resources.transaction-shape    rule:resources.counterparty
    ${wallet}    A Wallet With Balance    5000
    ${first}    Withdraw From Wallet    ${wallet}    1200
    ${second}    Withdraw From Wallet    ${wallet}    800
    Fields Should Match    ${first}    balance_after=${3800}    transfer_id=null    counterparty_wallet_id=null
    Fields Should Match    ${second}    balance_after=${3000}    transfer_id=null    counterparty_wallet_id=null
    Balance Should Be    ${wallet}    3000
    Transaction Should Read Back The Same    ${second}    ${wallet}

Declined Deposit Has No Balance After
    [Documentation]    A declined deposit is recorded failed with balance_after null; the balance is unchanged.
    [Tags]    rule:resources.transaction-shape
    ${wallet}    A Wallet With Balance    1000
    ${declining}    A Payment Token That    declines
    Request Deposit    ${wallet}    payment_token=${declining}
    ${failed}    Latest Transaction Of    ${wallet}
    Fields Should Match    ${failed}    type=deposit    status=failed    balance_after=null
    Balance Should Be    ${wallet}    1000

Pending Deposit Has No Balance After
    [Documentation]    A deposit the gateway leaves pending (202) has balance_after null, in the answer and in the
    ...    history; the balance is unchanged.
    [Tags]    rule:resources.transaction-shape
    ${wallet}    A Wallet With Balance    1000
    ${pending}    A Payment Token That    stays pending
    ${accepted}    Request Deposit    ${wallet}    amount=700    payment_token=${pending}
    Fields Should Match    ${accepted.json}    status=pending    amount=700    balance_after=null
    ${latest}    Latest Transaction Of    ${wallet}
    Fields Should Match    ${latest}    id=${accepted.json}[id]    status=pending    balance_after=null
    Balance Should Be    ${wallet}    1000

Transfer Is A Complete Resource With Two Legs Naming Each Other
    [Documentation]    1500 from a wallet holding 4000 to one holding 500: the transfer's fields with status
    ...    succeeded; the transfer_out leg (balance_after 2500) names the destination, the transfer_in leg
    ...    (balance_after 2000) names the source, both with the transfer's id.
    [Tags]    rule:resources.transfer-shape    rule:resources.counterparty
    ${source}    A Wallet With Balance    4000
    ${destination}    A Wallet With Balance    500
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    1500
    Fields Should Match    ${transfer}    currency=EUR    status=succeeded
    Transfer Leg Should Be    ${source}    transfer_out    ${transfer}    ${destination}    2500
    Transfer Leg Should Be    ${destination}    transfer_in    ${transfer}    ${source}    2000


*** Keywords ***
Transaction Should Read Back The Same
    [Documentation]    `GET /v1/transactions/{id}` (as the wallet's owner) and the newest history entry agree
    ...    with the transaction on every contract field.
    [Arguments]    ${transaction}    ${wallet}
    ${read}    Get Transaction    ${transaction}[id]    ${wallet}[owner_id]
    Objects Should Agree On    ${read}    ${transaction}    @{TRANSACTION_FIELDS}
    ${latest}    Latest Transaction Of    ${wallet}
    Objects Should Agree On    ${latest}    ${transaction}    @{TRANSACTION_FIELDS}

Transfer Leg Should Be
    [Documentation]    The newest transaction of `wallet` is the `type` leg of the transfer, naming `other` as
    ...    counterparty, with the transfer's amount and currency and this balance_after.
    [Arguments]    ${wallet}    ${type}    ${transfer}    ${other}    ${balance_after}
    ${leg}    Latest Transaction Of    ${wallet}
    Fields Should Match    ${leg}    type=${type}    status=succeeded    amount=${transfer}[amount]
    ...    currency=${transfer}[currency]    transfer_id=${transfer}[id]    counterparty_wallet_id=${other}[id]
    ...    balance_after=${balance_after}    wallet_id=${wallet}[id]
