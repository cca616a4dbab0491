*** Settings ***
Documentation     Runs one load profile (`--profile NAME` of run.sh, default smoke) against the Wallet API
...               and checks the thresholds of the variables and that money is conserved under load.
...               Excluded from normal runs: `./run.sh ENV --stress [--profile NAME] [--workers N]`.

Resource          ../../resources/stress.resource

Suite Setup       The Chosen Load Profile Has Run
Suite Teardown    Release Test Run
# The checks of a long run (thousands of wallets and events) take longer than the root's 1 minute.
Test Timeout      15 minutes

Test Tags         stress


*** Test Cases ***
Latency Stays Within The Thresholds Of Every Endpoint
    [Documentation]    p95/p99 per endpoint from Locust's statistics against STRESS_THRESHOLDS.
    Latency Per Endpoint Should Be Within Thresholds

Errors Stay Within The Error Budget
    [Documentation]    5xx, timeouts and answers the contract does not allow count as errors.
    Failed Requests Should Stay Within The Error Budget

Throughput Reaches The Minimum
    [Documentation]    The generator drove at least the minimum requests per second.
    The Load Should Reach The Minimum Throughput

Every Touched Wallet Matches Its Ledger
    [Documentation]    Contract money rules: balance = ledger sum, no negative balance.
    Every Wallet The Load Touched Should Match Its Ledger

Money Is Conserved Across The Whole Run
    [Documentation]    Deposits - withdrawals (+ credits) = total balance change = what the API told the clients.
    Money Should Be Conserved Across The Run

Every Committed Change Publishes Exactly One Event
    [Documentation]    Contract section 7: one event per state change, none for rejected requests.
    Every Committed Change Should Have Published Exactly One Event
