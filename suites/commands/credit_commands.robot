*** Settings ***
Documentation     Contract section 7, commands in: a valid `credit.requested` on `wallet.commands` credits the wallet
...               (a `credit` transaction, succeeded) and publishes `credit.applied` with `command_id`, once per command
...               id however often it is delivered. The topology is the contract's.

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
A Credit Command Credits The Wallet And Publishes Credit Applied
    [Documentation]    One succeeded credit transaction of the amount, the balance credited, one credit.applied with
    ...    the command id, transaction id and balance_after, one outbox row; the command is not dead-lettered.
    [Tags]    rule:commands.credit-applied
    ...       rule:events.credit-applied
    ...       rule:events.exactly-once
    ...       rule:outbox.row-per-change
    ${wallet}    A Wallet With Balance    1000
    ${command}    Publish Credit Command For    ${wallet}    750
    ${event}    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    750
    ${credit}    Latest Transaction Of    ${wallet}
    Fields Should Match    ${credit}    type=credit    status=succeeded    amount=750    balance_after=1750
    Event Data Should Match    ${event}    transaction_id=${credit}[id]    balance_after=1750
    Balance Should Be    ${wallet}    1750
    Outbox Should Hold One Row For    ${credit}[id]    credit.applied
    Command Should Not Be Dead Lettered    ${command}[id]

A Credit Delivered Three Times At Once Is Applied Once
    [Documentation]    The same command (same id) published three times in a row: one credit, one event.
    [Tags]    rule:commands.once-per-id    rule:events.exactly-once
    ${wallet}    A Wallet With Balance    1000
    ${command}    Publish Credit Command For    ${wallet}    300
    Publish Command Message    ${command}
    Publish Command Message    ${command}
    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    300
    Balance Should Be    ${wallet}    1300
    Transaction Rows Of Wallet Should Be    ${wallet}    1    type=credit

A Credit Delivered Again After It Was Applied Is Not Applied Again
    [Documentation]    The command is applied, then delivered again: no second credit and no second event.
    [Tags]    rule:commands.once-per-id    rule:events.exactly-once
    ${wallet}    A New Wallet
    ${command}    Publish Credit Command For    ${wallet}    400
    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    400
    Publish Command Message    ${command}
    No Event Should Be Published    credit.applied    command_id=${command}[id]
    Balance Should Be    ${wallet}    400
    Transaction Rows Of Wallet Should Be    ${wallet}    1    type=credit

A Second Command With An Applied Command Id Is Not Applied
    [Documentation]    Once per command id: another credit under the id of an applied one credits nothing.
    [Tags]    rule:commands.once-per-id
    ${wallet}    A New Wallet
    ${command}    Publish Credit Command For    ${wallet}    400
    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    400
    Publish Credit Command For    ${wallet}    900    command_id=${command}[id]
    No Event Should Be Published    credit.applied    command_id=${command}[id]
    Balance Should Be    ${wallet}    400
    Transaction Rows Of Wallet Should Be    ${wallet}    1    type=credit

The Broker Topology Is The Contract's
    [Documentation]    Durable topic exchanges wallet.events and wallet.commands, durable queue wallet.commands bound
    ...    with # and dead-lettering to the fanout wallet.commands.dlx, bound to the durable wallet.commands.dlq.
    [Tags]    rule:commands.topology    rule:events.exchange
    Wallet Topology Should Be Declared On The Broker
