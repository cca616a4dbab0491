*** Settings ***
Documentation     Unknown JSON fields are ignored (contract section 2), even when named like a resource field: the
...               request succeeds exactly as without them (the wallet belongs to the token's owner with balance
...               0; money moves by the requested amount only).

Resource          ../../resources/validation.resource

Suite Setup       Prepare Test Run
Suite Teardown    Ledger Should Reconcile For This Suite
Test Setup        Common Test Setup
Test Teardown     Common Test Teardown
Test Template     Unknown Fields Should Be Ignored

Test Tags         rule:validation.unknown-fields-ignored


*** Test Cases ***    OPERATION    UNKNOWN FIELDS
Wallet Creation Ignores Unknown Fields
    wallet    balance=${999999}    owner_id=someone-else    note=hello
Deposit Ignores Unknown Fields
    deposit    note=hello    balance=${999999}    status=failed
Withdrawal Ignores Unknown Fields
    withdrawal    note=hello    balance_after=${0}
Transfer Ignores Unknown Fields
    transfer    note=hello    status=failed
