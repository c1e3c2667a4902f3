#!/usr/bin/env bash
# All the figures: a clean release build, timed, then the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
start=$(date +%s.%N)
CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet
end=$(date +%s.%N)
printf 'clean release build: %.1f s on %s cores\n\n' "$(echo "$end - $start" | bc)" "$(nproc)"
cargo bench --locked --bench figures
