*** Settings ***
Documentation    Runtime (contract sections 1, 6, 7): the running implementation has created its schema in the
...              database and declared its RabbitMQ topology, and `GET /health` reports both dependencies ok.

Resource         ../../resources/endpoints.resource
Resource         ../../resources/events.resource
Resource         ../../resources/ledger.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown


*** Test Cases ***
Schema Of Section 6 Exists In The Database
    [Documentation]    wallets, transactions, transfers, idempotency_keys, outbox and processed_commands with
    ...    their columns, types and keys, in the public schema of the wallet's database.
    [Tags]    rule:runtime.schema-created
    Wallet Schema Should Exist In The Database

Topology Of Section 7 Is Declared On The Broker
    [Documentation]    wallet.events, wallet.commands (+ queue), wallet.commands.dlx and wallet.commands.dlq.
    [Tags]    rule:runtime.topology-declared    rule:commands.topology
    Wallet Topology Should Be Declared On The Broker

Health Reports Database And Broker Ok
    [Documentation]    200 `{"status": "ok", "checks": {"database": "ok", "broker": "ok"}}` as JSON.
    [Tags]    rule:health.ok    rule:http.json-content-type
    ${response}    Request Health
    Response Status Should Be    ${response}    200
    Response Should Be Json    ${response}
    Fields Should Match    ${response.json}    status=ok
    Fields Should Match    ${response.json}[checks]    database=ok    broker=ok
