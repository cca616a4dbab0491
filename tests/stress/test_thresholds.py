"""The stress thresholds: a synthetic Locust stats CSV against loose and impossibly tight thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from WalletLibrary.context import Context
from WalletLibrary.keywords.load import LoadKeywords
from WalletLibrary.load import (
    LoadRun,
    error_rate_violations,
    latency_violations,
    profiles,
    read_stats_csv,
    throughput_violations,
)

# Exactly what Locust 2.47 writes to <prefix>_stats.csv (a real smoke run, rounded).
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)
ROWS = (
    "GET,GET /v1/wallets/{id},7,0,2,2.4,1.9,3.1,230,0.47,0.0,2,2,3,3,3,3,3,3,3,3,3",
    "GET,GET /v1/wallets/{id}/transactions,50,0,4,3.5,2.3,7.1,4690,3.34,0.0,4,4,4,4,4,4,7,7,7,7,7",
    "POST,POST /v1/transfers,53,0,7,7.3,4.5,12.8,250,3.54,0.0,7,8,8,9,9,10,10,13,13,13,13",
    "POST,POST /v1/wallets,13,0,5,6.9,2.4,23.8,209,0.87,0.0,5,7,8,9,9,24,24,24,24,24,24",
    "POST,POST /v1/wallets/{id}/deposits,75,2,12,12.6,7.5,35.0,345,5.0,0.13,12,13,14,14,15,18,20,35,35,35,35",
    "POST,POST /v1/wallets/{id}/withdrawals,48,0,7,7.1,3.8,17.0,322,3.2,0.0,7,7,8,8,9,9,17,17,17,17,17",
    ",Aggregated,246,2,7,7.9,1.9,35.0,1193,16.4,0.13,7,9,10,11,13,15,18,20,35,35,35",
)
TIGHT = {"max_error_rate": 0, "min_rps": 1_000_000, "latency_ms": {"*": {"p95": 1, "p99": 1}}}


@pytest.fixture
def stats_csv(tmp_path: Path) -> Path:
    path = tmp_path / "locust_stats.csv"
    path.write_text("\n".join((HEADER, *ROWS)) + "\n", encoding="utf-8")
    return path


def finished_run(stats_csv: Path, overrides: object) -> LoadKeywords:
    """The stress keywords with a run that has 'finished' with the synthetic statistics."""
    profile = profiles.resolve_profile("smoke")
    library = LoadKeywords(Context())
    library._run = LoadRun(
        run_id="selftest",
        profile=profile,
        thresholds=profiles.thresholds_for(profile, overrides),
        workers=0,
        output_dir=stats_csv.parent,
        stats=read_stats_csv(stats_csv),
    )
    return library


def test_the_default_thresholds_pass_a_healthy_run(stats_csv: Path) -> None:
    library = finished_run(stats_csv, None)
    library.latency_per_endpoint_should_be_within_thresholds()
    library.failed_requests_should_stay_within_the_error_budget()
    library.the_load_should_reach_the_minimum_throughput()


def test_impossibly_tight_latency_fails_naming_every_endpoint(stats_csv: Path) -> None:
    library = finished_run(stats_csv, json.dumps(TIGHT))
    with pytest.raises(AssertionError) as failure:
        library.latency_per_endpoint_should_be_within_thresholds()
    message = str(failure.value)
    for endpoint in profiles.ENDPOINTS:
        assert f"{endpoint}: p95 = " in message
        assert f"{endpoint}: p99 = " in message
    assert "POST /v1/wallets/{id}/deposits: p99 = 35 ms, expected <= 1 ms" in message


def test_impossibly_tight_error_rate_fails(stats_csv: Path) -> None:
    library = finished_run(stats_csv, TIGHT)
    with pytest.raises(AssertionError, match=r"error rate 0.81% \(2 of 246 requests\), expected <= 0.00%"):
        library.failed_requests_should_stay_within_the_error_budget()


def test_impossibly_high_minimum_throughput_fails(stats_csv: Path) -> None:
    library = finished_run(stats_csv, TIGHT)
    with pytest.raises(AssertionError, match=r"throughput 16.4 requests/s, expected >= 1e\+06 requests/s"):
        library.the_load_should_reach_the_minimum_throughput()


def test_an_endpoint_the_load_never_called_fails(stats_csv: Path) -> None:
    stats = read_stats_csv(stats_csv)
    del stats["POST /v1/transfers"]
    thresholds = profiles.thresholds_for(profiles.resolve_profile("smoke"))
    assert latency_violations(stats, thresholds) == [
        "POST /v1/transfers: no requests recorded, expected some (run longer or with more users)"
    ]


def test_a_named_endpoint_overrides_the_star(stats_csv: Path) -> None:
    overrides = {"latency_ms": {"*": {"p95": 1}, "POST /v1/wallets/{id}/deposits": {"p95": 100}}}
    thresholds = profiles.thresholds_for(profiles.resolve_profile("smoke"), overrides)
    problems = latency_violations(read_stats_csv(stats_csv), thresholds)
    assert not any(line.startswith("POST /v1/wallets/{id}/deposits: p95") for line in problems)
    assert any(line.startswith("POST /v1/transfers: p95") for line in problems)


def test_no_request_at_all_fails_error_rate_and_throughput() -> None:
    thresholds = profiles.thresholds_for(profiles.resolve_profile("smoke"))
    empty = {"Aggregated": {"Request Count": "0", "Failure Count": "0", "Requests/s": "0"}}
    assert error_rate_violations(empty, thresholds) == ["no request was recorded: the load generator sent nothing"]
    assert throughput_violations(empty, thresholds) == ["throughput 0.0 requests/s, expected >= 3 requests/s"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ("{not json", "STRESS_THRESHOLDS is not valid JSON"),
        ('["p95"]', "STRESS_THRESHOLDS must be a JSON object"),
        ('{"p95": 100}', "STRESS_THRESHOLDS has unknown keys ['p95']"),
    ],
)
def test_bad_thresholds_are_one_clear_line(overrides: str, message: str) -> None:
    with pytest.raises(profiles.ProfileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        profiles.thresholds_for(profiles.resolve_profile("smoke"), overrides)
