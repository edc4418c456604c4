#!/usr/bin/env bash
# A short smoke run of every fuzz target in fuzz/ (cargo-fuzz, libFuzzer with AddressSanitizer).
# The machine's toolchain is stable; cargo-fuzz's nightly flags are allowed with RUSTC_BOOTSTRAP
# for this one build only. Installs cargo-fuzz if missing. Seconds per target: $1 (default 15).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_TARGET=${1:-15}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
cd "$ROOT/fuzz"
for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s" >&2
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$SECONDS_PER_TARGET" 2>&1 | tail -n 2
done
