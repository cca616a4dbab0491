#!/usr/bin/env python3
"""The conclusion of this job's previous result, for the "green again" message (standard library only).

Called by the result job of .github/workflows/integration-tests.yml. It looks at the job itself, not at the
workflow run: under workflow_call the run belongs to the caller, whose other jobs (build, lint, ...) can fail
for their own reasons. So:

1. this job is found in the current run's jobs by RUNNER_NAME (its full name, e.g. "integration-tests /
   Integration tests result" when called, tells two calls of the workflow apart);
2. the completed runs of the same workflow on the same branch are read newest first, skipping this run;
3. the first of them that has a job of that name concluded success or failure gives the answer; runs where
   it was cancelled or skipped (e.g. the caller's build failed) or absent are passed over.

Prints `conclusion=success|failure|` (empty: unknown, or no earlier result) and appends it to --github-output.
Never fails the job: API errors are one `::warning::` line and an empty conclusion. The token (GH_TOKEN or
GITHUB_TOKEN, needs actions: read) is never printed.

Exit codes: 0 done (whatever was found); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

RESULTS = ("success", "failure")
Fetch = Callable[[str, dict[str, str]], dict[str, Any]]


class ApiError(Exception):
    """The API did not give what is needed; the message is one line."""


def github_fetch(api: str, token: str, timeout: float) -> Fetch:
    """A GET of the GitHub REST API returning the decoded JSON."""

    def fetch(path: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{api.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(  # noqa: S310 - https API URL from the runner's environment
            url,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.load(response)
        except (OSError, ValueError) as error:
            raise ApiError(f"GET {path} failed: {error}") from None

    return fetch


def run_jobs(fetch: Fetch, repo: str, run_id: str) -> list[dict[str, Any]]:
    """Every job of the latest attempt of a run (up to 300)."""
    jobs: list[dict[str, Any]] = []
    for page in range(1, 4):
        answer = fetch(f"/repos/{repo}/actions/runs/{run_id}/jobs", {"per_page": "100", "page": str(page)})
        jobs += answer.get("jobs", [])
        if len(jobs) >= int(answer.get("total_count", 0)):
            break
    return jobs


def own_job_name(fetch: Fetch, repo: str, run_id: str, runner: str) -> str:
    """The name of the job of the current run that runs on this runner."""
    for job in run_jobs(fetch, repo, run_id):
        if job.get("runner_name") == runner and job.get("status") == "in_progress":
            return str(job["name"])
    raise ApiError(f"no in-progress job of run {run_id} runs on runner {runner!r}")


def previous_conclusion(
    fetch: Fetch, repo: str, run_id: str, runner: str, branch: str, max_runs: int = 10
) -> tuple[str, str]:
    """(conclusion, explanation): the previous result of this job on `branch` ("" when there is none)."""
    name = own_job_name(fetch, repo, run_id, runner)
    workflow_id = fetch(f"/repos/{repo}/actions/runs/{run_id}", {})["workflow_id"]
    runs = fetch(
        f"/repos/{repo}/actions/workflows/{workflow_id}/runs",
        {"branch": branch, "status": "completed", "per_page": str(max_runs + 1)},
    ).get("workflow_runs", [])
    for run in runs:
        if str(run.get("id")) == str(run_id):
            continue
        for job in run_jobs(fetch, repo, str(run["id"])):
            if job.get("name") == name and job.get("conclusion") in RESULTS:
                return str(job["conclusion"]), f"'{name}' of run {run['id']} on {branch}: {job['conclusion']}"
    return "", f"no earlier '{name}' with a result on {branch}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/ci/previous_result.py",
        description="Print conclusion=success|failure| of this job's previous result on a branch (GitHub API).",
        epilog="Environment: GITHUB_REPOSITORY, GITHUB_RUN_ID, RUNNER_NAME, GH_TOKEN or GITHUB_TOKEN, GITHUB_API_URL.",
    )
    parser.add_argument("--branch", required=True, help="branch whose runs are compared (e.g. github.head_ref)")
    parser.add_argument("--github-output", metavar="FILE", help="also append conclusion=... to FILE ($GITHUB_OUTPUT)")
    parser.add_argument("--max-runs", type=int, default=10, help="earlier runs to look at (default: 10)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per API call (default: 10)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None, fetch: Fetch | None = None) -> int:
    args = parse_args(argv)
    env = os.environ if env is None else env
    needed = ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "RUNNER_NAME")
    missing = [name for name in needed if not env.get(name)]
    token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN", "")
    conclusion = ""
    if missing or not (token or fetch):
        print(f"::warning::previous result unknown: {', '.join(missing) or 'GH_TOKEN'} not set")
    else:
        fetch = fetch or github_fetch(env.get("GITHUB_API_URL", "https://api.github.com"), token, args.timeout)
        try:
            conclusion, why = previous_conclusion(
                fetch, env["GITHUB_REPOSITORY"], env["GITHUB_RUN_ID"], env["RUNNER_NAME"], args.branch, args.max_runs
            )
            print(f"Previous result: {why}")
        except (ApiError, OSError, ValueError, KeyError, TypeError) as error:
            print(f"::warning::previous result unknown (no recovery message): {error}")
    print(f"conclusion={conclusion}")
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as handle:
            handle.write(f"conclusion={conclusion}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
