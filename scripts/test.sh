#!/usr/bin/env bash
# Run every test of АРМ СИО ПСО on a fresh Debian 12 machine (as root).
# Installs what the tests need, starts what they need (pcscd + vpcd + the virtual PIV card),
# then runs the interface's tests and the whole workspace's tests. Idempotent: run it as often as you like.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh
# The desktop interface: types, unit tests, build, browser smoke test with screenshots.
bash scripts/ui-test.sh
# Every parser under the fuzzer for 10 s each (fuzz/; 12 targets ≈ 2.5 min after the build).
bash scripts/fuzz-smoke.sh 10
# pcscd with vsmartcard's reader and the virtual PIV card (tests take /tmp/sio-card.lock to use it).
bash scripts/card-up.sh >/dev/null
# The desktop app end to end: tauri-driver + WebKitWebDriver under Xvfb, screenshots in tests/desktop/artifacts/.
bash scripts/desktop-e2e.sh
# fprintd with libfprint's virtual_image device on a system D-Bus, and the fingerprint test images.
bash scripts/fprintd-up.sh >/dev/null && bash scripts/fetch-fingerprints.sh >/dev/null

# Face ID test data (MobileFaceNet, photos; pinned, SHA-256 checked) into .cache/face (SIO_FACE_DATA).
bash scripts/fetch-test-data.sh >/dev/null
cargo test --workspace --locked "$@"
# Packages from the debug binaries just built: .deb/.rpm, dpkg-deb and lintian, sio run from the unpacked tree, an offline update (~1–3 min).
bash scripts/package-test.sh
