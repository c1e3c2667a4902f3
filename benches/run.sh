#!/usr/bin/env bash
# All the figures: a clean release build, timed, then the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
start=$(date +%s%N)
CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf 'clean release build: %d.%03d s on %s cores\n\n' $((ms / 1000)) $((ms % 1000)) "$(nproc)"
cargo bench --locked --bench figures
