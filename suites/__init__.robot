*** Settings ***
Documentation     Integration suites of the Wallet API contract v1 (`contracts/wallet-api-contract.md`).
...
...               Before a single request: the production guard (`Environment Should Be Safe For Tests`),
...               then the wallet's and the gateway mock's `/health` within `${HEALTH_TIMEOUT}`. Every test
...               is stopped after its `Test Timeout`. Each suite sets `Test Setup    Common Test Setup` and
...               `Test Teardown    Common Test Teardown` (resources/common.resource) so that every test
...               listens for events on its own queue.
Metadata          Contract    Wallet API v1 (contracts/wallet-api-contract.md)
Metadata          Environment    ${ENVIRONMENT}
Metadata          Run id    ${RUN_ID}

Resource          ../resources/common.resource

Suite Setup       Prepare Test Run
Suite Teardown    Release Test Run
Test Timeout      1 minute
