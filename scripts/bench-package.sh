#!/usr/bin/env bash
# Installer size benchmark (not part of the test command): builds the binaries with the `dist`
# profile (release without LTO, 16 codegen units: see the workspace Cargo.toml), packages them with
# packaging/build-deb.sh, and prints the .deb / .rpm sizes next to the bare Tauri 2 binary's
# (built by scripts/bench-desktop.sh into target/bench-bare/; FACTS.md: 9.6 MB, 7.0 MB stripped).
# Target: .deb < 15 MB.  Usage: scripts/bench-package.sh [--no-build]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ "${1:-}" != --no-build ]; then
  t0=$(date +%s)
  PKGS=(-p sio-cli)
  [ -f src-tauri/Cargo.toml ] && PKGS+=(-p arm-sio-pso)
  cargo build --profile dist --locked "${PKGS[@]}"
  echo "dist build: $(( $(date +%s) - t0 )) s"
fi
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
t0=$(date +%s)
mapfile -t PKGS < <(bash packaging/build-deb.sh --bin-dir target/dist --out "$OUT" --rpm)
echo "packaging: $(( $(date +%s) - t0 )) s"
mb() { awk -v b="$1" 'BEGIN{printf "%.2f MB", b/1e6}'; }
size() { stat -c %s "$1"; }
stripped() { cp "$1" "$OUT/s"; strip --strip-unneeded "$OUT/s" 2>/dev/null || true; size "$OUT/s"; }
printf '%-44s %s\n' "artefact" "size"
for p in "${PKGS[@]}"; do printf '%-44s %s\n' "$(basename "$p")" "$(mb "$(size "$p")")"; done
DEB=$(printf '%s\n' "${PKGS[@]}" | grep '/arm-sio-pso_.*\.deb$')
printf '%-44s %s\n' "  installed size (Installed-Size)" "$(mb $(( $(dpkg-deb -f "$DEB" Installed-Size) * 1024 )))"
[ -x target/dist/sio ] && printf '%-44s %s\n' "sio (dist, stripped)" "$(mb "$(stripped target/dist/sio)")"
[ -x target/dist/arm-sio-pso ] && printf '%-44s %s\n' "arm-sio-pso (dist, stripped)" "$(mb "$(stripped target/dist/arm-sio-pso)")"
BARE=target/bench-bare/release/sio-bench-bare-tauri
if [ -x "$BARE" ]; then
  B=$(stripped "$BARE")
  printf '%-44s %s\n' "bare Tauri 2 window (release, stripped)" "$(mb "$B")"
  awk -v d="$(size "$DEB")" -v b="$B" 'BEGIN{printf "ratio .deb / bare Tauri binary: %.2f\n", d/b}'
else
  echo "bare Tauri 2 window: not built here (scripts/bench-desktop.sh builds it); FACTS.md: 9.6 MB, 7.0 MB stripped"
fi
D=$(size "$DEB")
if [ "$D" -lt 15000000 ]; then echo "target .deb < 15 MB: met ($(mb "$D"))"; else echo "target .deb < 15 MB: MISSED ($(mb "$D"))"; fi
