"""Sharded runs of the suites: split the tests over N runs (CI: N runners), then merge them into one report.

(`scripts/shard.sh ...`, what the workflow calls, is the same as `./run.sh shard ...`.)

  scripts/shard.sh [local] [--shards N] [--env ENV] [--compare] [-- RUN.SH OPTIONS...]
      The whole sharded path on this machine: shard 1..N one after the other (each is `./run.sh ENV` with the
      shard filter), then the merge into results/ENV/<UTC timestamp>/ (+ results/ENV/latest). --compare also
      runs the same suites unsharded and checks that the merged report has the same totals and tests (exit 1
      when not; that run is kept in results/shards/<stamp>/unsharded/). Default: 2 shards, ENV ci.
  scripts/shard.sh run INDEX TOTAL [--env ENV] [-- RUN.SH OPTIONS...]
      One shard (what each CI matrix job runs): `./run.sh ENV` keeping only the tests of shard INDEX.
  scripts/shard.sh merge [--env ENV] PATH...
      Merge the shards' output.xml files (PATH: a file, or a directory searched for output.xml, skipping
      `latest` links and `.parts`) into results/ENV/<UTC timestamp>/ and point results/ENV/latest at it.
      Flaky tests stay tagged `flaky`; the merged report names them in its metadata.

Sharding is deterministic: scripts/ci/shard_filter.py (a pre-run modifier) keeps the tests whose
crc32(long name) % TOTAL == INDEX-1, in both phases, so every test runs in exactly one shard. The local path
moves each shard's results to results/shards/<stamp>/shard-I-of-N/ (ignored by the dashboard).
Exit status: 0 every test passed (and, with --compare, the totals match); 1 a test failed, a shard produced
no results, or the comparison found a difference; 2 bad usage.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from runner import ROOT, results_root, shown
from runner.options import BadInput, pop_value, positive

FILTER = ROOT / "scripts" / "ci" / "shard_filter.py"


def parse(args: list[str]) -> dict:
    """{'command', 'env', 'shards', 'index', 'compare', 'paths', 'run_args'}. Raises BadInput."""
    items = list(args)
    command = items.pop(0) if items and not items[0].startswith("-") else "local"
    if command not in ("local", "run", "merge"):
        raise BadInput(f"unknown shard command '{command}': use local (default), run or merge (./run.sh shard --help)")
    found = {"command": command, "env": "ci", "shards": 2, "index": 0, "compare": False, "paths": [], "run_args": []}
    if command == "run":
        if len(items) < 2:
            raise BadInput("usage: ./run.sh shard run INDEX TOTAL [--env ENV] [-- RUN.SH OPTIONS...]")
        found["index"], found["shards"] = items.pop(0), items.pop(0)
        if not (found["index"].isdigit() and found["shards"].isdigit()) or not 1 <= int(found["index"]) <= int(
            found["shards"]
        ):
            raise BadInput(
                f"INDEX and TOTAL must be integers with 1 <= INDEX <= TOTAL, got '{found['index']}' '{found['shards']}'"
            )
        found["index"], found["shards"] = int(found["index"]), int(found["shards"])
    while items:
        item = items.pop(0)
        key, _, attached = item.partition("=")
        if key in ("--env", "--shards"):
            value = pop_value(key, attached, items)
            if key == "--env":
                found["env"] = value
            elif command == "local":
                found["shards"] = positive("--shards", value)
            else:
                raise BadInput(f"--shards belongs to the local path, not to '{command}'")
        elif item == "--compare" and command == "local":
            found["compare"] = True
        elif item == "--" and command != "merge":
            found["run_args"] = items
            break
        elif command == "merge" and not item.startswith("-"):
            found["paths"].append(item)
        else:
            hint = "options after -- go to run.sh" if command != "merge" else "merge takes --env and paths"
            raise BadInput(f"unknown option '{item}' ({hint}; ./run.sh shard --help)")
    if command == "merge" and not found["paths"]:
        raise BadInput("usage: ./run.sh shard merge [--env ENV] PATH...")
    if command == "local" and found["env"] not in ("local", "ci"):
        raise BadInput(f"the local sharded path runs on local or ci, not '{found['env']}'")
    return found


def check(args: list[str]) -> None:
    parse(args)


def latest_of(env: str) -> Path | None:
    link = results_root() / env / "latest"
    return link.resolve() if link.is_dir() else None


def run_shard(index: int, total: int, env: str, run_args: list[str]) -> tuple[int, Path | None]:
    """One shard through run.sh: (its exit status, its results folder or None when it produced none)."""
    before = latest_of(env)
    print(f"shard: shard {index} of {total}: ./run.sh {env} {' '.join(run_args)}", flush=True)
    command = [str(ROOT / "run.sh"), env, "--prerunmodifier", f"{FILTER}:{index}:{total}", "--runemptysuite", *run_args]
    code = subprocess.run(command, check=False).returncode
    after = latest_of(env)
    if after is None or after == before or not (after / "output.xml").is_file():
        print(f"shard: shard {index} of {total} produced no results (run.sh exit {code}; see above)", file=sys.stderr)
        return 1, None
    return code, after


def merge(env: str, paths: list[str]) -> tuple[int, Path]:
    from runner.results import merge_files

    outputs: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_file():
            outputs.append(path)
        elif path.is_dir():
            found = [p for p in sorted(path.rglob("output.xml")) if not {".parts", "latest"} & set(p.parts)]
            outputs += found
        else:
            raise BadInput(f"no such file or directory: {text}")
    if not outputs:
        raise BadInput(f"no output.xml found in: {' '.join(paths)}")
    base = results_root() / env
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out, n = base / stamp, 1
    while out.exists():
        n += 1
        out = base / f"{stamp}-{n}"
    print(f"shard: merging {len(outputs)} shard output(s) into {shown(out)}", flush=True)
    outcome = merge_files(outputs, out)
    (base / "latest").unlink(missing_ok=True)
    (base / "latest").symlink_to(out.name)
    print(outcome.line)
    print(f"shard: merged report: {shown(out)}/report.html (also {shown(base)}/latest/report.html)")
    return (1 if outcome.result.statistics.total.failed else 0), out


def main(args: list[str]) -> int:
    found = parse(args)
    env, run_args = found["env"], found["run_args"]
    if found["command"] == "merge":
        return merge(env, found["paths"])[0]
    if found["command"] == "run":
        code, folder = run_shard(found["index"], found["shards"], env, run_args)
        if folder:
            print(f"shard: shard {found['index']} of {found['shards']} results: {shown(folder)}")
        return code
    shards, status = found["shards"], 0
    batch = results_root() / "shards" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    batch.mkdir(parents=True)
    outputs = []
    for index in range(1, shards + 1):
        code, folder = run_shard(index, shards, env, run_args)
        status = status or (1 if code else 0)
        if folder:
            shutil.move(str(folder), batch / f"shard-{index}-of-{shards}")
            outputs.append(str(batch / f"shard-{index}-of-{shards}" / "output.xml"))
    if len(outputs) != shards:
        print(f"shard: only {len(outputs)} of {shards} shards produced results", file=sys.stderr)
        return 1
    code, merged = merge(env, outputs)
    status = status or code
    if found["compare"]:
        print(f"shard: unsharded run for the comparison: ./run.sh {env} {' '.join(run_args)}", flush=True)
        before = latest_of(env)
        subprocess.run([str(ROOT / "run.sh"), env, *run_args], check=False)
        after = latest_of(env)
        if after is None or after == before or not (after / "output.xml").is_file():
            print("shard: the unsharded run produced no results", file=sys.stderr)
            return 1
        shutil.move(str(after), batch / "unsharded")
        compare = [sys.executable, str(ROOT / "scripts" / "ci" / "compare_results.py")]
        if subprocess.run(
            [*compare, str(batch / "unsharded" / "output.xml"), str(merged / "output.xml")], check=False
        ).returncode:
            print("shard: the merged report differs from the unsharded run (see above)", file=sys.stderr)
            status = 1
        else:
            print(f"shard: the merged report of {shards} shards equals the unsharded run")
        (results_root() / env / "latest").unlink(missing_ok=True)
        (results_root() / env / "latest").symlink_to(merged.name)
    return status
