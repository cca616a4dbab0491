*** Settings ***
Documentation     The wallet's own database connections disturbed (its role's backends terminated, or its role denied
...               login; the tests' connections are untouched): the next requests and commands succeed after a kill,
...               and `/health` is `503 degraded` with the database `down` while the wallet cannot log in, ok again
...               afterwards. Destructive: serial phase only; the teardown always gives the access back.

Resource          ../../resources/wallet.resource
Resource          ../../resources/ledger.resource
Resource          ../../resources/events.resource
Resource          ../../resources/outage.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Restore The Wallet's Dependencies

Test Tags         destructive    rule:resilience.database-reconnect


*** Test Cases ***
Requests Right After The Wallet's Database Connections Are Killed Succeed
    [Documentation]    After each kill the very next request succeeds: a read, a deposit, a transfer; their events
    ...    are published and /health is ok.
    ${wallet}    A Wallet With Balance    3000
    ${destination}    A New Wallet
    Kill The Wallet Database Connections
    Balance Should Be    ${wallet}    3000
    Kill The Wallet Database Connections
    ${deposit}    Deposit Into Wallet    ${wallet}    1000
    Kill The Wallet Database Connections
    ${transfer}    Transfer Between Wallets    ${wallet}    ${destination}    1500
    Events Should Be Published Once For    ${deposit}    ${transfer}
    Wallet Api Should Be Healthy

A Credit Command Right After The Database Connections Are Killed Is Applied
    [Documentation]    The command consumer survives the kill: the next credit is applied once.
    [Tags]    rule:commands.credit-applied
    ${wallet}    A New Wallet
    Kill The Wallet Database Connections
    ${command}    Publish Credit Command For    ${wallet}    900
    Credit Applied Event Should Be Published For    ${wallet}    ${command}[id]    900
    Balance Should Be    ${wallet}    900
    Transaction Rows Of Wallet Should Be    ${wallet}    1    type=credit

Health Reports The Database Down While The Wallet Cannot Log In And Recovers
    [Documentation]    GET /health: 503, status degraded, database down, broker ok; after login is allowed again
    ...    200 ok, and money moves again.
    [Tags]    rule:health.database-down    rule:health.ok
    Cut The Wallet Off The Database
    Health Should Report Degraded Because Of    database
    Reconnect The Wallet To The Database
    Health Should Report    database    ok
    Wallet Api Should Be Healthy
    ${wallet}    A Wallet With Balance    2500
    Withdraw From Wallet    ${wallet}    1000
