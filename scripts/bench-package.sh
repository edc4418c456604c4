#!/usr/bin/env bash
# Package size and `sio sign` start benchmark (issue 21; not part of the test command). Prints the
# two rows of docs/PERFORMANCE.md, each with its reference measured in the same run:
#   1. the workstation .deb (desktop app, `sio` with the fingerprint agent) against the
#      bare Tauri 2 binary, stripped (built by scripts/bench-desktop.sh into target/bench-bare/;
#      SIO_BENCH_REUSE_BARE=1 there reuses it), its installed size, each binary stripped, and
#      which crates weigh what in each binary (`nm --size-sort -S` of the unstripped dist build,
#      grouped by the crate a symbol's name starts with);
#   2. `sio sign`, one process per signature, with an RSA-2048 key in SoftHSM2, against
#      `pkcs11-tool --sign` on the same key: N runs each, interleaved; median, p95, ratio.
# Builds with the `dist` profile (workspace Cargo.toml: fat LTO, one codegen unit, opt-level "s"
# but for the hot numeric crates) and prints the build time; the three binaries are built in three
# cargo invocations so that each gets only its own features: the app and the workstation's `sio`
# never link the gateway or tract; the gateway's program `sio-gateway` (its own package) does.
# Usage: scripts/bench-package.sh [--no-build] [--runs N] [--sign-only]   (N defaults to 50)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=1
RUNS=50
SIGN_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --sign-only) SIGN_ONLY=1; BUILD=0; shift ;;
    *) echo "bench-package: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$BUILD" = 1 ]; then
  for what in "-p arm-sio-pso" "-p sio-cli --no-default-features --bin sio" "-p sio-cli --bin sio-gateway"; do
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the words of $what are cargo's arguments
    cargo build --profile dist --locked $what
    echo "dist build of $what: $(( $(date +%s) - t0 )) s (wall clock, $(nproc) cores)"
  done
fi
BIN=${SIO_BENCH_BIN_DIR:-target/dist}   # (SIO_BENCH_BIN_DIR: another build, e.g. to try the script)
[ -x "$BIN/sio" ] || { echo "bench-package: $BIN/sio missing (run without --no-build)" >&2; exit 1; }
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT

# ------------------------------------------------------------------ 1. package size
if [ "$SIGN_ONLY" = 0 ]; then
t0=$(date +%s)
mapfile -t PKGS < <(bash packaging/build-deb.sh --bin-dir "$BIN" --out "$OUT" --rpm)
echo "packaging: $(( $(date +%s) - t0 )) s"
mb() { awk -v b="$1" 'BEGIN{printf "%.2f MB", b/1e6}'; }
size() { stat -c %s "$1"; }
stripped() { cp "$1" "$OUT/s"; strip --strip-unneeded "$OUT/s" 2>/dev/null || true; size "$OUT/s"; }
xzed() { xz -6 -T1 -c "$1" | wc -c; }   # level 6, as dpkg-deb -Zxz
printf '%-48s %s\n' "artefact" "size"
for p in "${PKGS[@]}"; do printf '%-48s %s\n' "$(basename "$p")" "$(mb "$(size "$p")")"; done
DEB=$(printf '%s\n' "${PKGS[@]}" | grep '/arm-sio-pso_.*\.deb$')
printf '%-48s %s\n' "  installed size (Installed-Size)" "$(mb $(( $(dpkg-deb -f "$DEB" Installed-Size) * 1024 )))"
dpkg-deb --contents "$DEB" | awk '$3 > 100000 {printf "  %-46s %.2f MB\n", $6 ($7 ? " " $7 " " $8 : ""), $3/1e6}'
for b in sio arm-sio-pso sio-gateway; do
  [ -x "$BIN/$b" ] || continue
  S=$(stripped "$BIN/$b")
  printf '%-48s %s (xz: %s)\n' "$b (dist, stripped)" "$(mb "$S")" "$(mb "$(xzed "$OUT/s")")"
done
BARE=target/bench-bare/release/sio-bench-bare-tauri
if [ -x "$BARE" ]; then
  B=$(stripped "$BARE")
  printf '%-48s %s (xz: %s)\n' "bare Tauri 2 window (release, stripped)" "$(mb "$B")" "$(mb "$(xzed "$OUT/s")")"
  awk -v d="$(size "$DEB")" -v b="$B" 'BEGIN{printf "ROW package: .deb %.2f MB vs bare Tauri binary stripped %.2f MB: %.2fx\n", d/1e6, b/1e6, d/b}'
else
  echo "bare Tauri 2 window: not built (scripts/bench-desktop.sh builds it into target/bench-bare)"
  echo "ROW package: .deb $(mb "$(size "$DEB")") (no bare reference in this run)"
fi
D=$(size "$DEB")
if [ "$D" -le 12000000 ]; then echo "goal .deb <= 12 MB: met ($(mb "$D"))"; else echo "goal .deb <= 12 MB: MISSED ($(mb "$D"))"; fi

# Which crates weigh what: symbol sizes of the unstripped binaries, by the first crate named in
# each (demangled) symbol, generic code of core/alloc/std counted to the crate it was made for.
for b in sio arm-sio-pso sio-gateway; do
  [ -x "$BIN/$b" ] || continue
  echo "== $b: sections (size -A) and symbols by crate (nm --size-sort -S)"
  command size -A "$BIN/$b" | awk '$1 ~ /^\.(text|rodata|data\.rel\.ro|eh_frame|gcc_except_table)$/ {printf "  %-20s %6.2f MB\n", $1, $2/1e6}'
  nm -C --size-sort -S --defined-only "$BIN/$b" 2>/dev/null | python3 -c '
import re, sys, collections
sizes = collections.Counter(); total = 0
skip = {"core", "alloc", "std", "impl", "dyn", "mut", "const"}
for line in sys.stdin:
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4: continue
    n = int(parts[1], 16); name = parts[3]; total += n
    # crate names where a path starts: `core::ptr::drop_in_place<tauri::X>` -> core, tauri
    crates = re.findall(r"(?:^|[<&*\s(,\[])([A-Za-z_][A-Za-z0-9_]*)::", name)
    own = [c for c in crates if c not in skip]
    if own: key = own[0]
    elif crates: key = crates[0]
    elif name.startswith(("sqlite3", "Sqlite")): key = "(C) sqlite"
    elif "ring_core" in name or name.startswith(("GFp", "ecp_nistz", "bn_", "x25519", "aes_hw", "ChaCha20", "gcm_")): key = "(C/asm) ring"
    else: key = "(other C/asm, tables)"
    sizes[key] += n
print("  symbols: %.2f MB in all" % (total / 1e6))
for k, v in sizes.most_common(25):
    print("  %-34s %6.2f MB  %4.1f %%" % (k, v / 1e6, 100 * v / total))
'
done
UI=ui/dist/assets
if [ -d "$UI" ]; then
  echo "== the embedded UI (Tauri embeds it brotli-compressed; raw and xz sizes of ui/dist for scale)"
  find "$UI" -type f -size +20k -printf '%s %p\n' | sort -rn | while read -r s p; do
    printf '  %-46s %.2f MB raw, %.2f MB xz\n' "$(basename "$p")" "$(awk -v b="$s" 'BEGIN{print b/1e6}')" "$(awk -v b="$(xzed "$p")" 'BEGIN{print b/1e6}')"
  done
fi

fi

# ------------------------------------------------------------------ 2. `sio sign` start
MODULE=/usr/lib/softhsm/libsofthsm2.so
if ! { [ -r "$MODULE" ] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; }; then
  echo "ROW sign: skipped (needs softhsm2 and opensc's pkcs11-tool)"
  exit 0
fi
H="$OUT/hsm"; mkdir -p "$H/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$H/tokens" > "$H/softhsm2.conf"
export SOFTHSM2_CONF="$H/softhsm2.conf"
softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin 123456 >/dev/null
openssl req -x509 -nodes -days 30 -newkey rsa:2048 -keyout "$H/key.pem" -out "$H/cert.pem" -utf8 \
  -subj "/CN=ТЕСТОВ bench/serialNumber=IIN900101300106/C=KZ/O=Test Agency" 2>/dev/null
openssl x509 -outform DER -in "$H/cert.pem" -out "$H/cert.der"
softhsm2-util --import "$H/key.pem" --token bench --label key --id 01 --pin 123456 >/dev/null
pkcs11-tool --module "$MODULE" --token-label bench --login --pin 123456 --write-object "$H/cert.der" \
  --type cert --id 01 --label cert >/dev/null
head -c 6000 /dev/urandom | base64 > "$H/doc.txt"
SIO="$ROOT/$BIN/sio"
# One of each first (warm page cache), checked for success.
echo 123456 | "$SIO" sign --in "$H/doc.txt" --out "$H/doc.p7s" --pkcs11-module "$MODULE" --pin-stdin >/dev/null 2>&1
pkcs11-tool --module "$MODULE" --login --pin 123456 --sign --mechanism SHA256-RSA-PKCS --id 01 \
  --input-file "$H/doc.txt" --output-file "$H/doc.sig" >/dev/null 2>&1
python3 - "$RUNS" "$SIO" "$MODULE" "$H" <<'PY'
import subprocess, sys, time
runs, sio, module, h = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ours = [sio, "sign", "--in", f"{h}/doc.txt", "--out", f"{h}/doc.p7s", "--pkcs11-module", module, "--pin-stdin"]
ref = ["pkcs11-tool", "--module", module, "--login", "--pin", "123456", "--sign", "--mechanism",
       "SHA256-RSA-PKCS", "--id", "01", "--input-file", f"{h}/doc.txt", "--output-file", f"{h}/doc.sig"]
def once(cmd, stdin):
    t = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t) * 1000
a, b = [], []
for _ in range(runs):   # interleaved, so that the machine's load falls on both alike
    a.append(once(ours, b"123456\n")); b.append(once(ref, None))
def q(v, p): v = sorted(v); return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print(f"`sio sign` (SoftHSM2 RSA-2048, CMS of 8 KB, one process each, {runs} runs): median {q(a, .5):.2f} ms, p95 {q(a, .95):.2f} ms")
print(f"`pkcs11-tool --sign` (same key and file):                         median {q(b, .5):.2f} ms, p95 {q(b, .95):.2f} ms")
r = q(a, .5) / q(b, .5)
print(f"ROW sign: {q(a, .5):.2f} ms vs {q(b, .5):.2f} ms: {r:.2f}x (p95 {q(a, .95) / q(b, .95):.2f}x)")
print(f"goal sign <= 1.1x: {'met' if r <= 1.1 else 'MISSED'} ({r:.2f}x)")
PY
