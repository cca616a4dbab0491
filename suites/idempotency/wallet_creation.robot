*** Settings ***
Documentation     `POST /v1/wallets` ignores the `Idempotency-Key` header (contract section 2): one key on several
...               wallet creations neither replays nor refuses them, even a key a money POST would refuse, and a
...               key sent with a wallet creation stays free for a money request.

Resource          ../../resources/idempotency.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown

Test Tags         rule:idempotency.wallet-create-ignores-key


*** Test Cases ***
Wallet Creations With One Key Are Neither Replayed Nor Refused
    [Documentation]    EUR then USD with one key: both created; EUR again with that key: 409 WALLET_EXISTS, no replay.
    ${owner}    A New Owner
    ${key}    A New Idempotency Key
    ${euro}    Request Wallet Creation    ${owner}    currency=EUR    idempotency_key=${key}
    ${dollar}    Request Wallet Creation    ${owner}    currency=USD    idempotency_key=${key}
    ${again}    Request Wallet Creation    ${owner}    currency=EUR    idempotency_key=${key}
    Response Status Should Be    ${euro}    201
    Response Status Should Be    ${dollar}    201
    Response Should Not Be A Replay    ${dollar}
    Response Should Be Problem    ${again}    409    WALLET_EXISTS

Wallet Creation Ignores A Key Of 256 Characters
    [Documentation]    A key a money POST would refuse (256 characters) does not stop a wallet creation.
    ${owner}    A New Owner
    ${key}    An Idempotency Key Of Length    256
    ${response}    Request Wallet Creation    ${owner}    currency=GBP    idempotency_key=${key}
    Response Status Should Be    ${response}    201
    Response Should Not Be A Replay    ${response}

Key Sent With A Wallet Creation Stays Free For A Deposit
    [Documentation]    The wallet creation stored nothing under the key: a deposit with it runs (201, no replay).
    ${owner}    A New Owner
    ${key}    A New Idempotency Key
    ${created}    Request Wallet Creation    ${owner}    currency=EUR    idempotency_key=${key}
    Response Status Should Be    ${created}    201
    ${deposit}    Request Deposit    ${created.json}    amount=1000    idempotency_key=${key}
    Response Status Should Be    ${deposit}    201
    Response Should Not Be A Replay    ${deposit}
    Balance Should Be    ${created.json}    1000
