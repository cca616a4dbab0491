*** Settings ***
Documentation    Auth (contract section 2): a token the wallet accepted while it was valid is refused once it has
...              expired: a service that remembers the tokens it verified must still look at `exp`. A service
...              may allow some clock skew past `exp` (`TOKEN_EXPIRY_LEEWAY`, 30 s by `contracts/limits.yaml`):
...              the test waits that long at most, and no longer than the service takes to refuse the token.

Resource         ../../resources/wallet.resource

Suite Setup      Prepare Test Run
Test Setup       Common Test Setup
Test Teardown    Common Test Teardown

Test Tags        rule:auth.expired-token


*** Test Cases ***
A Token Used While It Was Valid Is Refused Once It Has Expired
    [Documentation]    The owner reads the wallet with a token that expires in 2 s (200), then with the same
    ...    token until it is refused: 401 UNAUTHORIZED at the latest when it is older than the leeway.
    ${wallet}    A New Wallet
    Token Used While Valid Should Be Refused Once Expired    ${wallet}
