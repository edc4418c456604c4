#!/usr/bin/env bash
# A short smoke run of every fuzz target in fuzz/ (cargo-fuzz, libFuzzer with AddressSanitizer).
# The machine's toolchain is stable; cargo-fuzz's nightly flags are allowed with RUSTC_BOOTSTRAP
# for this one build only. Installs cargo-fuzz if missing. Seconds per target: $1 (default 10).
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/) and replays its
# regression inputs (fuzz/regressions/<target>/: inputs that once crashed it); new inputs go to
# a scratch directory, so the committed seeds stay as they are. A panic, a leak, an allocation
# over -malloc_limit_mb, more than -rss_limit_mb in all, or one input running longer than
# -timeout seconds fails the run (the crashing input is left in fuzz/artifacts/<target>/).
# Time: 14 targets × $1 s of fuzzing, plus the build (the first time ≈ 7 min for the parsers and
# as much again for `gateway_backup`, which links the gateway and its face model runtime; then
# seconds).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_TARGET=${1:-10}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
cd "$ROOT/fuzz"
RUSTC_BOOTSTRAP=1 cargo fuzz build >/dev/null 2>&1 || RUSTC_BOOTSTRAP=1 cargo fuzz build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do
    mkdir -p "corpus/$target" "regressions/$target" "$work/$target"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s" >&2
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$work/$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=5 \
        -print_final_stats=0 2>&1 | tail -n 2
done
echo "fuzz: every target done in $(( $(date +%s) - start )) s" >&2
