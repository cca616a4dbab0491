*** Settings ***
Documentation     Contract section 7: every state change publishes exactly one event on `wallet.events`, routed by
...               its type, persistent JSON with `message_id` = event id and `type` = event type, valid against its
...               schema and carrying the change's data; it is written to the outbox first and `published_at` is
...               set once the broker confirmed it. (Every event received is checked against the schema, the AMQP
...               properties, the exchange and the routing key by the event keywords.)

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown


*** Test Cases ***
Creating A Wallet Publishes One Wallet Created Event
    [Documentation]    wallet.created with the wallet id, its owner and currency; one outbox row, published.
    [Tags]    rule:events.wallet-created
    ...       rule:events.exchange
    ...       rule:events.routing-key
    ...       rule:events.properties
    ...       rule:events.envelope
    ...       rule:events.exactly-once
    ...       rule:outbox.row-per-change
    ...       rule:outbox.published-at
    ${wallet}    A New Wallet    currency=GBP    wait_for_events=${False}
    Wallet Created Event Should Be Published For    ${wallet}
    Outbox Should Hold One Row For    ${wallet}[id]    wallet.created
    Outbox Should Be Fully Published For    ${wallet}    timeout=10

A Succeeded Deposit Publishes One Deposit Succeeded Event
    [Documentation]    deposit.succeeded with wallet, owner, transaction, amount, currency and balance_after.
    [Tags]    rule:events.deposit-succeeded
    ...       rule:events.routing-key
    ...       rule:events.properties
    ...       rule:events.envelope
    ...       rule:events.exactly-once
    ...       rule:outbox.row-per-change
    ...       rule:outbox.published-at
    ${wallet}    A Wallet With Balance    2000
    ${deposit}    Deposit Into Wallet    ${wallet}    3500
    ${event}    Deposit Succeeded Event Should Be Published For    ${wallet}    ${deposit}
    Event Data Should Match    ${event}    balance_after=5500
    Outbox Should Hold One Row For    ${deposit}[id]    deposit.succeeded
    Outbox Should Be Fully Published For    ${wallet}    timeout=10

A Withdrawal Publishes One Withdrawal Succeeded Event
    [Documentation]    withdrawal.succeeded with wallet, owner, transaction, amount, currency and balance_after; no
    ...    other event about the withdrawal.
    [Tags]    rule:events.withdrawal-succeeded
    ...       rule:events.routing-key
    ...       rule:events.properties
    ...       rule:events.envelope
    ...       rule:events.exactly-once
    ...       rule:outbox.row-per-change
    ${wallet}    A Wallet With Balance    5000
    ${withdrawal}    Withdraw From Wallet    ${wallet}    1200
    ${event}    Withdrawal Succeeded Event Should Be Published For    ${wallet}    ${withdrawal}
    Event Data Should Match    ${event}    balance_after=3800
    No Event Should Be Published    mentioning=${withdrawal}[id]
    Outbox Should Hold One Row For    ${withdrawal}[id]    withdrawal.succeeded

A Transfer Publishes One Transfer Succeeded Event And None Per Leg
    [Documentation]    One transfer.succeeded with transfer id, both wallets, amount and currency; the legs publish
    ...    nothing of their own (no event about either wallet besides the transfer's).
    [Tags]    rule:events.transfer-succeeded
    ...       rule:events.routing-key
    ...       rule:events.properties
    ...       rule:events.envelope
    ...       rule:events.exactly-once
    ...       rule:outbox.row-per-change
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    ${transfer}    Transfer Between Wallets    ${source}    ${destination}    2000
    Transfer Succeeded Event Should Be Published For    ${transfer}
    No Event Should Be Published    mentioning=${source}[id]
    No Event Should Be Published    mentioning=${destination}[id]
    Outbox Should Hold One Row For    ${transfer}[id]    transfer.succeeded

Creating A Wallet That Exists Publishes No Event
    [Documentation]    409 WALLET_EXISTS is a rejection: no second wallet.created, nothing about the owner.
    [Tags]    rule:events.none-on-rejection    rule:outbox.row-per-change
    ${wallet}    A New Wallet
    ${response}    Request Wallet Creation    ${wallet}[owner_id]    currency=${wallet}[currency]
    Response Should Be Problem    ${response}    409    WALLET_EXISTS
    No Event Should Be Published    mentioning=${wallet}[owner_id]
    Outbox Should Hold One Row For    ${wallet}[id]    wallet.created

A Replayed Transfer Publishes No Second Event
    [Documentation]    The same transfer request again is a replay: no second transfer.succeeded, nothing else.
    [Tags]    rule:events.none-on-replay    rule:events.exactly-once
    ${source}    A Wallet With Balance    5000
    ${destination}    A New Wallet
    ${response}    Request Transfer    ${source}    ${destination}    amount=2000
    Response Status Should Be    ${response}    201
    Transfer Succeeded Event Should Be Published For    ${response.json}
    ${replay}    Repeat Request    ${response}
    Response Should Be A Replay Of    ${replay}    ${response}
    No Event Should Be Published    mentioning=${source}[id]
    Outbox Should Hold One Row For    ${response.json}[id]    transfer.succeeded
