#!/usr/bin/env bash
# Sharded runs for CI (the workflow calls this path): the same as `./run.sh shard ...`, see `./run.sh shard --help`.
exec "$(dirname "${BASH_SOURCE[0]}")/../run.sh" shard "$@"
