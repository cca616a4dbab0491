*** Settings ***
Documentation     Contract sections 4, 6 and 7 while the wallet cannot reach RabbitMQ (its own user's permissions
...               cleared and connections closed; the tests' connection is untouched): changes still commit, their
...               outbox rows stay unpublished, `/health` is `503 degraded` with the broker `down`, and once access
...               is back every event arrives (none lost) and the outbox is published. Destructive: serial phase
...               only; the teardown always gives the access back.

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource
Resource          ../../resources/outage.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Restore The Wallet's Dependencies

Test Tags         destructive


*** Test Cases ***
Changes Made While The Broker Is Unreachable Commit And Their Events Arrive Once It Is Back
    [Documentation]    A wallet created, a deposit and a withdrawal during the outage succeed; their outbox rows are
    ...    not marked published while no broker can confirm them; after reconnection each event arrives once.
    [Tags]    rule:resilience.broker-down-commits
    ...       rule:resilience.no-event-lost
    ...       rule:outbox.published-at
    ...       rule:outbox.row-per-change
    ...       rule:events.exactly-once
    ${wallet}    A Wallet With Balance    3000
    Cut The Wallet Off The Broker
    ${newcomer}    A New Wallet    wait_for_events=${False}
    ${deposit}    Deposit Into Wallet    ${wallet}    1500
    ${withdrawal}    Withdraw From Wallet    ${wallet}    500
    Outbox Should Hold Unpublished Rows For    ${newcomer}[id]    ${deposit}[id]    ${withdrawal}[id]
    Reconnect The Wallet To The Broker
    Wallet Created Event Should Be Published For    ${newcomer}
    Events Should Be Published Once For    ${deposit}    ${withdrawal}
    Outbox Should Be Fully Published For    ${wallet}    ${newcomer}    timeout=10

Health Reports The Broker Down While The Wallet Is Cut Off And Ok Once It Is Back
    [Documentation]    GET /health: 503, status degraded, broker down, database ok; then 200 ok after reconnection.
    [Tags]    rule:health.broker-down    rule:health.ok
    Cut The Wallet Off The Broker
    Health Should Report Degraded Because Of    broker
    Reconnect The Wallet To The Broker
    Health Should Report    broker    ok
    Wallet Api Should Be Healthy

A Credit Command Sent While The Wallet Is Cut Off Is Applied Once It Is Back
    [Documentation]    The command waits in the durable queue; once the wallet is back it is applied once.
    [Tags]    rule:commands.credit-applied    rule:resilience.no-event-lost
    ${wallet}    A New Wallet
    Cut The Wallet Off The Broker
    ${command}    Publish Credit Command For    ${wallet}    600
    Reconnect The Wallet To The Broker
    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    600
    Balance Should Be    ${wallet}    600
