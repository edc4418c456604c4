#!/usr/bin/env bash
# Benchmark of the desktop app against a bare Tauri 2 window (not part of the test command).
# Builds both in release (the app from src-tauri/ with the UI embedded; the bare window generated
# in ${TMPDIR:-/tmp}/sio-bench-bare-tauri with the workspace's Cargo.lock, built into
# target/bench-bare/), then under Xvfb prints:
#   1. start to the interactive login screen: the app is started directly and the X screen is
#      captured back to back (`xwd -root`, ~60 ms a frame, tests/desktop/bench-frames.mjs); the
#      time is that of the first capture showing the screen the app settles on (the login screen
#      with the reader list, i.e. list_readers has answered; the bare window: its page), from the
#      spawn, ± half a capture. The first run after dropping the page cache with --cold, and the
#      median of --runs. Also through tauri-driver + WebKitWebDriver, polling the marker
#      `[data-reader]` (tests/desktop/bench.mjs): an upper bound (automation adds work). Target < 1 s.
#   2. idle memory: the app started directly (no WebDriver), 10 s after start: RSS and PSS of the
#      app process (target RSS < 60 MB) and, separately, of its WebKit processes (web, network).
# Ratios are app / bare window. pcscd with the vpcd reader must be up (scripts/card-up.sh
# --pcscd-only is run); the card itself is not used.
# Usage: scripts/bench-desktop.sh [--runs N] [--cold]   (--cold drops the page cache: root)
#        SIO_BENCH_REUSE_BARE=1: do not rebuild the bare window when it exists
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E="$ROOT/tests/desktop"
RUNS=${RUNS:-5}
COLD=${COLD:-0}
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift ;;
        --cold) COLD=1 ;;
        --inner) break ;;
        *) echo "bench-desktop: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
die() { echo "bench-desktop: $*" >&2; exit 1; }
log() { echo "bench-desktop: $*" >&2; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Every process of the tree under $1 (the app, WebKit's processes, their sandbox helpers).
tree() { echo "$1"; local c; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3" 2>/dev/null || echo 0; }

# Idle memory of `bin` started directly: "app_rss app_pss web_rss web_pss net_rss net_pss other_rss" in KiB.
idle_memory() { # bin
    "$1" >"$BENCH/idle.log" 2>&1 &
    local pid=$! p name
    sleep 10
    local a_rss a_pss w_rss=0 w_pss=0 n_rss=0 n_pss=0 o_rss=0
    a_rss=$(kb "$pid" VmRSS status)
    a_pss=$(kb "$pid" Pss smaps_rollup)
    for p in $(tree "$pid"); do
        [ "$p" = "$pid" ] && continue
        name=$(cat "/proc/$p/comm" 2>/dev/null || true)
        case "$name" in
            WebKitWebProces*) w_rss=$((w_rss + $(kb "$p" VmRSS status))); w_pss=$((w_pss + $(kb "$p" Pss smaps_rollup))) ;;
            WebKitNetworkPr*) n_rss=$((n_rss + $(kb "$p" VmRSS status))); n_pss=$((n_pss + $(kb "$p" Pss smaps_rollup))) ;;
            *) o_rss=$((o_rss + $(kb "$p" VmRSS status))) ;;
        esac
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$a_rss $a_pss $w_rss $w_pss $n_rss $n_pss $o_rss"
}

# --- inside Xvfb ---------------------------------------------------------------------------------
if [ "${1:-}" = "--inner" ]; then
    DRIVER_PORT=$(free_port)
    "$TAURI_DRIVER" --port "$DRIVER_PORT" --native-port "$(free_port)" --native-driver /usr/bin/WebKitWebDriver \
        >"$BENCH/tauri-driver.log" 2>&1 &
    DRIVER_PID=$!
    trap 'kill "$DRIVER_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do ss -ltnH "sport = :$DRIVER_PORT" | grep -q . && break; sleep 0.1; done
    export SIO_E2E_DRIVER_PORT=$DRIVER_PORT
    cold() { [ "$COLD" = 1 ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }; true; }
    cold; node "$E2E/bench-frames.mjs" --app "$BARE_BIN" --label bare --runs "$RUNS" >"$BENCH/frames-bare.json"
    cold; node "$E2E/bench-frames.mjs" --app "$APP_BIN" --label app --runs "$RUNS" >"$BENCH/frames-app.json"
    node "$E2E/bench.mjs" --app "$BARE_BIN" --marker '[data-ready]' --label bare --runs "$RUNS" >"$BENCH/start-bare.json"
    node "$E2E/bench.mjs" --app "$APP_BIN" --marker '[data-reader]' --label app --runs "$RUNS" >"$BENCH/start-app.json"
    idle_memory "$BARE_BIN" >"$BENCH/mem-bare.txt"
    idle_memory "$APP_BIN" >"$BENCH/mem-app.txt"
    exit 0
fi

cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
TAURI_DRIVER=$(command -v tauri-driver || true)
[ -n "$TAURI_DRIVER" ] || { cargo install tauri-driver --locked --version 2.1.0 --quiet; TAURI_DRIVER=$(command -v tauri-driver); }
[ -f "$E2E/node_modules/.package-lock.json" ] || (cd "$E2E" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

# --- release builds ------------------------------------------------------------------------------
# The bare Tauri 2 window: same tauri version (the workspace's lockfile), same profile.
BARE=${TMPDIR:-/tmp}/sio-bench-bare-tauri
mkdir -p "$BARE/src" "$BARE/dist" "$BARE/icons"
cat >"$BARE/Cargo.toml" <<'EOF'
[package]
name = "sio-bench-bare-tauri"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[build-dependencies]
tauri-build = { version = "2", features = [] }

[dependencies]
tauri = { version = "2", features = [] }

[features]
default = ["custom-protocol"]
custom-protocol = ["tauri/custom-protocol"]
EOF
# The workspace's release profile, so that both are built alike.
sed -n '/^\[profile\.release\]/,/^\[/p' Cargo.toml | sed '$ { /^\[/d }' >>"$BARE/Cargo.toml"
echo 'fn main() { tauri_build::build() }' >"$BARE/build.rs"
cat >"$BARE/src/main.rs" <<'EOF'
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("bare window");
}
EOF
cat >"$BARE/tauri.conf.json" <<'EOF'
{
  "productName": "sio-bench-bare-tauri",
  "version": "0.1.0",
  "identifier": "kz.example.siobenchbare",
  "build": { "frontendDist": "dist" },
  "app": {
    "windows": [{ "title": "bare", "width": 1280, "height": 860 }],
    "security": { "csp": "default-src 'self'" }
  },
  "bundle": { "active": false, "icon": ["icons/icon.png"] }
}
EOF
cat >"$BARE/dist/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>bare</title></head>
<body><h1 data-ready="1">A bare Tauri 2 window</h1></body></html>
EOF
[ -f "$BARE/icons/icon.png" ] || node -e '
    const z = require("zlib"), w = 32, raw = Buffer.alloc((w * 4 + 1) * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) raw.set([30, 90, 160, 255], y * (w * 4 + 1) + 1 + x * 4);
    const crcT = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
    const crc = (b) => { let c = ~0; for (const x of b) c = crcT[(c ^ x) & 255] ^ (c >>> 8); return (~c) >>> 0; };
    const chunk = (t, d) => { const l = Buffer.alloc(4), c = Buffer.alloc(4), td = Buffer.concat([Buffer.from(t), d]); l.writeUInt32BE(d.length); c.writeUInt32BE(crc(td)); return Buffer.concat([l, td, c]); };
    const ih = Buffer.alloc(13); ih.writeUInt32BE(w, 0); ih.writeUInt32BE(w, 4); ih.set([8, 6, 0, 0, 0], 8);
    require("fs").writeFileSync(process.argv[1], Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ih), chunk("IDAT", z.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]));
' "$BARE/icons/icon.png"
export BARE_BIN="$ROOT/target/bench-bare/release/sio-bench-bare-tauri"
if [ "${SIO_BENCH_REUSE_BARE:-0}" = 1 ] && [ -x "$BARE_BIN" ]; then
    log "reusing the bare window built before (SIO_BENCH_REUSE_BARE=1; its lockfile may differ from the workspace's)"
else
    cp Cargo.lock "$BARE/Cargo.lock"
    log "building the bare Tauri window (release, target/bench-bare)"
    (cd "$BARE" && CARGO_TARGET_DIR="$ROOT/target/bench-bare" cargo build --release --quiet)
fi

if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html ui/package-lock.json -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then
    [ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    (cd ui && npm run build --silent >/dev/null)
fi
[ -f src-tauri/Cargo.toml ] || die "src-tauri/Cargo.toml not found"
meta=$(cargo metadata --no-deps --format-version 1 --locked)
pkg_json=$(jq -c --arg m "$ROOT/src-tauri/Cargo.toml" '.packages[] | select(.manifest_path == $m)' <<<"$meta")
PKG=$(jq -r '.name' <<<"$pkg_json")
BIN=$(jq -r '[.targets[] | select(.kind | index("bin"))][0].name' <<<"$pkg_json")
FEATURES=()
jq -e '.features | has("custom-protocol")' <<<"$pkg_json" >/dev/null && FEATURES=(--features custom-protocol)
TARGET=$(jq -r '.target_directory' <<<"$meta")
log "building $PKG (release)"
cargo build --release --locked --quiet -p "$PKG" "${FEATURES[@]}"
export APP_BIN="$TARGET/release/$BIN"
log "tauri: app $(cargo tree --locked -p "$PKG" -i tauri --depth 0 2>/dev/null | head -1), bare $(grep -A1 '^name = "tauri"$' "$BARE/Cargo.lock" | sed -n 's/version = //p')"

# --- the app's surroundings: pcscd with the vpcd reader, a policy, its own home --------------------
bash scripts/card-up.sh --pcscd-only
BENCH=$(mktemp -d /tmp/sio-bench-desktop.XXXXXX)
trap 'rm -rf "$BENCH"' EXIT
SIO=$TARGET/debug/sio
[ -x "$SIO" ] || cargo build --quiet -p sio-cli
"$SIO" pki init "$BENCH/pki" --users demo >/dev/null
cat >"$BENCH/policy.toml" <<POLICY
[gateway]
url = "https://127.0.0.1:9"
ca = "$BENCH/pki/ca.cert.pem"

[air_gap]
on_violation = "warn"
POLICY
mkdir -p "$BENCH/home/run" && chmod 700 "$BENCH/home/run"
export HOME="$BENCH/home" XDG_DATA_HOME="$BENCH/home/.local/share" XDG_CONFIG_HOME="$BENCH/home/.config" \
    XDG_CACHE_HOME="$BENCH/home/.cache" XDG_RUNTIME_DIR="$BENCH/home/run"
export SIO_POLICY="$BENCH/policy.toml" SIO_DATA_DIR="$BENCH/data" SIO_KEYSTORE=memory NO_AT_BRIDGE=1
export BENCH TAURI_DRIVER RUNS COLD E2E

xvfb-run -a -s "-screen 0 1280x1024x24" "$0" --inner

# --- report --------------------------------------------------------------------------------------
node - "$BENCH" <<'EOF'
const fs = require('fs'), dir = process.argv[2];
const app = JSON.parse(fs.readFileSync(`${dir}/start-app.json`, 'utf8'));
const bare = JSON.parse(fs.readFileSync(`${dir}/start-bare.json`, 'utf8'));
const [a, b] = ['app', 'bare'].map((n) => fs.readFileSync(`${dir}/mem-${n}.txt`, 'utf8').trim().split(/\s+/).map(Number));
const mb = (k) => (k / 1024).toFixed(1);
const r = (x, y) => (y ? (x / y).toFixed(2) : '-');
const row = (name, x, y, unit = ' MiB', f = mb) => console.log(`${name.padEnd(44)} ${(f(x) + unit).padStart(11)} ${(f(y) + unit).padStart(11)}   ×${r(x, y)}`);
console.log(`\n${''.padEnd(44)} ${'app'.padStart(11)} ${'bare'.padStart(11)}   ratio`);
const ms = (x) => String(x);
const fa = JSON.parse(fs.readFileSync(`${dir}/frames-app.json`, 'utf8'));
const fb = JSON.parse(fs.readFileSync(`${dir}/frames-bare.json`, 'utf8'));
row(`start → login screen on screen, first${process.env.COLD === '1' ? ' (cold)' : ''}`, fa.first_ready_ms, fb.first_ready_ms, ' ms', ms);
row(`start → login screen on screen, median of ${fa.runs.length}`, fa.median_ready_ms, fb.median_ready_ms, ' ms', ms);
row(`  same, under WebDriver (marker polled), median`, app.median_ready_ms, bare.median_ready_ms, ' ms', ms);
row('  under WebDriver: process start → navigation', app.runs.map((x) => x.page_ms).sort((x, y) => x - y)[app.runs.length >> 1], bare.runs.map((x) => x.page_ms).sort((x, y) => x - y)[bare.runs.length >> 1], ' ms', ms);
row('idle RSS, app process', a[0], b[0]);
row('idle PSS, app process', a[1], b[1]);
row('idle RSS, WebKitWebProcess', a[2], b[2]);
row('idle PSS, WebKitWebProcess', a[3], b[3]);
row('idle RSS, WebKitNetworkProcess', a[4], b[4]);
row('idle PSS, WebKitNetworkProcess', a[5], b[5]);
row('idle PSS, total (app + WebKit)', a[1] + a[3] + a[5], b[1] + b[3] + b[5]);
console.log(`\nruns (ms from spawn to the settled screen, ± half a capture of ~${Math.round((fa.runs[0].hi_ms - fa.runs[0].lo_ms) / 2)} ms): app ${fa.runs.map((x) => x.ready_ms).join(' ')}; bare ${fb.runs.map((x) => x.ready_ms).join(' ')}`);
console.log(`targets: start < 1000 ms: ${fa.median_ready_ms < 1000 ? 'met' : 'NOT met'}; app process RSS < 60 MiB: ${a[0] / 1024 < 60 ? 'met' : 'NOT met'}`);
EOF
