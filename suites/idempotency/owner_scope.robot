*** Settings ***
Documentation     Keys are scoped per owner (contract section 2): two owners using the same key both run, and
...               another owner sending the very same request with a used key is not served the stored answer.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:idempotency.scoped-per-owner


*** Test Cases ***
Two Owners Depositing With The Same Key Both Run
    [Documentation]    Both deposits run: 201, no replay, both wallets credited.
    [Template]    Same Key Of Two Owners Should Run Twice
    deposit

Two Owners Withdrawing With The Same Key Both Run
    [Documentation]    Both withdrawals run: 201, no replay, both wallets debited.
    [Template]    Same Key Of Two Owners Should Run Twice
    withdrawal

Two Owners Transferring With The Same Key Both Run
    [Documentation]    Both transfers run: 201, no replay, money moved twice.
    [Template]    Same Key Of Two Owners Should Run Twice
    transfer

Another Owner Repeating A Deposit With Its Key Is Not Served The Replay
    [Documentation]    The stored 201 is not served to another owner: 404, not a replay.
    [Template]    Another Owner Repeating The Request Should Not Get The Replay
    deposit

Another Owner Repeating A Transfer With Its Key Is Not Served The Replay
    [Documentation]    The stored 201 is not served to another owner: 404, not a replay.
    [Template]    Another Owner Repeating The Request Should Not Get The Replay
    transfer
