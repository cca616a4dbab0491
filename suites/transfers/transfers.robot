*** Settings ***
Documentation     Transfers (contract section 4): 201 transfer; one `transfer_out` on the source and one
...               `transfer_in` on the destination with the same `transfer_id`, each naming the other wallet as
...               counterparty; both balances move together; one `transfer.succeeded` event and no other; the
...               destination may belong to anyone (here always another owner: one wallet per owner and currency).

Resource          ../../resources/money_movements.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:transfers.succeeded    rule:transfers.legs    rule:money.transfer-atomic


*** Test Cases ***
Transfer To Another Owner's Wallet Moves The Money With Paired Legs And One Event
    [Documentation]    10000 -> 300 by 4000: the transfer, balances 6000 and 4300, paired legs with their
    ...    `balance_after`, the transfers row, exactly one `transfer.succeeded` and no other event.
    [Tags]    rule:resources.counterparty
    ...       rule:ownership.transfer-destination-any-owner
    ...       rule:events.transfer-succeeded
    ...       rule:events.exactly-once
    ...       rule:resources.balance-after
    ${source}    A Wallet With Balance    10000
    ${destination}    A Wallet With Balance    300
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    4000
    Balance Should Be    ${source}    6000
    Balance Should Be    ${destination}    4300
    Transfer Legs Should Pair Up    ${transfer}    ${source}    ${destination}    6000    4300
    Transfer Row Should Match    ${transfer}
    Transfer Succeeded Event Should Be Published For    ${transfer}
    No Other Event Should Mention    ${source}    ${destination}
    Ledger Should Reconcile For    ${source}    ${destination}

Transferring The Whole Balance Empties The Source
    [Documentation]    2500 -> 0 by 2500 in GBP: source 0, destination 2500, the legs paired.
    [Tags]    rule:money.no-negative-balance    rule:money.balance-equals-ledger
    ${source}    A Wallet With Balance    2500    currency=GBP
    ${destination}    A New Wallet    currency=GBP
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    2500    currency=GBP
    Fields Should Match    ${transfer}    currency=GBP
    Balance Should Be    ${source}    0
    Balance Should Be    ${destination}    2500
    Transfer Legs Should Pair Up    ${transfer}    ${source}    ${destination}    0    2500
    Ledger Should Reconcile For    ${source}    ${destination}

Transfers Both Ways Keep Every Balance, Leg And Event Consistent
    [Documentation]    A -> B 1000 by A's owner, then B -> A 400 by B's owner: each transfer has its own legs
    ...    and one event, balances 3400 and 600, money conserved.
    [Tags]    rule:money.balance-equals-ledger    rule:events.transfer-succeeded
    ${first_wallet}    A Wallet With Balance    4000
    ${second_wallet}    A New Wallet
    ${there}    Transfer Between Wallets    ${first_wallet}    ${second_wallet}    1000
    ${back}    Transfer Between Wallets    ${second_wallet}    ${first_wallet}    400
    Transfer Legs Should Pair Up    ${back}    ${second_wallet}    ${first_wallet}    600    3400
    Balance Should Be    ${first_wallet}    3400
    Balance Should Be    ${second_wallet}    600
    Events Should Be Published Once For    ${there}    ${back}
    Ledger Rows Should Match    ${there}    ${back}
    Ledger Should Reconcile For    ${first_wallet}    ${second_wallet}
