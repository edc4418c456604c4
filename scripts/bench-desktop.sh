#!/usr/bin/env bash
# Benchmark of the desktop app against a bare Tauri 2 window (not part of the test command; issue 21,
# docs/PERFORMANCE.md). Builds both in release (the app from src-tauri/ with the UI embedded; the
# bare window generated in ${TMPDIR:-/tmp}/sio-bench-bare-tauri with the workspace's Cargo.lock,
# built into target/bench-bare/), then under Xvfb prints the desktop rows of the issue's table, each
# with the bare window measured in the same run:
#   - start → settled login screen: the binary is started directly and the X screen is captured
#     back to back (`xwd -root`, ~60 ms a frame, tests/desktop/bench-frames.mjs); the time is that
#     of the first capture showing the screen the app settles on (the login screen with the reader
#     list, i.e. list_readers has answered; the bare window: its page), from the spawn, ± half a
#     capture. Warm: the median of --runs runs, app and bare interleaved run by run (so a load that
#     comes and goes hits both alike). Cold (--cold, root): one run of each after dropping the page
#     cache.
#   - first visible window: the first capture with anything of the window on it (median).
#   - idle memory, 10 s after a direct start (no WebDriver): PSS of the app process and of its
#     WebKit processes (web, network), median of 3 starts each.
#   - where the time goes (tests/desktop/bench.mjs, through tauri-driver + WebKitWebDriver, which
#     adds its own work): spawn → page navigation → first bundle run (`sio:init`) → first calls
#     answered (`sio:settings`) → reader list painted.
#   - a second reference, "bare-sw": the same bare window drawing without GPU compositing
#     (WebKit's hardware acceleration policy "never"), as the app does (src-tauri/src/main.rs,
#     `render_in_software`): what the app costs beyond a bare window that renders the same way.
# The AusweisApp2 reference of issue 21 is not installable here (no network, no package in the
# mirror): it is not measured, and the output says so.
# pcscd with the vpcd reader must be up (scripts/card-up.sh --pcscd-only is run); the card itself
# is not used.
# Usage: scripts/bench-desktop.sh [--runs N] [--cold]   (--runs: default 10; --cold drops the page
#        cache: root)
#        SIO_BENCH_REUSE_BARE=1: do not rebuild the bare window when it exists
#        SIO_BENCH_BEFORE=<binary>: also measure that build of the app (e.g. a copy made before a
#        change), interleaved with the others, as a third column
#        SIO_BENCH_APP=<binary>: measure that release build of the app instead of building it
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E="$ROOT/tests/desktop"
RUNS=${RUNS:-10}
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

# Idle memory of `bin` started directly, in KiB: "app_rss app_pss web_rss web_pss net_rss net_pss
# other_rss web_pss_anon web_pss_file".
idle_memory() { # bin
    "$1" >"$BENCH/idle.log" 2>&1 &
    local pid=$! p name
    sleep 10
    local a_rss a_pss w_rss=0 w_pss=0 n_rss=0 n_pss=0 o_rss=0 w_anon=0 w_file=0
    a_rss=$(kb "$pid" VmRSS status)
    a_pss=$(kb "$pid" Pss smaps_rollup)
    for p in $(tree "$pid"); do
        [ "$p" = "$pid" ] && continue
        name=$(cat "/proc/$p/comm" 2>/dev/null || true)
        case "$name" in
            WebKitWebProces*)
                w_rss=$((w_rss + $(kb "$p" VmRSS status))); w_pss=$((w_pss + $(kb "$p" Pss smaps_rollup)))
                w_anon=$((w_anon + $(kb "$p" Pss_Anon smaps_rollup))); w_file=$((w_file + $(kb "$p" Pss_File smaps_rollup))) ;;
            WebKitNetworkPr*) n_rss=$((n_rss + $(kb "$p" VmRSS status))); n_pss=$((n_pss + $(kb "$p" Pss smaps_rollup))) ;;
            *) o_rss=$((o_rss + $(kb "$p" VmRSS status))) ;;
        esac
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$a_rss $a_pss $w_rss $w_pss $n_rss $n_pss $o_rss $w_anon $w_file"
}

# --- inside Xvfb ---------------------------------------------------------------------------------
if [ "${1:-}" = "--inner" ]; then
    # label:binary of everything measured.
    TARGETS=("bare:$BARE_BIN" "bare-sw:$BENCH/bare-sw" "app:$APP_BIN")
    [ -n "${BEFORE_BIN:-}" ] && TARGETS+=("before:$BEFORE_BIN")
    frames() { # label binary runs [file suffix]
        node "$E2E/bench-frames.mjs" --app "$2" --label "$1" --runs "$3" >>"$BENCH/frames-$1${4:-}.jsonl"
    }
    if [ "$COLD" = 1 ]; then
        log "cold starts: one of each after dropping the page cache"
        for t in "${TARGETS[@]}"; do
            sync
            echo 3 >/proc/sys/vm/drop_caches
            frames "${t%%:*}" "${t#*:}" 1 -cold
        done
    fi
    log "warm starts: $RUNS of each, interleaved"
    for _ in $(seq "$RUNS"); do
        for t in "${TARGETS[@]}"; do frames "${t%%:*}" "${t#*:}" 1; done
    done
    log "idle memory: 3 starts of each"
    for _ in 1 2 3; do
        for t in "${TARGETS[@]}"; do idle_memory "${t#*:}" >>"$BENCH/mem-${t%%:*}.txt"; done
    done
    log "where the time goes (through WebDriver)"
    DRIVER_PORT=$(free_port)
    "$TAURI_DRIVER" --port "$DRIVER_PORT" --native-port "$(free_port)" --native-driver /usr/bin/WebKitWebDriver \
        >"$BENCH/tauri-driver.log" 2>&1 &
    DRIVER_PID=$!
    trap 'kill "$DRIVER_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do ss -ltnH "sport = :$DRIVER_PORT" | grep -q . && break; sleep 0.1; done
    export SIO_E2E_DRIVER_PORT=$DRIVER_PORT
    TRACE_RUNS=$((RUNS < 5 ? RUNS : 5))
    for t in "${TARGETS[@]}"; do
        marker='[data-reader]'
        case "${t%%:*}" in
            bare-sw) continue ;; # a wrapper script: bench.mjs finds the process by the binary's name
            bare) marker='[data-ready]' ;;
        esac
        node "$E2E/bench.mjs" --app "${t#*:}" --marker "$marker" --label "${t%%:*}" --runs "$TRACE_RUNS" >"$BENCH/start-${t%%:*}.json" \
            || { log "the WebDriver trace of ${t%%:*} failed"; rm -f "$BENCH/start-${t%%:*}.json"; }
    done
    log "a card inserted right after the start is seen (tests/desktop/bench-card-at-start.mjs)"
    node "$E2E/bench-card-at-start.mjs" --app "$APP_BIN" >"$BENCH/card-at-start.json" || echo failed >>"$BENCH/card-at-start.json"
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

[target.'cfg(target_os = "linux")'.dependencies]
webkit2gtk = { version = "2.0.2", features = ["v2_16"] }

[features]
default = ["custom-protocol"]
custom-protocol = ["tauri/custom-protocol"]
EOF
# The workspace's release profile, so that both are built alike.
sed -n '/^\[profile\.release\]/,/^\[/p' Cargo.toml | sed '$ { /^\[/d }' >>"$BARE/Cargo.toml"
echo 'fn main() { tauri_build::build() }' >"$BARE/build.rs"
cat >"$BARE/src/main.rs" <<'EOF'
// SIO_BENCH_BARE_SOFTWARE=1: no GPU compositing, as the app (src-tauri/src/main.rs).
fn main() {
    tauri::Builder::default()
        .setup(|app| {
            use tauri::Manager;
            if std::env::var_os("SIO_BENCH_BARE_SOFTWARE").is_some() {
                if let Some(w) = app.webview_windows().values().next() {
                    let _ = w.with_webview(|v| {
                        use webkit2gtk::{SettingsExt, WebViewExt};
                        if let Some(s) = v.inner().settings() {
                            s.set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
                        }
                    });
                }
            }
            Ok(())
        })
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

if [ -z "${SIO_BENCH_APP:-}" ] && { [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html ui/package-lock.json -newer ui/dist/index.html 2>/dev/null | head -1)" ]; }; then
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
if [ -n "${SIO_BENCH_APP:-}" ]; then
    [ -x "$SIO_BENCH_APP" ] || die "SIO_BENCH_APP=$SIO_BENCH_APP is not an executable"
    log "measuring the app binary $SIO_BENCH_APP (SIO_BENCH_APP; not rebuilt)"
    export APP_BIN=$SIO_BENCH_APP
else
    log "building $PKG (release)"
    cargo build --release --locked --quiet -p "$PKG" "${FEATURES[@]}"
    export APP_BIN="$TARGET/release/$BIN"
fi
BEFORE_BIN=${SIO_BENCH_BEFORE:-}
[ -z "$BEFORE_BIN" ] || [ -x "$BEFORE_BIN" ] || die "SIO_BENCH_BEFORE=$BEFORE_BIN is not an executable"
export BEFORE_BIN
log "tauri: app $(cargo tree --locked -p "$PKG" -i tauri --depth 0 2>/dev/null | head -1), bare $(grep -A1 '^name = "tauri"$' "$BARE/Cargo.lock" | sed -n 's/version = //p')"

# --- the app's surroundings: pcscd with the vpcd reader, a policy, its own home --------------------
# The login screen settles on the reader list only without a card (with one it goes on to the
# card's certificates): the virtual card is stopped for the run, under the card lock the tests take,
# and started again afterwards (with its state directory) when it was running.
exec {CARD_LOCK}>/tmp/sio-card.lock
flock -w 900 "$CARD_LOCK" || die "the card has been busy for 15 minutes (/tmp/sio-card.lock)"
CARD_WAS=""
if [ -f /tmp/sio-card.pid ] && kill -0 "$(head -1 /tmp/sio-card.pid)" 2>/dev/null; then
    CARD_WAS=$(sed -n 2p /tmp/sio-card.pid)
fi
export SIO_CARD_STATE=${CARD_WAS:-${SIO_CARD_STATE:-/tmp/sio-card}}
[ -x "$TARGET/debug/sio-virtual-card" ] || cargo build --quiet -p sio-virtual-card
export SIO_CARD_BIN="$TARGET/debug/sio-virtual-card"
bash scripts/card-up.sh --pcscd-only
bash scripts/card-down.sh
BENCH=$(mktemp -d /tmp/sio-bench-desktop.XXXXXX)
printf '#!/bin/sh\nSIO_BENCH_BARE_SOFTWARE=1 exec "%s" "$@"\n' "$BARE_BIN" >"$BENCH/bare-sw"
chmod +x "$BENCH/bare-sw"
restore_card() {
    if [ -n "$CARD_WAS" ]; then bash scripts/card-up.sh >/dev/null || true; else bash scripts/card-down.sh || true; fi
}
trap 'rm -rf "$BENCH"; restore_card' EXIT
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
const read = (f) => (fs.existsSync(`${dir}/${f}`) ? fs.readFileSync(`${dir}/${f}`, 'utf8') : null);
const labels = ['app', 'bare', 'bare-sw', ...(read('frames-before.jsonl') ? ['before'] : [])];
const runsOf = (l, suffix = '') => (read(`frames-${l}${suffix}.jsonl`) ?? '').trim().split('\n').filter(Boolean).flatMap((x) => JSON.parse(x).runs);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[s.length >> 1] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2)) : NaN; };
const warm = Object.fromEntries(labels.map((l) => [l, runsOf(l)]));
const cold = Object.fromEntries(labels.map((l) => [l, runsOf(l, '-cold')]));
// Idle memory: median per column of 3 starts ("app_rss app_pss web_rss web_pss net_rss net_pss other_rss web_pss_anon web_pss_file", KiB).
const mem = Object.fromEntries(labels.map((l) => {
  const rows = read(`mem-${l}.txt`).trim().split('\n').map((r) => r.trim().split(/\s+/).map(Number));
  return [l, rows[0].map((_, c) => median(rows.map((r) => r[c])))];
}));
const total = (m) => m[1] + m[3] + m[5];
const mib = (k) => `${(k / 1024).toFixed(1)} MiB`;
const ms = (x) => (Number.isFinite(x) ? `${x} ms` : '–');
const ratio = (x, y) => (x && y ? `${(x / y).toFixed(2)}×` : '–');
const cols = labels.filter((l) => l !== 'bare');
const head = ['measure', ...cols, 'bare window', ...cols.map((c) => `${c} / bare`), 'app / bare-sw', 'goal'];
const rows = [];
const row = (name, vals, f, goal) => rows.push([name, ...cols.map((c) => f(vals[c])), f(vals.bare), ...cols.map((c) => ratio(vals[c], vals.bare)), ratio(vals.app, vals['bare-sw']), goal]);
const by = (fn) => Object.fromEntries(labels.map((l) => [l, fn(l)]));
const n = warm.app.length;
row(`start → settled login screen, warm median (${n} runs)`, by((l) => median(warm[l].map((r) => r.ready_ms))), ms, '≤ 1.1× bare');
if (cold.app.length) row('same, cold first run (page cache dropped)', by((l) => cold[l][0]?.ready_ms), ms, '≤ 1.2× bare');
row('first visible window, warm median', by((l) => median(warm[l].map((r) => r.visible_ms))), ms, '–');
row('idle PSS, app + WebKit processes (median of 3)', by((l) => total(mem[l])), mib, '≤ 1.1× bare');
row('  idle PSS, app process', by((l) => mem[l][1]), mib, '');
row('  idle PSS, WebKitWebProcess', by((l) => mem[l][3]), mib, '');
row('    of which anonymous (heaps: JS, DOM, style, layers)', by((l) => mem[l][7]), mib, '');
row('    of which files (libraries, fonts, caches)', by((l) => mem[l][8]), mib, '');
row('  idle PSS, WebKitNetworkProcess', by((l) => mem[l][5]), mib, '');
row('  idle RSS, app process', by((l) => mem[l][0]), mib, '');
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');
console.log(`\n${line(head)}`);
for (const r of rows) console.log(line(r));
console.log("AusweisApp2 (issue 21's second reference): not measured, it is not installable on this machine (no network, no package in the mirror).");
for (const l of labels) {
  console.log(`runs, ${l} (ms from spawn to the settled screen, ± half a capture of ~${Math.round((warm[l][0].hi_ms - warm[l][0].lo_ms) / 2)} ms): ${warm[l].map((x) => x.ready_ms).join(' ')}${cold[l].length ? `; cold ${cold[l][0].ready_ms}` : ''}`);
}
const card = read('card-at-start.json');
if (card) {
  const ok = !/failed/.test(card);
  const runs = JSON.parse(card.split('\n')[0] || '{"runs":[]}').runs;
  console.log(`card inserted right after the start: ${ok ? 'seen' : 'MISSED'} (${runs.map((r) => `card-up ${r.delay_ms} ms after the session was asked for: ${r.seen_ms == null ? 'not shown' : `on the screen at ${r.seen_ms} ms`}`).join('; ')})`);
}
// Where the time goes: medians of the WebDriver runs.
console.log('\nwhere the time goes (through WebDriver, which adds its own work; medians, ms after the spawn):');
for (const l of labels) {
  const s = read(`start-${l}.json`);
  if (!s) continue;
  const runs = JSON.parse(s).runs;
  const at = (f) => median(runs.map((r) => { const v = f(r); return v == null ? NaN : r.page_ms + v; }).filter(Number.isFinite));
  const parts = [
    ['navigation start', median(runs.map((r) => r.page_ms))],
    ['document loaded', at((r) => r.trace?.response_end)],
    ['DOM interactive', at((r) => r.trace?.dom_interactive)],
    ['first bundle run (sio:init)', at((r) => r.trace?.marks?.['sio:init'])],
    ['first calls answered (sio:settings)', at((r) => r.trace?.marks?.['sio:settings'])],
    ['screen painted', median(runs.map((r) => r.ready_ms))],
  ].filter(([, v]) => Number.isFinite(v));
  console.log(`  ${l.padEnd(7)} ${parts.map(([k, v]) => `${k} ${v}`).join(' → ')}`);
  const scripts = runs.at(-1)?.trace?.scripts ?? [];
  if (scripts.length) console.log(`         loaded before the screen (ms after navigation, last run): ${scripts.map((x) => `${x.name} ${x.start}–${x.end}`).join(', ')}`);
}
EOF
