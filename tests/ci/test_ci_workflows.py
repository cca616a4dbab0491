"""Guards of .github/workflows and of the caller snippets in docs/ci.md (parsed YAML, no network).

What a real caller of the reusable workflow (the wallet team's pull request) would otherwise hit first:
permissions that never reach a job, artifact names shared with the caller's run, pinned-by-major actions,
a dashboard that turns a green run red, dropped main commits, a recovery message judged on the wrong run,
and more stress workers than the library accepts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
MAIN = WORKFLOWS / "integration-tests.yml"
STRESS = WORKFLOWS / "stress.yml"
DOC = REPO_ROOT / "docs" / "ci.md"
LEVELS = {"none": 0, "read": 1, "write": 2}
PREFIX = "${{ needs.plan.outputs.artifact-prefix }}-"
# The only keywords GitHub allows in a job that calls a reusable workflow (reusable workflows reference).
CALLING_JOB_KEYS = {"name", "uses", "with", "secrets", "strategy", "needs", "if", "concurrency", "permissions"}
FULL_VERSION = re.compile(r"@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on") or workflow.get(True) or {}  # YAML 1.1 reads a bare `on` as True


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])]


def step(workflow: dict[str, Any], step_id: str) -> dict[str, Any]:
    found = [s for _job, s in steps(workflow) if s.get("id") == step_id]
    assert len(found) == 1, f"expected one step with id {step_id}"
    return found[0]


def effective_permissions(workflow: dict[str, Any], job_id: str) -> dict[str, str]:
    """The job's `permissions` if set, else the workflow's: one key replaces the whole default set."""
    job = workflow["jobs"][job_id]
    permissions = job.get("permissions", workflow.get("permissions"))
    assert permissions is not None, f"job {job_id} has no permissions: the default token's depend on the caller"
    return dict(permissions)


def grants(given: dict[str, str], wanted: dict[str, str]) -> list[str]:
    """The wanted permissions that `given` does not cover."""
    return [f"{k}: {v}" for k, v in wanted.items() if LEVELS[given.get(k, "none")] < LEVELS[v]]


def union_of_job_permissions(workflow: dict[str, Any]) -> dict[str, str]:
    union: dict[str, str] = {}
    for job_id in workflow["jobs"]:
        for key, level in effective_permissions(workflow, job_id).items():
            if LEVELS[level] > LEVELS[union.get(key, "none")]:
                union[key] = level
    return union


# --- permissions (finding 2) -------------------------------------------------------------------------------


def test_the_test_job_can_read_packages() -> None:
    workflow = load(MAIN)
    test_job = effective_permissions(workflow, "test")
    assert test_job.get("packages") in ("read", "write"), (
        f"the test job's token has {test_job}: without packages: read it cannot pull a private ghcr.io image"
    )
    assert effective_permissions(workflow, "report").get("actions") == "read", "the result job reads earlier runs"


def caller_jobs() -> list[tuple[int, str, dict[str, Any]]]:
    """(block number, job id, job) of every job in docs/ci.md's YAML blocks that calls integration-tests.yml."""
    blocks = re.findall(r"```ya?ml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    found = []
    for number, block in enumerate(blocks, start=1):
        document = yaml.safe_load(block)
        if isinstance(document, dict) and isinstance(document.get("jobs"), dict):
            for job_id, job in document["jobs"].items():
                if str(job.get("uses", "")).split("@")[0].endswith("/.github/workflows/integration-tests.yml"):
                    found.append((number, job_id, job))
    return found


def test_docs_have_the_three_caller_snippets() -> None:
    calls = caller_jobs()
    assert len(calls) >= 3, "docs/ci.md needs caller snippets for a public, a private ghcr.io and a same-run image"
    assert any("wallet-image-artifact" in (job.get("with") or {}) for _n, _i, job in calls), "no same-run image"


@pytest.mark.parametrize("block,job_id,job", caller_jobs(), ids=lambda v: v if isinstance(v, str) else None)
def test_caller_snippet_grants_what_the_called_jobs_ask_for(block: int, job_id: str, job: dict[str, Any]) -> None:
    """GitHub refuses to start a caller whose job grants less than a called job asks for."""
    workflow = load(MAIN)
    extra = set(job) - CALLING_JOB_KEYS
    assert not extra, f"docs/ci.md YAML block {block}, job {job_id}: a calling job cannot use {sorted(extra)}"
    missing = grants(job.get("permissions") or {}, union_of_job_permissions(workflow))
    assert not missing, f"docs/ci.md YAML block {block}, job {job_id}: add permissions {missing}"
    call = triggers(workflow)["workflow_call"]
    unknown = set(job.get("with") or {}) - set(call["inputs"]) | set(job.get("secrets") or {}) - set(call["secrets"])
    assert not unknown, f"docs/ci.md YAML block {block}, job {job_id}: unknown inputs/secrets {sorted(unknown)}"


# --- artifact names (finding 3) ----------------------------------------------------------------------------


def artifact_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (job_id, s)
        for job_id, s in steps(workflow)
        if re.match(r"actions/(upload|download)-artifact@", str(s.get("uses", "")))
    ]


def test_every_artifact_name_carries_the_caller_settable_prefix() -> None:
    workflow = load(MAIN)
    call = triggers(workflow)["workflow_call"]
    assert "artifact-prefix" in call["inputs"], "workflow_call needs an artifact-prefix input"
    plan = step(workflow, "plan")
    assert "inputs.artifact-prefix" in plan["env"]["ARTIFACT_PREFIX"]
    assert "steps.plan.outputs.artifact-prefix" in workflow["jobs"]["plan"]["outputs"]["artifact-prefix"]
    names = []
    for job_id, s in artifact_steps(workflow):
        for key in ("name", "pattern"):
            value = str((s.get("with") or {}).get(key, ""))
            if not value or re.fullmatch(r"\$\{\{ inputs\.[\w-]+ \}\}", value):
                continue  # nothing, or an artifact the caller names itself (its wallet image)
            names.append(value)
            assert value.startswith(PREFIX), f"{job_id}: artifact {key} {value!r} must start with {PREFIX}"
    assert len(names) >= 4, f"expected the shard, merged-report and dashboard artifacts, got {names}"


def test_cache_keys_are_per_call_and_per_attempt() -> None:
    keys = [
        str((s.get("with") or {}).get("key", ""))
        for _j, s in steps(load(MAIN))
        if str(s.get("uses", "")).startswith("actions/cache")
    ]
    assert keys, "no cache step"
    for key in keys:
        assert "env.PREFIX" in key and "github.run_attempt" in key, f"cache key {key!r}: immutable, so per call+attempt"


# --- dashboard (finding 4) ---------------------------------------------------------------------------------


def test_the_dashboard_never_decides_the_check() -> None:
    workflow = load(MAIN)
    build = step(workflow, "dashboard")
    assert build.get("continue-on-error") is True, "a corrupt cached history must not turn a green run red"
    assert "rm -rf results/dashboard" in build["run"], "an unreadable history must be replaced, not restored again"
    for _job, s in steps(workflow):
        if str(s.get("uses", "")).startswith(("actions/cache/save", "actions/cache@")):
            assert s.get("continue-on-error") is True, "saving the history must not fail the check"


# --- concurrency (finding 5) -------------------------------------------------------------------------------


def test_every_main_commit_gets_a_result() -> None:
    concurrency = load(MAIN)["concurrency"]
    group = concurrency["group"]
    assert "github.run_id" in group and "github.event_name == 'pull_request'" in group, (
        f"group {group!r}: outside pull requests each run needs its own group (GitHub cancels older pending runs)"
    )
    assert "inputs.artifact-prefix" in group, "two calls in one caller run must not cancel each other"
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert not re.search(r"pushes to `?main`? queue", DOC.read_text(encoding="utf-8")), "docs/ci.md: no queueing"


# --- recovery message (finding 9) --------------------------------------------------------------------------


def test_the_recovery_message_follows_this_jobs_previous_result() -> None:
    previous = step(load(MAIN), "previous")
    assert "scripts/ci/previous_result.py" in previous["run"], (
        "the previous result must be this job's (scripts/ci/previous_result.py), not the caller's workflow run"
    )
    assert "GH_TOKEN" in previous["env"]


# --- actions pinned ----------------------------------------------------------------------------------------


def all_uses() -> list[tuple[str, str]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        workflow = load(path)
        found += [(path.name, str(job["uses"])) for job in workflow["jobs"].values() if "uses" in job]
        found += [(path.name, str(s["uses"])) for _j, s in steps(workflow) if "uses" in s]
    return found


def test_every_action_is_pinned_to_a_full_version() -> None:
    loose = [
        f"{name}: {uses}" for name, uses in all_uses() if not uses.startswith("./") and not FULL_VERSION.search(uses)
    ]
    assert not loose, "pin every action to vX.Y.Z or a commit SHA:\n" + "\n".join(loose)


# --- stress workers (finding 8) ----------------------------------------------------------------------------


def test_the_stress_workflow_accepts_exactly_the_workers_the_library_accepts() -> None:
    source = (REPO_ROOT / "libraries" / "WalletLibrary" / "load.py").read_text(encoding="utf-8")
    limit = re.search(r"^MAX_WORKERS = (\d+)", source, re.M)
    assert limit, "libraries/WalletLibrary/load.py: the STRESS_WORKERS limit (MAX_WORKERS) moved; update this guard"
    check = step_run(load(STRESS), "Check the inputs")
    pattern = re.search(r'"\$WORKERS" =~ (\S+) \]\]', check)
    assert pattern, "the stress workflow must validate the workers input"
    accepted = [n for n in range(0, 200) if re.fullmatch(pattern.group(1), str(n))]
    assert accepted == list(range(1, int(limit.group(1)) + 1)), f"workers accepted: {accepted[0]}..{accepted[-1]}"


def step_run(workflow: dict[str, Any], name: str) -> str:
    return next(str(s["run"]) for _j, s in steps(workflow) if s.get("name") == name)
